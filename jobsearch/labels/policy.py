"""The product policy: Markdown for people, YAML front matter for machines.

`load_policy(path)` parses the front matter into a `Policy` and raises `PolicyError` naming the
file, the line and the field when anything is off, so a PM who breaks the file learns where.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

GRADES = (0, 1, 2, 3, 4)
LABELS = {4: "Excellent", 3: "Good", 2: "Fair", 1: "Poor", 0: "Irrelevant"}
MIN_CASES = 25


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file, line and field."""


class ScaleEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grade: int = Field(ge=0, le=4)
    label: str = Field(min_length=1)
    definition: str = Field(min_length=10)


class Level(BaseModel):
    model_config = ConfigDict(extra="allow")
    match: str = Field(min_length=1)
    score: float = Field(ge=0, le=1)
    description: str = ""


class Dimension(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str = Field(min_length=1)
    weight: float = Field(gt=0, le=1)
    description: str = Field(min_length=1)
    levels: list[Level] = Field(min_length=2)

    def score_of(self, match: str) -> float:
        for level in self.levels:
            if level.match == match:
                return level.score
        raise KeyError(f"dimension {self.key!r} has no level {match!r}; levels: {[lv.match for lv in self.levels]}")


class HardConstraint(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str
    cap: int = Field(ge=0, le=4)
    description: str = ""


class Case(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    query: str = Field(min_length=1)
    item: str = Field(min_length=1)
    grade: int = Field(ge=0, le=4)
    versus: int = Field(ge=0, le=4)
    why: str = Field(min_length=1)


class Policy(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Literal["job_search", "people_search"]
    version: int | str
    query_date: date | None = None  # the "today" of graded queries (recency is measured against it)
    scale: list[ScaleEntry]
    dimensions: list[Dimension]
    hard_constraints: list[HardConstraint] = Field(default_factory=list)
    cases: list[Case]
    body: str = ""
    sha256: str = ""

    @field_validator("scale")
    @classmethod
    def _five_grades(cls, scale: list[ScaleEntry]) -> list[ScaleEntry]:
        grades = sorted(e.grade for e in scale)
        if grades != list(GRADES):
            raise ValueError(f"the scale must define grades 0-4 exactly once each, got {grades}")
        return scale

    @field_validator("dimensions")
    @classmethod
    def _weights_sum_to_one(cls, dims: list[Dimension]) -> list[Dimension]:
        total = sum(d.weight for d in dims)
        if abs(total - 1.0) > 1e-3:
            raise ValueError(f"dimension weights must sum to 1.0, got {total:.3f}")
        keys = [d.key for d in dims]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate dimension keys in {keys}")
        return dims

    @field_validator("cases")
    @classmethod
    def _enough_cases(cls, cases: list[Case]) -> list[Case]:
        if len(cases) < MIN_CASES:
            raise ValueError(f"at least {MIN_CASES} worked cases are required, got {len(cases)}")
        ids = [c.id for c in cases]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate case ids {dupes}")
        return cases

    @model_validator(mode="after")
    def _cases_neighbour_grades(self):
        for case in self.cases:
            if abs(case.grade - case.versus) != 1:
                raise ValueError(f"case {case.id}: versus must be a neighbouring grade of {case.grade}, got {case.versus}")
        return self

    def dimension(self, key: str) -> Dimension:
        for d in self.dimensions:
            if d.key == key:
                return d
        raise KeyError(f"policy {self.name} has no dimension {key!r}")

    def label(self, grade: int) -> str:
        return {e.grade: e.label for e in self.scale}[grade]

    def prompt_rubric(self) -> str:
        """The scale and dimensions as compact text for an LLM grading prompt."""
        lines = ["Grades:"]
        lines += [f"{e.grade} = {e.label}: {e.definition}" for e in sorted(self.scale, key=lambda e: -e.grade)]
        lines.append("Weigh: " + "; ".join(f"{d.key} ({d.weight:.0%}): {d.description}" for d in self.dimensions))
        return "\n".join(lines)


DEFAULT_QUERY_DATE = "2024-04-20"


def query_date(policy: Policy) -> datetime:
    """The "today" the policy grades queries on (recency is counted back from it)."""
    return datetime.fromisoformat(str(policy.query_date or DEFAULT_QUERY_DATE))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """(front matter, body, line number where the front matter starts)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise PolicyError(f"{path}:1: the file must start with a '---' line opening the YAML front matter")
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), 2
    raise PolicyError(f"{path}: the YAML front matter opened on line 1 is never closed with '---'")


def load_policy(path: Path | str) -> Policy:
    path = Path(path)
    if not path.exists():
        raise PolicyError(f"{path}: policy file not found")
    text = path.read_text(encoding="utf-8")
    front, body, first_line = split_front_matter(text, path)
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f"{mark.line + first_line}" if mark is not None else "?"
        problem = getattr(err, "problem", None) or str(err)
        raise PolicyError(f"{path}:{line}: YAML front matter does not parse: {problem}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}:{first_line}: the front matter must be a mapping of keys to values")
    try:
        policy = Policy.model_validate({**data, "body": body, "sha256": hashlib.sha256(text.encode()).hexdigest()})
    except ValidationError as err:
        problems = []
        for e in err.errors(include_url=False):
            field = ".".join(str(p) for p in e["loc"]) or "front matter"
            problems.append(f"{path}:{_line_of(front, e['loc'], first_line)}: field '{field}': {e['msg']}")
        raise PolicyError("\n".join(problems)) from None
    return policy


def _line_of(front: str, loc: tuple, first_line: int) -> str:
    """Best-effort line of the top-level key (or list item) a validation error points at."""
    lines = front.splitlines()
    if not loc:
        return str(first_line)
    key = str(loc[0])
    for i, line in enumerate(lines):
        if line.startswith(f"{key}:"):
            if len(loc) > 1 and isinstance(loc[1], int):
                count = -1
                for j in range(i + 1, len(lines)):
                    if lines[j] and not lines[j].startswith((" ", "-", "\t")):
                        break
                    if lines[j].lstrip().startswith("- ") and len(lines[j]) - len(lines[j].lstrip()) <= 2:
                        count += 1
                        if count == loc[1]:
                            return str(j + first_line)
            return str(i + first_line)
    return str(first_line)
