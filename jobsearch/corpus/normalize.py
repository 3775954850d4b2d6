"""Turn validated raw postings into the normalized `postings` table.

What normalization decides, column by column:
- location -> city / metro (CBSA) / state ids through the gazetteer (zip and county FIPS first);
- title -> O*NET occupation through the taxonomy matcher;
- salary -> yearly USD min / med / max (the pay period is kept);
- experience level -> `Seniority` (from the listing, else from title words, else UNKNOWN);
- work type -> `WorkType`; remote from the flag, the location or the title;
- a posting without a description gets one rendered from its structured fields, flagged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pandas as pd

from jobsearch.corpus.schemas import PAY_PERIOD_TO_YEAR, Seniority, WorkType

GeoResolver = Callable[[Sequence[str | None], Sequence[str | None], Sequence[str | None]], pd.DataFrame]
TitleMatcher = Callable[[Sequence[str]], pd.DataFrame]

POSTING_COLUMNS = [
    "posting_id", "source", "source_id", "title", "company_id", "company_name", "industry",
    "description", "description_generated", "location_raw", "city_id", "city_name", "metro_id",
    "metro_name", "state_code", "geo_level", "work_type", "remote", "seniority", "seniority_source",
    "onet_code", "occupation_title", "occupation_score", "salary_min_usd", "salary_med_usd",
    "salary_max_usd", "pay_period", "salary_currency", "listed_at", "expires_at", "skills", "views",
    "applies",
]

_EXPERIENCE_LEVELS = {
    "internship": Seniority.INTERNSHIP,
    "entry level": Seniority.ENTRY,
    "associate": Seniority.ASSOCIATE,
    "mid-senior level": Seniority.MID_SENIOR,
    "director": Seniority.DIRECTOR,
    "executive": Seniority.EXECUTIVE,
}

# Title words that reveal seniority, checked in this order (first hit wins).
_TITLE_SENIORITY: list[tuple[re.Pattern, Seniority]] = [
    (re.compile(r"\b(intern|internship|co-?op)\b", re.I), Seniority.INTERNSHIP),
    (re.compile(r"\b(chief|ceo|cfo|cto|coo|cio|president|vp|svp|evp|vice president|head of)\b", re.I),
     Seniority.EXECUTIVE),
    (re.compile(r"\bdirector\b", re.I), Seniority.DIRECTOR),
    (re.compile(r"\b(senior|sr\.?|lead|principal|staff|manager|architect|iii|iv)\b", re.I), Seniority.MID_SENIOR),
    (re.compile(r"\b(junior|jr\.?|entry[- ]level|graduate|trainee|apprentice|i)\b", re.I), Seniority.ENTRY),
]

_WORK_TYPES = {
    "full-time": WorkType.FULL_TIME, "full_time": WorkType.FULL_TIME,
    "part-time": WorkType.PART_TIME, "part_time": WorkType.PART_TIME,
    "contract": WorkType.CONTRACT, "temporary": WorkType.TEMPORARY,
    "internship": WorkType.INTERNSHIP, "volunteer": WorkType.VOLUNTEER, "other": WorkType.OTHER,
}

_REMOTE_WORDS = re.compile(r"\b(?:remote|work from home|wfh|telecommute|anywhere)\b", re.I)


def _text(value: object) -> str | None:
    """A cell as text, or None for missing cells (pandas gives NaN for None)."""
    return value if isinstance(value, str) and value.strip() else None


def seniority_of(experience_level: str | None, title: str) -> tuple[str, str]:
    """(seniority, where it came from: listed | title | unknown)."""
    experience_level = _text(experience_level)
    if experience_level:
        level = _EXPERIENCE_LEVELS.get(experience_level.strip().lower())
        if level is not None:
            return level.value, "listed"
    for pattern, level in _TITLE_SENIORITY:
        if pattern.search(title):
            return level.value, "title"
    return Seniority.UNKNOWN.value, "unknown"


def work_type_of(formatted: str | None, raw: str | None) -> str:
    formatted, raw = _text(formatted), _text(raw)
    for value in (formatted, raw):
        if value and value.strip().lower() in _WORK_TYPES:
            return _WORK_TYPES[value.strip().lower()].value
    return WorkType.FULL_TIME.value if not (formatted or raw) else WorkType.OTHER.value


def yearly_usd(amount: pd.Series, period: pd.Series, currency: pd.Series) -> pd.Series:
    factor = period.map(PAY_PERIOD_TO_YEAR).astype("float64")
    usd = currency.fillna("USD").eq("USD")
    return (amount.astype("float64") * factor).where(usd).round(0)


def render_description(row: pd.Series) -> str:
    """A readable description from structured fields, for postings that ship without one."""
    parts = [f"{row['title']} at {_text(row['company_name']) or 'an undisclosed company'}."]
    kind = str(row["work_type"]).replace("_", "-").lower()
    where = "Remote" if row["remote"] else row["location_raw"]
    parts.append(f"{kind.capitalize()} position, {where}.")
    if row["seniority"] != Seniority.UNKNOWN.value:
        parts.append(f"Seniority: {row['seniority'].replace('_', '-').lower()}.")
    if _text(row["industry"]):
        parts.append(f"Industry: {row['industry']}.")
    if len(row["skills"]):
        parts.append("Skills: " + ", ".join(row["skills"]) + ".")
    if pd.notna(row["salary_min_usd"]) and pd.notna(row["salary_max_usd"]):
        parts.append(f"Pay: ${row['salary_min_usd']:,.0f} - ${row['salary_max_usd']:,.0f} per year.")
    elif pd.notna(row["salary_med_usd"]):
        parts.append(f"Pay: about ${row['salary_med_usd']:,.0f} per year.")
    return " ".join(parts)


def extract_skills(texts: Sequence[str | None], lexicon: dict[str, str], limit: int = 15) -> list[list[str]]:
    """Skills of the lexicon (surface form -> display name) named in each text, in order of mention."""
    if not lexicon:
        return [[] for _ in texts]
    forms = sorted(lexicon, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w+#/.-])(" + "|".join(re.escape(f) for f in forms) + r")(?![\w+#/-])", re.I)
    found = []
    for text in texts:
        seen: dict[str, None] = {}
        for m in pattern.finditer(_text(text) or ""):
            seen.setdefault(lexicon[m.group(1).lower()], None)
            if len(seen) >= limit:
                break
        found.append(list(seen))
    return found


def normalize_postings(
    raw: pd.DataFrame,
    resolve_geo: GeoResolver,
    match_titles: TitleMatcher,
    skill_lexicon: dict[str, str] | None = None,
) -> pd.DataFrame:
    """`raw` has the columns of `RawPosting`; returns one row per posting with `POSTING_COLUMNS`."""
    raw = raw.reset_index(drop=True)
    out = pd.DataFrame({
        "posting_id": raw["posting_id"],
        "source": raw["source"],
        "source_id": raw["source_id"],
        "title": raw["title"].str.strip(),
        "company_id": raw["company_id"],
        "company_name": raw["company_name"],
        "location_raw": raw["location"],
        "pay_period": raw["pay_period"],
        "salary_currency": raw["currency"],
        "listed_at": pd.to_datetime(raw["listed_at"]),
        "expires_at": pd.to_datetime(raw["expires_at"]),
        "views": raw["views"].astype("Int64"),
        "applies": raw["applies"].astype("Int64"),
    })
    out["industry"] = [
        (inds[0] if len(inds) else None) or _text(comp)
        for inds, comp in zip(raw["industries"], raw["company_industry"])
    ]

    geo = resolve_geo(list(raw["location"]), list(raw["zip_code"]), list(raw["fips"])).reset_index(drop=True)
    out["city_id"] = geo["city_id"]
    out["city_name"] = geo["city_name"]
    out["metro_id"] = geo["metro_id"]
    out["metro_name"] = geo["metro_name"]
    out["state_code"] = geo["state_code"]
    out["geo_level"] = geo["level"]
    title_remote = raw["title"].str.contains(_REMOTE_WORDS, na=False)
    out["remote"] = raw["remote_allowed"].fillna(False).astype(bool) | geo["remote_hint"].astype(bool) | title_remote

    out["work_type"] = [work_type_of(f, w) for f, w in zip(raw["formatted_work_type"], raw["work_type"])]
    seniority = [seniority_of(level, title) for level, title in zip(raw["experience_level"], raw["title"])]
    out["seniority"] = [s for s, _ in seniority]
    out["seniority_source"] = [src for _, src in seniority]

    occupations = match_titles(list(raw["title"])).reset_index(drop=True)
    out["onet_code"] = occupations["onet_code"]
    out["occupation_title"] = occupations["matched_title"]
    out["occupation_score"] = occupations["score"].astype("float64")

    for name in ("min", "med", "max"):
        out[f"salary_{name}_usd"] = yearly_usd(raw[f"salary_{name}"], raw["pay_period"], raw["currency"])
    # a range without a median gets the midpoint, so "above median pay" can compare one number
    midpoint = (out["salary_min_usd"] + out["salary_max_usd"]) / 2
    out["salary_med_usd"] = out["salary_med_usd"].fillna(midpoint.round(0))

    listed = [list(s) for s in raw["skills"]]
    found = extract_skills(raw["description"].tolist(), skill_lexicon or {})
    out["skills"] = [list(dict.fromkeys(a + b)) for a, b in zip(listed, found)]

    has_text = raw["description"].fillna("").str.strip().str.len() > 0
    out["description_generated"] = ~has_text
    out["description"] = raw["description"].where(has_text)
    missing = out.index[~has_text]
    if len(missing):
        out.loc[missing, "description"] = out.loc[missing].apply(render_description, axis=1)
    out["listed_at"] = out["listed_at"].astype("datetime64[us]")
    out["expires_at"] = out["expires_at"].astype("datetime64[us]")
    return out[POSTING_COLUMNS]

