"""Distillation losses against hand-computed values; layer pruning removes the configured layers."""

from __future__ import annotations

import math

import pytest
import torch

from jobsearch.ranking.cross_encoder import CrossEncoderConfig, build_model
from jobsearch.ranking.losses import DistillationKL, MultiTeacherDistillation
from jobsearch.ranking.pruning import drop_layers, gradual_schedule, layers_to_keep


def test_kl_matches_hand_computation_and_is_zero_at_the_teacher():
    teacher = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    student_probs = torch.tensor([[0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    by_hand = sum(
        sum(t * math.log(t / s) for t, s in zip(tr.tolist(), sr.tolist()))
        for tr, sr in zip(teacher, student_probs)
    ) / 2
    assert DistillationKL()(torch.log(student_probs), teacher).item() == pytest.approx(by_hand, rel=1e-5)
    assert DistillationKL()(torch.log(teacher), teacher).item() == pytest.approx(0.0, abs=1e-6)


def test_multi_teacher_weights_the_per_teacher_losses():
    loss = MultiTeacherDistillation({"relevance": 3.0, "click": 1.0})
    student = {"relevance": torch.log(torch.tensor([[0.5, 0.5]])), "click": torch.log(torch.tensor([[0.9, 0.1]]))}
    teacher = {"relevance": torch.tensor([[0.9, 0.1]]), "click": torch.tensor([[0.9, 0.1]])}
    out = loss(student, teacher)
    relevance = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)
    assert out["click"].item() == pytest.approx(0.0, abs=1e-6)
    assert out["total"].item() == pytest.approx(0.75 * relevance, rel=1e-5)
    with pytest.raises(KeyError, match="apply"):
        MultiTeacherDistillation({"apply": 1.0})(student, teacher)


def test_gradual_schedule_and_kept_layers():
    assert gradual_schedule(6, 2, 4) == [5, 4, 3, 2]
    assert gradual_schedule(6, 3, 1) == [3]
    assert layers_to_keep(6, 4) == [0, 2, 3, 5]
    assert layers_to_keep(4, 2) == [0, 3]


def test_drop_layers_keeps_the_chosen_layers_weights():
    model, tokenizer = build_model(CrossEncoderConfig(num_layers=4, max_length=16))
    pruned = drop_layers(model, [0, 3])
    assert len(pruned.encoder.encoder.layer) == 2 and pruned.config.num_hidden_layers == 2
    assert len(model.encoder.encoder.layer) == 4  # the original is untouched
    original = model.encoder.encoder.layer[3].attention.self.query.weight
    assert torch.equal(pruned.encoder.encoder.layer[1].attention.self.query.weight, original)
    batch = tokenizer(["nurse jobs"], ["Registered Nurse"], return_tensors="pt")
    assert pruned(**batch).logits.shape == (1, 5)
    smaller = sum(p.numel() for p in pruned.parameters()) < sum(p.numel() for p in model.parameters())
    assert smaller
