"""Reference data the corpus resolves against: the US gazetteer and the occupation taxonomy."""

from __future__ import annotations

import dagster as dg

from assets.metadata import preview
from jobsearch.corpus.geo import Gazetteer
from jobsearch.corpus.taxonomy import Occupations
from resources import SourceFiles, Warehouse

GROUP = "corpus"


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    description="Gazetteer of US cities, metros (CBSA) and states, with the aliases people use "
    "('Bay Area', 'Silicon Valley', 'NYC', 'DFW', 'Greater Seattle Area'...), from SimpleMaps US "
    "cities + the BLS QCEW and Zillow county-to-CBSA crosswalks. Tables geo_cities, geo_metros, "
    "geo_states, geo_aliases.",
)
def geo(warehouse: Warehouse, sources: SourceFiles) -> dg.MaterializeResult:
    gazetteer = Gazetteer.from_dir(sources.data_path / "geo")
    tables = {
        "geo_cities": gazetteer.cities,
        "geo_metros": gazetteer.metros,
        "geo_states": gazetteer.states,
        "geo_aliases": gazetteer.aliases,
    }
    for name, frame in tables.items():
        warehouse.write_table(name, frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(gazetteer.cities),
            "cities": len(gazetteer.cities),
            "metros": len(gazetteer.metros),
            "states": len(gazetteer.states),
            "aliases": len(gazetteer.aliases),
            "cities_with_metro": round(float(gazetteer.cities["metro_id"].notna().mean()), 4),
            "metros_preview": preview(gazetteer.metros.sort_values("population", ascending=False)),
            "aliases_preview": preview(gazetteer.aliases[gazetteer.aliases["kind"] == "metro"], rows=12),
        }
    )


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    description="O*NET 29.2 occupations with alternate and reported titles, technology skills, related "
    "occupations and job zone (seniority proxy); ESCO 1.2.0 occupations linked where a title matches. "
    "Tables occupations, occupation_titles, occupation_skills, occupation_related.",
)
def occupations(warehouse: Warehouse, sources: SourceFiles) -> dg.MaterializeResult:
    taxonomy = Occupations.from_dir(sources.data_path)
    tables = {
        "occupations": taxonomy.occupations,
        "occupation_titles": taxonomy.titles,
        "occupation_skills": taxonomy.tech_skills,
        "occupation_related": taxonomy.related,
    }
    for name, frame in tables.items():
        warehouse.write_table(name, frame)
    occ = taxonomy.occupations
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(occ),
            "occupations": len(occ),
            "titles": len(taxonomy.titles),
            "technology_skills": len(taxonomy.tech_skills),
            "esco_linked_share": round(float(occ["esco_uri"].notna().mean()), 4),
            "job_zone_share": round(float(occ["job_zone"].notna().mean()), 4),
            "preview": preview(occ, columns=["onet_code", "title", "job_zone", "esco_label"]),
        }
    )
