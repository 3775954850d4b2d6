"""Query-engine accuracy and speed on the labelled parse set (tests/data/parse_set_*.jsonl).

    .venv/bin/python bench/query_engine.py [--backend rules|llm] [--model smollm2-135m-instruct] [--limit N]

Prints, per backend: intent, target and route accuracy; per-field precision / recall / F1 over the
facts the labels state, on the dev split (rules were tuned looking at it), the test split and all;
and parse latency (p50 / p99 / mean) of first-time parses (warmed up on the golden-set queries, so
the title index is built but no labelled text is cached). Fields are
compared as sets of normalized values (places as "City, ST" / "metro:City, ST" / "ST"; employers
normalized; occupation: the parser's first code must be one the label accepts).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobsearch.query.scoring import FIELDS, load_parse_set, score_parses  # noqa: E402


def _backend(name: str, model: str):
    from jobsearch import SHIPPED_DATA
    from jobsearch.query.engine import query_engine

    rules = query_engine(str(SHIPPED_DATA))
    if name == "rules":
        return rules
    from jobsearch.labels.llm import TransformersLM
    from jobsearch.query.llm_backend import LLMQueryParser

    return LLMQueryParser(TransformersLM(model, cache_dir=ROOT / ".data" / "models"), rules)


def _warmup_queries() -> list[str]:
    import pandas as pd

    texts = []
    for name in ("job_search", "people_search"):
        texts += pd.read_csv(ROOT / "policies" / "golden" / f"{name}.csv", usecols=["query"])["query"].unique().tolist()
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["rules", "llm"], nargs="+", default=["rules"])
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--limit", type=int, default=None, help="first N labelled queries only")
    ap.add_argument("--errors", action="store_true", help="print every error on the dev split (never test)")
    args = ap.parse_args()
    labels = load_parse_set(ROOT / "tests" / "data")
    if args.limit:
        labels = labels[: args.limit]
    print(f"{len(labels)} labelled queries ({sum(r['intent'] == 'jobs' for r in labels)} jobs, "
          f"{sum(r['intent'] == 'people' for r in labels)} people, {sum(r['intent'] == 'lexical' for r in labels)} lexical)\n")
    for name in args.backend:
        engine = _backend(name, args.model)
        # builds the title index (and loads a model) on other texts, so no timed parse is a cache hit
        for text in _warmup_queries()[: None if name == "rules" else 2]:
            engine.parse(text)
        times, parsed = [], []
        for row in labels:
            start = time.perf_counter()
            parsed.append(engine.parse(row["text"]))
            times.append(time.perf_counter() - start)
        ms = np.array(times) * 1000
        splits = {s: [i for i, r in enumerate(labels) if r["split"] == s] for s in ("dev", "test")}
        reports = {s: score_parses([labels[i] for i in idx], [parsed[i] for i in idx]) for s, idx in splits.items()}
        reports["all"] = score_parses(labels, parsed)
        fallbacks = sum("+rules" in p.backend for p in parsed)
        print(f"## backend: {name}" + (f" ({fallbacks} of {len(parsed)} fell back to rules)" if name != "rules" else "") + "\n")
        print(f"p50 / p99 / mean parse latency: {np.percentile(ms, 50):.2f} / {np.percentile(ms, 99):.2f} / {ms.mean():.2f} ms\n")
        print("| measure | " + " | ".join(f"{s} ({reports[s]['queries']})" for s in reports) + " |\n|---|---|---|---|")
        for key in ("intent", "target", "route"):
            print(f"| {key} accuracy | " + " | ".join(f"{reports[s]['accuracy'][key]:.3f}" for s in reports) + " |")
        for field in (*FIELDS, "micro"):
            cells = []
            for s in reports:
                f = reports[s]["micro"] if field == "micro" else reports[s]["fields"][field]
                cells.append(f"{f['f1']:.3f} (P {f['precision']:.2f} R {f['recall']:.2f}, n={f['labelled']})")
            print(f"| {'**all fields, micro F1**' if field == 'micro' else field + ' F1'} | " + " | ".join(cells) + " |")
        if args.errors:
            print("\ndev errors (field: label -> prediction):")
            for field, errs in reports["dev"]["errors"].items():
                for e in errs:
                    print(f"  {field}: {json.dumps(e)}")
        print()


if __name__ == "__main__":
    main()
