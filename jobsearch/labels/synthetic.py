"""Synthetic training data: queries written from postings and profiles, and the texts a grader reads.

Query generation has two steps. A query *type* template turns a source item (a posting, or a
member profile for queries a member would type) into a seed query whose constraints are known.
The LLM then rewrites the seed as a person would type it; a rewrite that loses or invents a
constraint (checked by parsing both with the query parser) is rejected and the seed is kept,
so every query says what its metadata says. Each query keeps its source item and type.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from jobsearch.corpus.schemas import Seniority

QUERY_TYPES = [
    "title", "title_location", "skill", "remote", "pay", "company", "seniority", "recency",
    "compound", "profile",
]

HELDOUT_SHARE = 10  # one synthetic query in ten, by a stable hash of its id, is held out of training


def heldout(query_id: str) -> bool:
    """Whether a synthetic query is held out of training (for evaluation), by a stable hash of its id."""
    return zlib.crc32(query_id.encode()) % HELDOUT_SHARE == 0


_SENIORITY_WORDS = {Seniority.INTERNSHIP: "internship", Seniority.ENTRY: "entry level", Seniority.ASSOCIATE: "associate",
                    Seniority.MID_SENIOR: "senior", Seniority.DIRECTOR: "director", Seniority.EXECUTIVE: "executive"}
_CLEAN_TITLE = re.compile(r"\s*[\(\[].*?[\)\]]|\s+[-–|/,:].*$")
_SENIOR_PREFIX = re.compile(r"^(senior|sr\.?|junior|jr\.?|lead|principal|staff|head of|chief)\s+", re.I)


@dataclass
class SeedQuery:
    query_type: str
    text: str
    source_kind: str  # posting | member
    source_id: str
    posting_id: str   # the posting the query was written from (or the member's best-matching posting)


def short_title(title: str) -> str:
    """'Senior Software Engineer - Payments (Remote)' -> 'software engineer'."""
    text = _CLEAN_TITLE.sub("", title or "").strip()
    text = _SENIOR_PREFIX.sub("", text)
    text = re.sub(r"\b(i{1,3}|iv|\d)\b$", "", text, flags=re.I).strip()
    return text.lower() or (title or "").lower()


def _place(posting: Mapping) -> str | None:
    city, state = posting.get("city_name"), posting.get("state_code")
    if isinstance(city, str) and isinstance(state, str):
        return f"{city}, {state}"
    metro = posting.get("metro_name")
    return metro.split(",")[0].split("-")[0] if isinstance(metro, str) else None


def _k(amount: float) -> str:
    return f"${int(amount // 1000)}k"


def seed_queries(postings: pd.DataFrame, profiles: pd.DataFrame, n: int, seed: int) -> list[SeedQuery]:
    """About n seed queries spread over the query types; each uses facts its source really has."""
    rng = np.random.default_rng(seed)
    by_type = {t: max(1, n // len(QUERY_TYPES)) for t in QUERY_TYPES}
    records = postings.to_dict("records")
    order = rng.permutation(len(records))
    seeds: list[SeedQuery] = []
    cursor = 0
    metros = postings["metro_name"].dropna().unique()
    for query_type, count in by_type.items():
        made = 0
        tries = 0
        while made < count and tries < count * 20:
            tries += 1
            if query_type == "profile":
                if profiles.empty:
                    break
                member = profiles.iloc[int(rng.integers(len(profiles)))]
                text = _profile_query(member, rng)
                if text:
                    seeds.append(SeedQuery(query_type, text, "member", str(member["member_id"]), ""))
                    made += 1
                continue
            posting = records[order[cursor % len(order)]]
            cursor += 1
            text = _posting_query(query_type, posting, rng, metros)
            if text:
                seeds.append(SeedQuery(query_type, text, "posting", posting["posting_id"], posting["posting_id"]))
                made += 1
    return seeds


def _posting_query(query_type: str, p: Mapping, rng: np.random.Generator, metros) -> str | None:
    title = short_title(p["title"])
    place = _place(p)
    skills = [s for s in (p.get("skills") if p.get("skills") is not None else []) if len(s) > 1]
    mid = p.get("salary_med_usd")
    has_pay = isinstance(mid, float) and not math.isnan(mid)
    company = p.get("company_name") if isinstance(p.get("company_name"), str) else None
    level = _SENIORITY_WORDS.get(p.get("seniority") or "")
    if len(title.split()) > 5:
        return None
    if query_type == "title":
        return f"{title} jobs"
    if query_type == "title_location" and place:
        return f"{title} jobs in {place}"
    if query_type == "skill" and len(skills) >= 2 and not p.get("description_generated"):
        a, b = rng.choice(skills[:6], size=2, replace=False)
        return f"{title} jobs using {a} and {b}"
    if query_type == "remote" and p.get("remote"):
        return f"remote {title} jobs"
    if query_type == "pay" and has_pay:
        floor = max(20_000, int(mid * rng.uniform(0.75, 1.0) // 5000 * 5000))
        return f"{title} roles paying over {_k(floor)}"
    if query_type == "company" and company and len(company) < 40:
        return f"{title} jobs at {company}"
    if query_type == "seniority" and level:
        return f"{level} {title} jobs"
    if query_type == "recency" and pd.notna(p.get("listed_at")):
        where = f" in {place}" if place and rng.random() < 0.5 else ""
        return f"{title} jobs{where} posted recently"
    if query_type == "compound" and place:
        parts = [f"{title} jobs in {place}"]
        if len(metros) and rng.random() < 0.4:
            other = str(rng.choice(metros)).split(",")[0].split("-")[0]
            parts = [f"{title} jobs in {place} or {other}"]
        if p.get("remote"):
            parts.append("that are mostly remote")
        if rng.random() < 0.5:
            parts.append("not from staffing agencies")
        if pd.notna(p.get("listed_at")) and rng.random() < 0.5:
            parts.append("posted recently")
        if has_pay and rng.random() < 0.6:
            parts.append("with above median pay")
        return ", ".join(parts) if len(parts) >= 3 else None
    return None


def _profile_query(member: Mapping, rng: np.random.Generator) -> str | None:
    title = short_title(str(member.get("current_title") or ""))
    if not title or len(title.split()) > 5:
        return None
    city = member.get("city_name") or member.get("city")
    skills = list(member.get("skills") if member.get("skills") is not None else [])
    parts = [f"{title} jobs"]
    if isinstance(city, str) and city:
        parts[0] += f" near {city}"
    if skills and rng.random() < 0.6:
        parts.append(f"using {rng.choice(skills[:5])}")
    if member.get("open_to_remote") and rng.random() < 0.5:
        parts.insert(0, "remote")
    return " ".join(parts)


def rewrite_prompt(seed_text: str) -> str:
    return (
        "Rewrite this job search the way a person would type it into a search box. Keep every "
        "requirement (job, place, remote, pay, company, level, date). Reply with the query only.\n"
        f"Search: {seed_text}"
    )


def posting_text(p: Mapping, as_of: datetime, description_chars: int = 300) -> str:
    """The posting as a grader or ranker reads it: key facts first, then the start of the text."""
    facts = [str(p.get("title") or "")]
    if isinstance(p.get("company_name"), str):
        facts.append(f"at {p['company_name']}")
    where = "remote" if p.get("remote") else (p.get("location_raw") or "")
    facts.append(f"| {where}")
    if p.get("seniority") not in (None, "UNKNOWN"):
        facts.append(f"| {str(p['seniority']).replace('_', '-').lower()}")
    facts.append(f"| {str(p.get('work_type') or '').replace('_', '-').lower()}")
    mid = p.get("salary_med_usd")
    if isinstance(mid, float) and not math.isnan(mid):
        facts.append(f"| ${mid / 1000:.0f}k/yr")
    listed = p.get("listed_at")
    if listed is not None and pd.notna(listed):
        facts.append(f"| posted {(as_of - pd.Timestamp(listed).to_pydatetime()).days} days ago")
    skills = p.get("skills")
    if skills is not None and len(skills):
        facts.append("| skills: " + ", ".join(list(skills)[:8]))
    description = str(p.get("description") or "")[:description_chars].replace("\n", " ")
    return " ".join(facts) + " | " + description


def grading_prompt(rubric_text: str, query: str, item_text: str) -> str:
    return (
        "You grade how well a job posting matches a job search, following this policy.\n"
        f"{rubric_text}\n\nSearch: {query}\nPosting: {item_text}\n"
        "Answer with one digit, the grade from 0 to 4."
    )


_META = re.compile(r"here is|here's|rewrit|search query|job search:|\bquery\b|\bsure\b|assistant|:|\[|\bi am\b|\bi'm\b|\byou\b|\byour\b|recommend", re.I)


def plausible_query(text: str, seed: str) -> bool:
    """A rewrite that reads like a typed search: short, no chat chatter, not the seed verbatim."""
    words = text.split()
    return 2 <= len(words) <= 30 and not _META.search(text) and text.strip().lower() != seed.strip().lower()


def accept_rewrite(seed_intent, rewrite_intent) -> bool:
    """A rewrite is kept only if it states the same constraints as its seed."""
    def key(i):
        places = sorted({(g.metro_id or g.state_code or g.city_id) for g in i.locations})
        return (i.onet_codes[:1], places, bool(i.remote), i.min_salary_usd, i.above_median_pay,
                sorted(i.seniority), bool(i.exclude_staffing), i.posted_within_days is not None,
                sorted(c.lower() for c in i.companies))
    return key(seed_intent) == key(rewrite_intent)


def candidate_pairs(
    queries: pd.DataFrame, postings: pd.DataFrame, search: Callable[[Sequence[str], int], tuple[np.ndarray, np.ndarray]],
    hard_negatives: int, random_negatives: int, seed: int,
) -> pd.DataFrame:
    """query x candidate pairs: the source posting, BM25 hard negatives, random negatives."""
    rng = np.random.default_rng(seed)
    ids = postings["posting_id"].to_numpy()
    top, _ = search(queries["query"].tolist(), hard_negatives + 1)
    rows = []
    for qi, q in enumerate(queries.itertuples()):
        chosen: dict[str, str] = {}
        if q.posting_id:
            chosen[q.posting_id] = "source"
        for idx in top[qi]:
            if len(chosen) >= hard_negatives + 1:
                break
            chosen.setdefault(ids[idx], "lexical")
        for idx in rng.choice(len(ids), size=min(random_negatives, len(ids)), replace=False):
            chosen.setdefault(ids[idx], "random")
        rows += [(q.query_id, pid, kind) for pid, kind in chosen.items()]
    return pd.DataFrame(rows, columns=["query_id", "posting_id", "candidate_kind"])
