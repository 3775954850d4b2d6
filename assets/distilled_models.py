"""What the distilled-model assets (`student`, `one_shot_student`, `summary_student`) share: their run
config, saving a checkpoint with its report, and the NDCG bound against the relevance teacher."""

from __future__ import annotations

import dagster as dg

from assets.plots import line_plot, smooth
from jobsearch.ranking.cross_encoder import RELEVANCE, TrainResult
from jobsearch.ranking.evaluation import Ranker
from jobsearch.ranking.student import DistillSettings


class StudentConfig(dg.Config):
    relevance_weight: float = 0.8   # policy relevance vs engagement: the KL terms' weights
    click_weight: float = 0.1
    apply_weight: float = 0.1
    learning_rate: float = 1e-4
    batch_size: int = 32
    temperature: float = 1.0

    def weights(self) -> dict[str, float]:
        return {RELEVANCE: self.relevance_weight, "click": self.click_weight, "apply": self.apply_weight}

    def settings(self) -> DistillSettings:
        return DistillSettings(self.weights(), self.learning_rate, self.batch_size, self.temperature)


def saved_result(store, name: str, ranker: Ranker, metrics: dict, result: TrainResult, label: str) -> dg.MaterializeResult:
    """Checkpoint `ranker` as `name` and report its metrics and loss curve."""
    version = store.save(name, ranker.checkpoint(metrics))
    return dg.MaterializeResult(metadata={
        **{k: v for k, v in metrics.items() if not isinstance(v, dict)}, "checkpoint_version": version,
        "distillation_loss": line_plot({label: smooth(result.losses)}, f"{name} KL", "step", "weighted KL"),
    })


def ndcg_bound(store, model: str, bound: float, severity=dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    """Relative held-out NDCG@10 loss of `model` against the relevance teacher within `bound`, and better
    than a random order of the same candidates (a broken model must not pass a loose bound)."""
    teacher = store.load("relevance_teacher").metrics["heldout_ndcg10"]
    metrics = store.load(model).metrics
    ours, floor = metrics["heldout_ndcg10"], metrics.get("heldout_random_ndcg10", 0.0)
    loss = (teacher - ours) / teacher if teacher > 0 else 0.0
    within, above_random = bool(loss <= bound), bool(ours > floor)
    return dg.AssetCheckResult(
        passed=within and above_random, severity=severity,
        description=f"{model} NDCG@10 {ours} vs relevance teacher {teacher}: relative loss {loss:.2%} "
                    f"({'<=' if within else '>'} {bound:.0%}); random order {floor}"
                    f"{'' if above_random else ' (not better than random)'}",
        metadata={"ndcg10": ours, "teacher_ndcg10": teacher, "random_order_ndcg10": floor,
                  "relative_loss": round(loss, 4), "bound": bound},
    )
