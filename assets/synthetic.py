"""Synthetic queries written from postings and profiles, and synthetic grades of query-posting pairs."""


import json
import re

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.loaders import load_job_policy
from assets.metadata import md_table, preview
from assets.plots import confusion_plot
from jobsearch.labels.policy import Policy, query_date
from jobsearch.labels.rubric import GradeContext, RubricGrader
from jobsearch.query.parser import QueryParser, query_parser
from jobsearch.ranking.metrics import agreement, confusion
from jobsearch.retrieval.lexical import posting_bm25
from jobsearch.labels.synthetic import (
    accept_rewrite, candidate_pairs, plausible_query, grading_prompt, posting_text, rewrite_prompt, seed_queries,
)
from resources import LLM, Scale, SourceFiles, Warehouse

GROUP = "labels"


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w$+#]+", " ", text.lower())).strip()


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["postings", "member_profiles", "geo"],
    description="Natural-language job queries written from postings and member profiles: a typed seed "
    "(title, location, skill, remote, pay, company, seniority, recency, compound, profile) rewritten by "
    "the LLM as a person would type it; a rewrite that drops or invents a constraint is rejected and "
    "the seed kept. Deduplicated; each keeps its source item, type and generator.",
)
def synthetic_queries(context: AssetExecutionContext, warehouse: Warehouse, llm: LLM, scale: Scale,
                      sources: SourceFiles) -> dg.MaterializeResult:
    sizes = scale.sizes()
    postings = warehouse.read_table("postings")
    profiles = warehouse.query(
        "SELECT m.*, c.city AS city_name FROM member_profiles m LEFT JOIN geo_cities c USING (city_id)")
    seeds = seed_queries(postings, profiles, sizes.synthetic_queries, sizes.seed)
    frame = pd.DataFrame([vars(s) for s in seeds]).rename(columns={"text": "seed_text"})
    frame["query"] = frame["seed_text"]
    frame["generator"] = "template"
    parser = query_parser(str(sources.data_path))

    n_rewrite = min(sizes.llm_rewrites, len(frame))
    accepted = 0
    generator_name = "none"
    if n_rewrite and llm.generator != "none":
        rng = np.random.default_rng(sizes.seed)
        chosen = np.sort(rng.choice(len(frame), size=n_rewrite, replace=False))
        model = llm.generator_model_instance()
        generator_name = model.name
        context.log.info(f"rewriting {n_rewrite} seed queries with {model.name}")
        rewrites = model.generate([rewrite_prompt(t) for t in frame.loc[chosen, "seed_text"]], max_tokens=32,
                                  temperature=0.7)
        for index, text in zip(chosen, rewrites):
            seed_text = frame.at[index, "seed_text"]
            if plausible_query(text, seed_text) and accept_rewrite(parser.parse(seed_text), parser.parse(text)):
                frame.at[index, "query"] = text
                frame.at[index, "generator"] = model.name
                accepted += 1
        frame.loc[chosen, "llm_rewrite_tried"] = True
    frame["llm_rewrite_tried"] = frame.get("llm_rewrite_tried", pd.Series(False, index=frame.index)).fillna(False)

    before = len(frame)
    frame = frame.loc[~frame["query"].map(_normalized).duplicated()].reset_index(drop=True)
    frame.insert(0, "query_id", [f"sq-{i:06d}" for i in range(len(frame))])
    warehouse.write_table("synthetic_queries", frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "duplicates_removed": before - len(frame),
            "query_types": md_table(frame["query_type"].value_counts().rename_axis("type").reset_index()),
            "generator": generator_name,
            "llm_rewrites_tried": n_rewrite,
            "llm_rewrites_accepted": accepted,
            "llm_acceptance_rate": round(accepted / n_rewrite, 4) if n_rewrite else 0.0,
            "examples": preview(frame.groupby("query_type").head(2), columns=["query_type", "query", "seed_text",
                                                                              "generator"], rows=24, width=90),
        }
    )


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["synthetic_queries", "postings", "job_search_policy", "golden_sets", "occupations"],
    automation_condition=dg.AutomationCondition.eager(),
    description="Query x candidate pairs (the source posting, BM25 hard negatives, random negatives), each "
    "graded against the job-search policy as a 5-way distribution. Metadata: grade histogram, grader "
    "agreement with the golden test split (QWK, exact, within-one) and a confusion matrix.",
)
def synthetic_grades(context: AssetExecutionContext, warehouse: Warehouse, llm: LLM, scale: Scale,
                     sources: SourceFiles) -> dg.MaterializeResult:
    sizes = scale.sizes()
    policy, policy_sha = load_job_policy(warehouse)
    postings = warehouse.read_table("postings")
    queries = warehouse.read_table("synthetic_queries")
    golden = warehouse.read_table("golden_job_search")
    parser = query_parser(str(sources.data_path))

    index = posting_bm25(postings)
    pairs = candidate_pairs(queries, postings, index.search, sizes.hard_negatives, sizes.random_negatives, sizes.seed)
    pairs = pairs.merge(queries[["query_id", "query", "query_type"]], on="query_id")
    context.log.info(f"grading {len(pairs)} pairs with {llm.grader_name()}")

    by_id = postings.set_index("posting_id", drop=False)
    grader_context = GradeContext.from_tables(warehouse.read_table("occupation_related"), postings, query_date(policy))
    probabilities, levels = grade_pairs(pairs, by_id, policy, grader_context, parser, llm)
    golden_probs, _ = grade_pairs(golden[golden["split"] == "test"], by_id, policy, grader_context, parser, llm)
    golden_test = golden[golden["split"] == "test"]

    pairs["probs"] = list(probabilities.round(5))
    pairs["grade"] = probabilities.argmax(axis=1)
    pairs["expected_grade"] = (probabilities @ np.arange(5)).round(4)
    pairs["levels"] = levels
    pairs["grader"] = llm.grader_name()
    pairs["policy_sha256"] = policy_sha
    warehouse.write_table("synthetic_grades", pairs)

    predicted = golden_probs.argmax(axis=1)
    scores = agreement(golden_test["grade"].to_numpy(), predicted)
    matrix = confusion(golden_test["grade"].to_numpy(), predicted)
    histogram = pairs["grade"].value_counts().reindex(range(5), fill_value=0)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(pairs),
            "grader": llm.grader_name(),
            "policy_sha256": policy_sha,
            "queries": int(pairs["query_id"].nunique()),
            "grade_histogram": md_table(histogram.rename_axis("grade").rename("pairs").reset_index()),
            "grade_by_candidate_kind": md_table(pd.crosstab(pairs["candidate_kind"], pairs["grade"]).reset_index()),
            "golden_test_qwk": scores["qwk"],
            "golden_test_accuracy": scores["accuracy"],
            "golden_test_within_one": scores["within_one"],
            "golden_test_pairs": scores["pairs"],
            "golden_test_confusion": confusion_plot(matrix, f"{llm.grader_name()} vs golden test (QWK {scores['qwk']})"),
        }
    )


def grade_pairs(pairs: pd.DataFrame, postings_by_id: pd.DataFrame, policy: Policy, grader_context: GradeContext,
                parser: QueryParser, llm: LLM) -> tuple[np.ndarray, list[str]]:
    """(n, 5) grade distributions and, for the rubric, the levels behind each grade."""
    if len(pairs) == 0:
        return np.zeros((0, 5)), []
    records = postings_by_id.loc[pairs["posting_id"]].to_dict("records")
    model = llm.grader_model_instance()
    if model is None:
        grader = RubricGrader(policy, grader_context)
        intents = {q: parser.parse(q) for q in pairs["query"].unique()}
        graded = [grader.grade(intents[q], p) for q, p in zip(pairs["query"], records)]
        return np.stack([g.probabilities for g in graded]), [json.dumps(g.levels) for g in graded]
    rubric_text = policy.prompt_rubric()
    prompts = [grading_prompt(rubric_text, q, posting_text(p, grader_context.query_date))
               for q, p in zip(pairs["query"], records)]
    return model.grade(prompts), [""] * len(prompts)



@dg.asset_check(asset="synthetic_queries", blocking=True,
                description="Ids unique, queries non-empty and deduplicated, at least 8 query types.")
def synthetic_queries_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    from jobsearch.corpus.quality import run_suite

    frame = warehouse.read_table("synthetic_queries")
    report = run_suite(frame, "synthetic_queries", lambda E: [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectColumnValuesToBeUnique(column="query_id"),
        E.ExpectColumnValueLengthsToBeBetween(column="query", min_value=3),
        E.ExpectColumnUniqueValueCountToBeBetween(column="query_type", min_value=8),
        E.ExpectColumnValuesToBeInSet(column="source_kind", value_set=["posting", "member"]),
    ])
    duplicates = int(frame["query"].map(_normalized).duplicated().sum())
    return dg.AssetCheckResult(passed=report.success and duplicates == 0,
                               description=report.summary() + (f"; {duplicates} duplicate queries" if duplicates else ""),
                               metadata={"expectations": dg.MetadataValue.md(report.markdown())})


@dg.asset_check(asset="synthetic_grades", blocking=True,
                description="Every pair references a known query and posting; distributions sum to 1; "
                "every grade occurs.")
def synthetic_grades_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    from jobsearch.corpus.quality import run_suite

    grades = warehouse.read_table("synthetic_grades")
    queries = warehouse.read_table("synthetic_queries", ["query_id"])["query_id"].tolist()
    postings = warehouse.read_table("postings", ["posting_id"])["posting_id"].tolist()
    probs = np.stack(grades["probs"].map(np.asarray).to_numpy()) if len(grades) else np.zeros((0, 5))
    frame = grades.drop(columns=["probs"]).assign(prob_sum=probs.sum(axis=1))
    report = run_suite(frame, "synthetic_grades", lambda E: [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectColumnValuesToBeInSet(column="query_id", value_set=queries),
        E.ExpectColumnValuesToBeInSet(column="posting_id", value_set=postings),
        E.ExpectColumnValuesToBeBetween(column="prob_sum", min_value=0.999, max_value=1.001),
        E.ExpectColumnDistinctValuesToContainSet(column="grade", value_set=[0, 1, 2, 3, 4]),
        E.ExpectCompoundColumnsToBeUnique(column_list=["query_id", "posting_id"]),
    ])
    return dg.AssetCheckResult(passed=report.success, description=report.summary(),
                               metadata={"expectations": dg.MetadataValue.md(report.markdown())})
