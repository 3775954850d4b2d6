"""Teachers, student, pruning and summaries through their real training loops on tiny models and data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from jobsearch.ranking import engagement as eng
from jobsearch.ranking.cross_encoder import (
    RELEVANCE, CrossEncoderConfig, TrainConfig, build_model, distillation_objective, head_probabilities,
    parameter_count, predict_logits, split_heads, train_cross_encoder, with_heads,
)
from jobsearch.ranking.metrics import ndcg_at_k, ranking_metrics
from jobsearch.ranking.pruning import Shape, parse_schedule, prune_to, shape_of
from jobsearch.ranking.summarize import (
    Segment, SegmentScorer, occlusion_importance, posting_segments, render, segment_features, summarize,
)

HEADS = {RELEVANCE: 5, "click": 2, "apply": 2}


def _pairs():
    queries = ["nurse jobs", "python developer", "welder"] * 12
    items = ["Registered Nurse at Mercy | Boston", "Python Developer at Acme | remote", "Welder at Forge | Ohio",
             "Nurse aide at Home Care", "Data Entry Clerk at Acme", "Line cook at Diner"] * 6
    relevant = np.array([q.split()[0] in i.lower() for q, i in zip(queries, items)])
    relevance = np.where(relevant[:, None], np.array([0.0, 0.05, 0.05, 0.2, 0.7]), np.array([0.7, 0.2, 0.05, 0.05, 0.0]))
    click = np.where(relevant, 0.3, 0.02)
    apply = np.where(relevant, 0.1, 0.005)
    return queries, items, {RELEVANCE: relevance, **eng.as_distributions(np.stack([click, apply], axis=1))}


def test_multi_teacher_distillation_trains_a_student_with_three_heads():
    config = CrossEncoderConfig(num_layers=1, max_length=32, heads=HEADS)
    model, tokenizer = build_model(config)
    queries, items, targets = _pairs()
    objective = distillation_objective(HEADS, targets, {RELEVANCE: 0.8, "click": 0.1, "apply": 0.1})
    result = train_cross_encoder(model, tokenizer, queries, items, objective, config,
                                 TrainConfig(epochs=8, batch_size=8, learning_rate=3e-4, log_every=1000), log=lambda _: None)
    assert np.mean(result.losses[-5:]) < 0.5 * np.mean(result.losses[:5])
    probs = head_probabilities(predict_logits(model, tokenizer, queries[:3], items[:3], 32), HEADS)
    assert {k: v.shape for k, v in probs.items()} == {RELEVANCE: (3, 5), "click": (3, 2), "apply": (3, 2)}
    assert probs[RELEVANCE][0] @ np.arange(5) > probs[RELEVANCE][1] @ np.arange(5)  # nurse: Nurse > Python


def test_with_heads_keeps_the_trained_relevance_head_and_starts_new_heads_uniform():
    model, tokenizer = build_model(CrossEncoderConfig(num_layers=1, max_length=16))
    batch = tokenizer(["nurse"], ["Registered Nurse"], return_tensors="pt")
    model.eval()
    before = model(**batch).logits
    widened = with_heads(model, HEADS, copy_from={RELEVANCE: 5})
    after = split_heads(widened(**batch).logits, HEADS)
    assert torch.allclose(after[RELEVANCE], before, atol=1e-6)
    assert torch.allclose(after["click"], torch.zeros(1, 2)) and torch.allclose(after["apply"], torch.zeros(1, 2))


def test_pruning_schedule_and_cuts_remove_the_configured_layers_and_width():
    assert parse_schedule("2x1536 > 2x1024, 1x512") == [Shape(2, 1536), Shape(2, 1024), Shape(1, 512)]
    with pytest.raises(ValueError, match="grows"):
        parse_schedule("1x512 > 2x512")
    with pytest.raises(ValueError, match="LAYERSxMLP_WIDTH"):
        parse_schedule("2 layers")
    model, tokenizer = build_model(CrossEncoderConfig(num_layers=3, max_length=16))
    assert shape_of(model) == Shape(3, 1536)
    cut = prune_to(model, Shape(2, 512))
    assert shape_of(cut) == Shape(2, 512) and cut.config.intermediate_size == 512
    assert shape_of(model) == Shape(3, 1536)  # the original is untouched
    assert parameter_count(cut, embeddings=False) < parameter_count(model, embeddings=False)
    # the most important neurons survive: a neuron whose output column is zero is never kept over others
    layer = model.encoder.encoder.layer[0]
    with torch.no_grad():
        layer.output.dense.weight[:, :1100] = 0.0
    narrowed = prune_to(model, Shape(3, 400)).encoder.encoder.layer[0]
    assert (narrowed.output.dense.weight.abs().sum(dim=0) > 0).all()
    batch = tokenizer(["nurse jobs"], ["Registered Nurse"], return_tensors="pt")
    assert cut(**batch).logits.shape == (1, 5)


def _impressions(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    metros = np.array(["seattle", "boston"])
    member_metro = metros[rng.integers(2, size=n)]
    posting_metro = metros[rng.integers(2, size=n)]
    same = member_metro == posting_metro
    click = rng.random(n) < np.where(same, 0.4, 0.05)
    apply = click & (rng.random(n) < 0.3)
    members = pd.DataFrame({
        "member_id": [f"m{i % 50}" for i in range(n)], "current_title": "Nurse", "headline": "RN", "skills": [["care"]] * n,
        "onet_code": "29-1141.00", "seniority": "MID_SENIOR", "desired_salary_usd": 80_000.0, "metro_id": member_metro,
        "state_code": "WA", "open_to_remote": False, "current_company_name": "Mercy"})
    postings = pd.DataFrame({
        "posting_id": [f"p{i % 80}" for i in range(n)], "title": "Registered Nurse", "occupation_title": "Registered Nurses",
        "skills": [["care"]] * n, "onet_code": "29-1141.00", "seniority": "MID_SENIOR", "salary_med_usd": 85_000.0,
        "metro_id": posting_metro, "state_code": "WA", "remote": False, "company_name": "Acme", "views": 10})
    return members, postings, np.stack([click, apply], axis=1).astype(np.float32)


def test_engagement_teacher_learns_clicks_and_applies():
    members, postings, labels = _impressions(6000)
    config = eng.EngagementConfig(epochs=8, buckets=1024)
    data = eng.build_data(members, postings, np.ones(len(members)), config.buckets, labels)
    model = eng.EngagementModel(config)
    result = eng.train_engagement(model, data, config, log=lambda _: None)
    assert np.mean(result.losses[-10:]) < np.mean(result.losses[:10])
    t_members, t_postings, t_labels = _impressions(3000, seed=1)
    predicted = eng.predict_engagement(model, eng.build_data(t_members, t_postings, np.ones(3000), config.buckets))
    assert eng.auc(t_labels[:, 0], predicted[:, 0]) > 0.7
    table = eng.reliability(t_labels[:, 0], predicted[:, 0], bins=5)
    assert eng.expected_calibration_error(table) < 0.05


def test_auc_and_impressions_from_events():
    assert eng.auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    events = pd.DataFrame({"session_id": ["s1"] * 4, "member_id": "m1", "posting_id": ["a", "b", "a", "a"],
                           "event": ["impression", "impression", "click", "apply"], "position": [1, 2, 1, 1],
                           "ts": pd.Timestamp("2024-01-01")})
    shown = eng.impressions_with_outcomes(events)
    assert shown.set_index("posting_id")[["click", "apply"]].to_dict("index") == {
        "a": {"click": 1, "apply": 1}, "b": {"click": 0, "apply": 0}}


def test_ndcg_and_mrr_on_a_hand_made_ranking():
    # ranking by score: c (grade 2), a (grade 3), b (grade 0)
    frame = pd.DataFrame({"query_id": ["q"] * 3, "score": [0.5, 0.1, 0.9], "grade": [3, 0, 2], "query_type": "title"})
    dcg = (2**2 - 1) / np.log2(2) + (2**3 - 1) / np.log2(3)
    ideal = (2**3 - 1) / np.log2(2) + (2**2 - 1) / np.log2(3)
    assert ndcg_at_k(frame["score"], frame["grade"], 10) == pytest.approx(dcg / ideal)
    table = ranking_metrics(frame, "score", "grade", by="query_type")
    assert table.iloc[0]["ndcg"] == pytest.approx(dcg / ideal)
    assert table.iloc[0]["mrr"] == pytest.approx(0.5)  # the first grade >= 3 is at rank 2
    none = frame.assign(grade=0)
    assert ranking_metrics(none, "score", "grade").iloc[0]["queries"] == 0  # no gain: skipped


def test_summaries_keep_what_the_scorer_rates_under_the_budget():
    posting = {"title": "Registered Nurse", "company_name": "Mercy", "remote": False, "location_raw": "Boston, MA",
               "seniority": "MID_SENIOR", "work_type": "FULL_TIME", "salary_med_usd": 90_000.0,
               "listed_at": pd.Timestamp("2024-04-10"), "skills": ["Patient care"], "occupation_title": "Registered Nurses",
               "description": "We are a caring team. You will work nights. Benefits include dental."}
    parts = posting_segments(posting, pd.Timestamp("2024-04-20").to_pydatetime())
    assert [s.kind for s in parts][:3] == ["title", "company", "place"]
    assert sum(s.kind == "sentence" for s in parts) == 3
    assert render(parts).startswith("Registered Nurse at Mercy | Boston, MA | mid-senior")

    def word_overlap(queries, texts):  # a transparent ranker: words shared with the query
        return np.array([len(set(q.lower().split()) & set(t.lower().replace("|", " ").split())) for q, t in zip(queries, texts)],
                        dtype=float)

    importance = occlusion_importance(word_overlap, "nurse in boston", parts)
    by_kind = {s.kind: v for s, v in zip(parts, importance)}
    assert by_kind["title"] == 1 and by_kind["sentence"] == 0
    tokens = [len(s.text.split()) for s in parts]
    scores = [10 if s.kind in ("title", "place", "pay") else 1 for s in parts]
    kept = summarize(parts, scores, tokens, budget=7)
    assert [s.kind for s in kept] == ["title", "place", "pay"]
    assert sum(len(s.text.split()) for s in kept) + len(kept) - 1 <= 7

    features = np.stack([segment_features(Segment(k, "x" * n, 0), n) for k, n in [("title", 3), ("pay", 2), ("sentence", 9)] * 5])
    target = np.array([1.0, 0.5, 0.0] * 5)
    scorer = SegmentScorer(alpha=0.01).fit(features, target)
    predicted = scorer.predict(features[:3])
    assert predicted[0] > predicted[1] > predicted[2]


def test_ranking_eval_ratios_and_change_since_the_previous_evaluation():
    from assets.ranking_eval import compare

    rows = pd.DataFrame({"model": ["relevance_teacher", "student"], "heldout_ndcg10": [0.80, 0.78],
                         "golden_ndcg10": [0.7, 0.7], "pairs_per_second": [100.0, 600.0]})
    first = compare(rows, None)
    assert list(first["ndcg_loss_vs_teacher"]) == [0.0, 0.025] and list(first["speedup_vs_teacher"]) == [1.0, 6.0]
    assert "change_heldout_ndcg10" not in first
    again = compare(rows.assign(heldout_ndcg10=[0.80, 0.79]), first)
    assert list(again["change_heldout_ndcg10"]) == [0.0, 0.01]
