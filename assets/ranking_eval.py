"""One table to decide whether a new student ships: every ranker, measured the same way in one run.

Rows: the judge, the relevance teacher, the student after each pruning step, the one-shot pruned
student and the student on summaries. Columns: NDCG@10 and MRR against the golden test split and
against the judge on held-out synthetic queries (also per query type), pairs/s on this machine
measured back to back in this run, parameters, mean input tokens, the ratios to the relevance
teacher, and the change since the previous materialization of this asset.
"""

import dagster as dg
from dagster import AssetExecutionContext
import pandas as pd

import numpy as np

from assets.loaders import eval_sets
from assets.metadata import md_table
from assets.plots import scatter_lines
from jobsearch.ranking.evaluation import (
    EvalSets, evaluate, golden_per_query, input_tokens, load_ranker, measure_throughput, random_order_per_query,
    scores_per_query,
)
from jobsearch.ranking.metrics import bootstrap_interval, paired_test
from jobsearch.retrieval.documents import embedding_text
from jobsearch.retrieval.lexical import BM25Index
from jobsearch.ranking.pruning import parse_schedule, shape_of
from jobsearch.ranking.student import step_name
from resources import ComputeDevice, ModelStore, Scale, Warehouse

GROUP = "models"
TEACHER = "relevance_teacher"


def compare(rows: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Ratios to the relevance teacher and the change since the previous evaluation (by model name)."""
    teacher = rows.set_index("model").loc[TEACHER]
    out = rows.copy()
    out["ndcg_loss_vs_teacher"] = ((teacher["heldout_ndcg10"] - out["heldout_ndcg10"]) / teacher["heldout_ndcg10"]).round(4)
    out["golden_ndcg_loss_vs_teacher"] = ((teacher["golden_ndcg10"] - out["golden_ndcg10"]) / teacher["golden_ndcg10"]).round(4)
    out["speedup_vs_teacher"] = (out["pairs_per_second"] / teacher["pairs_per_second"]).round(2)
    if previous is not None and len(previous):
        before = previous.set_index("model")
        for column in ("heldout_ndcg10", "golden_ndcg10", "pairs_per_second"):
            out[f"change_{column}"] = (out[column] - out["model"].map(before[column])).round(4)
    return out


def baselines(sets: EvalSets, grader_on_golden: pd.DataFrame, seed: int) -> dict[str, pd.Series]:
    """Per golden test query NDCG@10 of the orders every model must beat, from this same run: random
    order, BM25 over the fields the bi-encoder reads (IDF from the whole corpus), and the grader's order
    (its expected grade: the labels' policy applied by the rubric or LLM)."""
    frame = sets.golden
    out = {"random order": random_order_per_query(frame, seed=seed)}
    corpus = sets.postings
    index = BM25Index.build([embedding_text(p, sets.as_of, 3) for p in corpus.to_dict("records")])
    column = {pid: i for i, pid in enumerate(corpus["posting_id"])}
    queries = list(dict.fromkeys(frame["query"]))
    matrix = index.scores(queries)
    row = {q: i for i, q in enumerate(queries)}
    out["BM25 (bi-encoder fields)"] = scores_per_query(
        frame, [matrix[row[q], column[p]] for q, p in zip(frame["query"], frame["posting_id"])])
    graded = frame.merge(grader_on_golden[["query_id", "posting_id", "grader_expected", "grader"]],
                         on=["query_id", "posting_id"], how="left")
    if graded["grader_expected"].notna().all() and len(graded):
        out[f"grader order ({graded['grader'].iloc[0]})"] = scores_per_query(frame, graded["grader_expected"].to_numpy())
    return out


CLAIMS = [  # (A, B, what the claim says)
    ("student", TEACHER, "student vs relevance teacher"),
    ("gradual", "one_shot_student", "gradual pruning vs one-shot"),
    ("summary_student", TEACHER, "summary student vs relevance teacher"),
    (TEACHER, "judge", "relevance teacher vs judge"),
    ("judge", "BM25 (bi-encoder fields)", "judge vs BM25"),
    ("student", "BM25 (bi-encoder fields)", "student vs BM25"),
]


def paired_claims(per_query: dict[str, pd.Series], seed: int) -> pd.DataFrame:
    """Each model-vs-model claim as a paired test over the same golden test queries."""
    rows = []
    for a, b, claim in CLAIMS:
        if a not in per_query or b not in per_query:
            continue
        both = pd.concat([per_query[a], per_query[b]], axis=1, join="inner").dropna()
        test = paired_test(both.iloc[:, 0], both.iloc[:, 1], seed=seed)
        verdict = ("no significant difference" if test["p_value"] >= 0.05 else
                   f"{a} better" if test["difference"] > 0 else f"{b} better")
        rows.append({"claim": claim, "a": a, "b": b, **test, "significant_at_0.05": test["p_value"] < 0.05,
                     "verdict": verdict})
    return pd.DataFrame(rows)


def _previous(context: AssetExecutionContext) -> pd.DataFrame | None:
    event = context.instance.get_latest_materialization_event(context.asset_key)
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get("results")
    return pd.DataFrame(value.data["rows"]) if value is not None else None


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["judge", "relevance_teacher", "student", "one_shot_student", "summary_student", "posting_summaries"],
    automation_condition=dg.AutomationCondition.eager(),
    description="Judge, relevance teacher, student per pruning step, one-shot student and summary student side by "
    "side, beside random order, BM25 and the grader's order from the same run: NDCG@10 on the blind golden test "
    "split with a 95% bootstrap interval over queries, paired tests for each model-vs-model claim, NDCG@10 vs "
    "the judge on held-out synthetic queries (not for the judge itself), pairs/s in this run, parameters, ratios "
    "to the teacher and change since the last materialization.",
)
def ranking_eval(context: AssetExecutionContext, warehouse: Warehouse, model_store: ModelStore, scale: Scale,
                 device: ComputeDevice) -> dg.MaterializeResult:
    store = model_store.store()
    run_device = device.resolve()
    sets = eval_sets(warehouse)
    summaries = dict(warehouse.query("SELECT posting_id, summary FROM posting_summaries").itertuples(index=False))
    schedule = parse_schedule(scale.sizes().prune_schedule)
    models = [("judge", None), (TEACHER, None), *[(step_name(s), None) for s in schedule],
              ("one_shot_student", None), ("summary_student", summaries)]
    seed = scale.sizes().seed
    rows, by_type, per_query = [], {}, {}
    for name, inputs in models:
        ranker = load_ranker(store, name)
        measured = evaluate(ranker, sets, inputs, run_device)
        if name == "judge":  # held-out gains are the judge's own grades: it is measured on golden labels only
            measured.update(heldout_ndcg10=np.nan, heldout_mrr=np.nan, heldout_ndcg10_by_type={})
        per_query[name] = golden_per_query(ranker, sets, inputs, run_device)
        speed = measure_throughput(ranker, sets, inputs, device=run_device, repeats=3)
        context.log.info(f"{name}: NDCG@10 golden test {measured['golden_ndcg10']}, {speed:.0f} pairs/s")
        by_type[name] = measured.pop("heldout_ndcg10_by_type")
        low, high = bootstrap_interval(per_query[name], seed=seed)
        rows.append({"model": name, "shape": str(shape_of(ranker.model)), "inputs": "summary" if inputs else "posting",
                     **{k: measured[k] for k in ("parameters", "encoder_parameters", "golden_ndcg10")},
                     "golden_ndcg10_low": low, "golden_ndcg10_high": high,
                     **{k: measured[k] for k in ("golden_mrr", "heldout_ndcg10", "heldout_mrr")},
                     "input_tokens": round(input_tokens(ranker, sets, inputs), 1),
                     "pairs_per_second": round(speed, 1)})
    per_query["student"] = per_query[step_name(schedule[-1])]
    per_query["gradual"] = per_query[step_name(schedule[-1])]
    reference = baselines(sets, warehouse.read_table("grader_on_golden"), seed)
    per_query.update(reference)
    floor = pd.DataFrame([{"baseline": name, "golden_ndcg10": round(float(values.mean()), 4),
                           **dict(zip(("golden_ndcg10_low", "golden_ndcg10_high"), bootstrap_interval(values, seed=seed))),
                           "queries": len(values)} for name, values in reference.items()])
    claims = paired_claims(per_query, seed)
    table = compare(pd.DataFrame(rows), _previous(context))
    types = pd.DataFrame(by_type).rename_axis("query_type").reset_index()
    warehouse.write_table("ranking_eval", table)
    warehouse.write_table("ranking_eval_baselines", floor)
    warehouse.write_table("ranking_eval_claims", claims)
    final = table.set_index("model")
    return dg.MaterializeResult(metadata={
        "results": dg.MetadataValue.json({"rows": table.to_dict("records")}),
        "table": md_table(table),
        "baselines": md_table(floor),
        "paired_claims": md_table(claims),
        "heldout_ndcg10_by_query_type": md_table(types.round(4)),
        "golden_queries": int(sets.golden["query_id"].nunique()),
        "heldout_queries": int(sets.heldout["query_id"].nunique()),
        "summary_student_speedup": float(final.loc["summary_student", "speedup_vs_teacher"]),
        "summary_student_ndcg_loss": float(final.loc["summary_student", "ndcg_loss_vs_teacher"]),
        "gradual_minus_one_shot_ndcg": round(float(final.loc[step_name(schedule[-1]), "heldout_ndcg10"]
                                                   - final.loc["one_shot_student", "heldout_ndcg10"]), 4),
        "quality_vs_speed": scatter_lines(
            {r.model: ([r.pairs_per_second], [r.heldout_ndcg10]) for r in table.itertuples()},
            "held-out NDCG@10 vs pairs/s (this CPU)", "pairs/s", "NDCG@10 vs judge"),
    })


@dg.asset_check(asset="ranking_eval", blocking=True,
                description="Every ranker is in the table with finite NDCG and MRR in [0, 1] and a positive throughput.")
def ranking_eval_complete(warehouse: Warehouse, scale: Scale) -> dg.AssetCheckResult:
    table = warehouse.read_table("ranking_eval")
    schedule = parse_schedule(scale.sizes().prune_schedule)
    expected = {"judge", TEACHER, *[step_name(s) for s in schedule], "one_shot_student", "summary_student"}
    missing = expected - set(table["model"])
    scores = table[["golden_ndcg10", "golden_mrr", "heldout_ndcg10", "heldout_mrr"]].copy()
    judge = table["model"] == "judge"  # no held-out score: those gains are its own grades
    scores.loc[judge, ["heldout_ndcg10", "heldout_mrr"]] = 0.5
    bad = table[~scores.apply(lambda c: c.between(0, 1)).all(axis=1) | ~(table["pairs_per_second"] > 0)]
    problems = ([f"missing {sorted(missing)}"] if missing else []) + \
        ([f"invalid rows for {bad['model'].tolist()}"] if len(bad) else [])
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or f"{len(table)} rankers evaluated")
