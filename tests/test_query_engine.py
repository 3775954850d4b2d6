"""The query engine: `parse` into `ParsedQuery` (fields, intent, router), network phrases and
expansion, lexical search with hard filters, reciprocal rank fusion, and people-search ordering.
Everything runs on the shipped data (the real gazetteer and O*NET taxonomy) and real LanceDB files."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from jobsearch import SHIPPED_DATA
from jobsearch.corpus.schemas import RemoteMode
from jobsearch.query.engine import MAX_QUERY_CHARS, QueryError, query_engine
from jobsearch.query.network import NetworkExpander, network_phrases
from jobsearch.query.parsed import Intent, Occupation, ParsedQuery, Pay, Route, Target


@pytest.fixture(scope="module")
def engine():
    return query_engine(str(SHIPPED_DATA))


# --------------------------------------------------------------------------------------------
# Fields


def test_every_job_field_with_ids_and_explanations(engine):
    q = engine.parse("senior software engineer jobs in Seattle or Silicon Valley, hybrid, over $150k, not at Amazon, "
                     "no staffing agencies, full-time, posted this week")
    assert q.intent is Intent.JOBS and q.target is Target.POSTINGS and q.route is Route.SEMANTIC
    assert q.occupation and q.occupation.onet_codes[0] == "15-1252.00"
    assert [p.key for p in q.places] == ["Seattle, WA", "metro:San Jose, CA"]
    assert q.places[0].level == "city" and q.places[0].id and q.places[1].id == "41940"
    assert q.remote_mode is RemoteMode.HYBRID
    assert q.pay.min_usd == 150_000 and not q.pay.above_median
    assert q.exclude_companies == ["Amazon"] and q.exclude_staffing
    assert [str(s) for s in q.seniority] == ["MID_SENIOR"] and [str(w) for w in q.work_types] == ["FULL_TIME"]
    assert q.posted_within_days == 7
    chips = {f.field: f for f in q.filters}
    assert {"occupation", "place", "remote_mode", "min_pay", "not_company", "not_staffing", "seniority",
            "work_type", "posted_within_days"} <= set(chips)
    assert chips["min_pay"].explanation == "pays at least $150,000 a year"
    assert "hybrid" not in q.soft_text


@pytest.mark.parametrize(("text", "mode"), [
    ("remote data analyst jobs", RemoteMode.REMOTE),
    ("hybrid UX designer jobs", RemoteMode.HYBRID),
    ("on-site nurse jobs in Boston", RemoteMode.ON_SITE),
    ("mostly remote product manager jobs", RemoteMode.MOSTLY_REMOTE),
    ("accountant jobs in Denver", None),
])
def test_remote_modes(engine, text, mode):
    assert engine.parse(text).remote_mode == mode


def test_above_median_pay_exclusions_and_unresolved(engine):
    q = engine.parse("marketing manager jobs with above median pay, not in Texas")
    assert q.pay.above_median and [p.key for p in q.exclude_places] == ["TX"]
    abroad = engine.parse("nurse jobs in London")
    assert abroad.places == [] and abroad.unresolved == ["london"]
    assert "near me" in engine.parse("barista jobs near me").unresolved
    past = engine.parse("product managers who used to work at Google")
    assert past.companies == [] and any("google" in u for u in past.unresolved)


def test_people_fields(engine):
    q = engine.parse("senior data engineers at Stripe in San Francisco who know kafka", member_id="m000001")
    assert q.intent is Intent.PEOPLE and q.target is Target.PROFILES and q.member_id == "m000001"
    assert q.occupation and q.occupation.onet_codes
    assert q.companies == ["Stripe"] and [p.key for p in q.places] == ["San Francisco, CA"]
    assert "kafka" in q.skills and [str(s) for s in q.seniority] == ["MID_SENIOR"]
    chips = {f.field: f.explanation for f in q.filters}
    assert chips["company"] == "current company is Stripe"
    expert = engine.parse("experts in fraud detection")
    assert expert.intent is Intent.PEOPLE and "fraud detection" in expert.skills


def test_bad_queries_raise_named_errors(engine):
    for bad in ("", "   "):
        with pytest.raises(QueryError, match="empty") as err:
            engine.parse(bad)
        assert err.value.field == "q"
    with pytest.raises(QueryError, match=str(MAX_QUERY_CHARS)):
        engine.parse("nurse " * 200)
    sql = engine.parse("nurse jobs'; DROP TABLE postings; --")
    assert sql.occupation and sql.occupation.onet_codes[0].startswith("29-1141")
    assert engine.parse("ｎｕｒｓｅ jobs in Zürich ☃").intent is Intent.JOBS


def test_parsed_query_validates_ids_and_ranges():
    with pytest.raises(ValidationError, match="O\\*NET"):
        Occupation(title="x", onet_codes=["nurse"])
    with pytest.raises(ValidationError, match="floor"):
        ParsedQuery(text="x", intent="jobs", target="postings", route="semantic", pay=Pay(min_usd=9e4, max_usd=5e4))
    with pytest.raises(ValidationError):
        ParsedQuery(text="x", intent="jobz", target="postings", route="semantic")
    with pytest.raises(ValidationError, match="UNKNOWN"):
        ParsedQuery(text="x", intent="jobs", target="postings", route="semantic", seniority=["UNKNOWN"])


# --------------------------------------------------------------------------------------------
# Intent and router


@pytest.mark.parametrize(("text", "intent", "target", "route", "terms"), [
    ("registered nurse jobs in Boston", "jobs", "postings", "semantic", []),
    ("recruiter jobs in austin", "jobs", "postings", "semantic", []),
    ("recruiters at Stripe", "people", "profiles", "semantic", []),
    ("data scientists in seattle", "people", "profiles", "semantic", []),
    ("who knows a lot about clinical trials?", "people", "profiles", "semantic", []),
    ("hiring managers at Salesforce", "people", "profiles", "semantic", []),
    ('"Priya Raman"', "lexical", "profiles", "lexical", ["Priya Raman"]),
    ("Marcus Oneill", "lexical", "profiles", "lexical", ["Marcus Oneill"]),
    ("job 3904817152", "lexical", "postings", "lexical", ["3904817152"]),
    ("posting #3887473074", "lexical", "postings", "lexical", ["3887473074"]),
    ("profile m003950", "lexical", "profiles", "lexical", ["m003950"]),
    ('"kubernetes operator" jobs', "jobs", "postings", "lexical", ["kubernetes operator"]),
    ("Staff Software Engineer at Stripe", "jobs", "postings", "lexical", ["Staff Software Engineer at Stripe"]),
    ("software engineer jobs at Stripe in Seattle", "jobs", "postings", "semantic", []),
])
def test_intent_and_router(engine, text, intent, target, route, terms):
    q = engine.parse(text)
    assert (q.intent.value, q.target.value, q.route.value, q.lexical_terms) == (intent, target, route, terms)


# --------------------------------------------------------------------------------------------
# Network phrases and expansion


@pytest.mark.parametrize(("text", "degree", "companies"), [
    ("my connections at Google", 1, False),
    ("people I'm connected with in Denver", 1, False),
    ("2nd degree connections who work in fintech", 2, False),
    ("friends of friends who are product managers", 2, False),
    ("people I can reach in Boston", 2, False),
    ("anyone in my network who knows react", 3, False),
    ("jobs where a friend of mine works", 1, True),
    ("nursing jobs at places where someone can introduce me", 2, True),
    ("roles at companies my connections work at", 1, True),
    ("nurse jobs in boston", None, False),
])
def test_network_phrases(engine, text, degree, companies):
    found = network_phrases(text)
    assert (found.max_degree, found.connections_companies) == (degree, companies)
    q = engine.parse(text, member_id="m000001")
    assert (q.network.max_degree, q.network.connections_companies) == (degree, companies)
    if found.spans:  # the phrase never leaks into titles or keywords
        assert "friend" not in q.soft_text and "connect" not in q.soft_text.lower()


def test_network_expansion_on_a_small_graph():
    # a - b - c - d - e, and a - f; employers on b, f, c
    edges = pd.DataFrame({"src": ["a", "b", "c", "d", "a"], "dst": ["b", "c", "d", "e", "f"]})
    expander = NetworkExpander(edges, {"b": "acme", "f": "globex", "c": "initech", "a": None}, cache_size=2)
    assert expander.degrees("a") == {"b": 1, "f": 1, "c": 2, "d": 3}
    assert expander.connections_companies("a") == {"acme", "globex"}
    assert expander.degrees("e") == {"d": 1, "c": 2, "b": 3}
    expander.degrees("c")
    assert expander.cached_searchers() == 2  # bounded: the least recently used searcher was dropped
    assert expander.degrees("zz") == {} and not expander.knows("zz")


# --------------------------------------------------------------------------------------------
# Lexical search with filters, and fusion


def test_lexical_search_with_the_index_filters(tmp_path):
    import lancedb

    from jobsearch.retrieval.flat_index import Filters
    from jobsearch.retrieval.lexical import LexicalTable

    db = lancedb.connect(str(tmp_path / "lance"))
    texts = ["Senior Software Engineer Stripe Seattle kubernetes", "Registered Nurse ICU Boston",
             "Kubernetes operator engineer remote", "Data scientist kubernetes pipelines", "Cashier part time"]
    columns = pd.DataFrame({"geo_id": [1, 2, 3, -1, 3], "salary": [200e3, np.nan, 150e3, 90e3, 30e3],
                            "remote": np.array([0, 0, 1, -1, 0], dtype=np.int8)})
    table = LexicalTable.build(db, "posting_lexical", "posting_id", list("abcde"), texts, columns)
    assert table.count() == 5
    ids = [i for i, _ in table.search("kubernetes", k=10)]
    assert set(ids) == {"a", "c", "d"}
    assert [i for i, _ in table.search("kubernetes", k=10, filters=Filters(min_salary=100e3))] in (["a", "c"], ["c", "a"])
    assert [i for i, _ in table.search("kubernetes", k=10, filters=Filters(geo_in={3}, remote=True))] == ["c"]
    assert [i for i, _ in table.search("kubernetes", k=10, filters=Filters(geo_not_in={1, 3}))] == ["d"]
    assert [i for i, _ in table.search("", k=10, phrases=["operator engineer"])] == ["c"]
    assert table.search("", k=10, phrases=["engineer operator"]) == []
    assert table.search("zebra", k=10) == []
    reopened = LexicalTable(lancedb.connect(str(tmp_path / "lance")), "posting_lexical", "posting_id")
    assert reopened.search("nurse icu", k=3)[0][0] == "b"


def test_filters_sql_matches_the_flat_index_semantics():
    from jobsearch.retrieval.flat_index import Filters, numpy_filter_mask, normalize_columns
    from jobsearch.retrieval.lexical import filters_sql

    rng = np.random.default_rng(0)
    n = 200
    columns = normalize_columns({"geo_id": rng.integers(-1, 5, n), "company_id": rng.integers(-1, 5, n),
                                 "seniority": rng.integers(-1, 6, n), "remote": rng.integers(-1, 2, n),
                                 "salary": np.where(rng.random(n) < 0.3, np.nan, rng.random(n) * 2e5),
                                 "listed_at": rng.integers(-1, 100, n)}, n)
    frame = pd.DataFrame(columns)
    import duckdb

    for filters in (Filters(geo_in={1, 2}), Filters(company_not_in={3}), Filters(min_salary=1e5, remote=True),
                    Filters(seniority_in={2, 3}, listed_after=50), Filters(geo_in=set())):
        expected = numpy_filter_mask(columns, filters)
        got = duckdb.sql(f"SELECT ({filters_sql(filters)}) AS keep FROM frame").df()["keep"].fillna(False).to_numpy()
        assert (got == expected).all(), filters


def test_reciprocal_rank_fusion():
    from jobsearch.retrieval.lexical import RRF_K, reciprocal_rank_fusion

    fused = reciprocal_rank_fusion(["a", "b", "c"], ["c", "d"])
    assert [d for d, _ in fused] == ["c", "a", "b", "d"]
    assert fused[0][1] == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    assert reciprocal_rank_fusion(["a"], [], limit=0) == []


# --------------------------------------------------------------------------------------------
# People search: relevance against network distance


def test_people_ordering_weighs_relevance_against_distance(engine):
    from jobsearch.labels.policy import load_policy
    from jobsearch.query.people import PeopleRanker

    ranker = PeopleRanker(load_policy("policies/people_search.md"), weight=0.3)
    query = engine.parse("data engineers in Seattle who know kafka", member_id="me")
    seattle = query.places[0]
    code = query.occupation.onet_codes[0]

    def member(mid, onet, city, skills):
        return {"member_id": mid, "current_title": "Data Engineer" if onet == code else "Cashier", "onet_code": onet,
                "skills": skills, "headline": "", "summary": "", "city_id": city, "metro_id": seattle.metro_id if city else None,
                "state_code": "WA" if city else "TX", "seniority": "MID_SENIOR", "current_company_name": "Acme"}

    members = pd.DataFrame([
        member("equal_first", code, seattle.id, ["Kafka"]),
        member("equal_third", code, seattle.id, ["Kafka"]),
        member("expert_third", code, seattle.id, ["Kafka", "Spark"]),
        member("weak_first", "41-2011.00", None, []),
    ])
    cosines = [0.5, 0.5, 0.6, 0.1]
    ranked = ranker.rank(query, members, cosines, {"equal_first": 1, "equal_third": 3, "expert_third": 3, "weak_first": 1})
    order = [m.member_id for m in ranked]
    assert order.index("equal_first") < order.index("equal_third")  # same relevance: the 1st-degree wins
    assert order.index("expert_third") < order.index("weak_first")  # far more relevant 3rd-degree beats a weak 1st
    top = ranked[0]
    assert top.degree in (1, 3) and any("degree" in r for r in top.reasons) and any("Seattle" in r for r in top.reasons)
    reach = engine.parse("data engineers in Seattle I'm connected with", member_id="me")
    capped = {m.member_id: m for m in ranker.rank(reach, members, cosines, {"equal_first": 1, "equal_third": 3,
                                                                            "expert_third": 3, "weak_first": 1})}
    assert capped["equal_third"].utility < capped["equal_first"].utility - 0.2  # policy cap: grade 2 at most


# --------------------------------------------------------------------------------------------
# The labelled parse set


def test_labelled_parse_set_and_the_rule_engine_on_it(engine):
    from pathlib import Path

    from jobsearch.query.scoring import load_parse_set, score_parses

    rows = load_parse_set(Path(__file__).parent / "data")
    assert len(rows) >= 250 and len({r["id"] for r in rows}) == len(rows)
    assert {r["source"] for r in rows} == {"model-annotator"}
    assert {r["intent"] for r in rows} == {"jobs", "people", "lexical"}
    report = score_parses(rows, [engine.parse(r["text"]) for r in rows])
    # floors a regression would break (the measured values are in the README)
    assert report["accuracy"]["intent"] >= 0.93 and report["accuracy"]["route"] >= 0.95
    assert report["micro"]["f1"] >= 0.85
    assert report["fields"]["min_pay_usd"]["f1"] >= 0.95 and report["fields"]["remote_mode"]["f1"] >= 0.95


# --------------------------------------------------------------------------------------------
# The search path: parse -> filters -> flat / lexical / hybrid -> people utility


def _postings_frame():
    from jobsearch.retrieval.documents import filter_columns

    rows = [
        ("li-1", "Senior Software Engineer", "Stripe", "41860", "MID_SENIOR", "FULL_TIME", True, 210e3),
        ("li-2", "Software Engineer", "Acme Staffing Solutions", "41860", "MID_SENIOR", "FULL_TIME", False, 180e3),
        ("li-3", "Registered Nurse ICU", "Mass General", "14460", "ENTRY", "FULL_TIME", False, 95e3),
        ("li-4", "Backend Software Engineer Kubernetes", "Globex", "42660", "MID_SENIOR", "CONTRACT", True, 160e3),
        ("li-5", "Cashier", "Walmart", "41860", "ENTRY", "PART_TIME", False, 30e3),
        ("li-3904817152", "Software Engineer Intern", "Stripe", "42660", "INTERNSHIP", "INTERNSHIP", False, np.nan),
    ]
    frame = pd.DataFrame(rows, columns=["posting_id", "title", "company_name", "metro_id", "seniority", "work_type",
                                        "remote", "salary_med_usd"])
    frame["company_id"] = frame["company_name"].str.lower().str.replace(" ", "-")
    frame["industry"] = "x"
    frame["listed_at"] = pd.Timestamp("2024-04-15")
    frame["expires_at"] = pd.Timestamp("2024-05-15")
    return frame, filter_columns(frame)


def test_search_path_filters_routes_and_fuses(engine, tmp_path):
    import lancedb

    from jobsearch.query.search import EmployerIds, Searcher
    from jobsearch.retrieval.embeddings import Embedder, stable_id
    from jobsearch.retrieval.flat_index import FlatIndex
    from jobsearch.retrieval.lexical import LexicalTable

    frame, columns = _postings_frame()
    embedder = Embedder.from_base("all-minilm-l6-v2")
    texts = (frame["title"] + " at " + frame["company_name"]).tolist()
    keys = np.array([stable_id(p) for p in frame["posting_id"]])
    index = FlatIndex.from_arrays(keys, embedder.items(texts), {c: columns[c].to_numpy() for c in columns})
    lexical = LexicalTable.build(lancedb.connect(str(tmp_path)), "posting_lexical", "posting_id",
                                 frame["posting_id"].tolist(), texts, columns)
    from jobsearch.corpus.companies import normalize_company

    employers = EmployerIds.from_table(pd.DataFrame({
        "company_id": frame["company_id"], "normalized": frame["company_name"].map(normalize_company),
        "employer_class": ["staffing" if "Staffing" in n else "direct" for n in frame["company_name"]]}))
    searcher = Searcher(engine, embedder.queries, index, dict(zip(keys.tolist(), frame["posting_id"])),
                        datetime(2024, 4, 20), lexical=lexical, employers=employers)

    found = searcher.search("software engineer jobs in San Francisco, no staffing agencies", k=10)
    # SF metro and no staffing agency are strict; the occupation ranks (the index has no occupation column)
    assert found.route == "semantic" and [h.id for h in found.hits] == ["li-1", "li-5"]
    remote = searcher.search("remote software engineer jobs", k=10)
    assert {h.id for h in remote.hits} <= {"li-1", "li-4"} and remote.hits
    quoted = searcher.search('"kubernetes" jobs', k=10)
    assert quoted.route == "lexical" and [h.id for h in quoted.hits] == ["li-4"]
    hybrid = searcher.search("software engineer", k=10, mode="hybrid")
    assert hybrid.route == "hybrid" and any(set(h.sources) == {"lexical", "semantic"} for h in hybrid.hits)
    assert [h.id for h in searcher.search("job 3904817152", k=3).hits] == ["li-3904817152"]  # an id: the item
    not_stripe = searcher.search("software engineer jobs not at Stripe", k=10)
    assert not {"li-1", "li-3904817152"} & {h.id for h in not_stripe.hits} and not_stripe.hits
    assert set(found.timings_ms) >= {"parse", "semantic"}
    with pytest.raises(ValueError, match="mode"):
        searcher.search("nurse", mode="fuzzy")


def test_people_search_path_reports_degree_and_reasons(engine):
    from jobsearch.labels.policy import load_policy
    from jobsearch.query.people import PeopleRanker
    from jobsearch.query.search import Searcher
    from jobsearch.retrieval.documents import profile_filter_columns, profile_text
    from jobsearch.retrieval.embeddings import Embedder, stable_id
    from jobsearch.retrieval.flat_index import FlatIndex

    seattle = engine.parse("data engineers in Seattle").places[0]
    code = engine.parse("data engineers in Seattle").occupation.onet_codes[0]
    people = pd.DataFrame([
        {"member_id": "me", "name": "Searcher One", "current_title": "Analyst", "onet_code": "13-2051.00"},
        {"member_id": "m1", "name": "Ana Diaz", "current_title": "Data Engineer", "onet_code": code},
        {"member_id": "m2", "name": "Bo Chen", "current_title": "Data Engineer", "onet_code": code},
        {"member_id": "m3", "name": "Cy Park", "current_title": "Cashier", "onet_code": "41-2011.00"},
    ]).assign(headline=lambda f: f["current_title"], summary="", skills=[[] for _ in range(4)], seniority="MID_SENIOR",
              current_company_id="acme", current_company_name="Acme", industry="x", city_id=seattle.id,
              metro_id=seattle.metro_id, state_code="WA", open_to_remote=False, desired_salary_usd=np.nan)
    embedder = Embedder.from_base("all-minilm-l6-v2")
    columns = profile_filter_columns(people)
    keys = np.array([stable_id(m) for m in people["member_id"]])
    index = FlatIndex.from_arrays(keys, embedder.items([profile_text(m) for m in people.to_dict("records")]),
                                  {c: columns[c].to_numpy() for c in columns})
    edges = pd.DataFrame({"src": ["me", "m1", "me"], "dst": ["m1", "m2", "m3"]})  # m1: 1st, m2: 2nd, m3: 1st
    searcher = Searcher(engine, embedder.queries, index, dict(zip(keys.tolist(), people["member_id"])),
                        datetime(2024, 4, 20), network=NetworkExpander(edges, {}),
                        profiles=people, people=PeopleRanker(load_policy("policies/people_search.md"), weight=0.3))
    result = searcher.search("data engineers in Seattle", member_id="me", k=5)
    assert result.query.intent is Intent.PEOPLE and "people" in result.timings_ms
    order = [h.id for h in result.hits]
    assert "me" not in order and order.index("m2") < order.index("m3") and order.index("m1") < order.index("m3")
    by_id = {h.id: h for h in result.hits}
    assert (by_id["m1"].degree, by_id["m2"].degree, by_id["m3"].degree) == (1, 2, 1)
    assert any("works as Data Engineer" in r for r in by_id["m1"].reasons)
