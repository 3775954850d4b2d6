"""The one Dagster code location: every asset, check, resource, sensor and job.

Paths and the size profile come from environment variables with defaults under `./.data/`:
JOBSEARCH_HOME (root, default ./.data), JOBSEARCH_WAREHOUSE, JOBSEARCH_LANCEDB, JOBSEARCH_MODELS,
JOBSEARCH_INDEX, JOBSEARCH_LANDING, JOBSEARCH_POLICIES, JOBSEARCH_PROFILE (tiny | embedded | gpu), JOBSEARCH_DEVICE
(auto | cpu | cuda), and the LLM: JOBSEARCH_LLM_GENERATOR (transformers | vllm | none), JOBSEARCH_LLM_MODEL,
JOBSEARCH_LLM_GRADER (rubric | transformers | vllm), JOBSEARCH_LLM_GRADER_MODEL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from jobsearch import POLICIES_DIR
from jobsearch.labels.llm import SMOLLM2

from assets import (
    corpus, corpus_checks, judge, members, policy, query_engine, ranking_eval, reference, retrieval, retrieval_eval,
    retrieval_model, student, summaries, synthetic, teachers,
)
from resources import LLM, ComputeDevice, ModelStore, PolicyFiles, Scale, SourceFiles, VectorStore, Warehouse
from sensors import JOBS as SENSOR_JOBS
from sensors import SENSORS

ASSET_MODULES = [reference, corpus, members, policy, synthetic, judge, teachers, student, summaries, ranking_eval,
                 retrieval_model, retrieval, retrieval_eval, query_engine]
CHECK_MODULES = [corpus_checks, policy, synthetic, judge, teachers, student, summaries, ranking_eval, retrieval_model,
                 retrieval, retrieval_eval, query_engine]

corpus_job = dg.define_asset_job(
    "corpus_job",
    selection=dg.AssetSelection.groups("corpus"),
    description="Materialize the corpus group: reference data, raw and normalized postings, simulated members.",
)
labels_job = dg.define_asset_job(
    "labels_job",
    selection=dg.AssetSelection.groups("labels", "models"),
    description="Policies, golden sets, synthetic queries and grades, the judge, teachers, student and ranking_eval "
    "(the corpus must exist).",
)
main_job = dg.define_asset_job(
    "main_job",
    selection=dg.AssetSelection.groups("corpus", "labels", "models", "retrieval", "query"),
    description="Everything, corpus to retrieval_eval and the query engine's tables, on the configured profile.",
)
MAIN_JOB = main_job


def build_resources(home: str | os.PathLike | None = None, profile: str | None = None) -> dict:
    root = Path(home or os.getenv("JOBSEARCH_HOME", "./.data"))
    return {
        "warehouse": Warehouse(path=os.getenv("JOBSEARCH_WAREHOUSE", str(root / "warehouse.duckdb"))),
        "vectors": VectorStore(uri=os.getenv("JOBSEARCH_LANCEDB", str(root / "lancedb")),
                               index_root=os.getenv("JOBSEARCH_INDEX", str(root / "index"))),
        "model_store": ModelStore(root=os.getenv("JOBSEARCH_MODELS", str(root / "models"))),
        "sources": SourceFiles(landing_dir=os.getenv("JOBSEARCH_LANDING", str(root / "landing"))),
        "scale": Scale(profile=profile or os.getenv("JOBSEARCH_PROFILE", "embedded")),
        "device": ComputeDevice(device=os.getenv("JOBSEARCH_DEVICE", "auto")),
        "policy_files": PolicyFiles(policies_dir=os.getenv("JOBSEARCH_POLICIES", str(POLICIES_DIR))),
        "llm": LLM(
            generator=os.getenv("JOBSEARCH_LLM_GENERATOR", "transformers"),
            generator_model=os.getenv("JOBSEARCH_LLM_MODEL", SMOLLM2),
            grader=os.getenv("JOBSEARCH_LLM_GRADER", "rubric"),
            grader_model=os.getenv("JOBSEARCH_LLM_GRADER_MODEL", SMOLLM2),
            cache_dir=str(root / "models" / "llm"),
            device=os.getenv("JOBSEARCH_DEVICE", "auto"),
        ),
    }


all_assets = dg.load_assets_from_modules(ASSET_MODULES)
all_checks = dg.load_asset_checks_from_modules(CHECK_MODULES)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[corpus_job, labels_job, main_job, *SENSOR_JOBS],
    sensors=SENSORS,
    resources=build_resources(),
)
