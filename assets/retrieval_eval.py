"""Retrieval quality: the fine-tuned bi-encoder through the published job index vs BM25 and vs the
off-the-shelf base model, on held-out synthetic queries over every retrievable posting.

Each method retrieves its top 100 per query; the union of the three lists is graded by the
relevance teacher (pooling, as in TREC: a posting no method retrieved counts as not Good). Columns:
recall@10 and recall@100 of teacher-Good postings (expected grade >= 2.5), NDCG@10 with the
teacher's expected grades as gains, per method and per query type.
"""

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.loaders import load_job_policy, retrievable_postings, synthetic_query_splits
from assets.metadata import md_table
from jobsearch.labels.policy import query_date
from jobsearch.labels.synthetic import posting_text
from jobsearch.ranking.evaluation import load_ranker
from jobsearch.ranking.metrics import dcg, recall_of_good
from jobsearch.retrieval.documents import embedding_text, filter_columns
from jobsearch.retrieval.embeddings import RETRIEVAL_MODEL, Embedder, stable_id
from jobsearch.retrieval.flat_index import FlatIndex
from jobsearch.retrieval.lexical import posting_bm25
from jobsearch.retrieval.training import MONITOR_K, TeacherGrades, top_k
from jobsearch.retrieval.vector_table import read_table, sync_vectors, table_model
from resources import ComputeDevice, ModelStore, Scale, VectorStore, Warehouse

GROUP = "retrieval"
BASELINE_TABLE = "job_embeddings_base"
SERVED = " (job_index)"  # suffix of the method served from the published index
GOOD = 2.5


class RetrievalEvalConfig(dg.Config):
    baseline: str = "all-minilm-l6-v2"  # the off-the-shelf bi-encoder to beat (packaged id, folder or hub id)
    teacher: str = "relevance_teacher"
    sentences: int = 3
    max_length: int = 64


def pooled_ndcg(retrieved: np.ndarray, pool: list[int], pool_grades: np.ndarray, k: int = 10) -> float:
    """NDCG@k of a retrieved list whose gains are the teacher grades of the pooled items (0 outside)."""
    gain = dict(zip(pool, pool_grades.tolist()))
    best = dcg(sorted(pool_grades.tolist(), reverse=True), k)
    return dcg([gain.get(i, 0.0) for i in retrieved[:k].tolist()], k) / best if best > 0 else 0.0


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb", "lancedb"},
    deps=["job_index", RETRIEVAL_MODEL, "relevance_teacher", "synthetic_queries"],
    automation_condition=dg.AutomationCondition.eager(),
    description="Retrieval quality on held-out synthetic queries over every retrievable posting: the "
    "fine-tuned bi-encoder served from job_index vs BM25 vs the off-the-shelf base, recall@10/100 of "
    "teacher-Good postings (pooled top 100s graded by the relevance teacher) and NDCG@10, overall and per "
    "query type. Also writes the DuckDB table retrieval_eval.",
)
def retrieval_eval(context: AssetExecutionContext, config: RetrievalEvalConfig, warehouse: Warehouse,
                   vectors: VectorStore, model_store: ModelStore, scale: Scale,
                   device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    run_device = device.resolve()
    store = model_store.store()
    policy, _ = load_job_policy(warehouse)
    as_of = query_date(policy)
    _, queries = synthetic_query_splits(warehouse, sizes.retrieval_eval_queries, sizes.seed)
    postings = retrievable_postings(warehouse, sizes.retrieval_postings)
    records = postings.to_dict("records")
    texts = queries["query"].tolist()
    position = {stable_id(p): i for i, p in enumerate(postings["posting_id"])}

    retrieved: dict[str, np.ndarray] = {"bm25": posting_bm25(postings).search(texts, MONITOR_K)[0]}
    # the off-the-shelf base, kept in its own incremental LanceDB table
    base = Embedder.from_base(config.baseline, config.max_length, run_device)
    db = vectors.connect()
    sync_vectors(db, BASELINE_TABLE, "posting_id", postings["posting_id"].tolist(),
                 [embedding_text(p, as_of, config.sentences) for p in records], filter_columns(postings), base,
                 log=context.log.info)
    frame = read_table(db, BASELINE_TABLE).set_index("posting_id").loc[postings["posting_id"]]
    retrieved[f"{config.baseline} (off the shelf)"] = top_k(base.queries(texts), np.stack(frame["vector"].to_numpy()),
                                                            MONITOR_K)[0]
    # the model that built job_embeddings (the fine-tuned one by default), as served: query vectors
    # from the same model searched in the published flat index
    served = Embedder.from_name(table_model(db, "job_embeddings"), store, run_device)
    keys, _ = FlatIndex.load(vectors.index_dir("jobs")).search(served.queries(texts), MONITOR_K)
    retrieved[f"{served.name.split('/')[0]}{SERVED}"] = np.vectorize(lambda k: position.get(int(k), -1))(keys)

    teacher = load_ranker(store, config.teacher)
    grades = TeacherGrades(teacher, [posting_text(p, as_of, teacher.description_chars) for p in records], run_device)
    pools = [sorted(set().union(*(set(r[qi][r[qi] >= 0].tolist()) for r in retrieved.values())))
             for qi in range(len(texts))]
    context.log.info(f"teacher grading {sum(map(len, pools))} pooled (query, posting) pairs")
    pool_grades = [grades([q] * len(pool), pool) for q, pool in zip(texts, pools)]
    good = [{i for i, g in zip(pool, gs) if g >= GOOD} for pool, gs in zip(pools, pool_grades)]

    rows = []
    for method, ranked in retrieved.items():
        for group, members in [("all", np.arange(len(texts))),
                               *[(t, np.flatnonzero(queries["query_type"] == t)) for t in sorted(queries["query_type"].unique())]]:
            rows.append({
                "method": method, "query_type": group, "queries": len(members),
                "queries_with_good": sum(1 for i in members if good[i]),
                "recall_at_10": round(recall_of_good(ranked[members], [good[i] for i in members], 10), 4),
                "recall_at_100": round(recall_of_good(ranked[members], [good[i] for i in members], MONITOR_K), 4),
                "ndcg_at_10": round(float(np.mean([pooled_ndcg(ranked[i], pools[i], pool_grades[i]) for i in members])), 4),
            })
    table = pd.DataFrame(rows)
    warehouse.write_table("retrieval_eval", table)
    overall = table[table["query_type"] == "all"].drop(columns="query_type")
    by_type = table.pivot(index="query_type", columns="method", values="recall_at_100").reset_index()
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table),
        "queries": len(texts), "postings": len(postings),
        "good_per_query": round(float(np.mean([len(g) for g in good])), 2),
        "retrieval_quality": md_table(overall),
        "recall_at_100_by_query_type": md_table(by_type),
        **{f"recall_at_100[{r.method}]": r.recall_at_100 for r in overall.itertuples()},
    })


@dg.asset_check(asset="retrieval_eval",
                description="The issue's target: the fine-tuned bi-encoder's recall@100 of teacher-Good postings is "
                "higher than both BM25's and the off-the-shelf base's.")
def retrieval_beats_baselines(warehouse: Warehouse) -> dg.AssetCheckResult:
    overall = warehouse.query("SELECT method, recall_at_100 FROM retrieval_eval WHERE query_type = 'all'")
    values = dict(zip(overall["method"], overall["recall_at_100"]))
    ours = next(v for k, v in values.items() if k.endswith(SERVED))
    others = {k: v for k, v in values.items() if not k.endswith(SERVED)}
    passed = all(ours > v for v in others.values())
    return dg.AssetCheckResult(passed=bool(passed), severity=dg.AssetCheckSeverity.WARN,
                               description=f"recall@100 {ours} vs " + ", ".join(f"{k} {v}" for k, v in others.items()),
                               metadata={k: float(v) for k, v in values.items()})
