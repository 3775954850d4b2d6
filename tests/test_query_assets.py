"""The query engine's serving tables, lexical indexes and the people-search evaluation, materialized for
real on the tiny profile (DuckDB + LanceDB files, in-process Dagster) over the shared corpus run."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import lancedb

import definitions
from jobsearch.retrieval.flat_index import Filters
from jobsearch.retrieval.lexical import LexicalTable

BASE = {"config": {"model": "all-minilm-l6-v2"}}
SELECTION = dg.AssetSelection.assets(
    "job_search_policy", "people_search_policy", "golden_sets", "job_embeddings", "profile_embeddings",
    "employer_classes", "occupation_metro_pay", "member_network", "lexical_indexes", "people_search_eval")


def test_query_engine_assets(corpus_run, tmp_path):
    _, shared = corpus_run
    home = tmp_path / "platform"
    home.mkdir()
    shutil.copy(shared["warehouse"].path, home / "warehouse.duckdb")
    resources = definitions.build_resources(home, "tiny")
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize([*definitions.all_assets, *definitions.all_checks], resources=resources,
                                instance=instance, selection=SELECTION, raise_on_error=False,
                                run_config=dg.RunConfig(ops={"job_embeddings": BASE, "profile_embeddings": BASE}))
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    for name in ("lexical_indexes_answer", "occupation_metro_pay_valid", "member_network_valid"):
        assert checks[name].passed, (name, checks[name].metadata)
    assert "people_search_beats_single_signals" in checks  # WARN: a measured target

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        classes = con.execute("SELECT * FROM employer_classes").df()
        pay = con.execute("SELECT * FROM occupation_metro_pay").df()
        network = con.execute("SELECT * FROM member_network").df()
        edges = con.execute("SELECT count(*) FROM member_graph").fetchone()[0]
        table = con.execute("SELECT * FROM people_search_eval").df().set_index("ordering")
        claims = con.execute("SELECT * FROM people_search_claims").df()
        weights = con.execute("SELECT * FROM people_search_weights").df()
        postings = con.execute("SELECT * FROM postings ORDER BY posting_id LIMIT 400").df()
    assert set(classes["employer_class"]) <= {"staffing", "direct"} and classes["postings"].sum() > 0
    assert pay["median_usd"].between(15_000, 1_000_000).all() and pay["metro_id"].isna().any()
    assert network["connections"].sum() == 2 * edges

    # people search: four orderings on the test split with intervals; three paired claims; a weight from dev
    assert sorted(table.index) == ["distance_only", "random", "relevance_only", "utility"]
    assert (table["queries"] > 20).all() and table["ndcg@10"].between(0, 1).all()
    assert ((table["ci_low"] <= table["ndcg@10"]) & (table["ndcg@10"] <= table["ci_high"])).all()
    assert len(claims) == 3 and claims["p_value"].between(0, 1).all()
    assert weights["chosen_on"].item() == "dev" and 0 <= weights["network_weight"].item() <= 1
    assert table.loc["relevance_only", "ndcg@10"] > table.loc["random", "ndcg@10"]  # relevance carries signal

    # lexical search over the posting index obeys the flat index's filters
    db = lancedb.connect(str(home / "lancedb"))
    lexical = LexicalTable(db, "posting_lexical", "posting_id")
    target = postings.iloc[5]
    hits = [i for i, _ in lexical.search(f"{target['title']} {target['company_name']}", k=10)]
    assert target["posting_id"] in hits
    remote = set(postings.loc[postings["remote"] == True, "posting_id"])  # noqa: E712
    filtered = [i for i, _ in lexical.search("manager", k=50, filters=Filters(remote=True))]
    assert filtered and set(filtered) <= remote
