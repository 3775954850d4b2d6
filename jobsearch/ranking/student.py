"""The student's recipe: teacher targets from stored labels, multi-teacher distillation runs, the
names of pruning steps, and the input length of a student that reads summaries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from jobsearch.ranking.cross_encoder import RELEVANCE, TrainConfig, TrainResult, distillation_objective, train_cross_encoder
from jobsearch.ranking.engagement import EVENTS, as_distributions
from jobsearch.ranking.evaluation import EvalSets, Ranker, evaluate, measure_throughput
from jobsearch.ranking.pruning import shape_of

STUDENT_HEADS = {RELEVANCE: 5, "click": 2, "apply": 2}


@dataclass(frozen=True)
class DistillSettings:
    """How a student learns the stored teacher labels: KL weight per teacher, optimizer, temperature."""
    weights: dict[str, float]
    learning_rate: float = 1e-4
    batch_size: int = 32
    temperature: float = 1.0


def teacher_targets(labels: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per head, the teachers' soft labels stored in `teacher_labels` (relevance 5-way, click and apply)."""
    engaged = as_distributions(labels[list(EVENTS)].to_numpy())
    return {RELEVANCE: np.stack(labels["relevance"].map(np.asarray)), **engaged}


def distill(ranker: Ranker, labels: pd.DataFrame, texts: list[str], steps: int, settings: DistillSettings, seed: int,
            log: Callable[[str], None], device: str) -> TrainResult:
    """Train `ranker` in place on the stored teacher labels (weighted multi-teacher KL)."""
    objective = distillation_objective(ranker.config.heads, teacher_targets(labels), settings.weights, settings.temperature)
    return train_cross_encoder(
        ranker.model, ranker.tokenizer, labels["query"].tolist(), texts, objective, ranker.config,
        TrainConfig(max_steps=steps, epochs=100.0, batch_size=settings.batch_size, learning_rate=settings.learning_rate,
                    seed=seed, log_every=25), log=log, device=device)


def step_metrics(ranker: Ranker, sets: EvalSets, result: TrainResult, device: str,
                 summaries: dict[str, str] | None = None) -> dict:
    """A distillation step's report: quality, speed, shape and loss."""
    return {**evaluate(ranker, sets, summaries, device),
            "pairs_per_second": round(measure_throughput(ranker, sets, summaries, device=device), 1),
            "shape": str(shape_of(ranker.model)), "steps": result.steps, "train_seconds": round(result.seconds, 1),
            "first_loss": round(float(np.mean(result.losses[:10])), 4),
            "final_loss": round(float(np.mean(result.losses[-10:])), 4)}


def step_name(shape) -> str:
    """The model-store name of the student after the pruning step that reached `shape`."""
    return f"student-{shape}"


def summary_ranker(ranker: Ranker, summary_tokens: int, query_tokens: int = 16) -> Ranker:
    """The same model reading summaries: input length = summary budget + query + special tokens."""
    return replace(ranker, config=replace(ranker.config, max_length=summary_tokens + query_tokens + 3))
