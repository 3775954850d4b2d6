"""Candidate pools for new golden queries, TREC-style, and the cards annotators grade them from.

A pool is the union of several rankers' top results plus a few random items, so that a label set
built from it does not favour any one system: every system's top results are judged, and random
items keep the judged set from being only what some model liked. Each pooled item records which
runs retrieved it (`sources`), so an evaluation can tell pooled from unjudged results.

Cards show an annotator what the policy asks them to read (fields first, then the text), and
nothing of how any system scored the item.

    python -m jobsearch.labels.pooling jobs --queries q.jsonl --out pools/ --first-id 66
    python -m jobsearch.labels.pooling people --queries q.jsonl --out pools/ --first-id 39

reads the warehouse (`$JOBSEARCH_WAREHOUSE`, default `.data/warehouse.duckdb`) and writes
`pool.csv` (one row per query-item pair) and one markdown packet per chunk of queries. Once the
packets are graded (`<packet>.A.csv`, `<packet>.B.csv`, and `.C.csv` for pairs two grades apart),

    python -m jobsearch.labels.pooling assemble jobs --pool pools/pool.csv --reads reads/ --date 2026-12-03

replaces the test split of `policies/golden/job_search.csv` with the final grades and writes every
read to `policies/golden/reads/job_search.csv`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd


def pool(runs: Mapping[str, np.ndarray], size: int, random_items: int, n_items: int,
         rng: np.random.Generator, extra: Sequence[Sequence[int]] | None = None) -> list[list[tuple[int, str]]]:
    """Per query, `size` items: the runs' results interleaved by rank (each item once, labelled with the
    runs that reached it at that depth), then `random_items` drawn uniformly from the rest, then
    `extra[q]` items (e.g. members of the searcher's network) if given; `runs[name]` is (queries, depth).

    >>> rng = np.random.default_rng(0)
    >>> [[i for i, _ in q] for q in pool({"a": np.array([[1, 2, 3]]), "b": np.array([[2, 4, 5]])}, 4, 0, 10, rng)]
    [[1, 2, 4, 3]]
    """
    names = list(runs)
    n_queries = len(next(iter(runs.values())))
    out = []
    for q in range(n_queries):
        chosen: dict[int, set[str]] = {}
        ranked_target = size - random_items - (len(extra[q]) if extra is not None else 0)
        depth = max(len(runs[n][q]) for n in names)
        for rank in range(depth):
            for name in names:
                row = runs[name][q]
                if rank < len(row) and row[rank] >= 0:
                    item = int(row[rank])
                    if item in chosen:
                        chosen[item].add(name)
                    elif len(chosen) < ranked_target:
                        chosen[item] = {name}
        if extra is not None:
            for item in extra[q]:
                chosen.setdefault(int(item), set()).add("searcher-network")
        while len(chosen) < size and len(chosen) < n_items:
            item = int(rng.integers(n_items))
            chosen.setdefault(item, {"random"})
        out.append([(item, "+".join(sorted(sources))) for item, sources in chosen.items()])
    return out


_MY_COMPANY = re.compile(r"\bmy (?:company|employer|team)\b|same company as me|where i (?:do|work)\b", re.I)


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _money(value) -> str | None:
    return f"${value:,.0f}" if isinstance(value, (int, float)) and not math.isnan(value) else None


def posting_card(p: Mapping, as_of: datetime, description_chars: int = 1500) -> str:
    """A posting as an annotator reads it: every field the policy grades on, then the description."""
    place = ", ".join(str(x) for x in (p.get("city_name"), p.get("state_code")) if isinstance(x, str)) or "-"
    lines = [f"**{p.get('title')}** at {p.get('company_name') or '(no company)'}",
             f"- location: {place} (metro: {_text(p.get('metro_name')) or '-'}; as posted: {_text(p.get('location_raw')) or '-'})",
             f"- remote flag: {'yes' if p.get('remote') is True else 'no' if p.get('remote') is False else 'not stated'}",
             f"- employment type: {p.get('work_type') or 'not stated'}; experience level: "
             f"{p.get('seniority') if p.get('seniority') not in (None, 'UNKNOWN') else 'not stated'}"]
    lo, mid, hi = (_money(p.get(k)) for k in ("salary_min_usd", "salary_med_usd", "salary_max_usd"))
    if mid:
        estimated = " (third-party estimate)" if p.get("source") == "glassdoor" else ""
        lines.append(f"- pay (yearly USD): {lo or '?'} - {hi or '?'}, midpoint {mid}; stated per "
                     f"{str(p.get('pay_period') or 'year').lower()}{estimated}")
    else:
        lines.append("- pay: not stated")
    listed = p.get("listed_at")
    if listed is not None and pd.notna(listed):
        days = (as_of - pd.Timestamp(listed).to_pydatetime()).days
        lines.append(f"- first listed: {pd.Timestamp(listed).date()} ({days} days before the search)")
    else:
        lines.append("- first listed: unknown (this source has no dates)")
    skills = p.get("skills")
    if skills is not None and len(skills):
        lines.append("- skills listed: " + ", ".join(str(s) for s in list(skills)[:15]))
    text = " ".join(str(p.get("description") or "").split())
    cut = text[:description_chars] + (" [...]" if len(text) > description_chars else "")
    lines.append(f"- description{' (generated from the structured fields)' if p.get('description_generated') else ''}: {cut or '-'}")
    return "\n".join(lines)


def profile_card(m: Mapping, metro_name: str | None, degree: int | None, mutual: int) -> str:
    """A member profile as an annotator reads it, with the connection degree from the searcher."""
    network = {1: "1st-degree (direct connection)", 2: "2nd-degree", 3: "3rd-degree"}.get(degree or 0, "out of network (no path within 3 hops)")
    skills = m.get("skills")
    lines = [f"**{m.get('name')}**: {m.get('headline')}",
             f"- current title: {m.get('current_title')}; employer: {m.get('current_company_name') or '-'}; industry: {m.get('industry') or '-'}",
             f"- location: {metro_name or '-'} ({m.get('state_code') or '-'}); open to remote: {'yes' if m.get('open_to_remote') else 'not marked'}",
             f"- seniority tag: {m.get('seniority')}; years of experience: {m.get('years_experience')}",
             "- skills: " + (", ".join(str(s) for s in list(skills)[:15]) if skills is not None and len(skills) else "-"),
             f"- summary: {m.get('summary') or '-'}",
             f"- network: {network}" + (f", {mutual} mutual connections" if mutual else "")]
    return "\n".join(lines)


def _read_queries(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{number}: not JSON ({err})") from err
    return rows


def write_test_split(kind: str, pool_csv: Path, reads_dir: Path, graded_on: str, policy_version: int,
                     policies_dir: Path) -> tuple[int, int]:
    """Replace the test split of a golden file with the assembled reads (other splits untouched)."""
    import csv

    from jobsearch.labels.golden import JOB_COLUMNS, PEOPLE_COLUMNS, READ_COLUMNS

    name, columns = ("job_search", JOB_COLUMNS) if kind == "jobs" else ("people_search", PEOPLE_COLUMNS)
    rows, reads = assemble(pool_csv, reads_dir, kind, graded_on, policy_version)
    path = policies_dir / "golden" / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        kept = [r for r in csv.DictReader(handle) if r["split"] != "test"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(kept)
        writer.writerows(rows[columns].astype(str).to_dict("records"))
    reads_path = policies_dir / "golden" / "reads" / f"{name}.csv"
    reads_path.parent.mkdir(parents=True, exist_ok=True)
    reads["rationale"] = reads["rationale"].map(lambda t: " ".join(str(t).split()))
    reads[READ_COLUMNS].to_csv(reads_path, index=False)
    return len(rows), len(reads)


def main(argv: Sequence[str] | None = None) -> None:
    import duckdb

    from jobsearch.labels.policy import DEFAULT_QUERY_DATE
    from jobsearch.query.network import adjacency, degrees, mutual_connections
    from jobsearch.ranking.cross_encoder import MINILM
    from jobsearch.retrieval.documents import embedding_text, profile_text
    from jobsearch.retrieval.embeddings import Embedder
    from jobsearch.retrieval.lexical import BM25Index
    from jobsearch.retrieval.training import top_k

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["jobs", "people"])
    parser.add_argument("--queries", type=Path, required=True, help="JSONL with a 'query' field per line")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--first-id", type=int, required=True, help="number of the first new query id")
    parser.add_argument("--warehouse", default=os.getenv("JOBSEARCH_WAREHOUSE", ".data/warehouse.duckdb"))
    parser.add_argument("--size", type=int, default=15)
    parser.add_argument("--random", type=int, default=2)
    parser.add_argument("--network", type=int, default=2, help="people: members drawn from the searcher's 1st/2nd degree")
    parser.add_argument("--chunk", type=int, default=10, help="queries per annotation packet")
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    as_of = datetime.fromisoformat(DEFAULT_QUERY_DATE)
    queries = _read_queries(args.queries)
    con = duckdb.connect(args.warehouse, read_only=True)
    prefix = "jsq" if args.kind == "jobs" else "psq"
    if args.kind == "jobs":
        items = con.sql("SELECT * FROM postings ORDER BY posting_id").df()
        id_column, texts = "posting_id", [embedding_text(p, as_of, 3) for p in items.to_dict("records")]
    else:
        items = con.sql("SELECT p.*, g.metro_name FROM member_profiles p LEFT JOIN geo_metros g USING (metro_id) "
                        "ORDER BY member_id").df()
        id_column, texts = "member_id", [profile_text(m) for m in items.to_dict("records")]
    query_texts = [q["query"] for q in queries]
    depth = args.size
    runs = {"bm25": BM25Index.build(texts).search(query_texts, depth)[0]}
    embedder = Embedder.from_base(MINILM, 64)
    item_vectors = embedder.items(texts, log=print)
    runs["minilm"] = top_k(embedder.queries(query_texts), item_vectors, depth)[0]

    extra, searchers, neighbours = None, [None] * len(queries), None
    if args.kind == "people":
        neighbours = adjacency(con.sql("SELECT src, dst FROM member_graph").df())
        members = items["member_id"].tolist()
        row_of = {m: i for i, m in enumerate(members)}
        well_connected = [m for m in members if len(neighbours.get(m, ())) >= 8]
        colleagues = items.groupby("current_company_id")["member_id"].agg(list)
        big_employers = [ms for ms in colleagues if len(ms) >= 6]
        extra = []
        searchers = []
        for q in queries:
            about_my_company = _MY_COMPANY.search(q["query"]) is not None
            # "my company" searches need a searcher with colleagues; their pools include some of them
            group = big_employers[rng.integers(len(big_employers))] if about_my_company else well_connected
            s = str(group[rng.integers(len(group))])
            searchers.append(s)
            near = sorted(m for m in degrees(neighbours, s, 2) if m in row_of)
            picked = list(rng.choice(near, size=min(args.network, len(near)), replace=False))
            if about_my_company:
                same = [m for m in colleagues[items.loc[row_of[s], "current_company_id"]] if m != s]
                picked += list(rng.choice(same, size=min(3, len(same)), replace=False))
            extra.append(list(dict.fromkeys(row_of[m] for m in picked)))
    pools = pool(runs, args.size, args.random, len(items), rng, extra)

    rows = []
    args.out.mkdir(parents=True, exist_ok=True)
    for qi, (q, chosen) in enumerate(zip(queries, pools)):
        query_id = f"{prefix}-{args.first_id + qi:03d}"
        order = rng.permutation(len(chosen))  # annotators see candidates in random order
        for position, ci in enumerate(order):
            item, sources = chosen[ci]
            rows.append({"pair_id": f"{query_id}#{position + 1:02d}", "query_id": query_id, "query": q["query"],
                         "query_type": q.get("query_type"), "searcher_id": searchers[qi],
                         id_column: items[id_column].iloc[item], "sources": sources})
    frame = pd.DataFrame(rows)
    frame.to_csv(args.out / "pool.csv", index=False)

    by_id = items.set_index(id_column, drop=False)
    query_ids = list(dict.fromkeys(frame["query_id"]))
    for c in range(0, len(query_ids), args.chunk):
        chunk = query_ids[c:c + args.chunk]
        parts = [f"# Packet {c // args.chunk + 1:02d}: {len(chunk)} {'job' if args.kind == 'jobs' else 'people'} searches\n"]
        for query_id in chunk:
            pairs = frame[frame["query_id"] == query_id]
            parts.append(f"\n## {query_id}: \"{pairs['query'].iloc[0]}\"\n")
            searcher = pairs["searcher_id"].iloc[0]
            near: dict[str, int] = {}
            if args.kind == "people":
                near = degrees(neighbours, searcher, 3)
                s = by_id.loc[searcher]
                parts.append("Searcher (the member typing the query):\n\n" + profile_card(s, s.get("metro_name"), None, 0)
                             .replace("- network: out of network (no path within 3 hops)", "- network: (this is the searcher)") + "\n")
            for r in pairs.itertuples():
                item = by_id.loc[getattr(r, id_column)]
                card = (posting_card(item, as_of) if args.kind == "jobs" else
                        profile_card(item, item.get("metro_name"), near.get(item["member_id"]),
                                     mutual_connections(neighbours, searcher, item["member_id"])))
                parts.append(f"\n### {r.pair_id}\n{card}\n")
        (args.out / f"packet-{c // args.chunk + 1:02d}.md").write_text("\n".join(parts), encoding="utf-8")
    print(f"{len(frame)} pairs for {len(query_ids)} queries in {args.out}")


def assemble_main(argv: Sequence[str]) -> None:
    from jobsearch import POLICIES_DIR

    parser = argparse.ArgumentParser(description="write graded pools into the golden test split")
    parser.add_argument("kind", choices=["jobs", "people"])
    parser.add_argument("--pool", type=Path, required=True)
    parser.add_argument("--reads", type=Path, required=True)
    parser.add_argument("--date", required=True, help="the real date the reads were made (ISO)")
    parser.add_argument("--policy-version", type=int, default=1)
    parser.add_argument("--policies", type=Path, default=POLICIES_DIR)
    args = parser.parse_args(argv)
    rows, reads = write_test_split(args.kind, args.pool, args.reads, args.date, args.policy_version, args.policies)
    print(f"{rows} test pairs from {reads} reads written under {args.policies / 'golden'}")




def disagreements(reads: pd.DataFrame, apart: int = 2) -> list[str]:
    """Pair ids whose first two reads differ by `apart` grades or more (they need a third read)."""
    wide = reads.pivot_table(index="pair_id", columns="read", values="grade", aggfunc="first")
    return sorted(wide.index[(wide[1] - wide[2]).abs() >= apart])


def adjudication_packet(packets: Sequence[str], pair_ids: Sequence[str]) -> str:
    """A packet holding only `pair_ids`, cut from the original packets with their query headings (and
    searcher cards), so the third reader sees the same cards and nothing of the first two reads."""
    wanted = set(pair_ids)
    parts = [f"# Adjudication packet: {len(wanted)} pairs\n"]
    for text in packets:
        for query_block in text.split("\n## ")[1:]:
            header, *cards = query_block.split("\n### ")
            chosen = [c for c in cards if c.split("\n", 1)[0].strip() in wanted]
            if chosen:
                parts.append("\n## " + header.rstrip() + "\n")
                parts += ["\n### " + c.rstrip() + "\n" for c in chosen]
    return "\n".join(parts)


def assemble(pool_csv: Path, reads_dir: Path, kind: str, graded_on: str, policy_version: int,
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Golden test rows and the reads behind them from a pool and its reads (`<packet>.{A,B,C}.csv`:
    pair_id, grade, rationale). A/B are the independent reads, C the adjudicating one. Reads of a
    re-read packet (any name other than `packet-NN`, e.g. pairs re-read with reference data the first
    packet lacked) replace the same pairs' reads of the same letter."""
    from jobsearch.labels.golden import final_grade

    pool = pd.read_csv(pool_csv, dtype=str)
    item = "posting_id" if kind == "jobs" else "member_id"
    reads = []
    paths = sorted(reads_dir.glob("*.csv"), key=lambda p: (not p.stem.startswith("packet-"), p.name))
    for path in paths:
        packet, letter = path.stem.split(".")
        frame = pd.read_csv(path, dtype={"pair_id": str, "rationale": str})
        frame["read"] = {"A": 1, "B": 2, "C": 3}[letter]
        frame["annotator"] = f"model-ann-{kind[0]}{packet.replace('packet-', '')}{letter.lower()}"
        reads.append(frame)
    reads = (pd.concat(reads, ignore_index=True).drop_duplicates(["pair_id", "read"], keep="last")
             .merge(pool, on="pair_id", how="inner"))
    rows = []
    for pair_id, part in reads.sort_values("read").groupby("pair_id", sort=False):
        grades = part["grade"].astype(int).tolist()
        final = final_grade(grades)
        source = part[part["grade"].astype(int) == final].iloc[0]
        first = part.iloc[0]
        row = {"query_id": first["query_id"], "query": first["query"]}
        if kind == "people":
            row["searcher_id"] = first["searcher_id"]
        rows.append({**row, item: first[item], "grade": final, "rationale": " ".join(str(source["rationale"]).split()),
                     "split": "test", "source": "model-annotator", "policy_version": policy_version,
                     "annotator": "+".join(part["annotator"]), "graded_on": graded_on, "reviewed_by": ""})
    rows = sorted(rows, key=lambda r: (r["query_id"], r[item]))
    out_reads = reads.assign(item_id=reads[item], graded_on=graded_on)[
        ["query_id", "item_id", "read", "grade", "annotator", "graded_on", "rationale"]]
    return pd.DataFrame(rows), out_reads.sort_values(["query_id", "item_id", "read"]).reset_index(drop=True)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["assemble"]:
        assemble_main(sys.argv[2:])
    else:
        main()
