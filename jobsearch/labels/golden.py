"""Golden sets: human-graded query-item pairs that anchor the policy.

Rows are validated with pydantic; every problem is reported with the file, row and field so an
annotator can fix it. The train/test split is deterministic per query (all pairs of a query stay
on one side): a query goes to test when int(sha256(query_id), 16) % 10 < 3.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TEST_SHARE_OUT_OF_10 = 3


class JobGoldenRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query_id: Text
    query: Text
    posting_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(li|gd)-\d+$")]
    grade: int = Field(ge=0, le=4)
    rationale: Text
    annotator: Text
    graded_on: date


class PeopleGoldenRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query_id: Text
    query: Text
    searcher_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^m\d+$")]
    member_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^m\d+$")]
    grade: int = Field(ge=0, le=4)
    rationale: Text
    annotator: Text
    graded_on: date


@dataclass
class GoldenProblem:
    file: str
    row: int  # 1 = first data row after the header; 0 = the whole file
    field: str
    reason: str


def split_of(query_id: str) -> str:
    bucket = int(hashlib.sha256(query_id.encode()).hexdigest(), 16) % 10
    return "test" if bucket < TEST_SHARE_OUT_OF_10 else "train"


def load_golden(path: Path, row_model: type[BaseModel]) -> tuple[pd.DataFrame, list[GoldenProblem]]:
    """Valid rows (with a `split` column and `row` number) and the problems of the others."""
    problems: list[GoldenProblem] = []
    rows = []
    if not path.exists():
        return pd.DataFrame(columns=[*row_model.model_fields, "split", "row"]), [
            GoldenProblem(str(path), 0, "file", "golden set file not found")]
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = list(row_model.model_fields)
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
    frame = pd.DataFrame(rows, columns=[*row_model.model_fields, "row"])
    frame["split"] = frame["query_id"].map(split_of)
    return frame, problems


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
    texts = frame.groupby("query_id")["query"].nunique()
    for query_id in texts[texts > 1].index:
        first = int(frame.loc[frame["query_id"] == query_id, "row"].iloc[0])
        problems.append(GoldenProblem(path, first, "query", f"query_id {query_id} is used for different query texts"))
    return problems


def grade_coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs per (split, grade), every grade present as a column."""
    table = frame.groupby(["split", "grade"]).size().unstack(fill_value=0)
    return table.reindex(columns=range(5), fill_value=0)
