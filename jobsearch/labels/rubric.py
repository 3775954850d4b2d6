"""The deterministic rubric grader: the job-search policy applied with no model.

It follows §10 of `policies/job_search.md`: pick the dimensions the query constrains, assign each
a level from the policy's `levels` vocabulary, renormalise the weights, map the weighted score to
a grade, then apply the hard-constraint caps and the missing-information caps. The grade becomes
a soft 5-way distribution so it can train models with soft-label losses.

Levels and scores come from the policy file, so a PM who changes a level's score changes the
grades without touching code; the matching logic (which level a pair is at) lives here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from jobsearch.corpus.companies import company_matches, is_staffing_company
from jobsearch.corpus.schemas import SENIORITY_LADDER
from jobsearch.labels.policy import Policy
from jobsearch.query.constraints import QueryIntent

USABLE_PAY_USD = (15_000, 1_000_000)
MIN_METRO_POSTINGS = 5  # fewer paid postings of an occupation in a metro: compare with the national median
GRADE_THRESHOLDS = [(0.90, 4), (0.70, 3), (0.50, 2), (0.25, 1)]
UNVERIFIED_LEVELS = {"unverifiable", "unstated", "unknown", "ambiguous"}
COMPATIBLE_WORK_TYPES = {
    ("FULL_TIME", "CONTRACT"), ("CONTRACT", "TEMPORARY"), ("TEMPORARY", "CONTRACT"), ("PART_TIME", "TEMPORARY"),
}
_HYBRID = re.compile(r"\bhybrid\b", re.I)
_TOKEN = re.compile(r"[a-z0-9+#]+")
_SUPPORT_ROLE = re.compile(r"^\W*(assistant|aide|tech|technician|helper|support|coordinator|trainee)\b", re.I)
_FILLER = {"jobs", "job", "roles", "role", "positions", "position", "openings", "senior", "sr", "junior", "jr",
           "lead", "staff", "principal", "entry", "level", "i", "ii", "iii", "remote"}


@dataclass
class GradeContext:
    """What the grader knows besides the pair: related occupations, pay medians, the query date."""

    related: Mapping[str, set[str]] = field(default_factory=dict)  # onet_code -> related onet codes
    pay_median: Mapping[tuple[str | None, str | None], float] = field(default_factory=dict)
    pay_count: Mapping[tuple[str | None, str | None], int] = field(default_factory=dict)
    overall_median: float = float("nan")
    query_date: datetime = datetime(2024, 4, 20)

    @classmethod
    def from_tables(cls, related: pd.DataFrame, postings: pd.DataFrame, query_date: datetime) -> "GradeContext":
        rel: dict[str, set[str]] = {}
        for code, other in zip(related["onet_code"], related["related_code"]):
            rel.setdefault(code, set()).add(other)
            rel.setdefault(other, set()).add(code)
        pay = postings.dropna(subset=["salary_med_usd"])
        pay = pay[pay["salary_med_usd"].between(*USABLE_PAY_USD)]  # the policy drops values outside $15k-$1M
        medians: dict[tuple[str | None, str | None], float] = {}
        counts: dict[tuple[str | None, str | None], int] = {}
        for (code, metro), values in pay.groupby(["onet_code", "metro_id"])["salary_med_usd"]:
            medians[(code, metro)], counts[(code, metro)] = float(values.median()), len(values)
        for code, values in pay.groupby("onet_code")["salary_med_usd"]:
            medians[(code, None)], counts[(code, None)] = float(values.median()), len(values)
        overall = float(pay["salary_med_usd"].median()) if len(pay) else float("nan")
        return cls(related=rel, pay_median=medians, pay_count=counts, overall_median=overall, query_date=query_date)

    def median_pay(self, onet_code: str | None, metro_id: str | None, remote: bool = False) -> float:
        """The "above median pay" reference, as the policy defines it: the occupation's median in the
        posting's metro, but the national figure for a remote posting or a metro with fewer than
        `MIN_METRO_POSTINGS` paid postings of the occupation."""
        local = (onet_code, metro_id)
        if not remote and metro_id is not None and self.pay_count.get(local, 0) >= MIN_METRO_POSTINGS:
            return self.pay_median[local]
        return self.pay_median.get((onet_code, None), self.overall_median)


@dataclass
class RubricGrade:
    grade: int
    score: float
    levels: dict[str, str]
    caps: dict[str, int]
    probabilities: np.ndarray

    def rationale(self) -> str:
        levels = ", ".join(f"{k} {v}" for k, v in self.levels.items())
        caps = "; caps " + ", ".join(f"{k}<={v}" for k, v in self.caps.items()) if self.caps else ""
        return f"{levels}{caps} -> {self.grade}"


class RubricGrader:
    name = "rubric"

    def __init__(self, policy: Policy, context: GradeContext, softness: float = 0.25):
        self.policy = policy
        self.context = context
        self.softness = softness

    # ------------------------------------------------------------------ public
    def grade(self, intent: QueryIntent, posting: Mapping) -> RubricGrade:
        posting = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in posting.items()}
        levels: dict[str, str] = {}
        caps: dict[str, int] = {}
        occupation = self._occupation(intent, posting)
        if occupation is not None:
            levels["occupation"] = occupation
            if occupation in ("unrelated", "same_field"):
                caps["occupation"] = 1
        for key, judge in (("skills", self._skills), ("location", self._location), ("seniority", self._seniority),
                           ("work_type", self._work_type), ("pay", self._pay), ("company", self._company),
                           ("recency", self._recency)):
            outcome = judge(intent, posting)
            if outcome is None:
                continue
            level, cap = outcome
            levels[key] = level
            if cap is not None:
                caps[key] = cap
        if posting.get("work_type") == "VOLUNTEER":
            caps["work_type"] = min(caps.get("work_type", 4), 2)

        if not levels:  # a query with no recognizable constraint: nothing to grade against
            levels["occupation"] = "unrelated"
        weights = {k: self.policy.dimension(k).weight for k in levels}
        total = sum(weights.values())
        score = sum(weights[k] / total * self.policy.dimension(k).score_of(v) for k, v in levels.items())
        grade = next((g for threshold, g in GRADE_THRESHOLDS if score >= threshold - 1e-9), 0)
        unverified = [k for k, v in levels.items() if k != "occupation" and v in UNVERIFIED_LEVELS]
        if unverified:
            caps["unverified"] = 3 if len(unverified) == 1 else 2
        cap = min(caps.values()) if caps else 4
        if sum(1 for k in caps if k != "unverified") >= 2:
            cap = max(0, cap - 1)  # two violations: one grade below the lowest cap (§4)
        grade = min(grade, cap)
        return RubricGrade(grade, round(score, 4), levels, caps, self._soften(score, grade, cap))

    # ------------------------------------------------------------- dimensions
    def _occupation(self, intent: QueryIntent, posting: Mapping) -> str | None:
        if not intent.onet_codes and not intent.title:
            if intent.skills:
                found = _skills_found(intent.skills, posting)
                return "exact" if found else "unrelated"
            return None
        code = posting.get("onet_code")
        title = posting.get("title") or ""
        if _title_contains(intent.title, title) and not _SUPPORT_ROLE.search(_after(intent.title, title)):
            return "exact"
        wanted = intent.onet_codes[:2]
        if code and code in wanted[:1]:
            return "exact"
        if code and getattr(intent, "broad_title", False) and code in intent.onet_codes:
            return "exact"  # a job family ("marketing jobs") covers every occupation in it
        if code and (code in intent.onet_codes[1:] or any(code in self.context.related.get(q, ()) for q in wanted)):
            return "related"
        if code and any(code[:5] == q[:5] for q in wanted):  # same O*NET minor group (e.g. 15-12)
            return "related"
        if code and any(code[:2] == q[:2] for q in wanted):  # same major group (e.g. 29 healthcare)
            return "same_field"
        if not code and _same_head(intent.title, title):
            return "related"
        return "unrelated"

    def _skills(self, intent: QueryIntent, posting: Mapping):
        if not intent.skills:
            return None
        found = _skills_found(intent.skills, posting)
        if not found and posting.get("description_generated"):
            return "unverifiable", None
        share = len(found) / len(intent.skills)
        if share >= 1:
            return "all", None
        if share >= 0.5:
            return "most", None
        if share > 0:
            return "few", None
        return "none", 2

    def _location(self, intent: QueryIntent, posting: Mapping):
        places = [p for p in intent.locations if getattr(p, "level", None) in ("city", "metro", "state")]
        if not places and not intent.remote:
            return None
        remote = bool(posting.get("remote"))
        hybrid = not remote and bool(_HYBRID.search(f"{posting.get('title') or ''} {(posting.get('description') or '')[:1500]}"))
        in_place = any(_in_place(p, posting) for p in places)
        if places and intent.remote:
            if remote:
                return "exact", None
            if in_place:
                return ("hybrid", None) if hybrid else ("hybrid", 2)
            return "elsewhere", 1
        if places:
            if in_place:
                return "exact", None
            if remote:
                return "remote_for_place", None
            same_state = any(getattr(p, "state_code", None) and p.state_code == posting.get("state_code")
                             for p in places)
            # another metro in the same state is still elsewhere: it scores a little, but the cap holds
            return ("same_region", 1) if same_state else ("elsewhere", 1)
        if intent.remote is False:  # on-site asked
            return ("exact", None) if not remote else ("same_region", None)
        if remote:
            return "exact", None
        if hybrid:
            return "hybrid", None
        return "elsewhere", 1

    def _seniority(self, intent: QueryIntent, posting: Mapping):
        wanted = [s for s in intent.seniority if s in SENIORITY_LADDER]
        if not wanted:
            return None
        have = posting.get("seniority")
        if have not in SENIORITY_LADDER:
            return "unstated", None
        distance = min(abs(SENIORITY_LADDER.index(have) - SENIORITY_LADDER.index(w)) for w in wanted)
        return [("exact", None), ("adjacent", None), ("two_off", 2)][distance] if distance <= 2 else ("opposite", 2)

    def _work_type(self, intent: QueryIntent, posting: Mapping):
        wanted = list(intent.work_types)
        if not wanted:
            return None
        have = posting.get("work_type")
        if have in wanted:
            return "exact", None
        if not have or have == "OTHER":
            return "unstated", None
        if any((w, have) in COMPATIBLE_WORK_TYPES for w in wanted):
            return "compatible", None
        return "mismatch", 2

    def _pay(self, intent: QueryIntent, posting: Mapping):
        if intent.min_salary_usd is None and not intent.above_median_pay:
            return None
        mid, top = _num(posting.get("salary_med_usd")), _num(posting.get("salary_max_usd"))
        if mid is None:
            return "unstated", None
        estimated = posting.get("source") == "glassdoor"
        floor = intent.min_salary_usd
        if intent.above_median_pay:
            median = self.context.median_pay(posting.get("onet_code"), posting.get("metro_id"), bool(posting.get("remote")))
            floor = max(floor or 0.0, median) if not math.isnan(median) else floor
            if floor is not None and mid <= floor:
                return "below", 2
        if floor is not None and mid < floor:
            if top is not None and top >= floor:
                return "straddles", None
            return "below", 2
        return ("estimated", None) if estimated else ("meets", None)

    def _company(self, intent: QueryIntent, posting: Mapping):
        if not (intent.companies or intent.exclude_companies or intent.exclude_staffing):
            return None
        name = posting.get("company_name")
        if not isinstance(name, str) or not name.strip():
            return "ambiguous", None
        if intent.companies and not any(company_matches(c, name) for c in intent.companies):
            return "violated", 1
        if any(company_matches(c, name) for c in intent.exclude_companies):
            return "violated", 1
        industry = posting.get("industry")
        if intent.exclude_staffing and is_staffing_company(name, industry if isinstance(industry, str) else None):
            return "violated", 1
        return "satisfied", None

    def _recency(self, intent: QueryIntent, posting: Mapping):
        if intent.posted_within_days is None:
            return None
        listed = posting.get("listed_at")
        if listed is None or (isinstance(listed, float) and math.isnan(listed)) or pd.isna(listed):
            return "unknown", None
        age = (self.context.query_date - pd.Timestamp(listed).to_pydatetime()).days
        limit = intent.posted_within_days
        if age <= 7:
            level = "within_7d"
        elif age <= 14:
            level = "within_14d"
        elif age <= 30:
            level = "within_30d"
        else:
            level = "older"
        return level, (2 if age > max(limit, 7) else None)

    # ---------------------------------------------------------- soft labels
    def _soften(self, score: float, grade: int, cap: int) -> np.ndarray:
        """Mostly the hard grade, with the rest spread to neighbours by how close the score sits to
        the next threshold, never above the cap."""
        continuous = float(np.interp(score, [0.0, 0.25, 0.5, 0.7, 0.9, 1.0], [0.0, 1.0, 2.0, 3.0, 4.0, 4.5]))
        continuous = min(continuous, cap + 0.5)
        grades = np.arange(5)
        spread = np.exp(-((grades - continuous) ** 2) / (2 * 0.6**2))
        spread[grades > cap] = 0.0
        spread /= spread.sum()
        onehot = np.eye(5)[grade]
        probs = (1 - self.softness) * onehot + self.softness * spread
        return probs / probs.sum()


def _num(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _title_contains(query_title: str | None, posting_title: str) -> bool:
    """'software engineer' is in 'Senior Software Engineer - Payments' (plural-insensitive)."""
    if not query_title:
        return False
    wanted = [t.rstrip("s") for t in _tokens(query_title) if t not in _FILLER]
    have = {t.rstrip("s") for t in _tokens(posting_title)}
    return bool(wanted) and all(t in have for t in wanted)


def _after(query_title: str | None, posting_title: str) -> str:
    """The part of the posting title after the query's last title word ('Physical Therapist Tech' -> 'Tech')."""
    words = [t for t in _tokens(query_title or "") if t not in _FILLER]
    if not words:
        return ""
    match = re.search(rf"{re.escape(words[-1].rstrip('s'))}s?\b(.*)$", posting_title, re.I)
    return match.group(1) if match else ""


def _same_head(query_title: str | None, posting_title: str) -> bool:
    words = [t.rstrip("s") for t in _tokens(query_title or "") if t not in _FILLER]
    return bool(words) and words[-1] in {t.rstrip("s") for t in _tokens(posting_title)}


def _skills_found(skills: list[str], posting: Mapping) -> list[str]:
    listed = {s.lower() for s in (posting.get("skills") if posting.get("skills") is not None else [])}
    text = f"{posting.get('title') or ''} {posting.get('description') or ''}".lower()
    found = []
    for skill in skills:
        s = skill.lower()
        if s in listed or re.search(rf"(?<![\w+#]){re.escape(s)}(?![\w+#])", text):
            found.append(skill)
    return found


def _in_place(place, posting: Mapping) -> bool:
    level = getattr(place, "level", None)
    if level == "state":
        return bool(place.state_code) and place.state_code == posting.get("state_code")
    if place.metro_id and place.metro_id == posting.get("metro_id"):
        return True
    return bool(place.city_id) and place.city_id == posting.get("city_id")
