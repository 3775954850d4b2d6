"""Reading materialized assets back for the assets that build on them: the parsed policy, the
evaluation tables, posting texts, the retrievable corpus and the synthetic-query split."""

from __future__ import annotations

import json

import pandas as pd

from jobsearch.labels.policy import Policy, query_date
from jobsearch.labels.synthetic import heldout, posting_text
from jobsearch.ranking.evaluation import EvalSets
from resources import Warehouse


def load_policy(warehouse: Warehouse, name: str) -> tuple[Policy, str]:
    """A parsed policy ("job_search", "people_search") and the sha256 of its file; refuses a policy that did
    not parse."""
    row = warehouse.read_table(f"policy_{name}").iloc[0]
    if not row["ok"]:
        raise ValueError(f"the {name} policy does not parse: {row['error']}")
    return Policy.model_validate(json.loads(row["policy_json"])), row["sha256"]


def load_job_policy(warehouse: Warehouse) -> tuple[Policy, str]:
    """The parsed job-search policy and the sha256 of its file."""
    return load_policy(warehouse, "job_search")


def eval_sets(warehouse: Warehouse) -> EvalSets:
    """The golden test split, the held-out distillation pairs (judge grades) and the postings."""
    policy, _ = load_job_policy(warehouse)
    golden = warehouse.query("SELECT query_id, query, posting_id, grade FROM golden_job_search WHERE split = 'test'")
    heldout_pairs = warehouse.query(
        "SELECT query_id, query, query_type, posting_id, judge_grade AS grade FROM distillation_pairs "
        "WHERE split = 'heldout' ORDER BY query_id, posting_id")
    postings = warehouse.read_table("postings").set_index("posting_id", drop=False)
    return EvalSets(golden, heldout_pairs, postings, query_date(policy))


def posting_texts(warehouse: Warehouse, pairs: pd.DataFrame, description_chars: int) -> list[str]:
    """The ranker input text of each pair's posting, as of the policy's query date."""
    policy, _ = load_job_policy(warehouse)
    as_of = query_date(policy)
    by_id = warehouse.read_table("postings").set_index("posting_id", drop=False)
    return [posting_text(p, as_of, description_chars) for p in by_id.loc[pairs["posting_id"]].to_dict("records")]


def retrievable_postings(warehouse: Warehouse, limit: int | None) -> pd.DataFrame:
    """The postings the retrieval stage embeds, in a stable order (the first `limit` when set)."""
    postings = warehouse.read_table("postings").sort_values("posting_id").reset_index(drop=True)
    return postings.head(limit) if limit is not None else postings


def retrievable_profiles(warehouse: Warehouse, limit: int | None) -> pd.DataFrame:
    """The member profiles the retrieval stage embeds, in a stable order."""
    members = warehouse.read_table("member_profiles").sort_values("member_id").reset_index(drop=True)
    return members.head(limit) if limit is not None else members


def synthetic_query_splits(warehouse: Warehouse, eval_queries: int | None, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training queries, held-out evaluation queries): the same stable tenth `distillation_pairs` holds out."""
    queries = warehouse.read_table("synthetic_queries").sort_values("query_id").reset_index(drop=True)
    held = queries["query_id"].map(heldout)
    evaluation = queries[held]
    if eval_queries is not None and len(evaluation) > eval_queries:
        evaluation = evaluation.sample(eval_queries, random_state=seed).sort_values("query_id")
    return queries[~held].reset_index(drop=True), evaluation.reset_index(drop=True)
