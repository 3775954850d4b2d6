"""Read the posting sources, validate every row, and account for every row.

`ingest_postings` returns the accepted rows as `RawPosting`s, the rejected rows as `Reject`s with
file, row number, field and reason, and per-source counts that satisfy
rows_in == accepted + rejected (asserted here, so a bug that loses rows fails loudly).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from jobsearch.corpus.schemas import GlassdoorRow, LinkedIn2023Row, LinkedInPostingRow, RawPosting, Reject

csv.field_size_limit(1 << 30)


@dataclass(frozen=True)
class PostingSource:
    """One file of postings: its name, path, row model and an optional row limit."""

    name: str
    path: Path
    row_model: type[BaseModel]
    limit: int | None = None


@dataclass
class SourceCounts:
    source: str
    file: str
    rows_in: int = 0
    accepted: int = 0
    rejected: int = 0


@dataclass
class IngestResult:
    postings: list[RawPosting] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    counts: list[SourceCounts] = field(default_factory=list)


def default_sources(data_dir: Path, landing_dir: Path | None, limits: dict[str, int | None]) -> list[PostingSource]:
    """The shipped sources (2024 full text, 2024 remote salaried, Glassdoor, 2023 structured)
    plus every `*.csv` in the landing folder, which uses LinkedIn's 2024 schema."""
    sources = [
        PostingSource("linkedin_2024", data_dir / "linkedin_2024/postings_sample.csv", LinkedInPostingRow,
                      limits.get("linkedin_2024")),
        PostingSource("linkedin_2024_remote", data_dir / "linkedin_2024/postings_remote_salaried.csv",
                      LinkedInPostingRow, limits.get("linkedin_2024_remote")),
        PostingSource("glassdoor", data_dir / "glassdoor/glassdoor_jobs.csv", GlassdoorRow, limits.get("glassdoor")),
        PostingSource("linkedin_2023", data_dir / "linkedin_2023/job_postings.csv", LinkedIn2023Row,
                      limits.get("linkedin_2023")),
    ]
    if landing_dir is not None and landing_dir.is_dir():
        for path in sorted(landing_dir.glob("*.csv")):
            sources.append(PostingSource(f"landing:{path.name}", path, LinkedInPostingRow))
    return sources


def ingest_postings(sources: list[PostingSource], relative_to: Path | None = None) -> IngestResult:
    result = IngestResult()
    first_seen: dict[str, tuple[str, int]] = {}
    for source in sources:
        shown = _display_path(source.path, relative_to)
        counts = SourceCounts(source.name, shown)
        for row_number, row in _rows(source):
            counts.rows_in += 1
            reject = None
            try:
                model = source.row_model.model_validate(row)
                posting = model.to_raw(source.name, shown, row_number)  # type: ignore[attr-defined]
            except ValidationError as err:
                reject = _reject_from_error(source.name, shown, row_number, err, row)
            else:
                if posting.posting_id in first_seen:
                    where = first_seen[posting.posting_id]
                    reject = Reject(
                        source=source.name, source_file=shown, source_row=row_number, field="job_id",
                        reason=f"duplicate posting_id {posting.posting_id} (first accepted from {where[0]} row {where[1]})",
                        raw=_raw_json(row),
                    )
                else:
                    first_seen[posting.posting_id] = (shown, row_number)
                    result.postings.append(posting)
                    counts.accepted += 1
            if reject is not None:
                result.rejects.append(reject)
                counts.rejected += 1
        assert counts.rows_in == counts.accepted + counts.rejected, f"row accounting broken for {source.name}"
        result.counts.append(counts)
    return result


def _display_path(path: Path, relative_to: Path | None) -> str:
    if relative_to is not None:
        try:
            return str(path.resolve().relative_to(relative_to.resolve()))
        except ValueError:
            pass
    return str(path)


def _reject_from_error(source: str, file: str, row_number: int, err: ValidationError, row: dict) -> Reject:
    errors = err.errors(include_url=False)
    fields = [_field_of(e) for e in errors]
    reasons = [
        f"{f}: {e['msg'].removeprefix('Value error, ')}" + ("" if isinstance(e.get("input"), dict) else f" (got {_short(e.get('input'))})")
        for f, e in zip(fields, errors)
    ]
    return Reject(source=source, source_file=file, source_row=row_number, field=fields[0],
                  reason="; ".join(reasons), raw=_raw_json(row))


def _field_of(error: dict) -> str:
    where = ".".join(str(p) for p in error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    return where or getattr(cause, "field", None) or "row"


def _short(value: object, width: int = 60) -> str:
    text = repr(value) if not isinstance(value, dict) else "the row"
    return text if len(text) <= width else text[: width - 3] + "..."


def _raw_json(row: dict) -> str:
    return json.dumps({k: v for k, v in row.items() if k != "description"}, default=str)[:4000]


def _rows(source: PostingSource) -> Iterator[tuple[int, dict]]:
    """Yield (record number, row dict); record 1 is the first data row after the header."""
    if source.row_model is LinkedIn2023Row:
        yield from _linkedin_2023_rows(source)
        return
    with source.path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            if source.limit is not None and number > source.limit:
                return
            yield number, row


def _read(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _linkedin_2023_rows(source: PostingSource) -> Iterator[tuple[int, dict]]:
    """The 2023 release is normalized into several files; join them onto each posting."""
    folder = source.path.parent
    salaries: dict[str, dict] = {}
    for row in _read(folder / "salaries.csv"):
        salaries.setdefault(row["job_id"], row)
    skill_names = {r["skill_abr"]: r["skill_name"] for r in _read(folder / "skills.csv")}
    skills: dict[str, list[str]] = defaultdict(list)
    for row in _read(folder / "job_skills.csv"):
        skills[row["job_id"]].append(skill_names.get(row["skill_abr"], row["skill_abr"]))
    industry_names = {r["industry_id"]: r["industry_name"] for r in _read(folder / "industries.csv")}
    industries: dict[str, list[str]] = defaultdict(list)
    for row in _read(folder / "job_industries.csv"):
        name = industry_names.get(row["industry_id"])
        if name:
            industries[row["job_id"]].append(name)
    companies = {r["id"]: r["name"] for r in _read(folder / "Nodes.csv")}
    company_industry: dict[str, str] = {}
    for row in _read(folder / "company_industries.csv"):
        company_industry.setdefault(row["company_id"], row["industry"])

    for number, row in enumerate(_read(source.path), start=1):
        if source.limit is not None and number > source.limit:
            return
        job_id, company_id = row["job_id"], (row.get("company_id") or "").split(".")[0]
        salary = salaries.get(job_id, {})
        yield number, {
            **row,
            "min_salary": salary.get("min_salary"),
            "med_salary": salary.get("med_salary"),
            "max_salary": salary.get("max_salary"),
            "pay_period": salary.get("pay_period"),
            "currency": salary.get("currency"),
            "company_name": companies.get(company_id),
            "company_industry": company_industry.get(company_id),
            "skills": skills.get(job_id, []),
            "industries": industries.get(job_id, []),
        }
