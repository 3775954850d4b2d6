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

from assets.loaders import eval_sets
from assets.metadata import md_table
from assets.plots import scatter_lines
from jobsearch.ranking.evaluation import evaluate, input_tokens, load_ranker, measure_throughput
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
    out["speedup_vs_teacher"] = (out["pairs_per_second"] / teacher["pairs_per_second"]).round(2)
    if previous is not None and len(previous):
        before = previous.set_index("model")
        for column in ("heldout_ndcg10", "golden_ndcg10", "pairs_per_second"):
            out[f"change_{column}"] = (out[column] - out["model"].map(before[column])).round(4)
    return out


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
    "side: NDCG@10/MRR vs golden test and vs judge on held-out queries (per query type), pairs/s in this run, "
    "parameters, ratios to the teacher and change since the last materialization.",
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
    rows, by_type = [], {}
    for name, inputs in models:
        ranker = load_ranker(store, name)
        measured = evaluate(ranker, sets, inputs, run_device)
        speed = measure_throughput(ranker, sets, inputs, device=run_device, repeats=3)
        context.log.info(f"{name}: NDCG@10 held-out {measured['heldout_ndcg10']}, {speed:.0f} pairs/s")
        by_type[name] = measured.pop("heldout_ndcg10_by_type")
        rows.append({"model": name, "shape": str(shape_of(ranker.model)), "inputs": "summary" if inputs else "posting",
                     **{k: measured[k] for k in ("parameters", "encoder_parameters", "golden_ndcg10", "golden_mrr", "heldout_ndcg10",
                                                 "heldout_mrr")},
                     "input_tokens": round(input_tokens(ranker, sets, inputs), 1),
                     "pairs_per_second": round(speed, 1)})
    table = compare(pd.DataFrame(rows), _previous(context))
    types = pd.DataFrame(by_type).rename_axis("query_type").reset_index()
    warehouse.write_table("ranking_eval", table)
    final = table.set_index("model")
    return dg.MaterializeResult(metadata={
        "results": dg.MetadataValue.json({"rows": table.to_dict("records")}),
        "table": md_table(table),
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
    scores = table[["golden_ndcg10", "golden_mrr", "heldout_ndcg10", "heldout_mrr"]]
    bad = table[~scores.apply(lambda c: c.between(0, 1)).all(axis=1) | ~(table["pairs_per_second"] > 0)]
    problems = ([f"missing {sorted(missing)}"] if missing else []) + \
        ([f"invalid rows for {bad['model'].tolist()}"] if len(bad) else [])
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or f"{len(table)} rankers evaluated")
