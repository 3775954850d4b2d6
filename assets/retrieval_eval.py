"""Retrieval quality: the fine-tuned bi-encoder through the published job index vs BM25 (over the same
fields the bi-encoder reads) and vs the off-the-shelf base model, over every retrievable posting.

No reference is graded by the relevance teacher that trained the retriever. Golden dev and blind test
queries are scored against the annotators' labels (Good = grade 3+; an unlabelled posting counts as not
Good, so these recalls are lower bounds). Held-out synthetic queries: each method retrieves its top 100,
the union is graded by the judge (pooling, as in TREC). Title matching (O*NET alternate/reported titles
retrieving their occupation) needs no grader at all. The router's hybrid mode (BM25 and the served
bi-encoder fused by reciprocal rank) is measured beside each of its two inputs, with paired tests on
the golden test split (table retrieval_eval_claims).
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
from jobsearch.ranking.metrics import bootstrap_interval, dcg, paired_test
from jobsearch.retrieval.documents import embedding_text, filter_columns
from jobsearch.retrieval.embeddings import RETRIEVAL_MODEL, Embedder, stable_id
from jobsearch.retrieval.flat_index import FlatIndex
from jobsearch.retrieval.lexical import RRF_K, BM25Index, reciprocal_rank_fusion
from jobsearch.retrieval.title_matching import title_matching_accuracy, title_queries
from jobsearch.retrieval.training import MONITOR_K, TeacherGrades, top_k
from jobsearch.retrieval.vector_table import read_table, sync_vectors, table_model
from resources import ComputeDevice, ModelStore, Scale, VectorStore, Warehouse

GROUP = "retrieval"
BASELINE_TABLE = "job_embeddings_base"
SERVED = " (job_index)"  # suffix of the method served from the published index
GOOD = 2.5


class RetrievalEvalConfig(dg.Config):
    baseline: str = "all-minilm-l6-v2"  # the off-the-shelf bi-encoder to beat (packaged id, folder or hub id)
    grader: str = "judge"  # grades the synthetic pools; not the relevance teacher, which trained the retriever
    sentences: int = 3
    max_length: int = 64
    title_queries: int = 600  # O*NET alternate/reported titles in the title-matching check


def pooled_ndcg(retrieved: np.ndarray, pool: list[int], pool_grades: np.ndarray, k: int = 10) -> float:
    """NDCG@k of a retrieved list whose gains are the grades of the judged items (0 for unjudged ones)."""
    gain = dict(zip(pool, pool_grades.tolist()))
    best = dcg(sorted(pool_grades.tolist(), reverse=True), k)
    return dcg([gain.get(i, 0.0) for i in retrieved[:k].tolist()], k) / best if best > 0 else 0.0


def _per_query(ranked: np.ndarray, pools: list[list[int]], grades: list[np.ndarray], good_at: float) -> pd.DataFrame:
    rows = []
    for row, pool, gs in zip(ranked, pools, grades):
        good = {i for i, g in zip(pool, gs) if g >= good_at}
        rows.append({"good": len(good),
                     "recall_at_10": len(set(row[:10].tolist()) & good) / len(good) if good else np.nan,
                     "recall_at_100": len(set(row[:MONITOR_K].tolist()) & good) / len(good) if good else np.nan,
                     "ndcg_at_10": pooled_ndcg(row, pool, np.asarray(gs, dtype=float)) if len(pool) else np.nan})
    return pd.DataFrame(rows)


def _fused(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise reciprocal rank fusion of two ranked position arrays (-1 = nothing), padded with -1."""
    out = np.full((len(a), MONITOR_K), -1, dtype=np.int64)
    for i, (x, y) in enumerate(zip(a, b)):
        fused = [d for d, _ in reciprocal_rank_fusion([int(v) for v in x if v >= 0], [int(v) for v in y if v >= 0],
                                                      limit=MONITOR_K)]
        out[i, :len(fused)] = fused
    return out


def _summary(values: pd.DataFrame, seed: int) -> dict:
    out = {"queries": len(values), "queries_with_good": int((values["good"] > 0).sum())}
    for metric in ("recall_at_10", "recall_at_100", "ndcg_at_10"):
        column = values[metric].dropna()
        out[metric] = round(float(column.mean()), 4) if len(column) else np.nan
    out["recall_at_100_low"], out["recall_at_100_high"] = bootstrap_interval(values["recall_at_100"].dropna(), seed=seed)
    out["ndcg_at_10_low"], out["ndcg_at_10_high"] = bootstrap_interval(values["ndcg_at_10"].dropna(), seed=seed)
    return out


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb", "lancedb"},
    deps=["job_index", RETRIEVAL_MODEL, "judge", "synthetic_queries", "golden_sets"],
    automation_condition=dg.AutomationCondition.eager(),
    description="Retrieval quality over every retrievable posting: the fine-tuned bi-encoder served from job_index "
    "vs BM25 over the same fields the bi-encoder reads vs the off-the-shelf base. Two references that the "
    "retriever's trainer (the relevance teacher) never graded: golden-labelled postings of the golden dev and "
    "blind test queries (Good = grade 3+), and held-out synthetic queries whose pooled top 100s the judge "
    "grades; recall@10/100 and NDCG@10 with 95% bootstrap intervals, per query type for the synthetic ones. "
    "Plus O*NET alternate/reported titles retrieving their occupation (accuracy@1/@5), which no grader touches. "
    "DuckDB tables retrieval_eval and retrieval_title_matching.",
)
def retrieval_eval(context: AssetExecutionContext, config: RetrievalEvalConfig, warehouse: Warehouse,
                   vectors: VectorStore, model_store: ModelStore, scale: Scale,
                   device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    run_device = device.resolve()
    store = model_store.store()
    policy, _ = load_job_policy(warehouse)
    as_of = query_date(policy)
    _, synthetic = synthetic_query_splits(warehouse, sizes.retrieval_eval_queries, sizes.seed)
    golden = warehouse.read_table("golden_job_search")
    golden = golden[golden["split"].isin(["dev", "test"])]
    golden_queries = golden.drop_duplicates("query_id")[["query_id", "query", "split"]]
    postings = retrievable_postings(warehouse, sizes.retrieval_postings)
    records = postings.to_dict("records")
    item_texts = [embedding_text(p, as_of, config.sentences) for p in records]
    texts = synthetic["query"].tolist() + golden_queries["query"].tolist()
    position = {stable_id(p): i for i, p in enumerate(postings["posting_id"])}

    bm25 = "BM25 (bi-encoder fields)"
    retrieved: dict[str, np.ndarray] = {bm25: BM25Index.build(item_texts).search(texts, MONITOR_K)[0]}
    # the off-the-shelf base, kept in its own incremental LanceDB table
    base = Embedder.from_base(config.baseline, config.max_length, run_device)
    db = vectors.connect()
    sync_vectors(db, BASELINE_TABLE, "posting_id", postings["posting_id"].tolist(), item_texts,
                 filter_columns(postings), base, log=context.log.info)
    frame = read_table(db, BASELINE_TABLE).set_index("posting_id").loc[postings["posting_id"]]
    base_name = f"{config.baseline} (off the shelf)"
    retrieved[base_name] = top_k(base.queries(texts), np.stack(frame["vector"].to_numpy()), MONITOR_K)[0]
    # the model that built job_embeddings (the fine-tuned one by default), as served: query vectors
    # from the same model searched in the published flat index
    served = Embedder.from_name(table_model(db, "job_embeddings"), store, run_device)
    keys, _ = FlatIndex.load(vectors.index_dir("jobs")).search(served.queries(texts), MONITOR_K)
    served_name = f"{served.name.split('/')[0]}{SERVED}"
    retrieved[served_name] = np.vectorize(lambda k: position.get(int(k), -1))(keys)
    # the router's hybrid mode: BM25 and the served bi-encoder fused by reciprocal rank
    hybrid_name = f"hybrid (RRF k={RRF_K}: BM25 + {served_name})"
    retrieved[hybrid_name] = _fused(retrieved[bm25], retrieved[served_name])

    n_synth = len(synthetic)
    # synthetic held-out queries: every method's top 100 pooled and graded by the judge
    grader = load_ranker(store, config.grader)
    grades = TeacherGrades(grader, [posting_text(p, as_of, grader.description_chars) for p in records], run_device)
    pools = [sorted(set().union(*(set(r[qi][r[qi] >= 0].tolist()) for r in retrieved.values()))) for qi in range(n_synth)]
    context.log.info(f"{config.grader} grading {sum(map(len, pools))} pooled (query, posting) pairs")
    pool_grades = [grades([q] * len(pool), pool) for q, pool in zip(texts[:n_synth], pools)]
    # golden queries: their labelled postings (that are retrievable) with the annotators' grades
    row_of = {p: i for i, p in enumerate(postings["posting_id"])}
    labelled = golden[golden["posting_id"].isin(row_of)]
    golden_pools = [labelled.loc[labelled["query_id"] == q, "posting_id"].map(row_of).tolist() for q in golden_queries["query_id"]]
    golden_grades = [labelled.loc[labelled["query_id"] == q, "grade"].to_numpy(dtype=float) for q in golden_queries["query_id"]]

    rows, golden_ndcg = [], {}
    for method, ranked in retrieved.items():
        per_synth = _per_query(ranked[:n_synth], pools, pool_grades, GOOD).assign(query_type=synthetic["query_type"].to_numpy())
        reference = f"synthetic held-out (pools graded by {config.grader})"
        rows.append({"method": method, "reference": reference, "query_type": "all", **_summary(per_synth, sizes.seed)})
        for t, part in per_synth.groupby("query_type"):
            rows.append({"method": method, "reference": reference, "query_type": t, **_summary(part, sizes.seed)})
        per_golden = _per_query(ranked[n_synth:], golden_pools, golden_grades, 3).assign(
            split=golden_queries["split"].to_numpy())
        golden_ndcg[method] = per_golden.loc[per_golden["split"] == "test", "ndcg_at_10"].to_numpy()
        for split, part in per_golden.groupby("split"):
            rows.append({"method": method, "reference": f"golden {split} (annotator labels)", "query_type": "all",
                         **_summary(part, sizes.seed)})
    table = pd.DataFrame(rows)
    warehouse.write_table("retrieval_eval", table)
    claims = pd.DataFrame([{"claim": f"{hybrid_name} vs {other}", "reference": "golden test NDCG@10 of the labelled pool",
                            **paired_test(golden_ndcg[hybrid_name], golden_ndcg[other])}
                           for other in (bm25, served_name, base_name)])
    warehouse.write_table("retrieval_eval_claims", claims)

    titles = title_queries(warehouse.read_table("occupation_titles"), config.title_queries, sizes.seed)
    occupations = warehouse.read_table("occupations", ["onet_code", "title"])
    matching = pd.DataFrame([
        {"method": base_name, **title_matching_accuracy(base.queries, base.items, titles, occupations)},
        {"method": served_name, **title_matching_accuracy(served.queries, served.items, titles, occupations)},
    ])
    warehouse.write_table("retrieval_title_matching", matching)
    overall = table[table["query_type"] == "all"].drop(columns="query_type")
    synth = table[table["reference"].str.startswith("synthetic")]
    by_type = synth.pivot(index="query_type", columns="method", values="recall_at_100").reset_index()
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table),
        "synthetic_queries": n_synth, "golden_queries": len(golden_queries), "postings": len(postings),
        "synthetic_pool_grader": config.grader,
        "retrieval_quality": md_table(overall),
        "recall_at_100_by_query_type": md_table(by_type),
        "title_matching": md_table(matching),
        "hybrid_paired_tests": md_table(claims),
        **{f"recall_at_100[{r.method} | {r.reference}]": r.recall_at_100 for r in overall.itertuples()},
    })


@dg.asset_check(asset="retrieval_eval",
                description="The fine-tuned bi-encoder's recall@100 of judge-Good postings on held-out synthetic "
                "queries is higher than both BM25's and the off-the-shelf base's.")
def retrieval_beats_baselines(warehouse: Warehouse) -> dg.AssetCheckResult:
    overall = warehouse.query("SELECT method, recall_at_100 FROM retrieval_eval WHERE query_type = 'all' "
                              "AND reference LIKE 'synthetic%'")
    values = dict(zip(overall["method"], overall["recall_at_100"]))
    ours = next(v for k, v in values.items() if k.endswith(SERVED))
    others = {k: v for k, v in values.items() if not k.endswith(SERVED)}
    passed = all(ours > v for v in others.values())
    return dg.AssetCheckResult(passed=bool(passed), severity=dg.AssetCheckSeverity.WARN,
                               description=f"recall@100 {ours} vs " + ", ".join(f"{k} {v}" for k, v in others.items()),
                               metadata={k: float(v) for k, v in values.items()})


@dg.asset_check(asset="retrieval_eval",
                description="Title matching, which no grader of ours touches: the fine-tuned retriever finds an "
                "O*NET alternate/reported title's occupation (accuracy@5) at least as often as the off-the-shelf "
                "base it started from; a loss is reported as a regression.")
def retrieval_keeps_title_semantics(warehouse: Warehouse) -> dg.AssetCheckResult:
    table = warehouse.read_table("retrieval_title_matching").set_index("method")
    ours = table[table.index.str.endswith(SERVED)].iloc[0]
    base = table[~table.index.str.endswith(SERVED)].iloc[0]
    passed = ours["accuracy_at_5"] >= base["accuracy_at_5"]
    return dg.AssetCheckResult(
        passed=bool(passed), severity=dg.AssetCheckSeverity.WARN,
        description=(f"title matching accuracy@1/@5: fine-tuned {ours['accuracy_at_1']}/{ours['accuracy_at_5']} vs "
                     f"off the shelf {base['accuracy_at_1']}/{base['accuracy_at_5']}"
                     + ("" if passed else " (regression)")),
        metadata={"fine_tuned_accuracy_at_5": float(ours["accuracy_at_5"]),
                  "base_accuracy_at_5": float(base["accuracy_at_5"])})
