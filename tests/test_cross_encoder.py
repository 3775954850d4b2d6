"""The cross-encoder training loop for real on a tiny model: the loss goes down."""

from __future__ import annotations

import numpy as np
import torch

from jobsearch.checkpoints import Checkpoint, CheckpointStore
from jobsearch.ranking.cross_encoder import (
    CrossEncoderConfig, PairEncoder, TrainConfig, build_model, checkpoint_config, load_model, predict_proba,
    soft_label_objective, train_cross_encoder,
)
from jobsearch.ranking.losses import SoftLabelCrossEntropy


def test_soft_label_loss_matches_hand_computation():
    logits = torch.tensor([[1.0, 0.0, -1.0, 0.0, 0.0]])
    target = torch.tensor([[0.5, 0.5, 0.0, 0.0, 0.0]])
    log_p = torch.log_softmax(logits, dim=-1)[0]
    expected = -(0.5 * log_p[0] + 0.5 * log_p[1])
    assert torch.isclose(SoftLabelCrossEntropy()(logits, target), expected)


def test_training_reduces_loss_and_checkpoint_roundtrips(tmp_path):
    config = CrossEncoderConfig(num_layers=1, max_length=32)
    model, tokenizer = build_model(config)
    queries = ["nurse jobs", "python jobs"] * 16
    items = ["Registered Nurse at Mercy", "Welder at Acme"] * 8 + ["Python Developer at Acme", "Nurse aide"] * 8
    targets = np.array([np.eye(5)[4] if ("Nurse" in i) == ("nurse" in q) else np.eye(5)[0]
                        for q, i in zip(queries, items)])
    result = train_cross_encoder(model, tokenizer, queries, items, soft_label_objective(targets), config,
                                 TrainConfig(epochs=6, batch_size=8, learning_rate=3e-4, log_every=100),
                                 log=lambda _: None)
    assert np.mean(result.losses[-4:]) < np.mean(result.losses[:4])
    probs = predict_proba(model, tokenizer, queries[:4], items[:4], config.max_length)
    store = CheckpointStore(tmp_path)
    store.save("judge", Checkpoint(weights=model.state_dict(), config=checkpoint_config(model, config)))
    saved = store.load("judge")
    again, tokenizer2, _ = load_model(saved.config, saved.weights)
    assert np.allclose(predict_proba(again, tokenizer2, queries[:4], items[:4], config.max_length), probs, atol=1e-5)


def test_pair_encoder_matches_the_tokenizers_pair_encoding():
    config = CrossEncoderConfig(num_layers=1, max_length=16)
    _, tokenizer = build_model(config)
    queries = ["python developer jobs in seattle", "nurse"]
    items = ["Senior Python Developer at Acme | Seattle | full-time | $150k/yr | build services", "RN"]
    ours = PairEncoder(tokenizer, 16).batch(queries, items)
    theirs = tokenizer(queries, items, truncation="only_second", max_length=16, padding=True, return_tensors="pt")
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        assert torch.equal(ours[key], theirs[key]), key
