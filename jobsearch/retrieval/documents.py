"""What the bi-encoder reads of a posting or a member profile, and the filter columns stored beside
each vector (see `jobsearch.retrieval.flat_index`: a null id or flag is -1, a missing salary NaN)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobsearch.corpus.schemas import SENIORITY_RANK, WORK_TYPES
from jobsearch.ranking.summarize import posting_segments, render
from jobsearch.retrieval.embeddings import stable_id

FILTER_COLUMNS = ["geo_id", "company_id", "industry_id", "seniority", "remote", "work_type", "salary", "listed_at",
                  "expires_at"]


def embedding_text(posting: dict, as_of, sentences: int) -> str:
    """What the bi-encoder reads of a posting: its fields and first sentences (no recency: a vector must
    not go stale as days pass; recency is a filter)."""
    return render([s for s in posting_segments(posting, as_of, max_sentences=sentences) if s.kind != "recency"])


def profile_text(member: dict) -> str:
    """What the bi-encoder reads of a member profile: title, employer, level, then the profile summary
    (experience, industry, place, skills)."""
    company = f" at {member['current_company_name']}" if isinstance(member.get("current_company_name"), str) else ""
    level = str(member.get("seniority") or "").replace("_", "-").lower()
    return " | ".join(t for t in (f"{member.get('current_title') or ''}{company}", level,
                                  "open to remote" if member.get("open_to_remote") else "",
                                  str(member.get("summary") or "")) if t)


def _epoch(values: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(values, errors="coerce")
    seconds = (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    return seconds.fillna(-1).astype(np.int64).to_numpy()


def _id_or_null(values: pd.Series) -> np.ndarray:
    return np.array([stable_id(str(v)) if isinstance(v, str) and v else -1 for v in values], dtype=np.int64)


def _flag(values: pd.Series) -> np.ndarray:
    return values.map({True: 1, False: 0}).fillna(-1).astype(np.int8).to_numpy()


def seniority_codes(values: pd.Series) -> np.ndarray:
    """The index's seniority column: the step on the ladder, -1 for UNKNOWN or missing."""
    return values.map(SENIORITY_RANK).fillna(-1).astype(np.int64).to_numpy()


def filter_columns(postings: pd.DataFrame) -> pd.DataFrame:
    """A posting's filter columns."""
    return pd.DataFrame({
        "geo_id": _id_or_null(postings["metro_id"]),
        "company_id": _id_or_null(postings["company_id"]),
        "industry_id": _id_or_null(postings["industry"]),
        "seniority": seniority_codes(postings["seniority"]),
        "remote": _flag(postings["remote"]),
        "work_type": postings["work_type"].map({w: i for i, w in enumerate(WORK_TYPES)}).fillna(-1).astype(np.int64).to_numpy(),
        "salary": postings["salary_med_usd"].astype(float).to_numpy(),
        "listed_at": _epoch(postings["listed_at"]),
        "expires_at": _epoch(postings["expires_at"]),
    })


def profile_filter_columns(members: pd.DataFrame) -> pd.DataFrame:
    """A member's filter columns: metro, current company, industry, seniority, open to remote, desired pay
    (the posting-only columns are null)."""
    n = len(members)
    return pd.DataFrame({
        "geo_id": _id_or_null(members["metro_id"]),
        "company_id": _id_or_null(members["current_company_id"]),
        "industry_id": _id_or_null(members["industry"]),
        "seniority": seniority_codes(members["seniority"]),
        "remote": _flag(members["open_to_remote"]),
        "work_type": np.full(n, -1, dtype=np.int64),
        "salary": members["desired_salary_usd"].astype(float).to_numpy(),
        "listed_at": np.full(n, -1, dtype=np.int64),
        "expires_at": np.full(n, -1, dtype=np.int64),
    })
