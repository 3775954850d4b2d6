"""job/profile embeddings (LanceDB, incremental) and their published flat indexes, materialized for real on the
tiny profile with the off-the-shelf base (the fine-tuned retrieval_model path runs in test_labels_assets)."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import numpy as np

import definitions
from jobsearch.retrieval.embeddings import stable_id
from jobsearch.retrieval.flat_index import FlatIndex, Filters
from jobsearch.retrieval.vector_table import table_model

SELECTION = dg.AssetSelection.assets("job_search_policy", "job_embeddings", "job_index", "profile_embeddings",
                                     "profile_index")
BASE = {"config": {"model": "all-minilm-l6-v2"}}


def _run(resources):
    with dg.DagsterInstance.get() as instance:
        return dg.materialize([*definitions.all_assets, *definitions.all_checks], resources=resources,
                              instance=instance, selection=SELECTION, raise_on_error=False,
                              run_config=dg.RunConfig(ops={"job_embeddings": BASE, "profile_embeddings": BASE}))


def _meta(result, key):
    events = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == key]
    return {k: v.value for k, v in events[0].event_specific_data.materialization.metadata.items()}


def test_embeddings_are_incremental_and_the_index_is_exact(corpus_run, tmp_path):
    _, shared = corpus_run
    home = tmp_path / "platform"
    home.mkdir()
    shutil.copy(shared["warehouse"].path, home / "warehouse.duckdb")  # this test edits postings
    resources = definitions.build_resources(home, "tiny")

    first = _run(resources)
    assert first.success
    checks = {e.check_name: e for e in first.get_asset_check_evaluations()}
    assert checks["job_embeddings_valid"].passed and checks["job_index_exact"].passed, checks["job_index_exact"].description
    assert _meta(first, "job_embeddings")["embedded"] == 400
    assert _meta(first, "job_embeddings")["model"] == "all-minilm-l6-v2@64"
    assert table_model(resources["vectors"].connect(), "job_embeddings") == "all-minilm-l6-v2@64"
    assert checks["profile_embeddings_valid"].passed and checks["profile_index_exact"].passed
    assert _meta(first, "profile_embeddings")["embedded"] == 300

    people = FlatIndex.load(home / "index" / "profiles")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        members = con.execute("SELECT * FROM member_profiles ORDER BY member_id LIMIT 300").df()
    metro = members["metro_id"].dropna().value_counts().index[0]
    in_metro = {stable_id(m) for m in members.loc[members["metro_id"] == metro, "member_id"]}
    found, _ = people.search(people.vectors_numpy()[:1], 300, Filters(geo_in={stable_id(metro)}))
    assert set(found[found != -1].tolist()) == in_metro  # k covers everyone: exactly the members in the metro

    index = FlatIndex.load(home / "index" / "jobs")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        postings = con.execute("SELECT * FROM postings ORDER BY posting_id LIMIT 400").df()
    remote_ids = {stable_id(p) for p in postings.loc[postings["remote"] == True, "posting_id"]}  # noqa: E712
    query = index.vectors_numpy()[:1]
    found, _ = index.search(query, 10, Filters(remote=True))
    assert set(found[found != -1].tolist()) <= remote_ids and (found != -1).sum() == min(10, len(remote_ids))

    # a posting disappears and another is edited: one embedded, two deleted (the edited one's old row too)
    gone, edited = postings["posting_id"].iloc[0], postings["posting_id"].iloc[1]
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("DELETE FROM postings WHERE posting_id = ?", [gone])
        con.execute("UPDATE postings SET title = 'Underwater Basket Weaver' WHERE posting_id = ?", [edited])
    second = _run(resources)
    assert second.success
    meta = _meta(second, "job_embeddings")
    assert (meta["embedded"], meta["deleted"], meta["dagster/row_count"]) == (2, 2, 400)  # 401st posting moves in
    again = FlatIndex.load(home / "index" / "jobs")
    assert stable_id(gone) not in set(again.ids_numpy().tolist())
    assert _meta(second, "job_index")["version"] == "v000002"
    vectors = dict(zip(again.ids_numpy().tolist(), again.vectors_numpy()))
    old = dict(zip(index.ids_numpy().tolist(), index.vectors_numpy()))
    assert not np.allclose(vectors[stable_id(edited)], old[stable_id(edited)])
    unchanged = postings["posting_id"].iloc[5]
    assert np.array_equal(vectors[stable_id(unchanged)], old[stable_id(unchanged)])
