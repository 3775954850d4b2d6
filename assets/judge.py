"""The judge: a cross-encoder with a 5-grade head, trained on synthetic grades plus golden train pairs."""


import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.metadata import md_table
from assets.plots import confusion_plot, line_plot, smooth
from assets.loaders import load_job_policy
from jobsearch.ranking.cross_encoder import (
    MINILM, CrossEncoderConfig, TrainConfig, build_model, checkpoint_config, expected_grade, parameter_count,
    predict_proba, soft_label_objective, throughput, train_cross_encoder,
)
from jobsearch.checkpoints import Checkpoint
from jobsearch.ranking.metrics import agreement, confusion, qwk_interval
from jobsearch.labels.policy import file_sha256, query_date
from jobsearch.labels.synthetic import posting_text
from resources import ComputeDevice, ModelStore, PolicyFiles, Scale, Warehouse

GROUP = "models"
GOLDEN_WEIGHT = 3.0      # a human-graded pair counts as much as three synthetic ones
GOLDEN_LABEL_SMOOTHING = 0.1


class JudgeConfig(dg.Config):
    base: str = MINILM  # "all-minilm-l6-v2" (shipped in a PyPI package), a local folder, or a hub id
    learning_rate: float = 2e-4
    batch_size: int = 32
    description_chars: int = 60  # how much description follows the posting's key facts
    held_out_pairs: int = 600


def judge_inputs(pairs: pd.DataFrame, postings_by_id: pd.DataFrame, as_of,
                 description_chars: int = 60) -> tuple[list[str], list[str]]:
    records = postings_by_id.loc[pairs["posting_id"]].to_dict("records")
    return pairs["query"].tolist(), [posting_text(p, as_of, description_chars) for p in records]


def predicted_grades(probabilities: np.ndarray) -> np.ndarray:
    """The ordinal decision: the expected grade, rounded (what minimizes squared grade error, which
    is what QWK weighs), rather than the most probable class."""
    return np.rint(expected_grade(probabilities)).astype(int)


def _smoothed_onehot(grades: np.ndarray) -> np.ndarray:
    onehot = np.eye(5)[grades]
    return onehot * (1 - GOLDEN_LABEL_SMOOTHING) + GOLDEN_LABEL_SMOOTHING / 5


@dg.asset(
    group_name=GROUP,
    kinds={"pytorch"},
    deps=["synthetic_grades", "golden_sets", "job_search_policy"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The relevance judge: a cross-encoder (all-MiniLM-L6-v2 base by default; any local folder or "
    "hub id by config) with a 5-grade head, fine-tuned with soft-label cross-entropy on the synthetic "
    "grades plus the golden train split. Checkpoint in the model store with its metrics and the data "
    "versions of the policy and golden set it learned from.",
)
def judge(context: AssetExecutionContext, config: JudgeConfig, warehouse: Warehouse, model_store: ModelStore,
          policy_files: PolicyFiles, scale: Scale, device: ComputeDevice) -> dg.MaterializeResult:
    sizes = scale.sizes()
    rng = np.random.default_rng(sizes.seed)
    policy, policy_sha = load_job_policy(warehouse)
    as_of = query_date(policy)
    postings = warehouse.read_table("postings").set_index("posting_id", drop=False)
    grades = warehouse.read_table("synthetic_grades")
    golden = warehouse.read_table("golden_job_search")

    # held-out synthetic queries (whole queries) measure agreement with the grader the judge learned from
    query_ids = grades["query_id"].unique()
    held_queries = set(rng.choice(query_ids, size=max(1, len(query_ids) // 10), replace=False))
    held = grades[grades["query_id"].isin(held_queries)].head(config.held_out_pairs)
    train_pool = grades[~grades["query_id"].isin(held_queries)]
    train_synth = train_pool.sample(n=min(sizes.judge_train_pairs, len(train_pool)), random_state=sizes.seed)
    golden_train = golden[golden["split"] == "train"]

    q_s, i_s = judge_inputs(train_synth, postings, as_of, config.description_chars)
    q_g, i_g = judge_inputs(golden_train, postings, as_of, config.description_chars)
    targets = np.concatenate([np.stack(train_synth["probs"].map(np.asarray).to_numpy()),
                              _smoothed_onehot(golden_train["grade"].to_numpy())])
    weights = np.concatenate([np.ones(len(q_s)), np.full(len(q_g), GOLDEN_WEIGHT)])

    ce_config = CrossEncoderConfig(base=config.base, num_layers=sizes.judge_layers, max_length=sizes.judge_max_length)
    model, tokenizer = build_model(ce_config)
    run_device = device.resolve()
    context.log.info(f"training judge on {len(q_s)} synthetic + {len(q_g)} golden pairs on {run_device}")
    result = train_cross_encoder(
        model, tokenizer, q_s + q_g, i_s + i_g, soft_label_objective(targets, weights), ce_config,
        TrainConfig(epochs=sizes.judge_epochs, batch_size=config.batch_size, learning_rate=config.learning_rate,
                    seed=sizes.seed),
        log=context.log.info, device=run_device,
    )

    # measured only against golden labels (dev gates, test is the blind report), beside the grader's own
    # agreement on the same rows: a judge worse than its grader adds nothing
    on_golden = warehouse.read_table("grader_on_golden")
    golden_scores, rows = {}, []
    for split in ("dev", "test"):
        part = on_golden[on_golden["split"] == split]
        if not len(part):
            continue
        q_t, i_t = judge_inputs(part, postings, as_of, config.description_chars)
        probs = predict_proba(model, tokenizer, q_t, i_t, ce_config.max_length, device=run_device)
        golden_scores[split] = agreement(part["grade"].to_numpy(), predicted_grades(probs))
        golden_scores[f"{split}_grader"] = agreement(part["grade"].to_numpy(), part["grader_grade"].to_numpy())
        golden_scores[f"{split}_ci"] = qwk_interval(part["grade"].to_numpy(), predicted_grades(probs),
                                                    part["query_id"].to_numpy(), seed=sizes.seed)
        rows += [{"reference": f"golden {split}", "model": "judge", **golden_scores[split],
                  "qwk_95ci": str(golden_scores[f"{split}_ci"])},
                 {"reference": f"golden {split}", "model": f"grader ({part['grader'].iloc[0]})",
                  **golden_scores[f"{split}_grader"]}]
        if split == "test" or "test" not in set(on_golden["split"]):
            shown = (part, probs)
    q_h, i_h = judge_inputs(held, postings, as_of, config.description_chars)
    held_probs = predict_proba(model, tokenizer, q_h, i_h, ce_config.max_length, device=run_device)
    grader_scores = agreement(held["grade"].to_numpy(), predicted_grades(held_probs))
    pairs_per_second = throughput(model, tokenizer, (q_h * 3)[:256], (i_h * 3)[:256], ce_config.max_length,
                                  device=run_device)
    params = parameter_count(model)

    data_versions = {
        "job_search_policy": policy_sha,
        "job_search_golden": file_sha256(policy_files.golden("job_search")),
        "people_search_golden": file_sha256(policy_files.golden("people_search")),
    }
    metrics = {
        **{f"golden_{split}_{k}": golden_scores[split][k] for split in ("dev", "test") if split in golden_scores
           for k in ("qwk", "accuracy", "within_one", "pairs")},
        **{f"grader_golden_{split}_qwk": golden_scores[f"{split}_grader"]["qwk"] for split in ("dev", "test")
           if split in golden_scores},
        **{f"golden_{split}_qwk_95ci": list(golden_scores[f"{split}_ci"]) for split in ("dev", "test")
           if split in golden_scores},
        "grader_heldout_qwk": grader_scores["qwk"], "grader_heldout_accuracy": grader_scores["accuracy"],
        "pairs_per_second": round(pairs_per_second, 1), "parameters": params,
        "train_pairs": len(q_s) + len(q_g), "train_seconds": round(result.seconds, 1),
        "final_loss": round(float(np.mean(result.losses[-20:])), 4),
    }
    version = model_store.store().save("judge", Checkpoint(
        weights=model.state_dict(), metrics=metrics,
        config={**checkpoint_config(model, ce_config), "description_chars": config.description_chars},
        data_versions=data_versions, step=result.steps,
    ))
    grader = grades["grader"].iloc[0] if len(grades) else "none"
    return dg.MaterializeResult(
        metadata={
            **{k: v for k, v in metrics.items()},
            "checkpoint_version": version,
            "base": config.base,
            "layers": model.config.num_hidden_layers,
            "description_chars": config.description_chars,
            "max_length": ce_config.max_length,
            "learned_from_grader": grader,
            "data_versions": dg.MetadataValue.json(data_versions),
            "comparison": md_table(pd.DataFrame([
                *rows, {"reference": f"held-out synthetic ({grader})", "model": "judge", **grader_scores},
            ])),
            "golden_confusion": confusion_plot(confusion(shown[0]["grade"].to_numpy(), predicted_grades(shown[1])),
                                               f"judge vs golden {shown[0]['split'].iloc[0]}"),
            "training_loss": line_plot({"loss": smooth(result.losses)}, "judge training loss", "step", "loss"),
        }
    )


@dg.asset_check(asset="judge", blocking=True,
                description="The judge agrees with the golden dev split (QWK at least the profile's "
                "min_judge_qwk; dev is where gates are set, test is only reported) and reports how it compares "
                "with the grader it learned from on the same rows.")
def judge_quality(model_store: ModelStore, scale: Scale, warehouse: Warehouse) -> dg.AssetCheckResult:
    metrics = model_store.store().load("judge").metrics
    minimum = scale.sizes().min_judge_qwk
    grades = warehouse.query("SELECT count(*) AS n FROM synthetic_grades")["n"].iloc[0]
    qwk = metrics.get("golden_dev_qwk", float("nan"))
    passed = qwk >= minimum and grades > 0
    test = (f"; blind test QWK {metrics['golden_test_qwk']} (grader {metrics['grader_golden_test_qwk']})"
            if "golden_test_qwk" in metrics else "")
    return dg.AssetCheckResult(
        passed=bool(passed),
        description=(f"judge QWK {qwk} on {metrics.get('golden_dev_pairs', 0)} golden dev pairs "
                     f"({'>=' if passed else '<'} {minimum}; grader on the same rows "
                     f"{metrics.get('grader_golden_dev_qwk')}){test}"),
        metadata={"golden_dev_qwk": qwk, "min_judge_qwk": minimum,
                  "grader_golden_dev_qwk": metrics.get("grader_golden_dev_qwk", float("nan")),
                  "grader_heldout_qwk": metrics["grader_heldout_qwk"]},
    )
