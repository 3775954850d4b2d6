"""The student ranker: multi-teacher distillation, then gradual pruning (cut a little, distill, repeat).

`student` starts as a copy of the relevance teacher with click and apply heads added, learns all
teachers' stored soft labels (a weighted sum of KL terms), then walks the profile's pruning
schedule, e.g. 2x1536 > 2x1024 > 2x512 > 1x512 (layers x MLP width), distilling from the stored
labels after every cut. Every step is a checkpoint (`student-<shape>`) with its metrics; the last
is `student`. `one_shot_student` is the baseline: the same start cut straight to the final shape,
distilled for as many steps as the gradual path used after its first cut.
"""

import dagster as dg
from dagster import AssetExecutionContext
import pandas as pd

from assets.distilled_models import StudentConfig, ndcg_bound, saved_result
from assets.loaders import eval_sets, posting_texts
from assets.metadata import md_table
from assets.plots import line_plot, smooth
from jobsearch.ranking.cross_encoder import with_heads
from jobsearch.ranking.evaluation import load_ranker
from jobsearch.ranking.pruning import parse_schedule, prune_to, shape_of
from jobsearch.ranking.student import STUDENT_HEADS, distill, step_metrics, step_name
from resources import ComputeDevice, ModelStore, Scale, Warehouse

GROUP = "models"


@dg.asset(
    group_name=GROUP,
    kinds={"pytorch"},
    deps=["teacher_labels", "relevance_teacher"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The student cross-encoder: the relevance teacher plus click and apply heads, distilled from all "
    "teachers' stored labels (weighted KL per teacher), then pruned gradually along the profile's "
    "prune_schedule with distillation after each cut. Each step is a checkpoint with its metrics.",
)
def student(context: AssetExecutionContext, config: StudentConfig, warehouse: Warehouse, model_store: ModelStore,
            scale: Scale, device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    store = model_store.store()
    run_device = device.resolve()
    teacher = load_ranker(store, "relevance_teacher")
    schedule = parse_schedule(sizes.prune_schedule)
    if schedule[0] != shape_of(teacher.model):
        raise ValueError(f"prune_schedule {sizes.prune_schedule!r} must start at the relevance teacher's shape "
                         f"{shape_of(teacher.model)} (teacher_layers x the judge's MLP width)")
    model = with_heads(teacher.model, STUDENT_HEADS, copy_from=teacher.config.heads)
    current = teacher.with_model(model, heads=dict(STUDENT_HEADS))
    labels = warehouse.read_table("teacher_labels")
    texts = posting_texts(warehouse, labels, current.description_chars)
    sets = eval_sets(warehouse)

    rows, losses = [], {}
    for i, shape in enumerate(schedule):
        if i > 0:
            current = current.with_model(prune_to(current.model, shape))
        steps = sizes.student_steps if i == 0 else sizes.prune_steps
        context.log.info(f"student step {i}: {shape}, distilling {steps} steps")
        result = distill(current, labels, texts, steps, config.settings(), sizes.seed + i, context.log.info, run_device)
        metrics = step_metrics(current, sets, result, run_device)
        metrics["step"] = i
        store.save(step_name(shape), current.checkpoint(metrics, step=i))
        rows.append(metrics)
        losses[str(shape)] = smooth(result.losses)
    version = store.save("student", current.checkpoint({**rows[-1], "schedule": sizes.prune_schedule}, step=len(rows) - 1))
    final = rows[-1]
    table = pd.DataFrame(rows)[["step", "shape", "encoder_parameters", "heldout_ndcg10", "golden_ndcg10", "heldout_mrr",
                                "pairs_per_second", "steps", "train_seconds", "final_loss"]]
    return dg.MaterializeResult(metadata={
        **{k: v for k, v in final.items() if not isinstance(v, dict)},
        "checkpoint_version": version,
        "schedule": sizes.prune_schedule,
        "teacher_weights": dg.MetadataValue.json(config.weights()),
        "pruning_steps": md_table(table),
        "distillation_loss": line_plot(losses, "student multi-teacher KL per pruning step", "step", "weighted KL"),
    })


@dg.asset(
    group_name=GROUP,
    kinds={"pytorch"},
    deps=["student"],
    automation_condition=dg.AutomationCondition.eager(),
    description="Baseline for gradual pruning: the unpruned student cut straight to the final shape, distilled for "
    "as many steps as the gradual path spent after its first cut.",
)
def one_shot_student(context: AssetExecutionContext, config: StudentConfig, warehouse: Warehouse,
                     model_store: ModelStore, scale: Scale, device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    store = model_store.store()
    run_device = device.resolve()
    schedule = parse_schedule(sizes.prune_schedule)
    start = load_ranker(store, step_name(schedule[0]))
    pruned = start.with_model(prune_to(start.model, schedule[-1]))
    labels = warehouse.read_table("teacher_labels")
    steps = sizes.prune_steps * (len(schedule) - 1)
    context.log.info(f"one-shot cut {schedule[0]} -> {schedule[-1]}, distilling {steps} steps")
    result = distill(pruned, labels, posting_texts(warehouse, labels, pruned.description_chars), steps, config.settings(),
                     sizes.seed + 100, context.log.info, run_device)
    metrics = step_metrics(pruned, eval_sets(warehouse), result, run_device)
    return saved_result(store, "one_shot_student", pruned, metrics, result, "one-shot")


@dg.asset_check(asset="student", blocking=True,
                description="The student's NDCG@10 on held-out queries (judge grades) is within the profile's "
                "max_student_ndcg_loss (relative) of the relevance teacher's, before anything downstream uses it.")
def student_within_ndcg_bound(model_store: ModelStore, scale: Scale) -> dg.AssetCheckResult:
    return ndcg_bound(model_store.store(), "student", scale.sizes().max_student_ndcg_loss)


@dg.asset_check(asset="one_shot_student",
                description="Gradual pruning should beat the one-shot cut to the same shape (held-out NDCG@10); "
                "a warning when it does not.")
def gradual_beats_one_shot(model_store: ModelStore) -> dg.AssetCheckResult:
    store = model_store.store()
    gradual = store.load("student").metrics
    one_shot = store.load("one_shot_student").metrics
    passed = gradual["heldout_ndcg10"] > one_shot["heldout_ndcg10"]
    return dg.AssetCheckResult(
        passed=bool(passed), severity=dg.AssetCheckSeverity.WARN,
        description=f"{gradual['shape']}: gradual NDCG@10 {gradual['heldout_ndcg10']} vs one-shot {one_shot['heldout_ndcg10']}",
        metadata={"gradual_ndcg10": gradual["heldout_ndcg10"], "one_shot_ndcg10": one_shot["heldout_ndcg10"]})
