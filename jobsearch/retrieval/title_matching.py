"""A retrieval check no grader of ours touches: do O*NET alternate and reported job titles retrieve
their own occupation? The titles are held out of all training (synthetic queries are written from
postings and profiles), so a fine-tuned retriever that loses ground here has forgotten general
title semantics, whatever the teacher-graded numbers say."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

Encode = Callable[[list[str]], np.ndarray]


def title_queries(titles: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """`n` alternate/reported titles that name exactly one occupation and differ from its primary title."""
    primary = titles[titles["kind"] == "primary"]
    names = set(primary["title"].str.lower())
    other = titles[titles["kind"].isin(["alternate", "reported"])].assign(key=lambda f: f["title"].str.lower())
    codes = other.groupby("key")["onet_code"].nunique()
    unique = other[other["key"].map(codes) == 1].drop_duplicates("key")
    unique = unique[~unique["key"].isin(names)]
    return unique.sample(n=min(n, len(unique)), random_state=seed).reset_index(drop=True)


def title_matching_accuracy(encode_queries: Encode, encode_items: Encode, queries: pd.DataFrame,
                            occupations: pd.DataFrame, ks: tuple[int, ...] = (1, 5)) -> dict[str, float]:
    """Accuracy@k of retrieving each query title's occupation among all occupations' primary titles
    (cosine of unit vectors)."""
    items = encode_items(occupations["title"].tolist())
    vectors = encode_queries(queries["title"].tolist())
    scores = vectors @ items.T
    order = np.argsort(-scores, axis=1)[:, :max(ks)]
    codes = occupations["onet_code"].to_numpy()
    hit = codes[order] == queries["onet_code"].to_numpy()[:, None]
    return {f"accuracy_at_{k}": round(float(hit[:, :k].any(axis=1).mean()), 4) for k in ks} | {"queries": len(queries)}
