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
