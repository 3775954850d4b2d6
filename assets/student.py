"""The student ranker: multi-teacher distillation, then gradual pruning (cut a little, distill, repeat).

`student` starts as a copy of the relevance teacher with click and apply heads added, learns all
teachers' stored soft labels (a weighted sum of KL terms), then walks the profile's pruning
schedule, e.g. 2x1536 > 2x1024 > 2x512 > 1x512 (layers x MLP width), distilling from the stored
labels after every cut. Every step is a checkpoint (`student-<shape>`) with its metrics; the last
is `student`. `one_shot_student` is the baseline: the same start cut straight to the final shape,
distilled for as many steps as the gradual path used after its first cut.
"""

from dataclasses import replace

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.evaluation import Ranker, eval_sets, evaluate, load_ranker, measure_throughput
from assets.metadata import md_table
from assets.plots import line_plot, smooth
from assets.teachers import _texts
from jobsearch.cross_encoder import RELEVANCE, TrainConfig, TrainResult, distillation_objective, train_cross_encoder, with_heads
from jobsearch.engagement import EVENTS, as_distributions
from jobsearch.pruning import parse_schedule, prune_to, shape_of
from resources import ComputeDevice, ModelStore, Scale, Warehouse

GROUP = "models"
STUDENT_HEADS = {RELEVANCE: 5, "click": 2, "apply": 2}


class StudentConfig(dg.Config):
    relevance_weight: float = 0.8   # policy relevance vs engagement: the KL terms' weights
    click_weight: float = 0.1
    apply_weight: float = 0.1
    learning_rate: float = 1e-4
    batch_size: int = 32
    temperature: float = 1.0

    def weights(self) -> dict[str, float]:
        return {RELEVANCE: self.relevance_weight, "click": self.click_weight, "apply": self.apply_weight}


def teacher_targets(labels: pd.DataFrame) -> dict[str, np.ndarray]:
    engaged = as_distributions(labels[list(EVENTS)].to_numpy())
    return {RELEVANCE: np.stack(labels["relevance"].map(np.asarray)), **engaged}


def distill(ranker: Ranker, labels: pd.DataFrame, texts: list[str], steps: int, config: StudentConfig, seed: int,
            log, device: str) -> TrainResult:
    """Train `ranker` in place on the stored teacher labels (weighted multi-teacher KL)."""
    objective = distillation_objective(ranker.config.heads, teacher_targets(labels), config.weights(), config.temperature)
    return train_cross_encoder(
        ranker.model, ranker.tokenizer, labels["query"].tolist(), texts, objective, ranker.config,
        TrainConfig(max_steps=steps, epochs=100.0, batch_size=config.batch_size, learning_rate=config.learning_rate,
                    seed=seed, log_every=25), log=log, device=device)


def _step_metrics(ranker: Ranker, sets, result: TrainResult, device: str, summaries=None) -> dict:
    return {**evaluate(ranker, sets, summaries, device),
            "pairs_per_second": round(measure_throughput(ranker, sets, summaries, device=device), 1),
            "shape": str(shape_of(ranker.model)), "steps": result.steps, "train_seconds": round(result.seconds, 1),
            "first_loss": round(float(np.mean(result.losses[:10])), 4),
            "final_loss": round(float(np.mean(result.losses[-10:])), 4)}


def saved_result(store, name: str, ranker: Ranker, metrics: dict, result: TrainResult, label: str) -> dg.MaterializeResult:
    """Checkpoint `ranker` as `name` and report its metrics and loss curve."""
    version = store.save(name, ranker.checkpoint(metrics))
    return dg.MaterializeResult(metadata={
        **{k: v for k, v in metrics.items() if not isinstance(v, dict)}, "checkpoint_version": version,
        "distillation_loss": line_plot({label: smooth(result.losses)}, f"{name} KL", "step", "weighted KL"),
    })


def step_name(shape) -> str:
    return f"student-{shape}"


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
    texts = _texts(warehouse, labels, current.description_chars)
    sets = eval_sets(warehouse)

    rows, losses = [], {}
    for i, shape in enumerate(schedule):
        if i > 0:
            current = current.with_model(prune_to(current.model, shape))
        steps = sizes.student_steps if i == 0 else sizes.prune_steps
        context.log.info(f"student step {i}: {shape}, distilling {steps} steps")
        result = distill(current, labels, texts, steps, config, sizes.seed + i, context.log.info, run_device)
        metrics = _step_metrics(current, sets, result, run_device)
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
    result = distill(pruned, labels, _texts(warehouse, labels, pruned.description_chars), steps, config,
                     sizes.seed + 100, context.log.info, run_device)
    metrics = _step_metrics(pruned, eval_sets(warehouse), result, run_device)
    return saved_result(store, "one_shot_student", pruned, metrics, result, "one-shot")


def ndcg_bound(store, model: str, bound: float, severity=dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    """Relative held-out NDCG@10 loss of `model` against the relevance teacher, within `bound`."""
    teacher = store.load("relevance_teacher").metrics["heldout_ndcg10"]
    ours = store.load(model).metrics["heldout_ndcg10"]
    loss = (teacher - ours) / teacher if teacher > 0 else 0.0
    return dg.AssetCheckResult(
        passed=bool(loss <= bound), severity=severity,
        description=f"{model} NDCG@10 {ours} vs relevance teacher {teacher}: relative loss {loss:.2%} "
                    f"({'<=' if loss <= bound else '>'} {bound:.0%})",
        metadata={"ndcg10": ours, "teacher_ndcg10": teacher, "relative_loss": round(loss, 4), "bound": bound},
    )


@dg.asset_check(asset="student", blocking=True,
                description="The student's NDCG@10 on held-out queries (judge grades) is within the profile's "
                "max_student_ndcg_loss (relative) of the relevance teacher's, before anything downstream uses it.")
def student_within_ndcg_bound(model_store: ModelStore, scale: Scale) -> dg.AssetCheckResult:
    return ndcg_bound(model_store.store(), "student", scale.sizes().max_student_ndcg_loss)


def summary_ranker(ranker: Ranker, summary_tokens: int, query_tokens: int = 16) -> Ranker:
    return replace(ranker, config=replace(ranker.config, max_length=summary_tokens + query_tokens + 3))


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
