"""The one Dagster code location: every asset, check, resource, sensor and job.

Paths and the size profile come from environment variables with defaults under `./.data/`:
JOBSEARCH_HOME (root, default ./.data), JOBSEARCH_WAREHOUSE, JOBSEARCH_LANCEDB, JOBSEARCH_MODELS,
JOBSEARCH_LANDING, JOBSEARCH_PROFILE (tiny | embedded | gpu) and JOBSEARCH_DEVICE (auto | cpu | cuda).
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets import corpus, corpus_checks, members, reference
from resources import ComputeDevice, ModelStore, Scale, SourceFiles, VectorStore, Warehouse

ASSET_MODULES = [reference, corpus, members]
CHECK_MODULES = [corpus_checks]

corpus_job = dg.define_asset_job(
    "corpus_job",
    selection=dg.AssetSelection.groups("corpus"),
    description="Materialize the corpus group: reference data, raw and normalized postings, simulated members.",
)
MAIN_JOB = corpus_job


def build_resources(home: str | os.PathLike | None = None, profile: str | None = None) -> dict:
    root = Path(home or os.getenv("JOBSEARCH_HOME", "./.data"))
    return {
        "warehouse": Warehouse(path=os.getenv("JOBSEARCH_WAREHOUSE", str(root / "warehouse.duckdb"))),
        "vectors": VectorStore(uri=os.getenv("JOBSEARCH_LANCEDB", str(root / "lancedb"))),
        "model_store": ModelStore(root=os.getenv("JOBSEARCH_MODELS", str(root / "models"))),
        "sources": SourceFiles(landing_dir=os.getenv("JOBSEARCH_LANDING", str(root / "landing"))),
        "scale": Scale(profile=profile or os.getenv("JOBSEARCH_PROFILE", "embedded")),
        "device": ComputeDevice(device=os.getenv("JOBSEARCH_DEVICE", "auto")),
    }


all_assets = dg.load_assets_from_modules(ASSET_MODULES)
all_checks = dg.load_asset_checks_from_modules(CHECK_MODULES)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[corpus_job],
    resources=build_resources(),
)
