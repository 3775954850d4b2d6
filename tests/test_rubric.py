"""The rubric grader applies the policy's levels, caps and missing-information rules."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from jobsearch import POLICIES_DIR, SHIPPED_DATA
from jobsearch.labels.policy import load_policy
from jobsearch.labels.rubric import GradeContext, RubricGrader


@pytest.fixture(scope="module")
def parser():
    from jobsearch.query.parser import query_parser

    return query_parser(str(SHIPPED_DATA))


@pytest.fixture(scope="module")
def grader():
    context = GradeContext(related={"29-1141.00": {"29-2061.00"}},
                           pay_median={("15-2051.00", None): 120_000.0}, overall_median=60_000.0,
                           query_date=datetime(2024, 4, 20))
    return RubricGrader(load_policy(POLICIES_DIR / "job_search.md"), context)


def posting(**fields):
    base = dict(posting_id="li-1", title="Registered Nurse", onet_code="29-1141.00", company_name="Mercy Hospital",
                industry="Hospitals", city_id=None, metro_id="16980", state_code="IL", remote=False,
                seniority="UNKNOWN", work_type="FULL_TIME", salary_med_usd=None, salary_max_usd=None,
                listed_at=None, skills=[], description="Care for patients.", description_generated=False,
                source="linkedin_2024")
    return base | fields


def test_exact_title_in_the_named_metro_is_excellent(grader, parser):
    result = grader.grade(parser.parse("registered nurse jobs in Chicago"), posting())
    assert result.levels == {"occupation": "exact", "location": "exact"}
    assert result.grade == 4
    assert result.probabilities.argmax() == 4 and np.isclose(result.probabilities.sum(), 1.0)


def test_related_occupation_is_fair_and_wrong_place_is_capped(grader, parser):
    lpn = grader.grade(parser.parse("registered nurse jobs"), posting(title="Licensed Practical Nurse",
                                                                       onet_code="29-2061.00"))
    assert lpn.levels["occupation"] == "related" and lpn.grade == 2
    elsewhere = grader.grade(parser.parse("registered nurse jobs in Chicago"),
                             posting(metro_id="19100", state_code="TX"))
    assert elsewhere.levels["location"] == "elsewhere" and elsewhere.caps["location"] == 1
    assert elsewhere.grade == 1 and elsewhere.probabilities[2:].sum() == 0  # nothing above the cap


def test_missing_pay_on_a_pay_query_caps_at_good(grader, parser):
    intent = parser.parse("data scientist roles paying over $150k")
    ds = dict(title="Data Scientist", onet_code="15-2051.00")
    assert grader.grade(intent, posting(**ds)).grade == 3  # unstated pay -> at most Good
    assert grader.grade(intent, posting(**ds, salary_med_usd=160_000.0, salary_max_usd=175_000.0)).grade == 4
    below = grader.grade(intent, posting(**ds, salary_med_usd=90_000.0, salary_max_usd=100_000.0))
    assert below.levels["pay"] == "below" and below.grade <= 2


def test_staffing_exclusion_and_recency(grader, parser):
    intent = parser.parse("registered nurse jobs not from staffing agencies, posted recently")
    agency = grader.grade(intent, posting(company_name="Aya Healthcare", industry="Staffing and Recruiting",
                                          listed_at=datetime(2024, 4, 18)))
    assert agency.levels["company"] == "violated" and agency.grade <= 1
    stale = grader.grade(intent, posting(listed_at=datetime(2024, 2, 1)))
    assert stale.levels["recency"] == "older" and stale.grade <= 2
    fresh = grader.grade(intent, posting(listed_at=datetime(2024, 4, 18)))
    assert fresh.grade == 4


def test_unrelated_occupation_is_irrelevant_or_poor(grader, parser):
    result = grader.grade(parser.parse("registered nurse jobs"), posting(title="Software Engineer",
                                                                        onet_code="15-1252.00"))
    assert result.levels["occupation"] == "unrelated" and result.grade <= 1
