"""Loss functions, each a small documented `nn.Module`."""

from __future__ import annotations

import torch
from torch import nn


class SoftLabelCrossEntropy(nn.Module):
    """Cross-entropy against a target *distribution* over grades (soft labels).

    Graders give a distribution over the five grades (read from an LLM's grade-token
    log-probabilities, or the rubric's softened grade); training on the whole distribution keeps
    the grader's uncertainty, as in knowledge distillation (Hinton et al., 2015, "Distilling the
    Knowledge in a Neural Network"). With one-hot targets it equals ordinary cross-entropy.

    Inputs: `logits` (batch, classes), `targets` (batch, classes) rows summing to 1,
    optional `weights` (batch,) per-example weights (e.g. golden pairs weigh more).

    Example:
        >>> loss = SoftLabelCrossEntropy()
        >>> logits = torch.tensor([[2.0, 0.0, 0.0, 0.0, 0.0]])
        >>> target = torch.tensor([[1.0, 0.0, 0.0, 0.0, 0.0]])
        >>> round(loss(logits, target).item(), 4)  # = -log softmax(logits)[0]
        0.4327
    """

    def forward(self, logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        per_example = -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=-1)
        if weights is None:
            return per_example.mean()
        return (per_example * weights).sum() / weights.sum().clamp_min(1e-12)


class DistillationKL(nn.Module):
    """KL(teacher || student) between grade distributions, with temperature.

    The student learns the teacher's whole distribution (Hinton et al., 2015). Both sides are
    softened by `temperature`; the loss is scaled by temperature**2 so gradient magnitudes do
    not shrink as the temperature grows. `teacher_probs` are stored probabilities (a teacher's
    soft labels, as in sentence-transformers' distillation recipe), so teachers never run while
    the student trains.

    Inputs: `student_logits` (batch, classes); `teacher_probs` (batch, classes), rows sum to 1.

    Example:
        >>> loss = DistillationKL()
        >>> student = torch.log(torch.tensor([[0.5, 0.5]]))
        >>> teacher = torch.tensor([[0.9, 0.1]])
        >>> round(loss(student, teacher).item(), 4)  # 0.9 ln(0.9/0.5) + 0.1 ln(0.1/0.5)
        0.3681
    """

    def __init__(self, temperature: float = 1.0):
        super().__init__()
        self.temperature = temperature

    def forward(self, student_logits: torch.Tensor, teacher_probs: torch.Tensor) -> torch.Tensor:
        t = self.temperature
        teacher = teacher_probs.clamp_min(1e-12)
        if t != 1.0:
            teacher = torch.softmax(torch.log(teacher) / t, dim=-1)
        student_log = torch.log_softmax(student_logits / t, dim=-1)
        return (teacher * (torch.log(teacher) - student_log)).sum(dim=-1).mean() * t * t


class MultiTeacherDistillation(nn.Module):
    """A weighted sum of one `DistillationKL` per teacher (LinkedIn's multi-teacher distillation).

    Each teacher has its own head on the student (e.g. 5 relevance grades from the policy judge,
    2 classes for click and for apply from engagement teachers); `weights` say how much each
    teacher matters (policy relevance vs engagement).

    Inputs: `student_logits` and `teacher_probs`: dicts keyed by teacher name.

    Example:
        >>> loss = MultiTeacherDistillation({"relevance": 0.75, "apply": 0.25})
        >>> s = {"relevance": torch.zeros(1, 5), "apply": torch.zeros(1, 2)}
        >>> t = {"relevance": torch.full((1, 5), 0.2), "apply": torch.tensor([[0.5, 0.5]])}
        >>> loss(s, t)["total"].item()  # the student already equals both teachers
        0.0
    """

    def __init__(self, weights: dict[str, float], temperature: float = 1.0):
        super().__init__()
        if not weights or any(w < 0 for w in weights.values()):
            raise ValueError(f"teacher weights must be non-negative and non-empty, got {weights}")
        self.weights = dict(weights)
        self.kl = DistillationKL(temperature)

    def forward(self, student_logits: dict[str, torch.Tensor], teacher_probs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        missing = set(self.weights) - set(student_logits) | set(self.weights) - set(teacher_probs)
        if missing:
            raise KeyError(f"no student head or teacher labels for {sorted(missing)}")
        parts = {name: self.kl(student_logits[name], teacher_probs[name]) for name in self.weights}
        total = sum(self.weights[name] * value for name, value in parts.items()) / sum(self.weights.values())
        return {"total": total, **parts}
