"""Shared fixtures: a temporary Dagster instance and temporary data directories per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def dagster_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("dagster_home")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@pytest.fixture
def instance(dagster_home):
    import dagster as dg

    with dg.DagsterInstance.get() as inst:
        yield inst


@pytest.fixture(scope="session")
def corpus_run(tmp_path_factory, dagster_home):
    """The corpus group materialized once per test session on the tiny profile (embedded corpus)."""
    import dagster as dg

    import definitions

    resources = definitions.build_resources(tmp_path_factory.mktemp("platform"), "tiny")
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(
            [*definitions.all_assets, *definitions.all_checks], resources=resources, instance=instance,
            raise_on_error=False, selection=dg.AssetSelection.groups("corpus"),
        )
    return result, resources


@pytest.fixture(scope="session")
def llm_cache(tmp_path_factory) -> Path:
    """One converted SmolLM2 folder per test session (the GGUF conversion takes ~30 s)."""
    return tmp_path_factory.mktemp("llm_cache")
