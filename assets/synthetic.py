"""Synthetic queries written from postings and profiles, and synthetic grades of query-posting pairs."""


import json

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd

from assets.loaders import load_job_policy
from assets.metadata import md_table, preview
from assets.plots import confusion_plot
from jobsearch.labels.golden import held_queries, normalize_query, pair_leaks, query_leaks
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


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["postings", "member_profiles", "geo", "golden_sets"],
    description="Natural-language job queries written from postings and member profiles: a typed seed "
    "(title, location, skill, remote, pay, company, seniority, recency, compound, profile) rewritten by "
    "the LLM as a person would type it; a rewrite that drops or invents a constraint is rejected and "
    "the seed kept. Deduplicated; a query equal to a golden dev or test query is dropped. Each keeps its "
    "source item, type and generator.",
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
    frame = frame.loc[~frame["query"].map(normalize_query).duplicated()].reset_index(drop=True)
    held = held_queries(warehouse.read_table("golden_job_search"))
    golden_text = frame["query"].map(normalize_query).isin(held)
    frame = frame.loc[~golden_text].reset_index(drop=True)
    frame.insert(0, "query_id", [f"sq-{i:06d}" for i in range(len(frame))])
    warehouse.write_table("synthetic_queries", frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "duplicates_removed": before - len(frame) - int(golden_text.sum()),
            "golden_dev_test_queries_dropped": int(golden_text.sum()),
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
    "graded against the job-search policy as a 5-way distribution. The grader also grades the golden dev "
    "and test pairs (table grader_on_golden) so its agreement is reported beside every model's: dev is "
    "where the rubric is calibrated (in-sample), test is blind.",
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
    held = golden[golden["split"].isin(["dev", "test"])].reset_index(drop=True)
    golden_probs, _ = grade_pairs(held, by_id, policy, grader_context, parser, llm)
    on_golden = held[["query_id", "query", "posting_id", "split", "grade"]].assign(
        grader_grade=golden_probs.argmax(axis=1), grader_expected=(golden_probs @ np.arange(5)).round(4),
        grader=llm.grader_name())
    warehouse.write_table("grader_on_golden", on_golden)

    pairs["probs"] = list(probabilities.round(5))
    pairs["grade"] = probabilities.argmax(axis=1)
    pairs["expected_grade"] = (probabilities @ np.arange(5)).round(4)
    pairs["levels"] = levels
    pairs["grader"] = llm.grader_name()
    pairs["policy_sha256"] = policy_sha
    warehouse.write_table("synthetic_grades", pairs)

    scores = {split: agreement(part["grade"].to_numpy(), part["grader_grade"].to_numpy())
              for split, part in on_golden.groupby("split")}
    test = on_golden[on_golden["split"] == "test"]
    shown = test if len(test) else on_golden
    matrix = confusion(shown["grade"].to_numpy(), shown["grader_grade"].to_numpy())
    histogram = pairs["grade"].value_counts().reindex(range(5), fill_value=0)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(pairs),
            "grader": llm.grader_name(),
            "policy_sha256": policy_sha,
            "queries": int(pairs["query_id"].nunique()),
            "grade_histogram": md_table(histogram.rename_axis("grade").rename("pairs").reset_index()),
            "grade_by_candidate_kind": md_table(pd.crosstab(pairs["candidate_kind"], pairs["grade"]).reset_index()),
            **{f"golden_{split}_{k}": v for split, s in scores.items() for k, v in s.items()
               if k in ("qwk", "accuracy", "within_one", "pairs")},
            "golden_agreement": md_table(pd.DataFrame([{"split": split, **s} for split, s in scores.items()])),
            "golden_confusion": confusion_plot(matrix, f"{llm.grader_name()} vs golden {'test' if len(test) else 'dev'}"),
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
    duplicates = int(frame["query"].map(normalize_query).duplicated().sum())
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


@dg.asset_check(asset="synthetic_queries", blocking=True,
                description="No synthetic query (normalized text) is a golden dev or test query: those are "
                "for tuning and evaluation only. Names every leaked row.")
def synthetic_queries_disjoint_from_golden(warehouse: Warehouse) -> dg.AssetCheckResult:
    leaks = query_leaks(warehouse.read_table("synthetic_queries"), warehouse.read_table("golden_job_search"),
                        "synthetic query")
    return _leak_result(leaks, "synthetic queries")


@dg.asset_check(asset="synthetic_grades", blocking=True,
                description="The judge's synthetic training pairs hold no golden dev/test query and no golden "
                "test pair. Names every leaked row.")
def synthetic_grades_disjoint_from_golden(warehouse: Warehouse) -> dg.AssetCheckResult:
    golden = warehouse.read_table("golden_job_search")
    grades = warehouse.read_table("synthetic_grades", ["query_id", "query", "posting_id"])
    queries = grades.drop_duplicates("query_id")
    return _leak_result(query_leaks(queries, golden, "graded query") + pair_leaks(grades, golden, "graded"),
                        "synthetic grades")


def _leak_result(leaks: list[str], what: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not leaks,
        description=(f"{len(leaks)} leaks into {what}: " + "; ".join(leaks[:5])) if leaks
        else f"no golden dev/test query or test pair in {what}",
        metadata={"leaks": len(leaks), "examples": dg.MetadataValue.md("\n".join(f"- {m}" for m in leaks[:20]) or "none")})
