"""Agreement and ranking metrics: quadratic weighted kappa, accuracy, within-one, NDCG, MRR, recall of Good items."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

N_GRADES = 5


def confusion(truth: Sequence[int], predicted: Sequence[int], n: int = N_GRADES) -> np.ndarray:
    """Rows are the truth, columns the prediction."""
    matrix = np.zeros((n, n), dtype=np.int64)
    for t, p in zip(truth, predicted):
        matrix[int(t), int(p)] += 1
    return matrix


def quadratic_weighted_kappa(truth: Sequence[int], predicted: Sequence[int], n: int = N_GRADES) -> float:
    """Cohen's kappa with quadratic weights (1 = perfect agreement, 0 = chance, < 0 = worse than chance)."""
    observed = confusion(truth, predicted, n).astype(np.float64)
    total = observed.sum()
    if total == 0:
        return float("nan")
    grades = np.arange(n)
    weights = (grades[:, None] - grades[None, :]) ** 2 / (n - 1) ** 2
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total
    denominator = (weights * expected).sum()
    if denominator == 0:
        return 1.0 if (weights * observed).sum() == 0 else 0.0
    return float(1.0 - (weights * observed).sum() / denominator)


def agreement(truth: Sequence[int], predicted: Sequence[int]) -> dict[str, float]:
    t, p = np.asarray(truth, dtype=int), np.asarray(predicted, dtype=int)
    return {
        "qwk": round(quadratic_weighted_kappa(t, p), 4),
        "accuracy": round(float((t == p).mean()), 4) if len(t) else float("nan"),
        "within_one": round(float((np.abs(t - p) <= 1).mean()), 4) if len(t) else float("nan"),
        "pairs": int(len(t)),
    }


def dcg(gains: Sequence[float], k: int) -> float:
    gains = np.asarray(gains, dtype=np.float64)[:k]
    return float(((2.0 ** gains - 1.0) / np.log2(np.arange(2, len(gains) + 2))).sum())


def ndcg_at_k(scores: Sequence[float], grades: Sequence[float], k: int = 10) -> float:
    """NDCG@k of the ranking given by `scores` (descending) with graded relevance `grades`."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    ranked = np.asarray(grades, dtype=np.float64)[order]
    ideal = dcg(sorted(grades, reverse=True), k)
    return dcg(ranked, k) / ideal if ideal > 0 else 0.0


def mrr(scores: Sequence[float], grades: Sequence[float], relevant_at: float = 3) -> float:
    """Reciprocal rank of the first item with grade >= relevant_at (0 when none)."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    for rank, index in enumerate(order, start=1):
        if grades[index] >= relevant_at:
            return 1.0 / rank
    return 0.0


def ranking_metrics(frame, score: str, grade: str, query: str = "query_id", k: int = 10,
                    relevant_at: float = 3, by: str | None = None):
    """Mean NDCG@k and MRR over queries of `frame` (one row per query-item pair), ranking each query's
    items by `score` against graded relevance `grade`. Queries with no gain (every grade 0) are
    skipped, as NDCG is undefined there. With `by`, also per value of that column (e.g. query type).
    Returns a DataFrame: one row "all" (and one per group) with ndcg, mrr, queries."""
    import pandas as pd

    rows = []
    for q, group in frame.groupby(query, sort=False):
        grades = group[grade].to_numpy(dtype=np.float64)
        if grades.max() <= 0:
            continue
        scores = group[score].to_numpy(dtype=np.float64)
        rows.append({"query": q, "group": group[by].iloc[0] if by else "all",
                     "ndcg": ndcg_at_k(scores, grades, k), "mrr": mrr(scores, grades, relevant_at)})
    per_query = pd.DataFrame(rows, columns=["query", "group", "ndcg", "mrr"])
    overall = pd.DataFrame([{"group": "all", "ndcg": per_query["ndcg"].mean(), "mrr": per_query["mrr"].mean(),
                             "queries": len(per_query)}])
    if by is None:
        return overall
    grouped = per_query.groupby("group").agg(ndcg=("ndcg", "mean"), mrr=("mrr", "mean"), queries=("query", "size")).reset_index()
    return pd.concat([overall, grouped], ignore_index=True)


def recall_of_good(retrieved: np.ndarray, good: Sequence[set[int]], k: int) -> float:
    """Mean over queries with at least one Good item of |Good in top-k| / |Good| (`retrieved`: ranked
    corpus indices per query)."""
    values = [len(set(row[:k].tolist()) & g) / len(g) for row, g in zip(retrieved, good) if g]
    return float(np.mean(values)) if values else float("nan")
