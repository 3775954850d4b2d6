"""The teachers: relevance (distilled from the judge) and engagement (clicks and applies), and their labels.

`distillation_pairs` is the large unlabeled pair set (synthetic queries x BM25-retrieved and random
candidates) with the judge's full grade distributions; a tenth of the queries is held out for
evaluation. `relevance_teacher` learns the judge's distributions by KL; `engagement_teacher`
learns click and apply probabilities from the logged impressions; `teacher_labels` stores every
teacher's soft labels per training pair, so a student trains from stored labels.
"""

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd
import torch

from assets.loaders import eval_sets, posting_texts
from assets.metadata import md_table, preview
from assets.plots import line_plot, scatter_lines, smooth
from jobsearch.checkpoints import Checkpoint
from jobsearch.labels.golden import pair_leaks, query_leaks
from jobsearch.labels.synthetic import heldout
from jobsearch.ranking import engagement as eng
from jobsearch.ranking.cross_encoder import RELEVANCE, TrainConfig, distillation_objective, expected_grade, train_cross_encoder
from jobsearch.ranking.evaluation import evaluate, load_ranker, measure_throughput
from jobsearch.ranking.pruning import Shape, prune_to, shape_of
from jobsearch.retrieval.lexical import posting_bm25
from resources import ComputeDevice, ModelStore, Scale, Warehouse

GROUP = "models"
def searchers(queries: pd.DataFrame, postings: pd.DataFrame, members: pd.DataFrame, seed: int) -> list[str]:
    """Who issues each synthetic query: the member a profile query came from, else a member in the
    occupation (or occupation group) of the posting the query was written from, else anyone."""
    rng = np.random.default_rng(seed)
    occupation = postings.set_index("posting_id")["onet_code"]
    by_code = members.groupby("onet_code")["member_id"].agg(list).to_dict()
    by_group = members.assign(g=members["onet_code"].str[:2]).groupby("g")["member_id"].agg(list).to_dict()
    everyone = members["member_id"].tolist()
    out = []
    for q in queries.itertuples():
        if q.source_kind == "member" and isinstance(q.source_id, str):
            out.append(q.source_id)
            continue
        code = occupation.get(q.posting_id) if isinstance(q.posting_id, str) else None
        pool = by_code.get(code) or (by_group.get(code[:2]) if isinstance(code, str) else None) or everyone
        out.append(pool[rng.integers(len(pool))])
    return out


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb", "pytorch"},
    deps=["judge", "synthetic_queries", "postings", "member_profiles"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The unlabeled distillation set: every synthetic query x its BM25 top candidates plus random "
    "ones, graded by the judge (full 5-grade distributions). One query in ten (stable hash) is held out with "
    "more candidates, for NDCG against the judge. Each query has a searching member for the engagement teacher.",
)
def distillation_pairs(context: AssetExecutionContext, warehouse: Warehouse, model_store: ModelStore, scale: Scale,
                       device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    rng = np.random.default_rng(sizes.seed)
    queries = warehouse.read_table("synthetic_queries")
    postings = warehouse.read_table("postings")
    members = warehouse.read_table("member_profiles")
    queries["split"] = np.where(queries["query_id"].map(heldout), "heldout", "train")
    queries["member_id"] = searchers(queries, postings, members, sizes.seed)

    ids = postings["posting_id"].to_numpy()
    top, _ = posting_bm25(postings).search(queries["query"].tolist(), sizes.eval_candidates)
    rows = []
    for qi, q in enumerate(queries.itertuples()):
        lexical = sizes.eval_candidates if q.split == "heldout" else sizes.distill_candidates
        random = max(1, lexical // 5)
        chosen = dict.fromkeys(ids[top[qi][:lexical]], "lexical")
        for idx in rng.choice(len(ids), size=random, replace=False):
            chosen.setdefault(ids[idx], "random")
        rows += [(q.query_id, pid, kind) for pid, kind in chosen.items()]
    pairs = pd.DataFrame(rows, columns=["query_id", "posting_id", "candidate_kind"]).merge(
        queries[["query_id", "query", "query_type", "split", "member_id"]], on="query_id")

    judge = load_ranker(model_store.store(), "judge")
    texts = posting_texts(warehouse, pairs, judge.description_chars)
    context.log.info(f"judge grading {len(pairs)} distillation pairs ({(pairs['split'] == 'heldout').sum()} held out)")
    probs = judge.probabilities(pairs["query"].tolist(), texts, device.resolve())[RELEVANCE]
    pairs["judge_probs"] = list(probs.round(5))
    pairs["judge_grade"] = expected_grade(probs).round(4)
    warehouse.write_table("distillation_pairs", pairs)
    counts = pairs.groupby("split").agg(pairs=("query_id", "size"), queries=("query_id", "nunique")).reset_index()
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(pairs),
        "splits": md_table(counts),
        "judge_grade_histogram": md_table(pd.Series(np.rint(pairs["judge_grade"]).astype(int)).value_counts()
                                          .sort_index().rename_axis("grade").rename("pairs").reset_index()),
        "preview": preview(pairs, columns=["query", "posting_id", "candidate_kind", "split", "judge_grade"]),
    })


class RelevanceTeacherConfig(dg.Config):
    learning_rate: float = 1e-4
    batch_size: int = 32
    temperature: float = 1.0


@dg.asset(
    group_name=GROUP,
    kinds={"pytorch"},
    deps=["distillation_pairs", "judge"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The relevance teacher: the judge cut to the profile's teacher_layers (evenly spaced layers "
    "kept) and distilled on the unlabeled pair set with KL to the judge's full grade distributions.",
)
def relevance_teacher(context: AssetExecutionContext, config: RelevanceTeacherConfig, warehouse: Warehouse,
                      model_store: ModelStore, scale: Scale, device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    store = model_store.store()
    judge = load_ranker(store, "judge")
    start = shape_of(judge.model)
    target = Shape(min(sizes.teacher_layers, start.layers), start.mlp_width)
    teacher = judge.with_model(prune_to(judge.model, target))
    train = warehouse.query("SELECT * FROM distillation_pairs WHERE split = 'train'")
    texts = posting_texts(warehouse, train, teacher.description_chars)
    run_device = device.resolve()
    context.log.info(f"distilling the judge ({start}) into a {target} teacher on {len(train)} pairs")
    result = train_cross_encoder(
        teacher.model, teacher.tokenizer, train["query"].tolist(), texts,
        distillation_objective(teacher.config.heads, {RELEVANCE: np.stack(train["judge_probs"].map(np.asarray))},
                               {RELEVANCE: 1.0}, config.temperature),
        teacher.config, TrainConfig(max_steps=sizes.teacher_steps, epochs=100.0, batch_size=config.batch_size,
                                    learning_rate=config.learning_rate, seed=sizes.seed),
        log=context.log.info, device=run_device)
    sets = eval_sets(warehouse)
    metrics = {**evaluate(teacher, sets, device=run_device),
               "pairs_per_second": round(measure_throughput(teacher, sets, device=run_device), 1),
               "shape": str(target), "train_seconds": round(result.seconds, 1), "steps": result.steps,
               "first_loss": round(float(np.mean(result.losses[:10])), 4),
               "final_loss": round(float(np.mean(result.losses[-10:])), 4)}
    version = store.save("relevance_teacher", teacher.checkpoint(metrics, step=result.steps))
    return dg.MaterializeResult(metadata={
        **{k: v for k, v in metrics.items() if not isinstance(v, dict)},
        "heldout_ndcg10_by_type": dg.MetadataValue.json(metrics["heldout_ndcg10_by_type"]),
        "checkpoint_version": version,
        "distillation_loss": line_plot({"KL to judge": smooth(result.losses)}, "relevance teacher", "step", "KL"),
    })


class EngagementTeacherConfig(dg.Config):
    learning_rate: float = 3e-3
    test_share: float = 0.2  # sessions held out for AUC and calibration


def _impression_data(warehouse: Warehouse, rows: pd.DataFrame, buckets: int, labels: bool = True) -> eng.EngagementData:
    members = warehouse.read_table("member_profiles").set_index("member_id", drop=False)
    postings = warehouse.read_table("postings").set_index("posting_id", drop=False)
    return eng.build_data(members.loc[rows["member_id"]], postings.loc[rows["posting_id"]],
                          rows["position"].to_numpy(), buckets,
                          rows[list(eng.EVENTS)].to_numpy() if labels else None)


@dg.asset(
    group_name=GROUP,
    kinds={"pytorch"},
    deps=["interactions", "member_profiles", "postings"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The engagement teacher: P(click) and P(apply) of a member for a posting, from text (hashed "
    "words of both sides, crossed) plus match features and the impression position, trained on the logged "
    "impressions. Metadata: AUC and calibration (reliability plot) on held-out sessions.",
)
def engagement_teacher(context: AssetExecutionContext, config: EngagementTeacherConfig, warehouse: Warehouse,
                       model_store: ModelStore, scale: Scale) -> dg.MaterializeResult:
    sizes = scale.sizes()
    impressions = eng.impressions_with_outcomes(warehouse.read_table("interactions"))
    sessions = impressions["session_id"].unique()
    rng = np.random.default_rng(sizes.seed)
    test_sessions = set(rng.choice(sessions, size=max(1, int(len(sessions) * config.test_share)), replace=False))
    is_test = impressions["session_id"].isin(test_sessions).to_numpy()
    settings = eng.EngagementConfig(epochs=sizes.engagement_epochs, learning_rate=config.learning_rate, seed=sizes.seed)
    train = _impression_data(warehouse, impressions[~is_test], settings.buckets)
    test = _impression_data(warehouse, impressions[is_test], settings.buckets)
    model = eng.EngagementModel(settings)
    result = eng.train_engagement(model, train, settings, log=context.log.info)
    predicted = eng.predict_engagement(model, test)
    metrics: dict = {"train_impressions": len(train), "test_impressions": len(test),
                     "train_seconds": round(result.seconds, 1),
                     "first_loss": round(float(np.mean(result.losses[:5])), 4),
                     "final_loss": round(float(np.mean(result.losses[-5:])), 4)}
    curves = {}
    for i, event in enumerate(eng.EVENTS):
        truth = test.labels[:, i].numpy()
        table = eng.reliability(truth, predicted[:, i])
        metrics[f"{event}_auc"] = round(eng.auc(truth, predicted[:, i]), 4)
        metrics[f"{event}_ece"] = round(eng.expected_calibration_error(table), 4)
        metrics[f"{event}_rate"] = round(float(truth.mean()), 4)
        curves[event] = table
    store = model_store.store()
    version = store.save("engagement_teacher", Checkpoint(
        weights=model.state_dict(), config={"engagement": settings.__dict__}, metrics=metrics))
    return dg.MaterializeResult(metadata={
        **metrics, "checkpoint_version": version,
        "reliability": _reliability_plot(curves),
        "reliability_table": md_table(pd.concat([t.assign(event=e) for e, t in curves.items()]).round(4)),
    })


def _reliability_plot(curves: dict[str, pd.DataFrame]) -> dg.MetadataValue:
    return scatter_lines({e: (t["predicted"].tolist(), t["observed"].tolist()) for e, t in curves.items()},
                         "engagement teacher reliability (held-out sessions)", "predicted probability",
                         "observed rate", diagonal=True)


def load_engagement(store) -> eng.EngagementModel:
    checkpoint = store.load("engagement_teacher")
    model = eng.EngagementModel(eng.EngagementConfig(**checkpoint.config["engagement"]))
    model.load_state_dict(checkpoint.weights)
    return model.eval()


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["distillation_pairs", "relevance_teacher", "engagement_teacher"],
    automation_condition=dg.AutomationCondition.eager(),
    description="Per training pair, every teacher's soft labels: the relevance teacher's 5-grade distribution "
    "and the engagement teacher's click and apply probabilities for the query's searcher (read at position 1). "
    "Students train from these stored labels.",
)
def teacher_labels(context: AssetExecutionContext, warehouse: Warehouse, model_store: ModelStore,
                   device: ComputeDevice) -> dg.MaterializeResult:
    store = model_store.store()
    pairs = warehouse.query("SELECT query_id, query, query_type, posting_id, member_id, judge_grade "
                            "FROM distillation_pairs WHERE split = 'train'")
    teacher = load_ranker(store, "relevance_teacher")
    context.log.info(f"relevance teacher labelling {len(pairs)} pairs")
    relevance = teacher.probabilities(pairs["query"].tolist(), posting_texts(warehouse, pairs, teacher.description_chars),
                                      device.resolve())[RELEVANCE]
    engagement_model = load_engagement(store)
    data = _impression_data(warehouse, pairs.assign(position=1), engagement_model.config.buckets, labels=False)
    with torch.no_grad():
        engaged = eng.predict_engagement(engagement_model, data)
    labels = pairs.assign(relevance=list(relevance.round(5)), teacher_grade=expected_grade(relevance).round(4),
                          click=engaged[:, 0].round(5), apply=engaged[:, 1].round(5))
    warehouse.write_table("teacher_labels", labels)
    correlation = float(np.corrcoef(labels["teacher_grade"], labels["click"])[0, 1])
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(labels),
        "teachers": "relevance (5 grades), click (2), apply (2)",
        "mean_teacher_grade": round(float(labels["teacher_grade"].mean()), 4),
        "teacher_vs_judge_grade_mae": round(float((labels["teacher_grade"] - labels["judge_grade"]).abs().mean()), 4),
        "mean_click": round(float(labels["click"].mean()), 4),
        "mean_apply": round(float(labels["apply"].mean()), 4),
        "relevance_click_correlation": round(correlation, 4),
        "preview": preview(labels, columns=["query", "posting_id", "member_id", "teacher_grade", "click", "apply"]),
    })


@dg.asset_check(asset="distillation_pairs", blocking=True,
                description="Both splits present, no held-out query in training, no golden dev/test query or golden "
                "test pair among the pairs (named when found), judge distributions sum to 1.")
def distillation_pairs_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    pairs = warehouse.read_table("distillation_pairs")
    sums = np.stack(pairs["judge_probs"].map(np.asarray)).sum(axis=1) if len(pairs) else np.zeros(0)
    leaked = set(pairs.loc[pairs["split"] == "train", "query_id"]) & set(pairs.loc[pairs["split"] == "heldout", "query_id"])
    problems = []
    if set(pairs["split"]) != {"train", "heldout"}:
        problems.append(f"splits {sorted(set(pairs['split']))} (need train and heldout)")
    if leaked:
        problems.append(f"{len(leaked)} queries in both splits, e.g. {sorted(leaked)[:3]}")
    golden = warehouse.read_table("golden_job_search")
    leaks = query_leaks(pairs.drop_duplicates("query_id"), golden, "distillation query") + \
        pair_leaks(pairs, golden, "distillation")
    if leaks:
        problems.append(f"{len(leaks)} golden leaks: " + "; ".join(leaks[:5]))
    if len(sums) and np.abs(sums - 1).max() > 1e-3:
        problems.append(f"{int((np.abs(sums - 1) > 1e-3).sum())} judge distributions do not sum to 1")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or f"{len(pairs)} pairs valid",
                               metadata={"pairs": len(pairs)})


@dg.asset_check(asset="engagement_teacher", blocking=True,
                description="The engagement teacher ranks held-out impressions better than chance (click and apply "
                "AUC > 0.6) and is calibrated (expected calibration error < 0.05).")
def engagement_teacher_quality(model_store: ModelStore) -> dg.AssetCheckResult:
    m = model_store.store().load("engagement_teacher").metrics
    passed = all(m[f"{e}_auc"] > 0.6 and m[f"{e}_ece"] < 0.05 for e in eng.EVENTS)
    return dg.AssetCheckResult(passed=bool(passed), description=", ".join(
        f"{e}: AUC {m[f'{e}_auc']}, ECE {m[f'{e}_ece']}" for e in eng.EVENTS),
        metadata={k: v for k, v in m.items() if k.endswith(("_auc", "_ece"))})


@dg.asset_check(asset="teacher_labels", blocking=True,
                description="One label row per training pair; relevance distributions sum to 1; click and apply are "
                "probabilities; no missing values.")
def teacher_labels_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    labels = warehouse.read_table("teacher_labels")
    expected = warehouse.query("SELECT count(*) AS n FROM distillation_pairs WHERE split = 'train'")["n"].iloc[0]
    sums = np.stack(labels["relevance"].map(np.asarray)).sum(axis=1) if len(labels) else np.zeros(0)
    problems = []
    if len(labels) != expected:
        problems.append(f"{len(labels)} label rows for {expected} training pairs")
    if len(sums) and np.abs(sums - 1).max() > 1e-3:
        problems.append("relevance distributions do not sum to 1")
    for event in eng.EVENTS:
        bad = labels[event].isna() | (labels[event] <= 0) | (labels[event] >= 1)
        if bad.any():
            problems.append(f"{int(bad.sum())} {event} labels outside (0, 1), e.g. row {int(bad.idxmax())}")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or f"{len(labels)} label rows valid",
                               metadata={"rows": len(labels)})


@dg.asset_check(asset="relevance_teacher", blocking=True,
                description="The relevance teacher ranks held-out candidates like the judge it learned from "
                "(NDCG@10 against the judge's grades >= 0.8).")
def relevance_teacher_agrees_with_judge(model_store: ModelStore) -> dg.AssetCheckResult:
    m = model_store.store().load("relevance_teacher").metrics
    passed = m["heldout_ndcg10"] >= 0.8
    return dg.AssetCheckResult(passed=bool(passed), description=(
        f"NDCG@10 vs judge {m['heldout_ndcg10']} on {m['heldout_queries']} held-out queries; golden NDCG@10 "
        f"{m['golden_ndcg10']}; KL {m['first_loss']} -> {m['final_loss']}"),
        metadata={k: m[k] for k in ("heldout_ndcg10", "golden_ndcg10", "first_loss", "final_loss")})
