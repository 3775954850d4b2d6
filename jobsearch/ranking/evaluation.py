"""Load a ranker from the model store and measure it the same way everywhere.

Two references: the golden test split and held-out synthetic queries whose candidates the judge
graded (its expected grade is the gain). Both are ranked per query and scored with NDCG@10 and MRR
(`jobsearch.ranking.metrics.ranking_metrics`). The tables come in as plain data frames (`EvalSets`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from jobsearch.checkpoints import Checkpoint, CheckpointStore
from jobsearch.ranking.cross_encoder import (
    RELEVANCE, CrossEncoderConfig, PairEncoder, checkpoint_config, expected_grade, head_probabilities, load_model,
    parameter_count, predict_logits, throughput,
)
from jobsearch.ranking.metrics import per_query_ndcg, ranking_metrics
from jobsearch.labels.synthetic import posting_text

DEFAULT_DESCRIPTION_CHARS = 60
THROUGHPUT_PAIRS = 512


@dataclass
class Ranker:
    """A cross-encoder ready to score: model, tokenizer, its config (heads, input length)."""
    model: object
    tokenizer: object
    config: CrossEncoderConfig
    description_chars: int = DEFAULT_DESCRIPTION_CHARS

    def logits(self, queries: list[str], items: list[str], device: str = "cpu") -> np.ndarray:
        return predict_logits(self.model, self.tokenizer, queries, items, self.config.max_length, device=device)

    def probabilities(self, queries: list[str], items: list[str], device: str = "cpu") -> dict[str, np.ndarray]:
        return head_probabilities(self.logits(queries, items, device), self.config.heads)

    def scores(self, queries: list[str], items: list[str], device: str = "cpu") -> np.ndarray:
        """The ranking score: the expected relevance grade."""
        return expected_grade(self.probabilities(queries, items, device)[RELEVANCE])

    def parameters(self) -> int:
        return parameter_count(self.model)

    def checkpoint(self, metrics: dict, data_versions: dict | None = None, step: int = 0) -> Checkpoint:
        config = {**checkpoint_config(self.model, self.config), "description_chars": self.description_chars}
        return Checkpoint(weights=self.model.state_dict(), config=config, metrics=metrics,
                          data_versions=data_versions or {}, step=step)

    def with_model(self, model, **changes) -> "Ranker":
        return Ranker(model, self.tokenizer, replace(self.config, **changes), self.description_chars)


def load_ranker(store: CheckpointStore, name: str) -> Ranker:
    checkpoint = store.load(name)
    model, tokenizer, config = load_model(checkpoint.config, checkpoint.weights)
    return Ranker(model, tokenizer, config, checkpoint.config.get("description_chars", DEFAULT_DESCRIPTION_CHARS))


@dataclass
class EvalSets:
    """The reference tables a ranker is measured on."""
    golden: pd.DataFrame    # query_id, query, posting_id, grade (golden test split)
    heldout: pd.DataFrame   # query_id, query, query_type, posting_id, grade (judge expected grade)
    postings: pd.DataFrame  # indexed by posting_id
    as_of: object           # the policy's query date

    def texts(self, frame: pd.DataFrame, description_chars: int, summaries: dict[str, str] | None = None) -> list[str]:
        if summaries is not None:
            return [summaries[p] for p in frame["posting_id"]]
        records = self.postings.loc[frame["posting_id"]].to_dict("records")
        return [posting_text(p, self.as_of, description_chars) for p in records]


def evaluate(ranker: Ranker, sets: EvalSets, summaries: dict[str, str] | None = None, device: str = "cpu") -> dict:
    """NDCG@10 and MRR against the golden test split and the judge on held-out queries, the latter per
    query type; parameters. `summaries` (posting_id -> text) replaces the full posting text."""
    out: dict = {"parameters": ranker.parameters(), "encoder_parameters": parameter_count(ranker.model, embeddings=False)}
    for name, frame in (("golden", sets.golden), ("heldout", sets.heldout)):
        scored = frame.assign(score=ranker.scores(frame["query"].tolist(),
                                                  sets.texts(frame, ranker.description_chars, summaries), device))
        if not np.isfinite(scored["score"]).all():  # a diverged model ranks nothing: no score, not a lucky order
            scored = scored.assign(score=np.nan)
        # held-out gains are the judge's expected grades: relevant (for MRR) when they round to Good or better
        table = ranking_metrics(scored, "score", "grade", by="query_type" if name == "heldout" else None,
                                relevant_at=3 if name == "golden" else 2.5)
        overall = table.iloc[0]
        out[f"{name}_ndcg10"] = round(float(overall["ndcg"]), 4)
        out[f"{name}_mrr"] = round(float(overall["mrr"]), 4)
        out[f"{name}_queries"] = int(overall["queries"])
        if name == "heldout":
            out["heldout_ndcg10_by_type"] = {r.group: round(float(r.ndcg), 4) for r in table.iloc[1:].itertuples()}
            # the floor every ranker must clear on the same pairs: a random order of each query's candidates
            out["heldout_random_ndcg10"] = round(float(random_order_per_query(frame, draws=50).mean()), 4)
    return out


def measure_throughput(ranker: Ranker, sets: EvalSets, summaries: dict[str, str] | None = None,
                       pairs: int = THROUGHPUT_PAIRS, device: str = "cpu", repeats: int = 2) -> float:
    """Pairs/s on held-out candidates, ranked query by query as a ranking service would."""
    frame = sets.heldout.head(pairs)
    return throughput(ranker.model, ranker.tokenizer, frame["query"].tolist(),
                      sets.texts(frame, ranker.description_chars, summaries), ranker.config.max_length,
                      device=device, repeats=repeats)


def input_tokens(ranker: Ranker, sets: EvalSets, summaries: dict[str, str] | None = None) -> float:
    """Mean tokens per held-out pair as the ranker reads them (after truncation)."""
    frame = sets.heldout
    encoder = PairEncoder(ranker.tokenizer, ranker.config.max_length)
    return float(encoder.lengths(frame["query"].tolist(), sets.texts(frame, ranker.description_chars, summaries)).mean())


def golden_per_query(ranker: Ranker, sets: EvalSets, summaries: dict[str, str] | None = None,
                     device: str = "cpu", k: int = 10) -> pd.Series:
    """NDCG@k of the ranker on each golden test query (for intervals and paired tests)."""
    frame = sets.golden
    scored = frame.assign(score=ranker.scores(frame["query"].tolist(),
                                              sets.texts(frame, ranker.description_chars, summaries), device))
    return per_query_ndcg(scored, "score", "grade", k=k)


def random_order_per_query(frame: pd.DataFrame, draws: int = 200, seed: int = 0, k: int = 10) -> pd.Series:
    """Expected NDCG@k of a random order of each query's candidates (mean over `draws` shuffles): the floor."""
    rng = np.random.default_rng(seed)
    values = [per_query_ndcg(frame.assign(score=rng.random(len(frame))), "score", "grade", k=k) for _ in range(draws)]
    return pd.concat(values, axis=1).mean(axis=1)


def scores_per_query(frame: pd.DataFrame, scores: np.ndarray, k: int = 10) -> pd.Series:
    """NDCG@k per query of any scoring of the pairs in `frame` (BM25, a grader's expected grade)."""
    return per_query_ndcg(frame.assign(score=np.asarray(scores, dtype=np.float64)), "score", "grade", k=k)
