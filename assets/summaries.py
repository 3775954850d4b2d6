"""Summarized ranking inputs: one compressed text per posting under a token budget, and a student that reads them.

The segment scorer is trained on occlusion labels from the relevance teacher (how much its expected
grade moves when a field or sentence is removed), then picks, per posting, the segments that fit
the profile's summary_tokens. `summary_student` is the pruned student distilled again on the
summaries with an input length of budget + query, which is where its second speed-up comes from.
"""

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.distilled_models import StudentConfig, ndcg_bound, saved_result
from assets.loaders import eval_sets, load_job_policy
from assets.metadata import md_table, preview
from jobsearch.labels.policy import query_date
from jobsearch.ranking.evaluation import load_ranker
from jobsearch.ranking.student import distill, step_metrics, summary_ranker
from jobsearch.ranking.summarize import SegmentScorer, occlusion_importance, posting_segments, render, segment_features, summarize
from resources import ComputeDevice, ModelStore, Scale, Warehouse

GROUP = "models"


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["postings", "relevance_teacher", "distillation_pairs"],
    automation_condition=dg.AutomationCondition.eager(),
    description="One summary per posting under the profile's token budget: the fields and description sentences "
    "a small scorer (ridge regression on segment kind, position and length, trained on the relevance teacher's "
    "occlusion sensitivities) rates most important, in reading order. Metadata: input-length reduction.",
)
def posting_summaries(context: AssetExecutionContext, warehouse: Warehouse, model_store: ModelStore, scale: Scale,
                      device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    run_device = device.resolve()
    policy, _ = load_job_policy(warehouse)
    as_of = query_date(policy)
    postings = warehouse.read_table("postings")
    teacher = load_ranker(model_store.store(), "relevance_teacher")
    tokenizer = teacher.tokenizer
    segments = {p["posting_id"]: posting_segments(p, as_of) for p in postings.to_dict("records")}

    def token_counts(parts) -> list[int]:
        return [len(ids) for ids in tokenizer([s.text for s in parts], add_special_tokens=False)["input_ids"]]

    # occlusion labels on sampled training pairs
    pairs = warehouse.query("SELECT query, posting_id FROM distillation_pairs WHERE split = 'train'")
    sample = pairs.sample(n=min(sizes.summary_label_pairs, len(pairs)), random_state=sizes.seed)
    features, targets = [], []
    for query, posting_id in zip(sample["query"], sample["posting_id"]):
        parts = segments[posting_id]
        importance = occlusion_importance(lambda q, t: teacher.scores(q, t, run_device), query, parts)
        features += [segment_features(s, n) for s, n in zip(parts, token_counts(parts))]
        targets += list(importance)
    scorer = SegmentScorer().fit(np.stack(features), np.asarray(targets))
    context.log.info(f"segment scorer fit on {len(targets)} occluded segments from {len(sample)} pairs")

    rows = []
    for posting_id, parts in segments.items():
        counts = token_counts(parts)
        scores = scorer.predict(np.stack([segment_features(s, n) for s, n in zip(parts, counts)]))
        kept = summarize(parts, scores, counts, sizes.summary_tokens)
        rows.append({"posting_id": posting_id, "summary": render(kept), "kept": [s.kind for s in kept]})
    frame = pd.DataFrame(rows)
    frame["summary_tokens"] = [len(i) for i in tokenizer(frame["summary"].tolist(), add_special_tokens=False)["input_ids"]]
    whole = [render(posting_segments(p, as_of, max_sentences=10_000, sentence_words=10_000))
             for p in postings.set_index("posting_id", drop=False).loc[frame["posting_id"]].to_dict("records")]
    frame["full_tokens"] = [len(i) for i in tokenizer(whole, add_special_tokens=False)["input_ids"]]
    warehouse.write_table("posting_summaries", frame)

    teacher_input = min(teacher.config.max_length, float(frame["full_tokens"].mean()))
    kept_share = pd.Series([k for kinds in frame["kept"] for k in kinds]).value_counts() / len(frame)
    ratio_full = float(frame["full_tokens"].mean() / frame["summary_tokens"].mean())
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(frame),
        "token_budget": sizes.summary_tokens,
        "mean_full_tokens": round(float(frame["full_tokens"].mean()), 1),
        "mean_summary_tokens": round(float(frame["summary_tokens"].mean()), 1),
        "reduction_vs_full_posting": round(ratio_full, 2),
        "reduction_vs_teacher_input": round(teacher_input / float(frame["summary_tokens"].mean()), 2),
        "occluded_segments": len(targets),
        "scorer_weights": md_table(scorer.weights()),
        "kept_segment_share": md_table(kept_share.round(3).rename_axis("segment").rename("share of postings").reset_index()),
        "preview": preview(frame, columns=["posting_id", "summary", "summary_tokens", "full_tokens"], width=120),
    })


@dg.asset(
    group_name=GROUP,
    kinds={"pytorch"},
    deps=["student", "posting_summaries", "teacher_labels"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The pruned student distilled again with summaries as its posting input (teacher labels unchanged, "
    "input length = summary budget + query).",
)
def summary_student(context: AssetExecutionContext, config: StudentConfig, warehouse: Warehouse,
                    model_store: ModelStore, scale: Scale, device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    store = model_store.store()
    run_device = device.resolve()
    ranker = summary_ranker(load_ranker(store, "student"), sizes.summary_tokens)
    summaries = dict(warehouse.query("SELECT posting_id, summary FROM posting_summaries").itertuples(index=False))
    labels = warehouse.read_table("teacher_labels")
    result = distill(ranker, labels, [summaries[p] for p in labels["posting_id"]], sizes.summary_steps, config.settings(),
                     sizes.seed + 200, context.log.info, run_device)
    metrics = {**step_metrics(ranker, eval_sets(warehouse), result, run_device, summaries),
               "max_length": ranker.config.max_length}
    return saved_result(store, "summary_student", ranker, metrics, result, "on summaries")


@dg.asset_check(asset="posting_summaries", blocking=True,
                description="Every posting has a non-empty summary, summaries fit the token budget (a title alone "
                "may exceed it) and are shorter than the full posting.")
def posting_summaries_valid(warehouse: Warehouse, scale: Scale) -> dg.AssetCheckResult:
    budget = scale.sizes().summary_tokens
    frame = warehouse.read_table("posting_summaries")
    postings = warehouse.query("SELECT count(*) AS n FROM postings")["n"].iloc[0]
    over = frame[(frame["summary_tokens"] > budget) & (frame["kept"].map(len) > 1)]
    empty = frame[frame["summary"].str.strip() == ""]
    problems = []
    if len(frame) != postings:
        problems.append(f"{len(frame)} summaries for {postings} postings")
    if len(over):
        problems.append(f"{len(over)} summaries over the {budget}-token budget, e.g. {over['posting_id'].iloc[0]}")
    if len(empty):
        problems.append(f"{len(empty)} empty summaries, e.g. {empty['posting_id'].iloc[0]}")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or f"{len(frame)} summaries valid",
                               metadata={"summaries": len(frame), "budget": budget})


@dg.asset_check(asset="summary_student",
                description="The student on summaries stays within the profile's max_student_ndcg_loss of the "
                "relevance teacher (held-out NDCG@10); a warning when it does not.")
def summary_student_within_ndcg_bound(model_store: ModelStore, scale: Scale) -> dg.AssetCheckResult:
    return ndcg_bound(model_store.store(), "summary_student", scale.sizes().max_student_ndcg_loss,
                      dg.AssetCheckSeverity.WARN)
