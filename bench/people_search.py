"""People search on the people golden set: utility vs relevance-only vs distance-only vs random.

    .venv/bin/python bench/people_search.py [--warehouse .data/warehouse.duckdb] [--model all-minilm-l6-v2]

The same measurement as the `people_search_eval` asset, without Dagster: reads the members and the
graph from a materialized warehouse (any profile: every profile has the same 5,000 simulated members)
and the golden file from `policies/golden/`, embeds query soft text and profiles with `--model` (off
the shelf by default; the asset uses the model that built `profile_embeddings`), chooses the network
weight on dev and prints the test table with 95% intervals and paired tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from jobsearch.labels.golden import PeopleGoldenRow, load_golden  # noqa: E402
from jobsearch.labels.policy import load_policy  # noqa: E402
from jobsearch.query.engine import parse  # noqa: E402
from jobsearch.query.network import adjacency, degrees  # noqa: E402
from jobsearch.query.people import PeopleRanker, choose_weight, compare, score_pools  # noqa: E402
from jobsearch.retrieval.documents import profile_text  # noqa: E402
from jobsearch.retrieval.embeddings import Embedder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", default=str(ROOT / ".data" / "warehouse.duckdb"))
    ap.add_argument("--model", default="all-minilm-l6-v2")
    args = ap.parse_args()
    with duckdb.connect(args.warehouse, read_only=True) as con:
        members = con.execute("SELECT * FROM member_profiles").df()
        edges = con.execute("SELECT src, dst FROM member_graph").df()
        related_rows = con.execute("SELECT onet_code, related_code FROM occupation_related").df()
    related: dict[str, set[str]] = {}
    for a, b in zip(related_rows["onet_code"], related_rows["related_code"]):
        related.setdefault(a, set()).add(b)
        related.setdefault(b, set()).add(a)
    golden, problems = load_golden(ROOT / "policies" / "golden" / "people_search.csv", PeopleGoldenRow)
    if problems:
        raise SystemExit(f"{len(problems)} invalid golden rows, e.g. {problems[0]}")
    queries = golden.drop_duplicates("query_id")
    parsed = {q.query_id: parse(q.query, q.searcher_id) for q in queries.itertuples()}
    embedder = Embedder.from_base(args.model)
    by_id = members.set_index("member_id", drop=False)
    needed = list(golden["member_id"].unique())
    vectors = dict(zip(needed, embedder.items([profile_text(by_id.loc[m].to_dict()) for m in needed])))
    qvec = dict(zip(queries["query_id"], embedder.queries([parsed[q].soft_text for q in queries["query_id"]])))
    cosines = {(r.query_id, r.member_id): float(qvec[r.query_id] @ vectors[r.member_id]) for r in golden.itertuples()}
    neighbours = adjacency(edges)
    searcher_degrees = {s: degrees(neighbours, s, 3) for s in golden["searcher_id"].unique()}
    ranker = PeopleRanker(load_policy(ROOT / "policies" / "people_search.md"), related)
    scored = score_pools(ranker, golden, parsed, members, cosines, searcher_degrees)
    weight, curve = choose_weight(scored)
    table, claims = compare(scored, weight, "test")
    print(f"network weight chosen on dev: {weight} (expertise model: {embedder.name})\n")
    print(table.to_markdown(index=False), "\n")
    print(claims.to_markdown(index=False))


if __name__ == "__main__":
    main()
