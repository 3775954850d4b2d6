"""The retrieval model: the bi-encoder fine-tuned with the relevance teacher in the loop.

`retrieval_model` starts from the base (all-MiniLM-L6-v2 by default) and trains in rounds
(`jobsearch.retrieval.training`): retrieve the top-K postings of each training query with the
current model, grade them with the relevance teacher (the reward), mine the hard negatives, train
on the lists with the composite loss (`jobsearch.ranking.losses.RetrievalLoss`). Training queries are the
synthetic queries outside the held-out tenth; the held-out queries measure every round: recall@10
and @100 of teacher-Good postings (pooled over every round's top 100, all graded) and the cosine
histograms per teacher grade (Good/Fair/Poor should separate).
"""

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.loaders import load_job_policy, retrievable_postings, synthetic_query_splits
from assets.metadata import md_table
from assets.plots import line_plot, scatter_lines, smooth
from jobsearch.checkpoints import Checkpoint
from jobsearch.labels.policy import query_date
from jobsearch.labels.synthetic import posting_text
from jobsearch.ranking.cross_encoder import MINILM
from jobsearch.ranking.evaluation import load_ranker
from jobsearch.ranking.losses import RetrievalLoss
from jobsearch.ranking.metrics import recall_of_good
from jobsearch.retrieval.bi_encoder import BiEncoderConfig, build_bi_encoder, checkpoint_config, encode
from jobsearch.retrieval.documents import embedding_text
from jobsearch.retrieval.embeddings import RETRIEVAL_MODEL
from jobsearch.retrieval.training import MONITOR_K, RoundConfig, TeacherGrades, mine_lists, top_k, train_round
from resources import ComputeDevice, ModelStore, Scale, Warehouse

GROUP = "retrieval"
GRADE_NAMES = ["Irrelevant", "Poor", "Fair", "Good", "Excellent"]


class RetrievalModelConfig(dg.Config):
    base: str = MINILM            # "all-minilm-l6-v2" (packaged), a local folder or a hub id
    teacher: str = "relevance_teacher"  # the cross-encoder in the model store that grades mined items ("judge" works too)
    query_max_length: int = 32
    item_max_length: int = 64
    sentences: int = 3            # description sentences in a posting's text (as job_embeddings reads it)
    list_size: int = 4
    batch_queries: int = 16
    learning_rate: float = 3e-5
    weight_contrastive: float = 1.0
    weight_listnet: float = 1.0
    weight_anchor: float = 0.2
    weight_calibration: float = 1.0


def mining_corpus(postings: pd.DataFrame, size: int | None, sources: set[str], seed: int) -> pd.DataFrame:
    """The postings the rounds retrieve from: all of them, or `size` of them including every posting a
    training query was written from."""
    if size is None or size >= len(postings):
        return postings
    must = postings["posting_id"].isin(sources)
    kept = postings[must].head(size)
    rest = postings[~must].sample(size - len(kept), random_state=seed) if size > len(kept) else postings.head(0)
    return pd.concat([kept, rest]).sort_values("posting_id").reset_index(drop=True)


def by_grade(scores: np.ndarray, grades: np.ndarray) -> dict[str, np.ndarray]:
    """Scores grouped by the (rounded) teacher grade of their pair, every grade present."""
    return {name: scores[np.rint(grades) == g] for g, name in enumerate(GRADE_NAMES)}


def grade_histogram(groups: dict[str, np.ndarray], bins: np.ndarray) -> dict[str, list[float]]:
    """Share of pairs per cosine bin, one curve per grade that has pairs."""
    return {f"{name} ({len(chosen)})": (np.histogram(chosen, bins)[0] / len(chosen)).round(4).tolist()
            for name, chosen in groups.items() if len(chosen)}


@dg.asset(
    group_name=GROUP,
    kinds={"pytorch"},
    deps=["relevance_teacher", "synthetic_queries", "postings", "job_search_policy"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The bi-encoder (all-MiniLM-L6-v2 by default) fine-tuned in rounds with the relevance teacher "
    "in the loop: retrieve top-K, grade with the teacher, mine hard negatives, train with InfoNCE + ListNet "
    "(teacher) + KL to the previous round + score calibration. Per round: recall@10/100 of teacher-Good "
    "postings on held-out queries and cosine histograms per grade.",
)
def retrieval_model(context: AssetExecutionContext, config: RetrievalModelConfig, warehouse: Warehouse,
                    model_store: ModelStore, scale: Scale, device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    run_device = device.resolve()
    store = model_store.store()
    policy, _ = load_job_policy(warehouse)
    as_of = query_date(policy)
    train_queries, eval_queries = synthetic_query_splits(warehouse, sizes.retrieval_eval_queries, sizes.seed)
    postings = retrievable_postings(warehouse, sizes.retrieval_postings)
    corpus = mining_corpus(postings, sizes.retrieval_mining_postings, set(train_queries["posting_id"].dropna()), sizes.seed)
    records = corpus.to_dict("records")
    item_texts = [embedding_text(p, as_of, config.sentences) for p in records]
    teacher = load_ranker(store, config.teacher)
    grades = TeacherGrades(teacher, [posting_text(p, as_of, teacher.description_chars) for p in records], run_device)
    position = {pid: i for i, pid in enumerate(corpus["posting_id"])}

    bi_config = BiEncoderConfig(config.base, config.query_max_length, config.item_max_length)
    model, tokenizer = build_bi_encoder(bi_config)
    rounds = RoundConfig(mine_k=sizes.retrieval_mine_k, list_size=config.list_size, steps=sizes.retrieval_steps,
                         batch_queries=config.batch_queries, learning_rate=config.learning_rate, seed=sizes.seed,
                         weights={"contrastive": config.weight_contrastive, "listnet": config.weight_listnet,
                                  "anchor": config.weight_anchor, "calibration": config.weight_calibration})
    loss = RetrievalLoss(rounds.weights)
    rng = np.random.default_rng(sizes.seed)
    eval_texts = eval_queries["query"].tolist()
    stages, trained, monitor, losses = [], [], [], []
    context.log.info(f"{sizes.retrieval_rounds} rounds on {len(train_queries)} training queries, mining "
                     f"{len(corpus)} postings; {len(eval_queries)} held-out queries; teacher {config.teacher}")
    for r in range(sizes.retrieval_rounds + 1):
        item_vectors = encode(model, tokenizer, item_texts, bi_config.item_max_length, 64, run_device, context.log.info,
                              what="corpus items")
        eval_vectors = encode(model, tokenizer, eval_texts, bi_config.query_max_length, 128, run_device)
        monitor.append((eval_vectors, item_vectors, top_k(eval_vectors, item_vectors, MONITOR_K)[0]))
        stages.append({"stage": "base" if r == 0 else f"round {r}"})
        if r < sizes.retrieval_rounds:
            chosen = train_queries.iloc[np.sort(rng.choice(len(train_queries), min(sizes.retrieval_queries,
                                                                                    len(train_queries)), replace=False))]
            texts = chosen["query"].tolist()
            lists = mine_lists(texts, encode(model, tokenizer, texts, bi_config.query_max_length, 128, run_device),
                               item_vectors, [position.get(p, -1) for p in chosen["posting_id"]], grades, rounds)
            context.log.info(f"round {r + 1}: mined {len(texts)} lists, {(lists.positive >= 0).mean():.0%} with a "
                             f"Good positive; training {rounds.steps} steps")
            result = train_round(model, tokenizer, lists, item_texts, rounds, bi_config, loss, run_device,
                                 context.log.info)
            losses += result.losses
            # the round's training figures go on the row of the model it produced
            trained.append({"mined_queries": len(texts),
                            "mined_good_at_k": round(float((lists.retrieved_grades >= rounds.good_grade).mean()), 4),
                            "lists_with_positive": round(float((lists.positive >= 0).mean()), 4),
                            "train_seconds": round(result.seconds, 1),
                            **{f"loss_{k}": round(float(np.mean([h[k] for h in result.losses[-10:]])), 4)
                               for k in result.losses[-1]}})
    for stage, info in zip(stages[1:], trained):
        stage.update(info)

    # pool every stage's held-out top 100, grade the pool with the teacher, score each stage against it
    pooled = [sorted(set().union(*(set(m[2][qi].tolist()) for m in monitor))) for qi in range(len(eval_texts))]
    pool_grades = [grades([q] * len(items), items) for q, items in zip(eval_texts, pooled)]
    good = [{i for i, g in zip(items, gs) if g >= rounds.good_grade} for items, gs in zip(pooled, pool_grades)]
    bins = np.linspace(-0.2, 1.0, 25)
    histograms = {}
    for stage, (q_vecs, i_vecs, retrieved) in zip(stages, monitor):
        stage["heldout_recall_at_10"] = round(recall_of_good(retrieved, good, 10), 4)
        stage[f"heldout_recall_at_{MONITOR_K}"] = round(recall_of_good(retrieved, good, MONITOR_K), 4)
        cos = np.concatenate([i_vecs[items] @ q_vecs[qi] for qi, items in enumerate(pooled)])
        groups = by_grade(cos, np.concatenate(pool_grades))
        for name, chosen in groups.items():
            stage[f"mean_cos_{name.lower()}"] = round(float(chosen.mean()), 4) if len(chosen) else None
        histograms[stage["stage"]] = grade_histogram(groups, bins)

    table = pd.DataFrame(stages)
    final = stages[-1]
    metrics = {"rounds": sizes.retrieval_rounds, "corpus": len(corpus), "eval_queries": len(eval_texts),
               "eval_queries_with_good": sum(1 for g in good if g), "teacher": config.teacher, "base": config.base,
               **{k: v for k, v in final.items() if k.startswith("heldout_") or k.startswith("mean_cos_")},
               "base_recall_at_100": stages[0][f"heldout_recall_at_{MONITOR_K}"],
               "final_loss": round(float(np.mean([h["total"] for h in losses[-10:]])), 4) if losses else None,
               "loss_finite": bool(all(np.isfinite(h["total"]) for h in losses))}
    checkpoint = Checkpoint(weights=model.state_dict(), config=checkpoint_config(model, bi_config),
                            metrics=metrics, step=len(losses))
    version = store.save(RETRIEVAL_MODEL, checkpoint)
    centers = ((bins[1:] + bins[:-1]) / 2).round(3).tolist()
    return dg.MaterializeResult(metadata={
        **{k: v for k, v in metrics.items() if v is not None},
        "checkpoint_version": version,
        "rounds_table": md_table(table),
        **{f"score_histogram_{key}": scatter_lines({g: (centers, v) for g, v in histograms[stage].items()},
                                                   f"cosine by teacher grade, {stage} (held-out pool)", "cosine",
                                                   "share of pairs", markers=False)
           for key, stage in (("base", "base"), ("final", final["stage"]))},
        "training_loss": line_plot({k: smooth([h[k] for h in losses]) for k in (losses[0] if losses else {})},
                                   "retrieval model (all rounds)", "step", "loss"),
    })


@dg.asset_check(asset=RETRIEVAL_MODEL, blocking=True,
                description="The saved bi-encoder trained with finite losses and its held-out recall figures are "
                "valid proportions (undefined only when no held-out query has a teacher-Good posting, which the WARN "
                "check reports).")
def retrieval_model_valid(model_store: ModelStore) -> dg.AssetCheckResult:
    m = model_store.store().load(RETRIEVAL_MODEL).metrics
    problems = []
    if not m["loss_finite"]:
        problems.append("a training loss was not finite")
    for key in ("heldout_recall_at_10", f"heldout_recall_at_{MONITOR_K}"):
        undefined = m["eval_queries_with_good"] == 0 and np.isnan(m[key])
        if not (undefined or 0 <= m[key] <= 1):
            problems.append(f"{key} = {m[key]}")
    return dg.AssetCheckResult(passed=not problems, description="; ".join(problems) or "trained and measured",
                               metadata={k: float(m[k]) for k in ("heldout_recall_at_10", f"heldout_recall_at_{MONITOR_K}",
                                                                  "base_recall_at_100", "eval_queries_with_good")})


@dg.asset_check(asset=RETRIEVAL_MODEL,
                description="Fine-tuning raises held-out recall@100 of teacher-Good postings over the base model.")
def retrieval_model_beats_base(model_store: ModelStore) -> dg.AssetCheckResult:
    m = model_store.store().load(RETRIEVAL_MODEL).metrics
    final, base = m[f"heldout_recall_at_{MONITOR_K}"], m["base_recall_at_100"]
    if m["eval_queries_with_good"] == 0:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                   description="no held-out query has a teacher-Good posting in the pool: recall is "
                                   "undefined (too few held-out queries or a weak teacher)")
    return dg.AssetCheckResult(passed=bool(final > base), severity=dg.AssetCheckSeverity.WARN, description=f"recall@100 {final} vs base {base}",
                               metadata={"final": final, "base": base})
