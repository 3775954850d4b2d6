"""Data-quality checks on the corpus group: great-expectations 1.x suites inside `@asset_check`s.

Checks that protect downstream stages are `blocking=True`: when one fails, the assets that depend
on the checked asset are not materialized in that run.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from jobsearch.corpus.quality import SuiteReport, run_suite
from jobsearch.corpus.schemas import SALARY_CEILING_USD, SALARY_FLOOR_USD, Seniority, WorkType
from resources import Warehouse

MIN_METRO_COVERAGE = 0.80

REQUIRED_ALIASES = ["bay area", "silicon valley", "nyc", "dfw", "new york metro area", "greater seattle area"]


def _result(report: SuiteReport, **extra) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=report.success,
        description=report.summary(),
        metadata={"rows": report.rows, "expectations": dg.MetadataValue.md(report.markdown()), **extra},
    )


@dg.asset_check(asset="raw_postings", blocking=True,
                description="Rows in = accepted + rejected for every source; ids unique; required text present.")
def raw_postings_accounted(warehouse: Warehouse) -> dg.AssetCheckResult:
    counts = warehouse.read_table("ingest_counts")
    stored = warehouse.query(
        "SELECT source, count(*) AS n FROM raw_postings GROUP BY source"
    ).set_index("source")["n"]
    rejected = warehouse.query(
        "SELECT source, count(*) AS n FROM posting_rejects GROUP BY source"
    ).set_index("source")["n"]
    problems = []
    for row in counts.itertuples():
        accepted, quarantined = int(stored.get(row.source, 0)), int(rejected.get(row.source, 0))
        if accepted != row.accepted or quarantined != row.rejected or row.rows_in != accepted + quarantined:
            problems.append(f"{row.source}: rows_in {row.rows_in} != stored {accepted} + rejected {quarantined}")
    report = run_suite(warehouse.read_table("raw_postings", ["posting_id", "title", "location"]), "raw_postings",
                       lambda E: [
                           E.ExpectColumnValuesToBeUnique(column="posting_id"),
                           E.ExpectColumnValuesToNotBeNull(column="title"),
                           E.ExpectColumnValueLengthsToBeBetween(column="title", min_value=1),
                           E.ExpectColumnValueLengthsToBeBetween(column="location", min_value=1),
                       ])
    passed = report.success and not problems
    return dg.AssetCheckResult(
        passed=passed,
        description="; ".join(problems) or report.summary(),
        metadata={"accounting_problems": len(problems), "expectations": dg.MetadataValue.md(report.markdown())},
    )


@dg.asset_check(asset="posting_rejects", blocking=False,
                description="Every reject names its file, row, field and reason.")
def rejects_explained(warehouse: Warehouse) -> dg.AssetCheckResult:
    rejects = warehouse.read_table("posting_rejects")
    report = run_suite(rejects, "posting_rejects", lambda E: [
        E.ExpectColumnValuesToNotBeNull(column=c) for c in ("source_file", "source_row", "field", "reason")
    ] + [E.ExpectColumnValuesToBeBetween(column="source_row", min_value=1)])
    return _result(report)


@dg.asset_check(asset="postings", blocking=True,
                description="Ids unique, titles non-empty, salary min <= max within sane yearly bounds, "
                f"enums valid, >= {MIN_METRO_COVERAGE:.0%} of postings resolved to a metro.")
def postings_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    frame = warehouse.read_table("postings")
    report = run_suite(frame.drop(columns=["skills"]), "postings", lambda E: [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectColumnValuesToBeUnique(column="posting_id"),
        E.ExpectColumnValuesToNotBeNull(column="posting_id"),
        E.ExpectColumnValueLengthsToBeBetween(column="title", min_value=1),
        E.ExpectColumnValueLengthsToBeBetween(column="description", min_value=1),
        E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="salary_max_usd", column_B="salary_min_usd", or_equal=True,
            ignore_row_if="either_value_is_missing"),
        *[E.ExpectColumnValuesToBeBetween(column=f"salary_{k}_usd", min_value=SALARY_FLOOR_USD,
                                          max_value=SALARY_CEILING_USD) for k in ("min", "med", "max")],
        E.ExpectColumnValuesToBeInSet(column="seniority", value_set=[s.value for s in Seniority]),
        E.ExpectColumnValuesToBeInSet(column="work_type", value_set=[w.value for w in WorkType]),
        E.ExpectColumnValuesToNotBeNull(column="metro_id", mostly=MIN_METRO_COVERAGE),
    ])
    return _result(report, metro_coverage=round(float(frame["metro_id"].notna().mean()), 4))


@dg.asset_check(asset="geo", blocking=True, description="Ids unique; the aliases people type are present.")
def geo_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    cities = warehouse.read_table("geo_cities")
    metros = warehouse.read_table("geo_metros")
    aliases = warehouse.read_table("geo_aliases")
    reports = [
        run_suite(cities, "geo_cities", lambda E: [
            E.ExpectColumnValuesToBeUnique(column="city_id"),
            E.ExpectColumnValuesToNotBeNull(column="state_code"),
            E.ExpectColumnValuesToNotBeNull(column="metro_id", mostly=0.5),
        ]),
        run_suite(metros, "geo_metros", lambda E: [
            E.ExpectColumnValuesToBeUnique(column="metro_id"),
            E.ExpectColumnValueLengthsToEqual(column="metro_id", value=5),
        ]),
        run_suite(aliases, "geo_aliases", lambda E: [
            E.ExpectColumnDistinctValuesToContainSet(column="alias", value_set=REQUIRED_ALIASES),
            E.ExpectColumnValuesToBeInSet(column="kind", value_set=["city", "metro", "state"]),
        ]),
    ]
    return _combined(reports)


@dg.asset_check(asset="occupations", blocking=True, description="O*NET codes unique; job zones 1-5.")
def occupations_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    occ = warehouse.read_table("occupations")
    titles = warehouse.read_table("occupation_titles")
    reports = [
        run_suite(occ, "occupations", lambda E: [
            E.ExpectTableRowCountToBeBetween(min_value=900),
            E.ExpectColumnValuesToBeUnique(column="onet_code"),
            E.ExpectColumnValuesToMatchRegex(column="onet_code", regex=r"^\d{2}-\d{4}\.\d{2}$"),
            E.ExpectColumnValuesToBeBetween(column="job_zone", min_value=1, max_value=5),
        ]),
        run_suite(titles, "occupation_titles", lambda E: [
            E.ExpectColumnValuesToBeInSet(column="onet_code", value_set=occ["onet_code"].tolist()),
            E.ExpectColumnValuesToNotBeNull(column="title"),
        ]),
    ]
    return _combined(reports)


@dg.asset_check(asset="member_profiles", blocking=True,
                description="Member ids unique; occupations and metros exist in the reference tables.")
def member_profiles_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    profiles = warehouse.read_table("member_profiles")
    codes = warehouse.read_table("occupations", ["onet_code"])["onet_code"].tolist()
    metros = warehouse.read_table("geo_metros", ["metro_id"])["metro_id"].tolist()
    report = run_suite(profiles.drop(columns=["skills"]), "member_profiles", lambda E: [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectColumnValuesToBeUnique(column="member_id"),
        E.ExpectColumnValuesToBeInSet(column="onet_code", value_set=codes),
        E.ExpectColumnValuesToBeInSet(column="metro_id", value_set=metros),
        E.ExpectColumnValuesToBeInSet(column="seniority", value_set=[s.value for s in Seniority]),
    ])
    return _result(report)


@dg.asset_check(asset="member_graph", blocking=True,
                description="Edges reference existing members, stored once (src < dst), no duplicates.")
def member_graph_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    edges = warehouse.read_table("member_graph")
    members = warehouse.read_table("member_profiles", ["member_id"])["member_id"].tolist()
    report = run_suite(edges, "member_graph", lambda E: [
        E.ExpectColumnValuesToBeInSet(column="src", value_set=members),
        E.ExpectColumnValuesToBeInSet(column="dst", value_set=members),
        E.ExpectColumnPairValuesAToBeGreaterThanB(column_A="dst", column_B="src"),
        E.ExpectCompoundColumnsToBeUnique(column_list=["src", "dst"]),
    ])
    return _result(report)


@dg.asset_check(asset="interactions", blocking=True,
                description="Events reference existing members and postings; apply => click => impression.")
def interactions_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    events = warehouse.read_table("interactions")
    members = warehouse.read_table("member_profiles", ["member_id"])["member_id"].tolist()
    postings = warehouse.read_table("postings", ["posting_id"])["posting_id"].tolist()
    report = run_suite(events, "interactions", lambda E: [
        E.ExpectColumnValuesToBeInSet(column="member_id", value_set=members),
        E.ExpectColumnValuesToBeInSet(column="posting_id", value_set=postings),
        E.ExpectColumnValuesToBeInSet(column="event", value_set=["impression", "click", "apply"]),
    ])
    orphans = _funnel_orphans(events)
    return _result(report, funnel_orphans=orphans) if orphans == 0 else dg.AssetCheckResult(
        passed=False,
        description=f"{orphans} clicks/applies without the preceding impression/click; " + report.summary(),
        metadata={"funnel_orphans": orphans, "expectations": dg.MetadataValue.md(report.markdown())},
    )


def _funnel_orphans(events: pd.DataFrame) -> int:
    keys = ["member_id", "posting_id"] + (["session_id"] if "session_id" in events else [])
    seen = {e: set(map(tuple, events.loc[events["event"] == e, keys].to_numpy())) for e in ("impression", "click", "apply")}
    return len(seen["click"] - seen["impression"]) + len(seen["apply"] - seen["click"])


def _combined(reports: list[SuiteReport]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=all(r.success for r in reports),
        description=" | ".join(r.summary() for r in reports),
        metadata={f"{r.suite}": dg.MetadataValue.md(r.markdown()) for r in reports},
    )
