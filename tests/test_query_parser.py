"""Natural-language job queries -> QueryIntent, on the real gazetteer and O*NET taxonomy."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from jobsearch import SHIPPED_DATA
from jobsearch.corpus.companies import company_matches, is_staffing_company, normalize_company
from jobsearch.corpus.geo import Gazetteer
from jobsearch.corpus.schemas import RemoteMode, Seniority, WorkType
from jobsearch.corpus.skills import skill_lexicon
from jobsearch.corpus.taxonomy import Occupations
from jobsearch.query.constraints import QueryIntent
from jobsearch.query.parser import QueryParser
from jobsearch.query.vocabulary import FIELD_OCCUPATIONS

pytestmark = pytest.mark.skipif(
    not (SHIPPED_DATA / "onet" / "Occupation Data.txt").exists()
    or not (SHIPPED_DATA / "geo" / "uscities.csv").exists(),
    reason="O*NET or gazetteer data missing",
)

SEATTLE = "42660"
SAN_JOSE = "41940"
SAN_FRANCISCO = "41860"
NEW_YORK = "35620"
CHICAGO = "16980"
AUSTIN = "12420"
BOSTON = "14460"


@pytest.fixture(scope="module")
def occupations() -> Occupations:
    return Occupations.from_dir(SHIPPED_DATA)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_dir(SHIPPED_DATA / "geo")


@pytest.fixture(scope="module")
def lexicon(occupations: Occupations) -> dict[str, str]:
    tech = occupations.tech_skills
    return skill_lexicon(tech.loc[tech.hot, "skill"].unique())


@pytest.fixture(scope="module")
def parser(gazetteer: Gazetteer, occupations: Occupations, lexicon: dict[str, str]) -> QueryParser:
    p = QueryParser(gazetteer, occupations, lexicon)
    p.parse("software engineer jobs")  # builds the taxonomy's title index once
    return p


def metros(intent: QueryIntent) -> list[str | None]:
    return [g.metro_id for g in intent.locations]


# ------------------------------------------------------------------ the brief's examples


def test_remote_title_place_median(parser: QueryParser) -> None:
    q = parser.parse("remote software engineer jobs in Seattle with above median pay")
    assert q.title == "software engineer"
    assert q.onet_codes[0] == "15-1252.00"
    assert [g.city_name for g in q.locations] == ["Seattle"] and metros(q) == [SEATTLE]
    assert q.remote is True and q.above_median_pay is True
    assert q.skills == [] and q.companies == [] and q.min_salary_usd is None
    assert q.posted_within_days is None and not q.exclude_staffing


def test_compound_query_from_the_policy(parser: QueryParser) -> None:
    q = parser.parse(
        "software engineer jobs in Silicon Valley or Seattle that are mostly remote but not from "
        "sourcing companies, posted recently, with above median pay"
    )
    assert q.title == "software engineer" and q.onet_codes[0] == "15-1252.00"
    assert metros(q) == [SAN_JOSE, SEATTLE]
    assert q.locations[0].level == "metro" and q.locations[1].city_name == "Seattle"
    assert q.remote is True
    assert q.exclude_staffing is True
    assert q.posted_within_days == 14
    assert q.above_median_pay is True
    assert q.keywords == [] and q.companies == [] and q.exclude_companies == []


def test_registered_nurse(parser: QueryParser) -> None:
    q = parser.parse("registered nurse jobs")
    assert q.title == "registered nurse"
    assert q.onet_codes == ["29-1141.00"] and not q.broad_title
    assert q.locations == [] and q.remote is None


def test_skills_only_query_has_no_title(parser: QueryParser) -> None:
    q = parser.parse("jobs using Tableau and SQL")
    assert q.skills == ["Tableau", "SQL"]
    assert q.title is None and q.onet_codes == []
    assert q.keywords == []


def test_entry_level_marketing_in_chicago(parser: QueryParser) -> None:
    q = parser.parse("entry level marketing jobs in Chicago")
    assert q.seniority == [Seniority.ENTRY.value]
    assert metros(q) == [CHICAGO] and q.locations[0].city_name == "Chicago"
    assert q.title == "marketing" and q.broad_title
    assert {"13-1161.00", "11-2021.00"} <= set(q.onet_codes)


def test_pay_floor_in_thousands(parser: QueryParser) -> None:
    q = parser.parse("data scientist roles paying over $150k")
    assert q.min_salary_usd == 150_000
    assert q.max_salary_usd is None
    assert q.title == "data scientist" and q.onet_codes[0] == "15-2051.00"


def test_part_time_hourly_floor_near_austin(parser: QueryParser) -> None:
    q = parser.parse("part-time bookkeeper jobs near Austin, TX paying at least $25/hr")
    assert q.work_types == [WorkType.PART_TIME.value]
    assert q.min_salary_usd == 52_000
    assert metros(q) == [AUSTIN] and q.locations[0].state_code == "TX"
    assert q.title == "bookkeeper" and q.onet_codes[0] == "43-3031.00"


def test_employer_and_colloquial_place(parser: QueryParser) -> None:
    q = parser.parse("jobs at Amazon in NYC")
    assert q.companies == ["Amazon"]
    assert metros(q) == [NEW_YORK]
    assert q.title is None and q.keywords == []


def test_senior_not_at_staffing_agency_this_week(parser: QueryParser) -> None:
    q = parser.parse("senior accountant not at a staffing agency, posted this week")
    assert q.seniority == [Seniority.MID_SENIOR.value]
    assert q.exclude_staffing is True
    assert q.posted_within_days == 7
    assert q.title == "accountant" and q.onet_codes[0] == "13-2011.00"
    assert q.exclude_companies == []


def test_contract_python_developer_from_home(parser: QueryParser) -> None:
    q = parser.parse("contract python developer work from home")
    assert q.work_types == [WorkType.CONTRACT.value]
    assert q.remote is True
    assert "Python" in q.skills
    assert q.title in {"python developer", "developer"}
    assert q.onet_codes[0] in {"15-1252.00", "15-1251.00", "15-1254.00"}


def test_nursing_in_the_bay_area(parser: QueryParser) -> None:
    q = parser.parse("nursing jobs in the Bay Area")
    assert metros(q) == [SAN_FRANCISCO]
    assert q.title == "nursing" and q.broad_title and q.onet_codes[0] == "29-1141.00"


def test_director_in_texas(parser: QueryParser) -> None:
    q = parser.parse("director of operations jobs in Texas")
    assert q.seniority == [Seniority.DIRECTOR.value]
    assert [(g.level, g.state_code) for g in q.locations] == [("state", "TX")]
    assert q.onet_codes and q.onet_codes[0] == "11-1021.00"


def test_internships_in_finance_in_boston(parser: QueryParser) -> None:
    q = parser.parse("internships in finance in Boston")
    assert Seniority.INTERNSHIP.value in q.seniority
    assert WorkType.INTERNSHIP.value in q.work_types
    assert metros(q) == [BOSTON]
    assert q.title == "finance" and q.broad_title


@pytest.mark.parametrize(
    "query",
    ["sales jobs at home", "Mobile developer", "mobile developer jobs in Seattle"],
)
def test_ordinary_words_are_not_places(parser: QueryParser, query: str) -> None:
    q = parser.parse(query)
    assert all(g.state_code != "AL" for g in q.locations)
    if "Seattle" not in query:
        assert q.locations == []


def test_sales_at_home_is_remote_and_mobile_developer_is_a_title(parser: QueryParser) -> None:
    assert parser.parse("sales jobs at home").remote is True
    q = parser.parse("Mobile developer")
    assert q.title == "Mobile developer" and q.onet_codes[0] == "15-1252.00"
    assert parser.parse("sales jobs in Mobile, AL").locations[0].state_code == "AL"


# ------------------------------------------------------------------ titles


@pytest.mark.parametrize(
    ("query", "title", "code"),
    [
        ("art director jobs", "art director", "27-1011.00"),
        ("account executive jobs in Dallas", "account executive", "11-2011.00"),
        ("executive assistant jobs", "executive assistant", "43-6011.00"),
        ("machine learning engineer jobs at startups", "machine learning engineer", "15-1221.00"),
        ("remote sensing scientist jobs", "remote sensing scientist", "19-2099.01"),
        ("Looking for a job as a data analyst in Atlanta", "data analyst", "15-2051.01"),
        ("chef jobs in Chicago", "chef", "35-1011.00"),
        ("associate attorney jobs in Boston", "associate attorney", "23-1011.00"),
        ("staff accountant jobs in Houston", "staff accountant", "13-2011.00"),
    ],
)
def test_title_phrases(parser: QueryParser, query: str, title: str, code: str) -> None:
    q = parser.parse(query)
    assert q.title == title
    assert q.onet_codes[0] == code


def test_or_between_titles_keeps_both(parser: QueryParser) -> None:
    q = parser.parse("nurse or medical assistant jobs in Denver")
    assert q.title == "nurse or medical assistant"
    assert "29-1141.00" in q.onet_codes and "31-9092.00" in q.onet_codes


def test_seniority_words_and_titles(parser: QueryParser) -> None:
    assert parser.parse("art director jobs").seniority == [Seniority.DIRECTOR.value]
    assert parser.parse("account executive jobs").seniority == []
    assert parser.parse("executive jobs").seniority == [Seniority.EXECUTIVE.value]
    q = parser.parse("VP of sales jobs")
    assert q.seniority == [Seniority.EXECUTIVE.value] and q.title == "sales"
    q = parser.parse("staff software engineer jobs")
    assert q.seniority == [Seniority.MID_SENIOR.value] and q.title == "software engineer"
    assert parser.parse("staff accountant jobs").seniority == []
    assert parser.parse("senior living caregiver jobs").seniority == []
    assert parser.parse("new grad software engineer jobs").seniority == [Seniority.ENTRY.value]
    assert parser.parse("engineer with 5+ years experience").seniority == [Seniority.MID_SENIOR.value]


def test_words_that_are_not_titles_become_keywords(parser: QueryParser) -> None:
    q = parser.parse("jobs for veterans in Virginia")
    assert q.title is None and q.keywords == ["veterans"]
    q = parser.parse("RN jobs with night shifts, not travel")
    assert q.onet_codes == ["29-1141.00"]
    assert q.keywords == ["night", "shifts"] and q.exclude_keywords == ["travel"]


def test_field_table_codes_exist(occupations: Occupations, parser: QueryParser) -> None:
    known = set(occupations.occupations["onet_code"])
    for key, entries in FIELD_OCCUPATIONS.items():
        for entry in entries:
            if len(entry) >= 10:
                assert entry in known, (key, entry)
            else:
                assert any(c.startswith(entry) for c in known), (key, entry)


# ------------------------------------------------------------------ skills, employers, places


def test_skills_inside_titles_and_skill_named_places(parser: QueryParser) -> None:
    q = parser.parse("data engineer jobs using Snowflake and dbt")
    assert q.skills == ["Snowflake", "dbt"] and q.locations == []
    q = parser.parse("Java Spring developer jobs")
    assert q.skills == ["Java", "Spring"] and q.onet_codes[0].startswith("15-125")
    q = parser.parse("spring internships")
    assert q.skills == []


def test_employers(parser: QueryParser) -> None:
    assert parser.parse("jobs at amazon").companies == ["Amazon"]
    assert parser.parse("Google software engineer jobs").companies == ["Google"]
    assert parser.parse("Sherwin-Williams jobs").companies == ["Sherwin-Williams"]
    assert parser.parse("Sherwin-Williams jobs").locations == []
    q = parser.parse("jobs at Boston Scientific")
    assert q.companies == ["Boston Scientific"] and q.locations == []
    q = parser.parse("product designer jobs excluding Meta and Google")
    assert q.exclude_companies == ["Meta", "Google"] and q.companies == []
    q = parser.parse("software jobs not at Amazon or Meta")
    assert q.exclude_companies == ["Amazon", "Meta"]
    q = parser.parse("salesforce developer jobs at Salesforce")
    assert q.companies == ["Salesforce"] and q.skills == ["Salesforce"]
    assert parser.parse("jobs for veterans").companies == []


@pytest.mark.parametrize(
    "query",
    [
        "nurse jobs, no recruiters",
        "direct hire accounting jobs in Chicago",
        "accountant jobs in Boston not through agencies",
        "software engineer jobs not at staffing agencies or recruiting firms",
        "remote jobs no staffing agencies and no recruiters",
        "jobs not from staffing or recruiting agencies",
    ],
)
def test_staffing_exclusions(parser: QueryParser, query: str) -> None:
    q = parser.parse(query)
    assert q.exclude_staffing is True
    assert "Recruiting" not in q.skills and q.exclude_companies == []


def test_no_staffing_exclusion_without_negation(parser: QueryParser) -> None:
    assert not parser.parse("staffing coordinator jobs").exclude_staffing
    assert not parser.parse("recruiter jobs in Denver").exclude_staffing
    assert not parser.parse("no contract roles").exclude_staffing


def test_places(parser: QueryParser) -> None:
    q = parser.parse("software engineer jobs in Portland, OR or Seattle")
    assert [g.state_code for g in q.locations] == ["OR", "WA"]
    q = parser.parse("mostly remote jobs in the Midwest")
    assert {g.state_code for g in q.locations} >= {"IL", "OH", "WI"} and q.remote is True
    q = parser.parse("accounting jobs not in Boston")
    assert q.locations == [] and [g.metro_id for g in q.exclude_locations] == [BOSTON]
    assert parser.parse("jobs in London").locations == []
    assert parser.parse("jobs in the US").locations == []
    assert parser.parse("new jobs in Seattle").posted_within_days == 14
    assert parser.parse("New York software jobs").posted_within_days is None


def test_capitalization_and_boolean_words(parser: QueryParser) -> None:
    q = parser.parse("REMOTE SOFTWARE ENGINEER JOBS IN SEATTLE")
    assert metros(q) == [SEATTLE] and q.remote is True and q.onet_codes[0] == "15-1252.00"
    q = parser.parse("software engineer OR data scientist remote")
    assert q.locations == [] and q.onet_codes[:2] == ["15-1252.00", "15-2051.00"]
    q = parser.parse("accountant / bookkeeper jobs in Denver")
    assert q.onet_codes == ["13-2011.00", "43-3031.00"]
    q = parser.parse("Registered Nurse Jobs In Seattle")
    assert q.onet_codes == ["29-1141.00"] and metros(q) == [SEATTLE]


def test_towns_inside_titles_and_confirming_states(parser: QueryParser) -> None:
    q = parser.parse("Baker jobs in Austin")
    assert q.title == "Baker" and metros(q) == [AUSTIN]
    assert parser.parse("Prison Warden jobs").locations == []
    assert parser.parse("jobs in Mason").locations[0].city_name == "Mason"
    assert metros(parser.parse("Seattle nurse jobs")) == [SEATTLE]
    q = parser.parse("nurse jobs in Orange County, CA")
    assert [g.level for g in q.locations] == ["metro"]


def test_employer_kinds_are_not_employers(parser: QueryParser) -> None:
    q = parser.parse("customer success manager jobs at SaaS startups")
    assert q.companies == [] and q.keywords == ["startups"]
    assert parser.parse("jobs at Fortune 500 companies").companies == []


# ------------------------------------------------------------------ pay, recency, remote, types


@pytest.mark.parametrize(
    ("query", "floor", "ceiling"),
    [
        ("$40/hr or more", 83_200, None),
        ("paying at least 120,000", 120_000, None),
        ("six figures", 100_000, None),
        ("customer service jobs paying $18 an hour", 37_440, None),
        ("jobs paying at least 20 dollars an hour", 41_600, None),
        ("$100k+ product manager roles", 100_000, None),
        ("Data Scientist - remote - $180,000+", 180_000, None),
        ("welder jobs between $25 and $35 an hour", 52_000, 72_800),
        ("software engineer, $150k-$200k", 150_000, 200_000),
        ("jobs under $50k", None, 50_000),
        ("accounting jobs around $70k", 63_000, 77_000),
        ("cdl jobs $1500 a week", 78_000, None),
        ("nurse jobs with 5 years experience", None, None),
        ("accountant jobs with 401k", None, None),
        ("jobs posted in the last 24 hours", None, None),
    ],
)
def test_pay(parser: QueryParser, query: str, floor: float | None, ceiling: float | None) -> None:
    q = parser.parse(query)
    assert q.min_salary_usd == (pytest.approx(floor) if floor is not None else None)
    assert q.max_salary_usd == (pytest.approx(ceiling) if ceiling is not None else None)


@pytest.mark.parametrize(
    "query",
    ["above median pay", "above-average salary", "well paid nurse", "high paying jobs", "jobs that pay well"],
)
def test_above_median(parser: QueryParser, query: str) -> None:
    assert parser.parse(query).above_median_pay is True


@pytest.mark.parametrize(
    ("query", "days"),
    [
        ("posted recently", 14), ("recent nursing jobs", 14), ("new nursing jobs", 14),
        ("this week", 7), ("posted last week", 7), ("past week", 7), ("today", 1),
        ("in the last 24 hours", 1), ("this month", 30), ("last 30 days", 30),
        ("posted in the last 3 days", 3), ("last two weeks", 14), ("new grad jobs", None),
        ("jobs in New Jersey", None),
    ],
)
def test_recency(parser: QueryParser, query: str, days: int | None) -> None:
    assert parser.parse(query).posted_within_days == days


@pytest.mark.parametrize(
    ("query", "remote"),
    [
        ("remote jobs", True), ("work from home", True), ("WFH nurse", True), ("mostly remote", True),
        ("fully remote", True), ("on-site lab technician jobs", False), ("in office jobs", False),
        ("not remote developer jobs", False), ("remote sensing scientist", None), ("hybrid jobs", None),
    ],
)
def test_remote(parser: QueryParser, query: str, remote: bool | None) -> None:
    assert parser.parse(query).remote is remote


@pytest.mark.parametrize(
    ("query", "mode"),
    [
        ("remote jobs", RemoteMode.REMOTE), ("fully remote nurse jobs", RemoteMode.REMOTE),
        ("WFH", RemoteMode.REMOTE), ("work from home data entry", RemoteMode.REMOTE),
        ("hybrid jobs", RemoteMode.HYBRID), ("partly remote accountant", RemoteMode.HYBRID),
        ("on-site lab technician jobs", RemoteMode.ON_SITE), ("onsite welder", RemoteMode.ON_SITE),
        ("in office jobs", RemoteMode.ON_SITE), ("in person tutoring", RemoteMode.ON_SITE),
        ("not remote developer jobs", RemoteMode.ON_SITE),
        ("mostly remote jobs", RemoteMode.MOSTLY_REMOTE), ("remote-first startups", RemoteMode.MOSTLY_REMOTE),
        ("remote first companies", RemoteMode.MOSTLY_REMOTE), ("remote friendly", RemoteMode.MOSTLY_REMOTE),
        ("remote with occasional travel", RemoteMode.MOSTLY_REMOTE),
        ("sales jobs remote with occasional office days", RemoteMode.MOSTLY_REMOTE),
        ("remote sensing scientist", None), ("registered nurse jobs", None), ("not hybrid", None),
    ],
)
def test_remote_mode(parser: QueryParser, query: str, mode: RemoteMode | None) -> None:
    assert parser.parse(query).remote_mode == mode


def test_remote_mode_keeps_remote_and_claims_its_words(parser: QueryParser) -> None:
    for query in ("hybrid jobs", "partly remote accountant", "hybrid UX designer jobs in Seattle"):
        q = parser.parse(query)
        assert q.remote is None and "hybrid" not in q.keywords and "remote" not in q.keywords
    q = parser.parse("software engineer remote with occasional travel")
    assert q.remote is True and q.title == "software engineer" and q.keywords == []
    assert parser.parse("mostly remote jobs in the Midwest").remote is True
    # Several modes: the first one stated; ``remote`` as before (both on-site and remote: None).
    q = parser.parse("hybrid or remote jobs")
    assert q.remote_mode == RemoteMode.HYBRID and q.remote is True
    q = parser.parse("on-site or remote")
    assert q.remote_mode == RemoteMode.ON_SITE and q.remote is None
    assert parser.parse("remote jobs").to_dict()["remote_mode"] == "remote"


def test_work_types(parser: QueryParser) -> None:
    q = parser.parse("full-time or part-time cashier jobs")
    assert q.work_types == [WorkType.FULL_TIME.value, WorkType.PART_TIME.value]
    q = parser.parse("no contract roles, full-time marketing manager jobs")
    assert q.work_types == [WorkType.FULL_TIME.value]
    assert q.exclude_work_types == [WorkType.CONTRACT.value]
    assert parser.parse("temp jobs in Dallas").work_types == [WorkType.TEMPORARY.value]
    assert parser.parse("contract manager jobs").work_types == []
    assert parser.parse("general contractor jobs").work_types == []
    assert parser.parse("volunteer coordinator jobs").work_types == []
    q = parser.parse("hybrid UX designer jobs")
    assert q.keywords == [] and q.remote_mode == RemoteMode.HYBRID and q.remote is None


# ------------------------------------------------------------------ API behaviour


def test_to_dict_is_json_serializable(parser: QueryParser) -> None:
    q = parser.parse("remote software engineer jobs in Seattle with above median pay")
    d = q.to_dict()
    assert d["locations"][0]["metro_id"] == SEATTLE
    assert json.loads(json.dumps(d)) == d


def test_parse_many_matches_parse_and_results_are_independent(parser: QueryParser) -> None:
    texts = ["registered nurse jobs", "jobs at Amazon in NYC", "registered nurse jobs"]
    many = parser.parse_many(texts)
    assert [m.to_dict() for m in many] == [parser.parse(t).to_dict() for t in texts]
    many[0].onet_codes.append("00-0000.00")
    assert parser.parse("registered nurse jobs").onet_codes == ["29-1141.00"]
    assert parser.parse("").title is None


def test_parse_speed(gazetteer: Gazetteer, occupations: Occupations, lexicon: dict[str, str],
                     parser: QueryParser) -> None:
    titles = ["software engineer", "registered nurse", "data scientist", "accountant", "truck driver",
              "teacher", "python developer", "pharmacist", "welder", "paralegal", "UX designer",
              "electrician", "cashier", "HR specialist", "marketing manager", "barista", "nanny",
              "security guard", "physical therapist", "graphic designer"]
    places = ["in Seattle", "near Austin, TX", "in the Bay Area", "in NYC", "in Texas",
              "in Chicago or Denver", ""]
    mods = ["remote", "senior", "part-time", "posted this week", "paying over $120k",
            "not from staffing agencies", "at Amazon"]
    queries = [" ".join(x for x in (m, t, "jobs", p) if x)
               for t, p, m in itertools.product(titles, places, mods)][:1000]
    queries += [f"{q} with above median pay" for q in queries[: 1000 - len(queries)]]
    assert len(set(queries)) == 1000
    fresh = QueryParser(gazetteer, occupations, lexicon)  # no cached texts or titles
    start = time.perf_counter()
    for q in queries:
        fresh.parse(q)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, f"1,000 queries took {elapsed:.1f} s"


# ------------------------------------------------------------------ companies module


@pytest.mark.parametrize(
    ("name", "industry", "expected"),
    [
        ("Robert Half", None, True),
        ("Jobot Consulting", None, True),
        ("Insight Global", None, True),
        ("TEKsystems", None, True),
        ("Randstad USA", None, True),
        ("Creative Financial Staffing (CFS)", None, True),
        ("Motion Recruitment", None, True),
        ("24 Seven Talent", None, True),
        ("The Judge Group", None, True),
        ("CyberCoders", None, True),
        ("Acme Corp", "Staffing and Recruiting", True),
        ("Acme Corp", "Staffing & Outsourcing", True),
        ("eBay", None, False),
        ("Amazon", "Software Development", False),
        ("Sherwin-Williams", None, False),
        ("Texas Workforce Commission", None, False),
        ("Novant Health Provider Recruitment", None, False),
        ("Atrium Centers", None, False),
        ("Principal Financial Group", None, False),
        (None, None, False),
    ],
)
def test_is_staffing_company(name: str | None, industry: str | None, expected: bool) -> None:
    assert is_staffing_company(name, industry) is expected


def test_normalize_company_and_matching() -> None:
    assert normalize_company("Amazon.com, Inc.") == "amazon com"
    assert normalize_company("The Sherwin-Williams Co.") == "sherwin williams"
    assert normalize_company("Acme Corp.") == normalize_company("ACME Corporation") == "acme"
    assert normalize_company("Yoh, A Day & Zimmermann Company") == "yoh"
    assert normalize_company(None) == ""
    assert company_matches("Amazon", "Amazon Web Services (AWS)")
    assert company_matches("Amazon", "Whole Foods Market")
    assert company_matches("amazon", "Amazon.com Services LLC")
    assert not company_matches("Amazon", "XYZ Logistics LLC")
    assert not company_matches("GE Aerospace", "GE HealthCare")
    assert company_matches("Meta", "Facebook")
