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
    """NDCG@k of the ranking given by `scores` (descending) with graded relevance `grades`; NaN when a
    score is missing (a model that produced no score has no ranking)."""
    if np.isnan(np.asarray(scores, dtype=np.float64)).any():
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    ranked = np.asarray(grades, dtype=np.float64)[order]
    ideal = dcg(sorted(grades, reverse=True), k)
    return dcg(ranked, k) / ideal if ideal > 0 else 0.0


def mrr(scores: Sequence[float], grades: Sequence[float], relevant_at: float = 3) -> float:
    """Reciprocal rank of the first item with grade >= relevant_at (0 when none; NaN without scores)."""
    if np.isnan(np.asarray(scores, dtype=np.float64)).any():
        return float("nan")
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


def per_query_ndcg(frame, score: str, grade: str, query: str = "query_id", k: int = 10):
    """NDCG@k of each query (a Series indexed by query id); queries with no gain are left out."""
    import pandas as pd

    values = {}
    for q, group in frame.groupby(query, sort=True):
        grades = group[grade].to_numpy(dtype=np.float64)
        if grades.max() > 0:
            values[q] = ndcg_at_k(group[score].to_numpy(dtype=np.float64), grades, k)
    return pd.Series(values, dtype=np.float64)


def bootstrap_interval(values: Sequence[float], resamples: int = 2000, seed: int = 0,
                       level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of per-query `values` (queries resampled with replacement)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(resamples, len(values)))].mean(axis=1)
    tail = (1 - level) / 2
    return round(float(np.quantile(means, tail)), 4), round(float(np.quantile(means, 1 - tail)), 4)


def qwk_interval(truth: Sequence[int], predicted: Sequence[int], groups: Sequence, resamples: int = 1000,
                 seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Bootstrap interval of QWK resampling whole queries (`groups`), since pairs of one query are not
    independent."""
    truth, predicted, groups = np.asarray(truth), np.asarray(predicted), np.asarray(groups)
    ids = np.unique(groups)
    if len(ids) == 0:
        return float("nan"), float("nan")
    rows = [np.flatnonzero(groups == g) for g in ids]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        chosen = np.concatenate([rows[i] for i in rng.integers(0, len(ids), size=len(ids))])
        values.append(quadratic_weighted_kappa(truth[chosen], predicted[chosen]))
    tail = (1 - level) / 2
    return round(float(np.nanquantile(values, tail)), 4), round(float(np.nanquantile(values, 1 - tail)), 4)


def paired_test(a: Sequence[float], b: Sequence[float], resamples: int = 10000, seed: int = 0) -> dict[str, float]:
    """Is system A's per-query metric different from B's on the same queries? Mean difference A - B, its
    95% bootstrap interval, and the two-sided p-value of a paired sign-flip permutation test.

    >>> r = paired_test([0.9, 0.8, 0.85, 0.95, 0.9, 0.88], [0.5, 0.4, 0.6, 0.55, 0.45, 0.5])
    >>> r["difference"], r["p_value"] < 0.05
    (0.38, True)
    """
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if len(d) == 0:
        return {"difference": float("nan"), "low": float("nan"), "high": float("nan"), "p_value": float("nan"), "queries": 0}
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(resamples, len(d)))
    null = np.abs((signs * d).mean(axis=1))
    p = (1 + int((null >= abs(d.mean()) - 1e-12).sum())) / (resamples + 1)
    low, high = bootstrap_interval(d, resamples=min(resamples, 4000), seed=seed)
    return {"difference": round(float(d.mean()), 4), "low": low, "high": high, "p_value": round(p, 4),
            "queries": int(len(d))}
