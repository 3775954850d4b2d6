"""BM25 ranks by term overlap; seed queries use facts their source posting really has."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobsearch.retrieval.lexical import BM25Index
from jobsearch.labels.synthetic import candidate_pairs, seed_queries, short_title


def test_bm25_prefers_rare_matching_terms():
    docs = ["registered nurse icu nights", "software engineer python", "nurse practitioner clinic",
            "python data engineer spark"]
    index = BM25Index.build(docs)
    top, scores = index.search(["python engineer", "icu nurse"], k=2)
    assert set(top[0]) == {1, 3} and top[1][0] == 0
    assert (np.diff(scores, axis=1) <= 0).all()


def test_short_title_strips_levels_and_qualifiers():
    assert short_title("Senior Software Engineer - Payments (Remote)") == "software engineer"
    assert short_title("Registered Nurse II") == "registered nurse"


def _postings():
    return pd.DataFrame([
        dict(posting_id=f"li-{i}", title=t, city_name="Seattle", state_code="WA", metro_name="Seattle-Tacoma, WA",
             remote=i % 2 == 0, salary_med_usd=float(100_000 + i), company_name="Acme", seniority="MID_SENIOR",
             skills=["Python", "SQL", "AWS"], description_generated=False, listed_at=pd.Timestamp("2024-04-10"))
        for i, t in enumerate(["Data Engineer", "Registered Nurse", "Accountant", "Welder"] * 5)
    ])


def test_seed_queries_cover_types_and_name_their_source():
    postings = _postings()
    seeds = seed_queries(postings, pd.DataFrame(), n=40, seed=1)
    types = {s.query_type for s in seeds}
    assert {"title", "title_location", "skill", "remote", "pay", "company", "seniority", "recency"} <= types
    by_id = postings.set_index("posting_id")
    for s in seeds:
        title = short_title(by_id.loc[s.posting_id, "title"])
        assert title in s.text
        if s.query_type == "remote":
            assert by_id.loc[s.posting_id, "remote"]


def test_candidate_pairs_mix_source_lexical_random():
    postings = _postings()
    queries = pd.DataFrame({"query_id": ["q1"], "query": ["data engineer jobs"], "posting_id": ["li-0"]})
    index = BM25Index.build(postings["title"].tolist())
    pairs = candidate_pairs(queries, postings, index.search, hard_negatives=3, random_negatives=2, seed=0)
    assert pairs.iloc[0]["candidate_kind"] == "source" and pairs.iloc[0]["posting_id"] == "li-0"
    assert not pairs.duplicated(["query_id", "posting_id"]).any()
    assert set(pairs["candidate_kind"]) <= {"source", "lexical", "random"} and len(pairs) <= 6


def test_llm_chatter_is_not_a_query():
    from jobsearch.labels.synthetic import plausible_query

    seed = "sales associate jobs"
    assert plausible_query("retail sales associate openings near me", seed)
    assert not plausible_query("Here is a rewritten job search for a sales associate", seed)
    assert not plausible_query("Sales Associate Job Search: re-writing this job search", seed)
    assert not plausible_query("sales associate jobs", seed)  # the seed verbatim is not a rewrite
    assert not plausible_query("jobs", seed)
    assert not plausible_query("To find the perfect internship, I recommend you visit [insert image]", seed)
