"""Golden sets: graded query-item pairs that anchor the policy.

Rows are validated with pydantic; every problem is reported with the file, row and field so an
annotator can fix it. Every row says how its label was made (`source`: `model-annotator` or
`person`, the policy version it followed, the real date, `reviewed_by` once a person confirms it)
and which frozen split it belongs to, by query: `train` feeds training, `dev` tunes thresholds and
calibration, `test` is read by evaluation alone (the blind deep set, pooled from several systems and
graded twice). A new train/dev query is placed by `split_of` (dev when int(sha256(query_id)) % 10 < 3).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError, field_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Optional = Annotated[str | None, BeforeValidator(lambda v: (v or "").strip() or None)]
DEV_SHARE_OUT_OF_10 = 3
SPLITS = ("train", "dev", "test")
SOURCES = ("model-annotator", "person")


class _Provenance(BaseModel):
    """How a label was made, and where it may be used."""
    model_config = ConfigDict(extra="forbid")
    grade: int = Field(ge=0, le=4)
    rationale: Text
    split: Literal["train", "dev", "test"]
    source: Literal["model-annotator", "person"]
    policy_version: int = Field(ge=1)
    annotator: Text
    graded_on: date
    reviewed_by: Optional = None

    @field_validator("graded_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError(f"graded_on {value} is in the future: write the real date the label was made")
        return value


class JobGoldenRow(_Provenance):
    query_id: Text
    query: Text
    posting_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(li|gd)-\d+$")]


class PeopleGoldenRow(_Provenance):
    query_id: Text
    query: Text
    searcher_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^m\d+$")]
    member_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^m\d+$")]


JOB_COLUMNS = ["query_id", "query", "posting_id", "grade", "rationale", "split", "source", "policy_version",
               "annotator", "graded_on", "reviewed_by"]
PEOPLE_COLUMNS = ["query_id", "query", "searcher_id", "member_id", "grade", "rationale", "split", "source",
                  "policy_version", "annotator", "graded_on", "reviewed_by"]
COLUMNS = {JobGoldenRow: JOB_COLUMNS, PeopleGoldenRow: PEOPLE_COLUMNS}


@dataclass
class GoldenProblem:
    file: str
    row: int  # 1 = first data row after the header; 0 = the whole file
    field: str
    reason: str


def split_of(query_id: str) -> str:
    """The split a new train/dev query goes to (stable: adding queries never moves an existing one).
    Test queries are not placed by hash: the blind test set is written and pooled on its own."""
    bucket = int(hashlib.sha256(query_id.encode()).hexdigest(), 16) % 10
    return "dev" if bucket < DEV_SHARE_OUT_OF_10 else "train"


def load_golden(path: Path, row_model: type[BaseModel]) -> tuple[pd.DataFrame, list[GoldenProblem]]:
    """Valid rows (with their `row` number) and the problems of the others."""
    problems: list[GoldenProblem] = []
    rows = []
    expected = COLUMNS[row_model]
    if not path.exists():
        return pd.DataFrame(columns=[*expected, "row"]), [
            GoldenProblem(str(path), 0, "file", "golden set file not found")]
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if header != expected:
            problems.append(GoldenProblem(str(path), 0, "header", f"columns must be {expected}, got {header}"))
        for number, raw in enumerate(reader, start=1):
            try:
                row = row_model.model_validate({k: v for k, v in raw.items() if k in expected})
            except ValidationError as err:
                for e in err.errors(include_url=False):
                    problems.append(GoldenProblem(str(path), number, ".".join(map(str, e["loc"])), e["msg"]))
                continue
            rows.append({**row.model_dump(), "row": number})
    return pd.DataFrame(rows, columns=[*expected, "row"]), problems


def consistency_problems(frame: pd.DataFrame, path: str, item_column: str,
                         known_items: set[str], known_searchers: set[str] | None = None) -> list[GoldenProblem]:
    """Unknown ids, duplicate pairs, one query id used for two different texts."""
    problems = []
    for r in frame.itertuples():
        item = getattr(r, item_column)
        if item not in known_items:
            problems.append(GoldenProblem(path, r.row, item_column, f"{item} is not in the corpus"))
        if known_searchers is not None and r.searcher_id not in known_searchers:
            problems.append(GoldenProblem(path, r.row, "searcher_id", f"{r.searcher_id} is not in the corpus"))
    keys = ["query_id", item_column] + (["searcher_id"] if "searcher_id" in frame else [])
    for r in frame[frame.duplicated(keys, keep="first")].itertuples():
        problems.append(GoldenProblem(path, r.row, item_column, f"duplicate pair ({r.query_id}, {getattr(r, item_column)})"))
    for column, what in (("query", "query texts"), ("split", "splits")):
        values = frame.groupby("query_id")[column].nunique()
        for query_id in values[values > 1].index:
            first = int(frame.loc[frame["query_id"] == query_id, "row"].iloc[0])
            problems.append(GoldenProblem(path, first, column, f"query_id {query_id} is used for different {what}"))
    return problems


def confirmed_share(frame: pd.DataFrame) -> pd.DataFrame:
    """Per split: pairs, model-drafted pairs, and the share a person graded or confirmed."""
    person = (frame["source"] == "person") | frame["reviewed_by"].notna()
    table = frame.assign(person=person).groupby("split").agg(
        pairs=("grade", "size"), queries=("query_id", "nunique"), person_confirmed=("person", "sum"))
    table["model_drafted"] = table["pairs"] - table["person_confirmed"]
    table["person_confirmed_share"] = (table["person_confirmed"] / table["pairs"]).round(3)
    return table.reindex([s for s in SPLITS if s in table.index]).reset_index()


def grade_coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs per (split, grade), every grade present as a column."""
    table = frame.groupby(["split", "grade"]).size().unstack(fill_value=0)
    return table.reindex(columns=range(5), fill_value=0)


def normalize_query(text: str) -> str:
    """A query as the leak checks compare it: lower case, punctuation (except $ + #) as spaces, one space.

    >>> normalize_query("  Remote  Data-Engineer jobs, $150k+!")
    'remote data engineer jobs $150k+'
    """
    return re.sub(r"\s+", " ", re.sub(r"[^\w$+#]+", " ", str(text).lower())).strip()


HELD_SPLITS = ("dev", "test")


def held_queries(golden: pd.DataFrame, splits: tuple[str, ...] = HELD_SPLITS) -> dict[str, str]:
    """Normalized text -> query id of every golden query in `splits` (kept out of every training set)."""
    held = golden[golden["split"].isin(splits)]
    return dict(zip(held["query"].map(normalize_query), held["query_id"]))


def query_leaks(queries: pd.DataFrame, golden: pd.DataFrame, what: str, id_column: str = "query_id") -> list[str]:
    """One message per training query whose normalized text equals a golden dev or test query."""
    held = held_queries(golden)
    out = []
    for r in queries.itertuples(index=False):
        key = normalize_query(r.query)
        if key in held:
            out.append(f"{what} {getattr(r, id_column)} ({r.query!r}) is golden query {held[key]}")
    return out


def pair_leaks(pairs: pd.DataFrame, golden: pd.DataFrame, what: str, item_column: str = "posting_id") -> list[str]:
    """One message per training pair that is a golden test pair (same normalized query, same item)."""
    test = golden[golden["split"] == "test"]
    held = {(normalize_query(q), i): qid for q, i, qid in zip(test["query"], test[item_column], test["query_id"])}
    out = []
    for r in pairs.itertuples(index=False):
        key = (normalize_query(r.query), getattr(r, item_column))
        if key in held:
            out.append(f"{what} pair ({r.query!r}, {key[1]}) is golden test pair of {held[key]}")
    return out


READ_COLUMNS = ["query_id", "item_id", "read", "grade", "annotator", "graded_on", "rationale"]


def final_grade(grades: Sequence[int]) -> int:
    """The label of a pair from its independent reads: two reads within one grade give the lower (a
    pair is as good as its more critical reader finds it); a third, adjudicating read (taken when the
    first two are two or more apart) makes the median of three.

    >>> final_grade([3, 4]), final_grade([2, 2]), final_grade([1, 4, 3])
    (3, 2, 3)
    """
    grades = sorted(int(g) for g in grades)
    return grades[len(grades) // 2] if len(grades) >= 3 else grades[0]


def read_agreement(reads: pd.DataFrame) -> dict[str, float]:
    """Agreement of the first two independent reads (QWK, exact, within one) and how many pairs needed a
    third read: the ceiling any model can reach against these labels."""
    from jobsearch.ranking.metrics import agreement

    wide = reads.pivot_table(index=["query_id", "item_id"], columns="read", values="grade", aggfunc="first")
    both = wide.dropna(subset=[1, 2]) if {1, 2} <= set(wide.columns) else wide.iloc[0:0]
    out = agreement(both[1].astype(int).to_numpy(), both[2].astype(int).to_numpy()) if len(both) else {}
    out["adjudicated"] = int(wide[3].notna().sum()) if 3 in wide.columns else 0
    out["pairs"] = int(len(both))
    return out


def load_reads(path: Path) -> pd.DataFrame:
    """The reads file, or an empty frame when the set has no double-graded pairs yet."""
    if not path.exists():
        return pd.DataFrame(columns=READ_COLUMNS)
    frame = pd.read_csv(path, dtype={"query_id": str, "item_id": str})
    missing = set(READ_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    return frame


def reads_problems(golden: pd.DataFrame, reads: pd.DataFrame, path: str, item_column: str) -> list[GoldenProblem]:
    """Every test pair needs two independent reads (a third when they differ by two or more), and its
    golden grade must be the one `final_grade` gives."""
    problems: list[GoldenProblem] = []
    grouped = {key: part["grade"].astype(int).tolist() for key, part in reads.sort_values("read")
               .groupby(["query_id", "item_id"])}
    for r in golden[golden["split"] == "test"].itertuples():
        grades = grouped.get((r.query_id, getattr(r, item_column)))
        if grades is None or len(grades) < 2:
            problems.append(GoldenProblem(path, r.row, "grade", f"test pair ({r.query_id}, {getattr(r, item_column)}) "
                                          "needs two independent reads"))
        elif abs(grades[0] - grades[1]) >= 2 and len(grades) < 3:
            problems.append(GoldenProblem(path, r.row, "grade", f"reads {grades[:2]} of ({r.query_id}, "
                                          f"{getattr(r, item_column)}) differ by two or more: needs an adjudicating read"))
        elif final_grade(grades) != r.grade:
            problems.append(GoldenProblem(path, r.row, "grade", f"grade {r.grade} but reads {grades} give "
                                          f"{final_grade(grades)}"))
    return problems
