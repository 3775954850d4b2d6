"""Simulated members, their network and their behaviour on postings.

No public data has LinkedIn member profiles, connections or clicks, so these three assets come from
the seeded simulator documented in `jobsearch.corpus.simulate`. They are marked `simulated` in metadata.
"""

from __future__ import annotations

import dagster as dg
import numpy as np

from assets.metadata import md_table, preview
from jobsearch.corpus import simulate
from resources import Scale, Warehouse

GROUP = "corpus"
SIMULATED = {"simulated": True, "simulator": "jobsearch.corpus.simulate"}


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["postings", "occupations", "geo"],
    metadata=SIMULATED,
    description="SIMULATED member profiles drawn from O*NET titles and skills and from the geographic "
    "and occupational distribution of the postings (seeded; see jobsearch/corpus/simulate.py).",
)
def member_profiles(warehouse: Warehouse, scale: Scale) -> dg.MaterializeResult:
    sizes = scale.sizes()
    profiles = simulate.simulate_profiles(
        postings=warehouse.read_table("postings"),
        occupations=warehouse.read_table("occupations"),
        titles=warehouse.read_table("occupation_titles"),
        tech_skills=warehouse.read_table("occupation_skills"),
        cities=warehouse.read_table("geo_cities"),
        n_members=sizes.members,
        seed=sizes.seed,
    )
    warehouse.write_table("member_profiles", profiles)
    return dg.MaterializeResult(
        metadata={
            **SIMULATED,
            "seed": sizes.seed,
            "dagster/row_count": len(profiles),
            "metro_coverage": round(float(profiles["metro_id"].notna().mean()), 4),
            "top_occupations": md_table(profiles["current_title"].value_counts().head(10)
                                        .rename_axis("title").reset_index()),
            "seniority": md_table(profiles["seniority"].value_counts().rename_axis("seniority").reset_index()),
            "preview": preview(profiles, columns=["member_id", "name", "headline", "metro_id", "skills"]),
        }
    )


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["member_profiles"],
    metadata=SIMULATED,
    description="SIMULATED member connections with homophily (same company, metro, occupation) and a "
    "heavy-tailed degree distribution. Undirected, stored once with src < dst.",
)
def member_graph(warehouse: Warehouse, scale: Scale) -> dg.MaterializeResult:
    sizes = scale.sizes()
    profiles = warehouse.read_table("member_profiles")
    edges = simulate.simulate_connections(profiles, n_edges_target=sizes.connections, seed=sizes.seed)
    warehouse.write_table("member_graph", edges)
    degree = np.bincount(
        np.concatenate([edges["src"].map(_index(profiles)), edges["dst"].map(_index(profiles))]),
        minlength=len(profiles),
    )
    by_id = profiles.set_index("member_id")
    same = {
        attr: round(float((by_id.loc[edges["src"], attr].to_numpy() == by_id.loc[edges["dst"], attr].to_numpy()).mean()), 4)
        for attr in ("current_company_id", "metro_id", "onet_code")
    }
    return dg.MaterializeResult(
        metadata={
            **SIMULATED,
            "seed": sizes.seed,
            "dagster/row_count": len(edges),
            "degree_median": float(np.median(degree)),
            "degree_p99": float(np.percentile(degree, 99)),
            "degree_max": int(degree.max()),
            "isolated_members": int((degree == 0).sum()),
            "same_company_share": same["current_company_id"],
            "same_metro_share": same["metro_id"],
            "same_occupation_share": same["onet_code"],
        }
    )


def _index(profiles):
    return {m: i for i, m in enumerate(profiles["member_id"])}


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["member_profiles", "postings"],
    metadata=SIMULATED,
    description="SIMULATED impressions, clicks and applies of members on postings from a position-bias "
    "click model whose apply rate is calibrated to the real postings' applies/views.",
)
def interactions(warehouse: Warehouse, scale: Scale) -> dg.MaterializeResult:
    sizes = scale.sizes()
    postings = warehouse.read_table("postings")
    events, calibration = simulate.simulate_interactions(
        warehouse.read_table("member_profiles"), postings, n_sessions=sizes.sessions, seed=sizes.seed,
        calibrate_to=postings,
    )
    warehouse.write_table("interactions", events)
    return dg.MaterializeResult(
        metadata={
            **SIMULATED,
            "seed": sizes.seed,
            "dagster/row_count": len(events),
            "events": md_table(events["event"].value_counts().rename_axis("event").reset_index()),
            **{k: float(v) for k, v in calibration.items() if isinstance(v, (int, float))},
            "preview": preview(events),
        }
    )
