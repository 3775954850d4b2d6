"""Scoring parses against the labelled parse set (`tests/data/parse_set_*.jsonl`, see its README).

The set is split once by a hash of the query id (`split_of`, 30% "dev"): rules are tuned by
looking at dev errors only; "test" queries are read only through the totals.

Each labelled field is a set of facts (a place, an employer, a level, "pay floor = 120000", ...);
precision, recall and F1 are counted over facts, per field and over all fields (micro). Intent,
target and route are accuracies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from jobsearch.corpus.companies import normalize_company
from jobsearch.query.parsed import ParsedQuery

FIELDS = ("occupations", "places", "exclude_places", "companies", "exclude_companies", "exclude_staffing",
          "seniority", "work_types", "exclude_work_types", "remote_mode", "min_pay_usd", "above_median_pay",
          "posted_within_days", "network_degree", "connections_companies", "skills", "lexical_terms", "unresolved")
LABEL_KEYS = ("id", "text", "intent", "target", "route", *FIELDS, "source", "written_on")


def split_of(query_id: str) -> str:
    """"dev" (tune on it) or "test" (report only), stable per id."""
    bucket = int(hashlib.sha256(query_id.encode()).hexdigest(), 16) % 10
    return "dev" if bucket < 3 else "test"


def load_parse_set(folder: Path) -> list[dict]:
    """Every labelled query of `folder/parse_set_*.jsonl` with its `split`, checked for its keys
    (errors name file and line)."""
    rows = []
    for path in sorted(Path(folder).glob("parse_set_*.jsonl")):
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [k for k in LABEL_KEYS if k not in row]
            if missing:
                raise ValueError(f"{path.name}:{n}: missing {missing}")
            rows.append({**row, "split": split_of(row["id"])})
    if not rows:
        raise FileNotFoundError(f"no labelled queries in {folder}/parse_set_*.jsonl")
    return rows


def _norm(text: str) -> str:
    return " ".join(str(text).lower().replace('"', " ").split())


def facts(field: str, value) -> set:
    """The set of facts a labelled field states."""
    if value in (None, False, [], ""):
        return set()
    if field in ("places", "exclude_places"):
        return {v.strip() for v in value}
    if field in ("companies", "exclude_companies"):
        return {normalize_company(v) for v in value}
    if field in ("skills", "lexical_terms", "unresolved"):
        return {_norm(v) for v in value}
    if field in ("seniority", "work_types", "exclude_work_types"):
        return {str(v) for v in value}
    if field == "min_pay_usd":
        return {round(float(value), -2)}
    if field == "occupations":
        return {tuple(value)}
    return {value if not isinstance(value, bool) else True}


def predicted(field: str, parsed: ParsedQuery):
    """The value of `field` in a `ParsedQuery`, in the label's form."""
    match field:
        case "occupations":
            return [parsed.occupation.onet_codes[0]] if parsed.occupation else []
        case "places":
            return [p.key for p in parsed.places]
        case "exclude_places":
            return [p.key for p in parsed.exclude_places]
        case "min_pay_usd":
            return parsed.pay.min_usd
        case "above_median_pay":
            return parsed.pay.above_median
        case "network_degree":
            return parsed.network.max_degree
        case "connections_companies":
            return parsed.network.connections_companies
        case "remote_mode":
            return parsed.remote_mode.value if parsed.remote_mode else None
        case "seniority" | "work_types" | "exclude_work_types":
            return [str(v) for v in getattr(parsed, field)]
        case _:
            return getattr(parsed, field)


def _match(field: str, label: set, guess: set) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one field of one query."""
    if field == "occupations":
        accepted = set(next(iter(label))) if label else set()
        top = {g[0] for g in guess}
        tp = int(bool(top & accepted))
        return tp, int(bool(top) and not tp), int(bool(accepted) and not tp)
    if field == "unresolved":  # a phrase matches when one contains the other
        tp = sum(any(a in b or b in a for b in guess) for a in label)
        return tp, max(len(guess) - tp, 0), len(label) - tp
    if field == "min_pay_usd":
        tp = sum(any(abs(a - b) <= 0.01 * a for b in guess) for a in label)
        return tp, len(guess) - tp, len(label) - tp
    tp = len(label & guess)
    return tp, len(guess - label), len(label - guess)


def score_parses(labels: Sequence[dict], parses: Sequence[ParsedQuery]) -> dict:
    """Accuracies, per-field P/R/F1, micro totals and example errors."""
    counts = {f: [0, 0, 0] for f in FIELDS}
    errors: dict[str, list] = {f: [] for f in FIELDS}
    right = {"intent": 0, "target": 0, "route": 0}
    for row, parsed in zip(labels, parses, strict=True):
        right["intent"] += row["intent"] == parsed.intent.value
        right["target"] += row["target"] == parsed.target.value
        right["route"] += row["route"] == parsed.route.value
        for field in FIELDS:
            value = predicted(field, parsed)
            guess = ({tuple(value)} if value else set()) if field == "occupations" else facts(field, value)
            tp, fp, fn = _match(field, facts(field, row[field]), guess)
            for i, v in enumerate((tp, fp, fn)):
                counts[field][i] += v
            if fp or fn:
                errors[field].append({"id": row["id"], "text": row["text"], "label": row[field], "parsed": value})
    n = len(labels)

    def prf(tp: int, fp: int, fn: int) -> dict:
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return {"labelled": tp + fn, "predicted": tp + fp, "precision": p, "recall": r,
                "f1": 2 * p * r / (p + r) if p + r else 0.0}

    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {"accuracy": {k: v / n for k, v in right.items()}, "fields": {f: prf(*c) for f, c in counts.items()},
            "micro": prf(*total), "errors": errors, "queries": n}
