"""From a query through the parser to the index filter (or the grader) and back: the filter bugs the
measurements issue found, each on the real path (posting rows validated and normalized as ingest does,
the real query parser, the flat index)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from jobsearch import POLICIES_DIR, SHIPPED_DATA
from jobsearch.corpus.normalize import normalize_postings
from jobsearch.corpus.reference import reference_models
from jobsearch.corpus.schemas import SENIORITY_RANK, LinkedInPostingRow
from jobsearch.labels.policy import load_policy
from jobsearch.labels.rubric import GradeContext, RubricGrader
from jobsearch.query.parser import query_parser
from jobsearch.ranking import engagement
from jobsearch.query.engine import query_engine
from jobsearch.query.search import index_filters
from jobsearch.retrieval.documents import filter_columns
from jobsearch.retrieval.flat_index import FlatIndex

AS_OF = datetime(2024, 4, 20)


def _ms(day: str) -> str:
    return str(int(pd.Timestamp(day).timestamp() * 1000))


def _row(job_id: int, title: str, level: str | None = None, location: str = "Chicago, IL", **fields) -> dict:
    return dict(job_id=str(job_id), company_name="Acme Corp", title=title, description=f"{title} role.",
                location=location, formatted_experience_level=level, formatted_work_type="Full-time",
                listed_time=_ms("2024-04-18"), original_listed_time=_ms("2024-04-18"),
                expiry=_ms("2024-05-18")) | fields


@pytest.fixture(scope="module")
def parser():
    return query_parser(str(SHIPPED_DATA))


def _postings(rows: list[dict]) -> pd.DataFrame:
    """Rows through the ingest model and the corpus normalization, as the `postings` asset makes them."""
    raw = pd.DataFrame([vars(LinkedInPostingRow.model_validate(r).to_raw("linkedin_2024", "test.csv", i + 1))
                        for i, r in enumerate(rows)])
    gazetteer, occupations, lexicon = reference_models(str(SHIPPED_DATA))
    return normalize_postings(raw, gazetteer.resolve_many, occupations.match_titles, lexicon)


def _search(postings: pd.DataFrame, filters) -> set[str]:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(postings), 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    columns = filter_columns(postings)
    index = FlatIndex.from_arrays(np.arange(len(postings)), vectors, {c: columns[c].to_numpy() for c in columns})
    ids, _ = index.search(rng.normal(size=16).astype(np.float32), k=len(postings), filters=filters)
    return {postings["posting_id"].iloc[i] for i in ids[0] if i >= 0}


def test_an_entry_level_query_returns_the_entry_level_postings(parser):
    postings = _postings([
        _row(1, "Marketing Coordinator", "Entry level"), _row(2, "Marketing Assistant", "Entry level"),
        _row(3, "Marketing Manager", "Mid-Senior level"), _row(4, "Marketing Intern", "Internship"),
        _row(5, "Marketing Specialist", None),
    ])
    assert postings.set_index("posting_id").loc["li-1", "seniority"] == "ENTRY"
    intent = parser.parse("entry level marketing jobs")
    assert intent.seniority == ["ENTRY"]
    assert _search(postings, index_filters(query_engine(str(SHIPPED_DATA)).parse("entry level marketing jobs"), AS_OF)) == {
        "li-1", "li-2"}
    # the engagement teacher reads the same ladder: an entry-level member and posting are on it
    assert engagement.SENIORITY_RANK is SENIORITY_RANK and SENIORITY_RANK["ENTRY"] == 1


def test_a_reposted_posting_is_not_posted_this_week(parser):
    postings = _postings([
        _row(10, "Registered Nurse"),  # first listed two days before the query date
        _row(11, "Registered Nurse", listed_time=_ms("2024-04-17"), original_listed_time=_ms("2024-02-01")),
    ])
    by_id = postings.set_index("posting_id")
    assert by_id.loc["li-11", "listed_at"] == pd.Timestamp("2024-02-01")  # counted from the first listing
    intent = parser.parse("registered nurse jobs posted this week")
    assert intent.posted_within_days == 7
    parsed = query_engine(str(SHIPPED_DATA)).parse("registered nurse jobs posted this week")
    assert _search(postings, index_filters(parsed, AS_OF)) == {"li-10"}


def test_above_median_pay_uses_the_national_figure_where_the_policy_says(parser):
    ds = "15-2051.00"
    national = [dict(onet_code=ds, metro_id=m, salary_med_usd=v) for m, v in
                [("41860", 190_000.0), ("41860", 185_000.0), ("41860", 180_000.0), ("41860", 175_000.0),
                 ("41860", 170_000.0), ("35620", 100_000.0), ("35620", 110_000.0), ("35620", 105_000.0),
                 ("14460", 300_000.0), ("14460", 310_000.0), ("19100", 12_000_000.0)]]
    context = GradeContext.from_tables(pd.DataFrame(columns=["onet_code", "related_code"]), pd.DataFrame(national),
                                       AS_OF)
    # values outside $15k-$1M are not pay; the national median is over the other ten
    assert context.median_pay(ds, None) == pytest.approx(177_500.0)
    # San Francisco has five paid data-science postings: its own median counts
    assert context.median_pay(ds, "41860") == pytest.approx(180_000.0)
    # Boston has two: fewer than five, so the national figure
    assert context.median_pay(ds, "14460") == pytest.approx(177_500.0)
    # a remote posting is compared with the national figure even in a metro with its own median
    assert context.median_pay(ds, "41860", remote=True) == pytest.approx(177_500.0)

    grader = RubricGrader(load_policy(POLICIES_DIR / "job_search.md"), context)
    intent = parser.parse("data scientist jobs in Boston with above median pay")
    assert intent.above_median_pay
    boston = dict(posting_id="li-20", title="Data Scientist", onet_code=ds, company_name="Acme", industry=None,
                  city_id=None, metro_id="14460", state_code="MA", remote=False, seniority="UNKNOWN",
                  work_type="FULL_TIME", salary_med_usd=200_000.0, salary_max_usd=210_000.0,
                  listed_at=datetime(2024, 4, 18), skills=[], description="Data science.", description_generated=False,
                  source="linkedin_2024")
    # $200k is above the national $177.5k (the local two-posting median of $305k would have said "below")
    assert grader.grade(intent, boston).levels["pay"] == "meets"
    assert grader.grade(intent, boston | dict(salary_med_usd=170_000.0, salary_max_usd=175_000.0)).levels["pay"] == "below"
