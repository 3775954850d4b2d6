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


# --- retrieval (bi-encoder) losses: scores are cosine similarities of unit vectors ---------------


def _masked_log_softmax(logits: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    if mask is None:
        return torch.log_softmax(logits, dim=-1)
    return torch.log_softmax(logits.masked_fill(~mask, float("-inf")), dim=-1)


def _masked_mean(values: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean over rows with at least one unmasked entry; `values` is (rows,) per-row loss."""
    return values.mean() if mask is None else values.sum() / mask.sum().clamp_min(1)


class InBatchContrastive(nn.Module):
    """InfoNCE with in-batch negatives (van den Oord et al., 2018; the "multiple negatives ranking"
    loss of sentence-transformers): each query must pick its positive item out of every item in the
    batch, its own mined hard negatives and the other queries' items.

    Inputs: `scores` (queries, items) cosine similarities; `positive` (queries,) the column of each
    query's positive; `ignore` (queries, items) True for items that must not count as negatives
    (other Good items of the same query); `active` (queries,) False for a query without a positive.
    `temperature` 0.05 is the usual scale of 20 on cosine similarity.

    Example:
        >>> loss = InBatchContrastive(temperature=1.0)
        >>> scores = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        >>> round(loss(scores, torch.tensor([0, 1])).item(), 4)  # -log(e / (e + 1))
        0.3133
    """

    def __init__(self, temperature: float = 0.05):
        super().__init__()
        self.temperature = temperature

    def forward(self, scores: torch.Tensor, positive: torch.Tensor, ignore: torch.Tensor | None = None,
                active: torch.Tensor | None = None) -> torch.Tensor:
        logits = scores / self.temperature
        if ignore is not None:
            keep = ~ignore
            keep[torch.arange(len(positive)), positive] = True
            logits = logits.masked_fill(~keep, float("-inf"))
        per_query = -torch.log_softmax(logits, dim=-1)[torch.arange(len(positive)), positive]
        if active is None:
            return per_query.mean()
        return (per_query * active).sum() / active.sum().clamp_min(1)


class ListNet(nn.Module):
    """Listwise distillation (Cao et al., 2007, "Learning to Rank: From Pairwise Approach to Listwise
    Approach"): cross-entropy between the teacher's top-one distribution over a query's list,
    softmax(teacher_scores / target_temperature), and the model's, softmax(scores / temperature).
    The teacher scores are the relevance teacher's expected grades (0..4), so the bi-encoder learns
    the teacher's order of the mined candidates, not only which one is the positive.

    Inputs: `scores` (queries, list) model cosines; `teacher_scores` (queries, list); `mask`
    (queries, list) False for padding.

    Example:
        >>> loss = ListNet(temperature=1.0, target_temperature=1.0)
        >>> same = torch.tensor([[2.0, 0.0]])
        >>> round(loss(same, same).item(), 4)  # the entropy of softmax([2, 0]): its minimum
        0.3653
    """

    def __init__(self, temperature: float = 0.05, target_temperature: float = 0.5):
        super().__init__()
        self.temperature, self.target_temperature = temperature, target_temperature

    def forward(self, scores: torch.Tensor, teacher_scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        target = torch.exp(_masked_log_softmax(teacher_scores / self.target_temperature, mask))
        log_model = _masked_log_softmax(scores / self.temperature, mask)
        per_query = -(target * log_model.masked_fill(target == 0, 0.0)).sum(dim=-1)
        return per_query.mean()


class ListKL(nn.Module):
    """KL(previous || current) between the previous iteration's distribution over a query's list and
    the current model's, both softmax(score / temperature): an anchor against forgetting while the
    model is retrained round after round on newly mined lists (as in LinkedIn's teacher-in-the-loop
    retrieval training). Zero when the model still scores the list as before.

    Inputs: `scores` (queries, list); `previous_scores` (queries, list) cosines of the model that
    mined the list; `mask` (queries, list).

    Example:
        >>> loss = ListKL(temperature=1.0)
        >>> s = torch.tensor([[0.3, 0.1, -0.2]])
        >>> loss(s, s).item()
        0.0
    """

    def __init__(self, temperature: float = 0.05):
        super().__init__()
        self.temperature = temperature

    def forward(self, scores: torch.Tensor, previous_scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        log_previous = _masked_log_softmax(previous_scores / self.temperature, mask)
        log_current = _masked_log_softmax(scores / self.temperature, mask)
        previous = torch.exp(log_previous)
        terms = previous * (log_previous - log_current)
        return terms.masked_fill(previous == 0, 0.0).sum(dim=-1).mean()


class ScoreCalibration(nn.Module):
    """Keeps cosine scores on one absolute scale per grade, so that one threshold separates Good from
    Fair from Poor across queries (softmax losses only fix the order within a list and are blind to
    a shift of all its scores). Each grade g in 0..grades-1 has a target cosine
    floor + (ceiling - floor) * g / (grades - 1); a score further than `tolerance` from its target is
    penalized by the squared excess.

    Inputs: `scores` (queries, list) cosines; `grades` (queries, list) teacher expected grades;
    `mask` (queries, list).

    Example:
        >>> loss = ScoreCalibration(floor=0.0, ceiling=0.8, grades=5, tolerance=0.0)
        >>> round(loss(torch.tensor([[0.6, 0.0]]), torch.tensor([[3.0, 0.0]])).item(), 6)  # both on target
        0.0
    """

    def __init__(self, floor: float = 0.1, ceiling: float = 0.8, grades: int = 5, tolerance: float = 0.05):
        super().__init__()
        self.floor, self.ceiling, self.grades, self.tolerance = floor, ceiling, grades, tolerance

    def target(self, grades: torch.Tensor) -> torch.Tensor:
        return self.floor + (self.ceiling - self.floor) * grades / (self.grades - 1)

    def forward(self, scores: torch.Tensor, grades: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        excess = torch.relu((scores - self.target(grades)).abs() - self.tolerance) ** 2
        if mask is None:
            return excess.mean()
        return (excess * mask).sum() / mask.sum().clamp_min(1)


class RetrievalLoss(nn.Module):
    """The bi-encoder's composite loss: a weighted sum of `InBatchContrastive`, `ListNet` (teacher),
    `ListKL` (previous iteration) and `ScoreCalibration`. A weight of 0 switches a term off.

    Inputs: `scores` (queries, items) over every item in the batch; `lists` (queries, list) the
    columns of each query's own mined list (padding anywhere, masked by `list_mask`); `positive`
    (queries,) column of the positive; `active` (queries,) whether the query has one; `grades` and
    `previous_scores` (queries, list) aligned with `lists`; `ignore` (queries, items) see
    `InBatchContrastive`. Returns a dict with "total" and each term.
    """

    def __init__(self, weights: dict[str, float] | None = None, temperature: float = 0.05,
                 target_temperature: float = 0.5, calibration: ScoreCalibration | None = None):
        super().__init__()
        self.weights = {"contrastive": 1.0, "listnet": 1.0, "anchor": 0.2, "calibration": 1.0, **(weights or {})}
        unknown = set(self.weights) - {"contrastive", "listnet", "anchor", "calibration"}
        if unknown or any(w < 0 for w in self.weights.values()):
            raise ValueError(f"retrieval loss weights must be non-negative, for known terms only: {self.weights}")
        self.contrastive = InBatchContrastive(temperature)
        self.listnet = ListNet(temperature, target_temperature)
        self.anchor = ListKL(temperature)
        self.calibration = calibration or ScoreCalibration()

    def forward(self, scores: torch.Tensor, lists: torch.Tensor, list_mask: torch.Tensor, positive: torch.Tensor,
                active: torch.Tensor, grades: torch.Tensor, previous_scores: torch.Tensor,
                ignore: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        list_scores = scores.gather(1, lists.clamp_min(0))
        parts = {
            "contrastive": self.contrastive(scores, positive, ignore, active),
            "listnet": self.listnet(list_scores, grades, list_mask),
            "anchor": self.anchor(list_scores, previous_scores, list_mask),
            "calibration": self.calibration(list_scores, grades, list_mask),
        }
        total = sum(self.weights[name] * value for name, value in parts.items())
        return {"total": total, **parts}
