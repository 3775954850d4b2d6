"""The job corpus: raw postings (validated, every row accounted for) and normalized postings."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from assets.metadata import md_table, preview, share
from jobsearch.corpus.reference import reference_models
from jobsearch import REPO_ROOT
from jobsearch.corpus.ingest import default_sources, ingest_postings
from jobsearch.corpus.normalize import normalize_postings
from jobsearch.corpus.schemas import RawPosting, Reject
from resources import Scale, SourceFiles, Warehouse

GROUP = "corpus"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "raw_postings",
            group_name=GROUP,
            kinds={"duckdb"},
            description="Every posting row of the shipped sources (LinkedIn 2024 full text, LinkedIn 2024 "
            "remote salaried, Glassdoor 2020, LinkedIn 2023 structured) and of the landing folder that "
            "passed its pydantic row model, mapped to one shape.",
        ),
        dg.AssetSpec(
            "posting_rejects",
            group_name=GROUP,
            kinds={"duckdb"},
            description="Quarantined posting rows: source file, row number, field and reason. Nothing is "
            "silently dropped: rows in = accepted + rejected per source (table `ingest_counts`).",
        ),
    ],
)
def ingest(warehouse: Warehouse, sources: SourceFiles, scale: Scale):
    sizes = scale.sizes()
    limits = {
        "linkedin_2024": sizes.linkedin_2024_limit,
        "linkedin_2024_remote": sizes.linkedin_2024_remote_limit,
        "glassdoor": sizes.glassdoor_limit,
        "linkedin_2023": sizes.linkedin_2023_limit,
    }
    result = ingest_postings(default_sources(sources.data_path, sources.landing_path, limits), relative_to=REPO_ROOT)
    postings = pd.DataFrame([p.model_dump() for p in result.postings], columns=list(RawPosting.model_fields))
    rejects = pd.DataFrame([r.model_dump() for r in result.rejects], columns=list(Reject.model_fields))
    counts = pd.DataFrame([vars(c) for c in result.counts])
    warehouse.write_table("raw_postings", postings)
    warehouse.write_table("posting_rejects", rejects)
    warehouse.write_table("ingest_counts", counts)

    rows_in, rejected = int(counts["rows_in"].sum()), len(rejects)
    yield dg.MaterializeResult(
        asset_key="raw_postings",
        metadata={
            "dagster/row_count": len(postings),
            "rows_in": rows_in,
            "rows_accepted": len(postings),
            "rows_rejected": rejected,
            "per_source": md_table(counts),
            "preview": preview(postings, columns=["posting_id", "source", "title", "company_name", "location",
                                                  "salary_min", "salary_max", "pay_period"]),
        },
    )
    by_reason = (
        rejects.assign(reason_kind=rejects["reason"].str.split(r"[:(]").str[1].str.strip().str[:60])
        .groupby(["source", "field"]).size().rename("rows").reset_index()
        if len(rejects) else pd.DataFrame(columns=["source", "field", "rows"])
    )
    yield dg.MaterializeResult(
        asset_key="posting_rejects",
        metadata={
            "dagster/row_count": rejected,
            "by_source_and_field": md_table(by_reason),
            "preview": preview(rejects, columns=["source_file", "source_row", "field", "reason"], width=110),
        },
    )


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["raw_postings", "geo", "occupations"],
    description="Normalized postings: company, text (rendered from structured fields where missing, "
    "flagged), location resolved to city / metro (CBSA) / state ids, work type, remote flag, seniority "
    "enum, O*NET occupation, yearly USD salary, listing dates, skills, views and applies.",
)
def postings(warehouse: Warehouse, sources: SourceFiles) -> dg.MaterializeResult:
    raw = warehouse.read_table("raw_postings")
    gazetteer, occupations, lexicon = reference_models(str(sources.data_path))
    frame = normalize_postings(raw, gazetteer.resolve_many, occupations.match_titles, lexicon)
    warehouse.write_table("postings", frame)

    by_source = frame.groupby("source").agg(
        postings=("posting_id", "size"),
        metro=("metro_id", lambda s: round(s.notna().mean(), 3)),
        occupation=("onet_code", lambda s: round(s.notna().mean(), 3)),
        salary=("salary_med_usd", lambda s: round(s.notna().mean(), 3)),
        generated_text=("description_generated", "mean"),
    ).reset_index()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "metro_coverage": share(frame["metro_id"].notna()),
            "state_coverage": share(frame["state_code"].notna()),
            "occupation_coverage": share(frame["onet_code"].notna()),
            "salary_coverage": share(frame["salary_med_usd"].notna()),
            "remote_share": share(frame["remote"]),
            "generated_description_share": share(frame["description_generated"]),
            "coverage_by_source": md_table(by_source),
            "geo_levels": md_table(frame["geo_level"].value_counts().rename_axis("level").reset_index()),
            "seniority": md_table(frame["seniority"].value_counts().rename_axis("seniority").reset_index()),
            "preview": preview(frame, columns=["posting_id", "title", "company_name", "city_name", "metro_name",
                                               "remote", "seniority", "occupation_title", "salary_med_usd"]),
        }
    )
