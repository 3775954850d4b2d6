"""Row validation and accounting: bad rows are quarantined with file, row, field and reason."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jobsearch import SHIPPED_DATA
from jobsearch.corpus.ingest import PostingSource, default_sources, ingest_postings
from jobsearch.corpus.schemas import LinkedInPostingRow

HEADER = ["job_id", "company_name", "title", "description", "max_salary", "pay_period", "location", "company_id",
          "views", "med_salary", "min_salary", "formatted_work_type", "applies", "listed_time", "remote_allowed",
          "expiry", "formatted_experience_level", "currency", "zip_code", "fips"]


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in HEADER})
    return path


GOOD = dict(job_id="91000001", company_name="Acme", title="Data Engineer", description="Build pipelines.",
            location="Seattle, WA", min_salary="120000", max_salary="150000", pay_period="YEARLY", currency="USD",
            listed_time="1713400000000", expiry="1715990000000", remote_allowed="1", views="10", applies="2")


def test_planted_bad_rows_are_rejected_with_reasons(tmp_path):
    path = _write(tmp_path / "batch.csv", [
        GOOD,
        {**GOOD, "job_id": "91000002", "title": "  "},                                 # empty title
        {**GOOD, "job_id": "91000003", "min_salary": "200000", "max_salary": "90000"},  # min > max
        {**GOOD, "job_id": "91000004", "min_salary": "5", "max_salary": "9"},         # 5 USD a year
        {**GOOD, "job_id": "91000005", "views": "lots"},                               # not a number
        {**GOOD, "job_id": "91000006", "pay_period": ""},                              # salary without period
        {**GOOD, "job_id": "91000001"},                                                # duplicate id
        {**GOOD, "job_id": "91000007", "expiry": "1700000000000"},                    # expires before listed
        {**GOOD, "job_id": "91000008", "location": ""},                                # no location
    ])
    result = ingest_postings([PostingSource("landing:batch.csv", path, LinkedInPostingRow)], relative_to=tmp_path)
    assert [p.posting_id for p in result.postings] == ["li-91000001"]
    by_row = {r.source_row: r for r in result.rejects}
    assert sorted(by_row) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert by_row[2].field == "title"
    assert by_row[3].field == "min_salary" and "min_salary 200000 > max_salary 90000" in by_row[3].reason
    assert by_row[4].field == "min_salary" and "outside" in by_row[4].reason
    assert by_row[5].field == "views" and "'lots'" in by_row[5].reason
    assert by_row[6].field == "pay_period"
    assert by_row[7].field == "job_id" and "duplicate posting_id li-91000001" in by_row[7].reason
    assert by_row[8].field == "expiry"
    assert by_row[9].field == "location"
    assert all(r.source_file == "batch.csv" for r in result.rejects)
    (counts,) = result.counts
    assert (counts.rows_in, counts.accepted, counts.rejected) == (9, 1, 8)


def test_shipped_sources_account_for_every_row():
    limits = {"linkedin_2024": 120, "linkedin_2024_remote": None, "glassdoor": 100, "linkedin_2023": 1500}
    result = ingest_postings(default_sources(SHIPPED_DATA, None, limits))
    counts = {c.source: c for c in result.counts}
    assert counts["linkedin_2024"].rows_in == 120
    assert counts["linkedin_2024_remote"].rows_in == 165
    assert counts["glassdoor"].rows_in == 100
    assert counts["linkedin_2023"].rows_in == 1500
    for c in counts.values():
        assert c.rows_in == c.accepted + c.rejected
    assert len(result.postings) == sum(c.accepted for c in counts.values())
    assert len({p.posting_id for p in result.postings}) == len(result.postings)
    # real data has real errors: hourly rates filed as yearly salaries are quarantined
    assert any("USD/year outside" in r.reason for r in result.rejects)


def test_glassdoor_salary_and_company_parsed():
    result = ingest_postings(default_sources(SHIPPED_DATA, None, {"linkedin_2024": 0, "linkedin_2024_remote": 0,
                                                                   "glassdoor": 5, "linkedin_2023": 0}))
    first = result.postings[0]
    assert first.posting_id == "gd-0"
    assert (first.salary_min, first.salary_max, first.pay_period) == (53000.0, 91000.0, "YEARLY")
    assert first.company_name == "Tecolote Research"  # the rating appended after a newline is cut


@pytest.mark.parametrize("estimate, expected", [
    ("$17-$24 Per Hour(Glassdoor est.)", (17.0, 24.0, "HOURLY")),
    ("Employer Provided Salary:$150K-$160K", (150000.0, 160000.0, "YEARLY")),
])
def test_glassdoor_salary_forms(estimate, expected):
    from jobsearch.corpus.schemas import GlassdoorRow

    row = GlassdoorRow.model_validate({"": "3", "Job Title": "Analyst", "Location": "Austin, TX",
                                       "Salary Estimate": estimate})
    assert row.salary() == expected
