"""Retrieval: posting embeddings in LanceDB and the exhaustive flat index built from them.

`job_embeddings` embeds postings with the bi-encoder base (all-MiniLM-L6-v2 off the shelf: the
fine-tuned `retrieval_model` is a later step) into the LanceDB table `job_embeddings`, with every
filter column beside the vector. It is incremental: a posting whose text is unchanged keeps its
vector, new or edited postings are embedded, postings gone from `postings` are deleted.
`job_index` loads that table into `jobsearch.flat_index.FlatIndex` and publishes a new version
atomically (readers never see a half-written index).
"""

from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.synthetic import load_job_policy, query_date
from jobsearch.cross_encoder import MINILM
from jobsearch.embeddings import Embedder, stable_id, text_sha
from jobsearch.engagement import SENIORITY_RANK
from jobsearch.flat_index import FlatIndex, check_index
from jobsearch.summarize import posting_segments, render
from resources import ComputeDevice, Scale, VectorStore, Warehouse

GROUP = "retrieval"
TABLE = "job_embeddings"
FILTER_COLUMNS = ["geo_id", "company_id", "industry_id", "seniority", "remote", "work_type", "salary", "listed_at",
                  "expires_at"]
WORK_TYPES = ["FULL_TIME", "PART_TIME", "CONTRACT", "TEMPORARY", "INTERNSHIP", "VOLUNTEER", "OTHER"]


class EmbeddingConfig(dg.Config):
    base: str = MINILM  # "all-minilm-l6-v2" (shipped in a PyPI package), a local folder or a hub id
    max_length: int = 64
    batch_size: int = 64
    sentences: int = 3  # description sentences after the fields


def embedding_text(posting: dict, as_of, sentences: int) -> str:
    """What the bi-encoder reads: the posting's fields and first sentences (no recency: a vector must
    not go stale as days pass; recency is a filter)."""
    return render([s for s in posting_segments(posting, as_of, max_sentences=sentences) if s.kind != "recency"])


def _epoch(values: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(values, errors="coerce")
    seconds = (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    return seconds.fillna(-1).astype(np.int64).to_numpy()


def _id_or_null(values: pd.Series) -> np.ndarray:
    return np.array([stable_id(str(v)) if isinstance(v, str) and v else -1 for v in values], dtype=np.int64)


def filter_columns(postings: pd.DataFrame) -> pd.DataFrame:
    """The flat index's filter columns (see `jobsearch.flat_index`: null = -1, salary NaN)."""
    return pd.DataFrame({
        "geo_id": _id_or_null(postings["metro_id"]),
        "company_id": _id_or_null(postings["company_id"]),
        "industry_id": _id_or_null(postings["industry"]),
        "seniority": postings["seniority"].map(SENIORITY_RANK).fillna(-1).astype(np.int64).to_numpy(),
        "remote": postings["remote"].map({True: 1, False: 0}).fillna(-1).astype(np.int8).to_numpy(),
        "work_type": postings["work_type"].map({w: i for i, w in enumerate(WORK_TYPES)}).fillna(-1).astype(np.int64).to_numpy(),
        "salary": postings["salary_med_usd"].astype(float).to_numpy(),
        "listed_at": _epoch(postings["listed_at"]),
        "expires_at": _epoch(postings["expires_at"]),
    })


def _retrievable(warehouse: Warehouse, limit: int | None) -> pd.DataFrame:
    postings = warehouse.read_table("postings").sort_values("posting_id")
    return postings.head(limit) if limit is not None else postings


@dg.asset(
    group_name=GROUP,
    kinds={"lancedb", "pytorch"},
    deps=["postings", "job_search_policy"],
    automation_condition=dg.AutomationCondition.eager(),
    description="Posting embeddings (all-MiniLM-L6-v2 by default; any local folder or hub id by config) in the "
    "LanceDB table job_embeddings with every filter column (geo, company, industry, seniority, remote, work "
    "type, salary, listed/expires). Incremental: unchanged postings keep their vectors, new or edited ones are "
    "embedded, removed ones are deleted.",
)
def job_embeddings(context: AssetExecutionContext, config: EmbeddingConfig, warehouse: Warehouse,
                   vectors: VectorStore, scale: Scale, device: ComputeDevice) -> dg.MaterializeResult:
    policy, _ = load_job_policy(warehouse)
    as_of = query_date(policy)
    postings = _retrievable(warehouse, scale.sizes().retrieval_postings)
    texts = [embedding_text(p, as_of, config.sentences) for p in postings.to_dict("records")]
    current = pd.DataFrame({"posting_id": postings["posting_id"].to_numpy(),
                            "text_sha": [text_sha(f"{config.base}|{config.max_length}|{t}") for t in texts]})
    db = vectors.connect()
    known = (db.open_table(TABLE).to_arrow().select(["posting_id", "text_sha"]).to_pandas()
             if TABLE in db.table_names() else pd.DataFrame(columns=["posting_id", "text_sha"]))
    merged = current.merge(known, on=["posting_id", "text_sha"], how="left", indicator=True)
    todo = (merged["_merge"] == "left_only").to_numpy()
    stale = sorted(set(known["posting_id"]) - set(current.loc[~todo, "posting_id"]))

    embedder = Embedder(config.base, config.max_length, device.resolve())
    context.log.info(f"embedding {int(todo.sum())} of {len(postings)} postings ({len(stale)} stale rows to delete)")
    new_vectors = embedder.encode([t for t, keep in zip(texts, todo) if keep], config.batch_size, context.log.info)
    rows = pd.concat([postings.loc[todo, ["posting_id"]].reset_index(drop=True),
                      filter_columns(postings.loc[todo]).reset_index(drop=True)], axis=1)
    rows.insert(1, "key", [stable_id(p) for p in rows["posting_id"]])
    rows["text_sha"] = current.loc[todo, "text_sha"].to_numpy()
    rows["vector"] = list(new_vectors)
    if TABLE not in db.table_names():
        db.create_table(TABLE, data=rows)
    else:
        table = db.open_table(TABLE)
        for start in range(0, len(stale), 500):
            quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in stale[start : start + 500])
            table.delete(f"posting_id IN ({quoted})")
        if len(rows):
            table.add(rows)
    total = db.open_table(TABLE).count_rows()
    return dg.MaterializeResult(metadata={
        "dagster/row_count": total, "embedded": int(todo.sum()), "deleted": len(stale),
        "kept": int(len(postings) - todo.sum()), "base": config.base, "dim": embedder.dim,
        "max_length": config.max_length, "lancedb_table": f"{vectors.uri}/{TABLE}",
    })


def _load_table(vectors: VectorStore) -> pd.DataFrame:
    return vectors.connect().open_table(TABLE).to_pandas()


@dg.asset(
    group_name=GROUP,
    kinds={"pytorch"},
    deps=["job_embeddings"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The serving artifact of exhaustive retrieval: job_embeddings loaded into a FlatIndex (one "
    "contiguous matrix, filter columns as tensors, id map; int8 scan + exact rescoring on CPU) and published as "
    "a new version with an atomic pointer swap.",
)
def job_index(context: AssetExecutionContext, vectors: VectorStore) -> dg.MaterializeResult:
    frame = _load_table(vectors)
    matrix = np.stack(frame["vector"].to_numpy()).astype(np.float32)
    columns = {name: frame[name].to_numpy() for name in FILTER_COLUMNS}
    index = FlatIndex.from_arrays(frame["key"].to_numpy(), matrix, columns, precision="auto")
    folder = index.save(vectors.index_dir("jobs"))
    health = check_index(index, n_queries=64)
    context.log.info(f"published {folder} ({len(frame)} rows): {health}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(frame), "version": Path(folder).name, "path": str(folder),
        "precision": index.options()["precision"], **{k: round(float(v), 4) for k, v in health.items()},
        "explain_no_filter": dg.MetadataValue.json(index.explain(None)),
    })


@dg.asset_check(asset="job_embeddings", blocking=True,
                description="One row per retrievable posting, no duplicate posting ids, unit-norm finite vectors.")
def job_embeddings_valid(warehouse: Warehouse, vectors: VectorStore, scale: Scale) -> dg.AssetCheckResult:
    frame = _load_table(vectors)
    expected = len(_retrievable(warehouse, scale.sizes().retrieval_postings))
    matrix = np.stack(frame["vector"].to_numpy()) if len(frame) else np.zeros((0, 1))
    norms = np.linalg.norm(matrix, axis=1)
    problems = []
    if len(frame) != expected:
        problems.append(f"{len(frame)} rows for {expected} postings")
    if frame["posting_id"].duplicated().any():
        problems.append(f"duplicate posting ids, e.g. {frame.loc[frame['posting_id'].duplicated(), 'posting_id'].iloc[0]}")
    if len(norms) and (not np.isfinite(matrix).all() or np.abs(norms - 1).max() > 1e-3):
        problems.append(f"vector norms outside 1 +- 1e-3 ({norms.min():.4f}..{norms.max():.4f}) or non-finite")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or f"{len(frame)} vectors valid",
                               metadata={"rows": len(frame), "expected": expected})


@dg.asset_check(asset="job_index", blocking=True,
                description="The published index has one row per embedding, no NaN, unit norms, recall@10 = 1.0 "
                "against a numpy brute-force search on sampled queries and filters, and no result violating its filter.")
def job_index_exact(vectors: VectorStore) -> dg.AssetCheckResult:
    index = FlatIndex.load(vectors.index_dir("jobs"))
    health = check_index(index, n_queries=128, seed=1)
    rows = vectors.connect().open_table(TABLE).count_rows()
    problems = []
    if health["rows"] != rows:
        problems.append(f"index has {health['rows']} rows, job_embeddings {rows}")
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
