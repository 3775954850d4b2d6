"""The policy & labels group and the judge, materialized for real on the tiny profile.

Real transformers path (SmolLM2 rewrites queries), the rubric grader, the judge training loop;
policies copied to a temp folder so the tests can edit them like a PM would.
"""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import numpy as np
import pytest
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.definitions.observe import observe
from dagster._core.loader import LoadingContextForTest

import definitions
from jobsearch import POLICIES_DIR
from jobsearch.checkpoints import CheckpointStore
from resources import LLM, ModelStore, PolicyFiles

LABEL_GROUPS = dg.AssetSelection.groups("labels", "models", "retrieval")


def _resources(corpus_run, policies_dir, llm_cache):
    _, resources = corpus_run
    resources = dict(resources)
    resources["policy_files"] = PolicyFiles(policies_dir=str(policies_dir))
    resources["llm"] = LLM(cache_dir=str(llm_cache), device="cpu")
    return resources


def _run(resources, instance, selection=LABEL_GROUPS):
    return dg.materialize([*definitions.all_assets, *definitions.all_checks], resources=resources,
                          instance=instance, selection=selection, raise_on_error=False)


def _checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


@pytest.fixture(scope="module")
def policies_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("policies") / "policies"
    shutil.copytree(POLICIES_DIR, target)
    return target


@pytest.fixture(scope="module")
def labels_run(corpus_run, policies_dir, llm_cache):
    resources = _resources(corpus_run, policies_dir, llm_cache)
    file_sources = [a for a in definitions.all_assets if not hasattr(a, "keys")]
    with dg.DagsterInstance.get() as instance:
        # observe the files first, as the sensor does, so the run records which versions it used
        observe(file_sources, instance=instance, resources={"policy_files": resources["policy_files"]})
        result = _run(resources, instance)
    return result, resources


def _failures(result) -> list[str]:
    return [f"{e.step_key}: {e.event_specific_data.error.message.strip()[:600]}"
            for e in result.all_events if e.event_type_value == "STEP_FAILURE"]


def test_labels_and_judge_materialize_with_passing_checks(labels_run):
    result, resources = labels_run
    assert result.success, _failures(result)
    assert {"job_search_policy", "people_search_policy", "golden_sets", "synthetic_queries", "synthetic_grades",
            "judge"} <= _materialized(result)
    # warnings (e.g. gradual pruning not beating one-shot on a 4-step tiny run) do not block anything
    failed = {name: e.description for name, e in _checks(result).items()
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR}
    assert failed == {}
    assert {"job_search_policy_valid", "people_search_policy_valid", "golden_sets_valid", "judge_quality"} <= set(_checks(result))


def test_synthetic_queries_grades_and_judge_outputs(labels_run):
    result, resources = labels_run
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        queries = con.execute("SELECT query_type, generator, llm_rewrite_tried FROM synthetic_queries").df()
        grades = con.execute("SELECT probs, grade, candidate_kind, grader FROM synthetic_grades").df()
    assert len(queries) >= 20 and queries["query_type"].nunique() >= 8
    assert queries["llm_rewrite_tried"].sum() == 4  # the tiny profile sends 4 seeds through SmolLM2
    probs = np.stack(grades["probs"].map(np.asarray).to_numpy())
    assert probs.shape[1] == 5 and np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert set(grades["candidate_kind"]) == {"source", "lexical", "random"}
    assert (grades["grader"] == "rubric").all()
    meta = {e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
            for e in result.get_asset_materialization_events()}
    assert 0.0 < meta["synthetic_grades"]["golden_dev_qwk"].value <= 1.0  # the grader on its calibration split
    checkpoint = CheckpointStore(resources["model_store"].root).load("judge")
    assert checkpoint.config["hf_overrides"]["num_hidden_layers"] == 2
    assert set(checkpoint.data_versions) == {"job_search_policy", "job_search_golden", "people_search_golden"}
    assert checkpoint.metrics["golden_dev_pairs"] > 100 and "grader_golden_dev_qwk" in checkpoint.metrics
    assert checkpoint.metrics["parameters"] > 1_000_000 and checkpoint.metrics["pairs_per_second"] > 0


def test_editing_a_policy_changes_its_data_version_and_marks_downstream_stale(labels_run, policies_dir):
    _, resources = labels_run
    key = dg.AssetKey("job_search_policy_file")
    sources = [a for a in definitions.all_assets if key in (a.keys if hasattr(a, "keys") else {a.key})]
    assert len(sources) == 1
    with dg.DagsterInstance.get() as instance:
        observe(sources, instance=instance, resources={"policy_files": resources["policy_files"]})
        graph = definitions.defs.resolve_asset_graph()
        resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
        before = resolver.get_current_data_version(key)
        assert resolver.get_status(dg.AssetKey("judge")) == StaleStatus.FRESH

        path = policies_dir / "job_search.md"
        path.write_text(path.read_text().replace("version: 1\n", "version: 2\n", 1))
        observe(sources, instance=instance, resources={"policy_files": resources["policy_files"]})
        resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
        after = resolver.get_current_data_version(key)
        assert after.value != before.value and len(after.value) == 64
        assert resolver.get_status(dg.AssetKey("job_search_policy")) == StaleStatus.STALE
        assert "job_search_policy_file" in str(resolver.get_stale_causes(dg.AssetKey("job_search_policy")))

        # recomputing the policy (eager automation does this in a deployment) gives it the new
        # content hash as data version, which makes the next layer stale, and so on down the graph
        result = _run(resources, instance, dg.AssetSelection.assets("job_search_policy"))
        assert result.success
        resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
        assert resolver.get_current_data_version(dg.AssetKey("job_search_policy")).value == after.value
        assert resolver.get_status(dg.AssetKey("job_search_policy")) == StaleStatus.FRESH
        for downstream in ("synthetic_grades", "judge"):
            assert resolver.get_status(dg.AssetKey(downstream)) == StaleStatus.STALE, downstream


def test_policy_sensor_requests_an_observation_only_when_a_file_changes(policies_dir):
    from sensors.policy_files import policy_files_sensor

    files = PolicyFiles(policies_dir=str(policies_dir))
    first = policy_files_sensor(dg.build_sensor_context(resources={"policy_files": files}))
    assert len(first.run_requests) == 1 and len(first.run_requests[0].asset_selection) == 4
    unchanged = policy_files_sensor(dg.build_sensor_context(cursor=first.cursor, resources={"policy_files": files}))
    assert isinstance(unchanged, dg.SkipReason)
    path = policies_dir / "people_search.md"
    path.write_text(path.read_text() + "\n<!-- annotator note -->\n")
    edited = policy_files_sensor(dg.build_sensor_context(cursor=first.cursor, resources={"policy_files": files}))
    assert [k.to_user_string() for k in edited.run_requests[0].asset_selection] == ["people_search_policy_file"]


def test_malformed_policy_fails_its_blocking_check_and_stops_downstream(corpus_run, llm_cache, tmp_path):
    broken = tmp_path / "policies"
    shutil.copytree(POLICIES_DIR, broken)
    path = broken / "job_search.md"
    path.write_text(path.read_text().replace("    weight: 0.35", "    weight: 0.95", 1))
    resources = _resources(corpus_run, broken, llm_cache)
    with dg.DagsterInstance.get() as instance:
        result = _run(resources, instance, dg.AssetSelection.assets("job_search_policy", "synthetic_grades", "judge"))
    check = _checks(result)["job_search_policy_valid"]
    assert not check.passed
    assert "job_search.md" in check.description and "field 'dimensions'" in check.description
    assert "weights must sum to 1.0" in check.description
    assert _materialized(result) == {"job_search_policy"}


def test_golden_pair_with_unknown_id_fails_its_check(corpus_run, llm_cache, tmp_path):
    edited = tmp_path / "policies"
    shutil.copytree(POLICIES_DIR, edited)
    golden = edited / "golden" / "job_search.csv"
    lines = golden.read_text().splitlines()
    lines.append("jsq-999,nurse jobs in Atlantis,li-999999999,3,made up,train,model-annotator,1,model-ann-01,2026-11-20,")
    golden.write_text("\n".join(lines) + "\n")
    resources = _resources(corpus_run, edited, llm_cache)
    with dg.DagsterInstance.get() as instance:
        result = _run(resources, instance, dg.AssetSelection.assets("golden_sets", "synthetic_grades"))
    check = _checks(result)["golden_sets_valid"]
    assert not check.passed
    assert f"job_search.csv:{len(lines) - 1}: posting_id: li-999999999 is not in the corpus" in check.description
    assert "synthetic_grades" not in _materialized(result)


def test_teachers_student_pruning_summaries_and_ranking_eval(labels_run):
    """The whole distillation stage on the tiny profile, through the real training loops."""
    from jobsearch.profiles import sizes_for
    from jobsearch.ranking.pruning import parse_schedule

    result, resources = labels_run
    expected = {"distillation_pairs", "relevance_teacher", "engagement_teacher", "teacher_labels", "student",
                "one_shot_student", "posting_summaries", "summary_student", "ranking_eval"}
    assert expected <= _materialized(result)
    checks = _checks(result)
    assert {"distillation_pairs_valid", "engagement_teacher_quality", "teacher_labels_valid",
            "student_within_ndcg_bound", "posting_summaries_valid"} <= set(checks)
    store = CheckpointStore(resources["model_store"].root)
    schedule = parse_schedule(sizes_for("tiny").prune_schedule)
    for shape in schedule:  # every pruning step is a checkpoint of exactly its shape
        step = store.load(f"student-{shape}")
        assert step.config["hf_overrides"]["num_hidden_layers"] == shape.layers
        assert step.config["hf_overrides"]["intermediate_size"] == shape.mlp_width
        assert step.metrics["final_loss"] >= 0 and 0 <= step.metrics["heldout_ndcg10"] <= 1
    assert store.load("student").config["cross_encoder"]["heads"] == {"relevance": 5, "click": 2, "apply": 2}
    assert store.load("one_shot_student").metrics["shape"] == str(schedule[-1])
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        labels = con.execute("SELECT relevance, click, apply FROM teacher_labels").df()
        train_pairs = con.execute("SELECT count(*) FROM distillation_pairs WHERE split = 'train'").fetchone()[0]
        summaries = con.execute("SELECT summary_tokens, full_tokens FROM posting_summaries").df()
        table = con.execute("SELECT * FROM ranking_eval").df()
        baselines = con.execute("SELECT * FROM ranking_eval_baselines").df().set_index("baseline")
        claims = con.execute("SELECT * FROM ranking_eval_claims").df().set_index("claim")
    assert len(labels) == train_pairs > 0
    assert np.allclose(np.stack(labels["relevance"].map(np.asarray)).sum(axis=1), 1, atol=1e-3)
    assert labels["click"].between(0, 1).all() and (labels["click"] > labels["apply"]).mean() > 0.9
    assert (summaries["summary_tokens"] <= summaries["full_tokens"]).all()
    assert summaries["full_tokens"].mean() > 3 * summaries["summary_tokens"].mean()
    assert list(table["model"]) == ["judge", "relevance_teacher", *[f"student-{s}" for s in schedule],
                                    "one_shot_student", "summary_student"]
    teacher = table.set_index("model").loc["relevance_teacher"]
    assert teacher["speedup_vs_teacher"] == 1.0 and teacher["ndcg_loss_vs_teacher"] == 0.0
    summary = table.set_index("model").loc["summary_student"]
    assert summary["input_tokens"] < teacher["input_tokens"]
    assert table["golden_ndcg10"].between(0, 1).all() and (table["pairs_per_second"] > 0).all()
    assert (table["golden_ndcg10_low"] <= table["golden_ndcg10"]).all()
    assert (table["golden_ndcg10"] <= table["golden_ndcg10_high"]).all()
    # the judge is measured on golden labels only: its held-out gains would be its own grades
    assert np.isnan(table.set_index("model").loc["judge", "heldout_ndcg10"])
    assert {"random order", "BM25 (bi-encoder fields)", "grader order (rubric)"} == set(baselines.index)
    assert (baselines["golden_ndcg10_low"] <= baselines["golden_ndcg10_high"]).all()
    assert {"student vs relevance teacher", "gradual pruning vs one-shot", "judge vs BM25"} <= set(claims.index)
    assert claims["p_value"].between(0, 1).all() and (claims["queries"] == baselines["queries"].iloc[0]).all()


def test_retrieval_model_trains_with_the_teacher_and_feeds_embeddings_index_and_eval(labels_run):
    """Teacher-in-the-loop bi-encoder rounds, embeddings from the trained model, the quality table."""
    result, resources = labels_run
    assert {"retrieval_model", "job_embeddings", "job_index", "profile_embeddings", "profile_index",
            "retrieval_eval"} <= _materialized(result)
    checks = _checks(result)
    for name in ("retrieval_model_valid", "job_embeddings_valid", "job_index_exact", "profile_embeddings_valid",
                 "profile_index_exact"):
        assert checks[name].passed, (name, checks[name].description)
    assert "retrieval_beats_baselines" in checks and "retrieval_model_beats_base" in checks  # WARN targets, measured
    store = CheckpointStore(resources["model_store"].root)
    model = store.load("retrieval_model")
    assert model.metrics["rounds"] == 2 and model.metrics["loss_finite"] and model.step == 2 * 2
    events = {e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
              for e in result.get_asset_materialization_events()}
    assert events["job_embeddings"]["model"].value == f"retrieval_model/{store.latest_version('retrieval_model')}"
    assert events["profile_embeddings"]["model"].value == events["job_embeddings"]["model"].value
    rounds = events["retrieval_model"]["rounds_table"].value
    assert "round 2" in rounds and "heldout_recall_at_100" in rounds
    with duckdb.connect(resources["warehouse"].path, read_only=True) as con:
        table = con.execute("SELECT * FROM retrieval_eval WHERE query_type = 'all'").df()
        titles = con.execute("SELECT * FROM retrieval_title_matching").df()
        claims = con.execute("SELECT * FROM retrieval_eval_claims").df()
    hybrid = "hybrid (RRF k=60: BM25 + retrieval_model (job_index))"
    methods = ["BM25 (bi-encoder fields)", "all-minilm-l6-v2 (off the shelf)", "retrieval_model (job_index)"]
    references = {"synthetic held-out (pools graded by judge)", "golden dev (annotator labels)",
                  "golden test (annotator labels)"}
    assert set(table["reference"]) == references and len(table) == 12
    assert sorted(table.loc[table["reference"] == "golden test (annotator labels)", "method"]) == sorted([*methods, hybrid])
    assert len(claims) == 3 and claims["claim"].str.startswith(hybrid).all() and claims["p_value"].between(0, 1).all()
    assert (table["queries"] > 0).all()
    assert table["ndcg_at_10"].dropna().between(0, 1).all()
    assert ((table["ndcg_at_10_low"] <= table["ndcg_at_10"]) | table["ndcg_at_10"].isna()).all()
    assert sorted(titles["method"]) == sorted(methods[1:]) and titles["accuracy_at_1"].le(titles["accuracy_at_5"]).all()
    assert (titles["queries"] == 600).all() and "retrieval_keeps_title_semantics" in checks
    # the tiny grader may find no pooled posting Good: recall is then undefined (NaN), never a made-up number
    defined = table["queries_with_good"] > 0
    assert table.loc[~defined, ["recall_at_10", "recall_at_100"]].isna().all().all()
    assert table.loc[defined, "recall_at_10"].between(0, 1).all()
    assert (table.loc[defined, "recall_at_100"] >= table.loc[defined, "recall_at_10"]).all()


def test_gates_block_a_broken_judge_and_a_broken_student(labels_run, tmp_path):
    """The same tiny chain with a judge that never learns (learning rate 0: a random grade head) and a
    student whose distillation diverges: each gate fails and nothing downstream of it is built."""
    _, resources = labels_run
    store_copy = tmp_path / "models"
    shutil.copytree(resources["model_store"].root, store_copy)
    resources = {**resources, "model_store": ModelStore(root=str(store_copy))}
    with dg.DagsterInstance.get() as instance:
        judged = dg.materialize([*definitions.all_assets, *definitions.all_checks], resources=resources,
                                instance=instance, raise_on_error=False,
                                # policy and golden sets first: earlier tests may have left broken ones parsed
                                selection=dg.AssetSelection.assets("job_search_policy", "golden_sets", "judge",
                                                                   "distillation_pairs"),
                                run_config={"ops": {"judge": {"config": {"learning_rate": 0.0}}}})
        gate = _checks(judged)["judge_quality"]
        assert not gate.passed and "golden dev" in gate.description
        assert _materialized(judged) == {"job_search_policy", "golden_sets", "judge"}  # nothing built on it

        shutil.rmtree(store_copy)
        shutil.copytree(resources_root(labels_run), store_copy)
        student = dg.materialize([*definitions.all_assets, *definitions.all_checks], resources=resources,
                                 instance=instance, raise_on_error=False,
                                 selection=dg.AssetSelection.assets("student", "one_shot_student"),
                                 run_config={"ops": {"student": {"config": {"learning_rate": 1.0}}}})
        gate = _checks(student)["student_within_ndcg_bound"]
        assert not gate.passed, gate.description
        assert _materialized(student) == {"student"}


def resources_root(labels_run) -> str:
    return labels_run[1]["model_store"].root
