"""Materialize the corpus group for real on a tiny slice: temp DAGSTER_HOME, temp DuckDB file."""

from __future__ import annotations

import csv

import dagster as dg
import duckdb
import pytest

import definitions
from resources import Scale, SourceFiles


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def _checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


@pytest.fixture(scope="module")
def tiny_run(corpus_run):
    return corpus_run


def test_corpus_group_materializes_and_every_check_passes(tiny_run):
    result, resources = tiny_run
    assert result.success
    assert _materialized(result) == {
        "geo", "occupations", "raw_postings", "posting_rejects", "postings",
        "member_profiles", "member_graph", "interactions",
    }
    failed = {name: e.description for name, e in _checks(result).items() if not e.passed}
    assert failed == {}
    assert set(_checks(result)) == {
        "raw_postings_accounted", "rejects_explained", "postings_valid", "geo_valid", "occupations_valid",
        "member_profiles_valid", "member_graph_valid", "interactions_valid",
    }


def test_tables_hold_what_metadata_says(tiny_run):
    result, resources = tiny_run
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        raw = con.execute("SELECT count(*) FROM raw_postings").fetchone()[0]
        rejected = con.execute("SELECT count(*) FROM posting_rejects").fetchone()[0]
        rows_in = con.execute("SELECT sum(rows_in) FROM ingest_counts").fetchone()[0]
        postings = con.execute("SELECT count(*) FROM postings").fetchone()[0]
        generated = con.execute("SELECT count(*) FROM postings WHERE description_generated").fetchone()[0]
        members = con.execute("SELECT count(*) FROM member_profiles").fetchone()[0]
        edges = con.execute("SELECT count(*) FROM member_graph").fetchone()[0]
    assert rows_in == raw + rejected
    assert postings == raw
    assert generated > 0  # the 2023 structured rows have no description
    assert members == 5000 and edges >= 50_000
    by_key = {e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
              for e in result.get_asset_materialization_events()}
    assert by_key["postings"]["dagster/row_count"].value == postings
    assert by_key["member_profiles"]["simulated"].value is True
    assert by_key["postings"]["metro_coverage"].value >= 0.8


def test_planted_bad_batch_is_quarantined_and_blocks_downstream(tmp_path, instance):
    landing = tmp_path / "landing"
    landing.mkdir()
    header = ["job_id", "title", "company_name", "location", "min_salary", "max_salary", "pay_period"]
    with (landing / "bad_batch.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow([99000001, "", "Acme", "Seattle, WA", "", "", ""])                       # no title
        writer.writerow([99000002, "Nurse", "Acme", "Seattle, WA", "90000", "80000", "YEARLY"])  # min > max
        # valid rows nobody can place on a map: metro coverage falls below the blocking threshold
        for i in range(1500):
            writer.writerow([99100000 + i, "Welder", "Acme", "Atlantis Undersea Colony", "", "", ""])
    resources = definitions.build_resources(tmp_path / "data", "tiny")
    resources["sources"] = SourceFiles(landing_dir=str(landing))
    resources["scale"] = Scale(profile="tiny", linkedin_2024_limit=80, linkedin_2024_remote_limit=20,
                               glassdoor_limit=60, linkedin_2023_limit=400, members=300, connections=3000,
                               sessions=300)
    result = dg.materialize([*definitions.all_assets, *definitions.all_checks], resources=resources,
                            instance=instance, raise_on_error=False,
                            selection=dg.AssetSelection.groups("corpus"))
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        rejects = con.execute(
            "SELECT source_file, source_row, field, reason FROM posting_rejects WHERE source = 'landing:bad_batch.csv' "
            "ORDER BY source_row").fetchall()
    assert [(r[0].endswith("bad_batch.csv"), r[1], r[2]) for r in rejects] == [(True, 1, "title"), (True, 2, "min_salary")]
    checks = _checks(result)
    assert checks["raw_postings_accounted"].passed
    assert not checks["postings_valid"].passed
    assert "metro_id" in checks["postings_valid"].description
    materialized = _materialized(result)
    assert "postings" in materialized
    assert not materialized & {"member_profiles", "member_graph", "interactions"}
