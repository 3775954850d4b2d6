"""Posting summaries: a compressed ranking input under a token budget.

A posting is cut into segments: its fields (title, company, place, seniority, work type, pay,
recency, skills, occupation) and the first sentences of its description. A small trained scorer
says how much each segment matters to the relevance teacher, and `summarize` keeps the most
important segments that fit the budget, in reading order.

The scorer's training labels come from occlusion: for sampled (query, posting) pairs, how much
the teacher's expected grade moves when one segment is removed. The scorer itself reads only
query-independent segment features (kind, position, length, digits), so a summary is computed
once per posting at indexing time, like LinkedIn's summarized ranking inputs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

KINDS = ("title", "company", "place", "seniority", "work_type", "pay", "recency", "skills", "occupation", "sentence")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|\s+[•·-]\s+")


@dataclass(frozen=True)
class Segment:
    kind: str
    text: str
    index: int = 0  # position among the description's sentences (0 for fields)


def posting_segments(p: Mapping, as_of: datetime, max_sentences: int = 8, sentence_words: int = 30) -> list[Segment]:
    """The posting's fields and first description sentences, each rendered as it reads in a ranking input."""
    out = [Segment("title", str(p.get("title") or ""))]
    if isinstance(p.get("company_name"), str):
        out.append(Segment("company", f"at {p['company_name']}"))
    out.append(Segment("place", "remote" if p.get("remote") else str(p.get("location_raw") or "")))
    if p.get("seniority") not in (None, "UNKNOWN"):
        out.append(Segment("seniority", str(p["seniority"]).replace("_", "-").lower()))
    if p.get("work_type"):
        out.append(Segment("work_type", str(p["work_type"]).replace("_", "-").lower()))
    mid = p.get("salary_med_usd")
    if isinstance(mid, float) and not math.isnan(mid):
        out.append(Segment("pay", f"${mid / 1000:.0f}k/yr"))
    listed = p.get("listed_at")
    if listed is not None and pd.notna(listed):
        out.append(Segment("recency", f"posted {(as_of - pd.Timestamp(listed).to_pydatetime()).days} days ago"))
    skills = p.get("skills")
    if skills is not None and len(skills):
        out.append(Segment("skills", "skills: " + ", ".join(list(skills)[:8])))
    if isinstance(p.get("occupation_title"), str):
        out.append(Segment("occupation", p["occupation_title"]))
    sentences = [s.strip() for s in _SENTENCE.split(str(p.get("description") or "")) if len(s.strip()) > 2]
    for i, sentence in enumerate(sentences[:max_sentences]):
        out.append(Segment("sentence", " ".join(sentence.split()[:sentence_words]), i))
    return [s for s in out if s.text.strip()]


def render(segments: Sequence[Segment]) -> str:
    """Fields in order, then the kept sentences; "Title at Company | Seattle, WA | mid-senior | ..."."""
    head, rest = [], []
    for s in segments:
        if s.kind in ("title", "company"):
            head.append(s.text)
        else:
            rest.append(s.text)
    return " | ".join([" ".join(head)] + rest) if head else " | ".join(rest)


FEATURE_NAMES = [f"kind={k}" for k in KINDS] + ["sentence_index", "log_tokens", "has_digit", "bias"]


def segment_features(segment: Segment, tokens: int) -> np.ndarray:
    kind = np.array([segment.kind == k for k in KINDS], dtype=np.float64)
    return np.concatenate([kind, [segment.index / 8.0, math.log1p(tokens), float(any(c.isdigit() for c in segment.text)), 1.0]])


def occlusion_importance(score: Callable[[list[str], list[str]], np.ndarray], query: str,
                         segments: Sequence[Segment]) -> np.ndarray:
    """|teacher score(full) - teacher score(without segment i)| for each segment (one batch per pair)."""
    texts = [render(segments)] + [render([s for j, s in enumerate(segments) if j != i]) for i in range(len(segments))]
    scores = score([query] * len(texts), texts)
    return np.abs(scores[1:] - scores[0])


class SegmentScorer:
    """Ridge regression from segment features to occlusion importance (closed form, tiny)."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha
        self.coef: np.ndarray | None = None

    def fit(self, features: np.ndarray, importance: np.ndarray) -> "SegmentScorer":
        x, y = np.asarray(features, dtype=np.float64), np.asarray(importance, dtype=np.float64)
        penalty = self.alpha * np.eye(x.shape[1])
        penalty[-1, -1] = 0.0  # do not shrink the bias
        self.coef = np.linalg.solve(x.T @ x + penalty, x.T @ y)
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        if self.coef is None:
            raise RuntimeError("SegmentScorer.fit first")
        return np.asarray(features, dtype=np.float64) @ self.coef

    def weights(self) -> pd.DataFrame:
        return pd.DataFrame({"feature": FEATURE_NAMES, "weight": np.round(self.coef, 4)})


def summarize(segments: Sequence[Segment], scores: Sequence[float], tokens: Sequence[int], budget: int) -> list[Segment]:
    """The highest-scoring segments whose tokens (plus one separator each) fit `budget`, in reading order.
    The title is always kept (cut to the budget if it alone is longer)."""
    order = sorted(range(len(segments)), key=lambda i: (segments[i].kind != "title", -scores[i]))
    kept, used = set(), 0
    for i in order:
        cost = tokens[i] + (1 if kept else 0)
        if used + cost <= budget:
            kept.add(i)
            used += cost
        elif segments[i].kind == "title" and not kept:
            kept.add(i)
            used = budget
    return [segments[i] for i in sorted(kept)]
