"""The bi-encoder's loss terms against hand computations, list mining, a real training round, and a
checkpoint round trip."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import torch

from jobsearch.ranking import losses
from jobsearch.retrieval.bi_encoder import BiEncoder, BiEncoderConfig, checkpoint_config, encode, load_bi_encoder
from jobsearch.checkpoints import Checkpoint, CheckpointStore
from jobsearch.ranking.cross_encoder import packaged_minilm
from jobsearch.retrieval.embeddings import Embedder
from jobsearch.ranking.losses import InBatchContrastive, ListKL, ListNet, RetrievalLoss, ScoreCalibration
from jobsearch.ranking.metrics import recall_of_good
from jobsearch.retrieval.training import RoundConfig, mine_lists, top_k, train_round


def test_loss_docstring_examples_hold():
    result = doctest.testmod(losses)
    assert result.attempted >= 7 and result.failed == 0


def test_infonce_ignores_other_good_items_and_inactive_queries():
    scores = torch.tensor([[0.9, 0.8, 0.1], [0.2, 0.1, 0.7]])
    loss = InBatchContrastive(temperature=0.1)
    plain = loss(scores, torch.tensor([0, 2]))
    by_hand = -0.5 * (math.log(math.exp(9) / (math.exp(9) + math.exp(8) + math.exp(1)))
                      + math.log(math.exp(7) / (math.exp(2) + math.exp(1) + math.exp(7))))
    assert plain.item() == pytest.approx(by_hand, rel=1e-5)
    ignore = torch.tensor([[False, True, False], [False, False, False]])  # item 1 is also Good for query 0
    masked = loss(scores, torch.tensor([0, 2]), ignore=ignore, active=torch.tensor([1.0, 0.0]))
    assert masked.item() == pytest.approx(-math.log(math.exp(9) / (math.exp(9) + math.exp(1))), rel=1e-4)


def test_listnet_prefers_the_teacher_order_and_respects_padding():
    teacher = torch.tensor([[4.0, 2.0, 0.0]])
    loss = ListNet(temperature=0.05, target_temperature=0.5)
    agree, disagree = torch.tensor([[0.8, 0.5, 0.1]]), torch.tensor([[0.1, 0.5, 0.8]])
    assert loss(agree, teacher) < loss(disagree, teacher)
    mask = torch.tensor([[True, True, False]])
    padded = loss(torch.tensor([[0.8, 0.5, 99.0]]), teacher, mask)  # the padded score must not matter
    assert padded.item() == pytest.approx(loss(torch.tensor([[0.8, 0.5]]), teacher[:, :2]).item(), rel=1e-6)


def test_list_kl_is_positive_when_scores_move_and_zero_when_they_do_not():
    previous = torch.tensor([[0.6, 0.3, 0.1]])
    assert ListKL()(previous, previous).item() == pytest.approx(0.0, abs=1e-7)
    p = torch.softmax(previous / 0.05, -1)
    moved = torch.tensor([[0.1, 0.3, 0.6]])
    q = torch.softmax(moved / 0.05, -1)
    assert ListKL()(moved, previous).item() == pytest.approx(float((p * (p.log() - q.log())).sum()), rel=1e-5)


def test_calibration_penalizes_only_scores_outside_their_grade_band():
    calibration = ScoreCalibration(floor=0.0, ceiling=0.8, grades=5, tolerance=0.05)
    grades = torch.tensor([[4.0, 2.0, 0.0]])
    inside = torch.tensor([[0.82, 0.37, 0.04]])  # targets 0.8, 0.4, 0.0
    assert calibration(inside, grades).item() == 0.0
    outside = torch.tensor([[0.5, 0.4, 0.0]])  # Excellent scored 0.3 below its target
    assert calibration(outside, grades).item() == pytest.approx((0.3 - 0.05) ** 2 / 3, rel=1e-5)


def test_composite_loss_weights_switch_terms_off():
    scores = torch.tensor([[0.7, 0.2, 0.4, 0.1], [0.3, 0.6, 0.2, 0.5]])
    args = dict(lists=torch.tensor([[0, 2], [1, 3]]), list_mask=torch.ones(2, 2, dtype=torch.bool),
                positive=torch.tensor([0, 1]), active=torch.ones(2), grades=torch.tensor([[4.0, 1.0], [3.0, 0.0]]),
                previous_scores=torch.tensor([[0.5, 0.5], [0.5, 0.5]]))
    full = RetrievalLoss()(scores, **args)
    only = RetrievalLoss({"listnet": 0.0, "anchor": 0.0, "calibration": 0.0})(scores, **args)
    assert only["total"].item() == pytest.approx(full["contrastive"].item())
    by_hand = full["contrastive"] + full["listnet"] + 0.2 * full["anchor"] + full["calibration"]
    assert full["total"].item() == pytest.approx(by_hand.item(), rel=1e-6)
    with pytest.raises(ValueError, match="known terms"):
        RetrievalLoss({"margin": 1.0})


def test_mining_keeps_the_best_item_as_positive_and_the_hardest_negatives():
    items = np.eye(6, dtype=np.float32)
    query = np.array([[0.9, 0.8, 0.7, 0.6, 0.5, 0.0]], dtype=np.float32)
    grade_of = {0: 0.2, 1: 3.6, 2: 1.0, 3: 0.1, 4: 2.0, 5: 4.0}  # item 5 is the source, not retrieved
    lists = mine_lists(["q"], query, items, [5], lambda qs, idx: np.array([grade_of[i] for i in idx]),
                       RoundConfig(mine_k=5, list_size=4))
    assert lists.items[0].tolist() == [5, 0, 2, 3]  # best (source, 4.0) first, then grade < 1.5 by model score
    assert lists.positive[0] == 0 and lists.grades[0, 0] == pytest.approx(4.0)
    assert np.allclose(lists.previous[0], [0.0, 0.9, 0.7, 0.6])
    assert lists.retrieved_grades[0].tolist() == pytest.approx([0.2, 3.6, 1.0, 0.1, 2.0])


def test_top_k_and_recall_of_good():
    idx, val = top_k(np.array([[1.0, 0.0]]), np.array([[0.1, 0.0], [0.9, 0.1], [0.5, 0.5]]), 2)
    assert idx.tolist() == [[1, 2]] and val[0, 0] == pytest.approx(0.9)
    assert recall_of_good(np.array([[1, 2, 0], [0, 1, 2]]), [{0, 1}, set()], 2) == 0.5  # query 2 has no Good


def _tiny_bi_encoder(seed: int = 0) -> tuple[BiEncoder, object]:
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    torch.manual_seed(seed)
    config = AutoConfig.from_pretrained(packaged_minilm(), num_hidden_layers=1, hidden_size=64, intermediate_size=128,
                                        num_attention_heads=2)
    return BiEncoder(AutoModel.from_config(config, add_pooling_layer=False)), AutoTokenizer.from_pretrained(packaged_minilm())


CORPUS = ["registered nurse icu seattle", "software engineer python backend", "truck driver cdl class a",
          "data scientist machine learning", "pastry chef bakery", "electrician journeyman wiring"]
QUERIES = ["nurse jobs", "python developer", "cdl driver", "ml scientist", "baker", "electrician"]


def test_a_training_round_through_the_real_loop_learns_the_teacher(tmp_path):
    model, tokenizer = _tiny_bi_encoder()
    bi = BiEncoderConfig(query_max_length=16, item_max_length=16)

    def teacher(queries, idx):  # the query written for item i is relevant to item i only
        return np.array([4.0 if QUERIES.index(q) == i else 0.0 for q, i in zip(queries, idx)])

    def recall_at_1() -> float:
        q = encode(model, tokenizer, QUERIES, 16)
        retrieved, _ = top_k(q, encode(model, tokenizer, CORPUS, 16), 1)
        return recall_of_good(retrieved, [{i} for i in range(len(QUERIES))], 1)

    before = recall_at_1()
    config = RoundConfig(mine_k=6, list_size=4, steps=60, batch_queries=6, learning_rate=3e-3)
    for _ in range(2):  # two rounds: mine with the current model, train
        items = encode(model, tokenizer, CORPUS, 16)
        lists = mine_lists(QUERIES, encode(model, tokenizer, QUERIES, 16), items, list(range(6)), teacher, config)
        assert (lists.positive == 0).all() and (lists.items[:, 0] == np.arange(6)).all()
        result = train_round(model, tokenizer, lists, CORPUS, config, bi)
        assert all(math.isfinite(h["total"]) for h in result.losses)
    assert np.mean([h["total"] for h in result.losses[-5:]]) < np.mean([h["total"] for h in result.losses[:5]])
    assert recall_at_1() == 1.0 > before

    # the checkpoint rebuilds the same model without the base's weights
    store = CheckpointStore(tmp_path)
    store.save("retrieval_model", Checkpoint(weights=model.state_dict(), config=checkpoint_config(model, bi)))
    loaded = Embedder.from_store(store, "retrieval_model")
    assert loaded.name.startswith("retrieval_model/") and loaded.config == bi
    assert np.allclose(loaded.items(CORPUS), encode(model, tokenizer, CORPUS, 16), atol=1e-6)
    by_name = Embedder.from_name(loaded.name, store)  # what a vector table's `model` column names
    assert by_name.name == loaded.name and np.allclose(by_name.items(CORPUS[:2]), loaded.items(CORPUS[:2]))
    rebuilt, _, _ = load_bi_encoder(store.load("retrieval_model").config, store.load("retrieval_model").weights)
    assert rebuilt.dim == 64


def test_embedder_without_a_trained_model_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="materialize it first"):
        Embedder.from_store(CheckpointStore(tmp_path), "retrieval_model")
