"""`ParsedQuery`: what one search box query asks for, in one validated model for both products.

The rule parser and the LLM backend both produce it; the serving path reads only it. Every strict
constraint carries ids the indexes understand (gazetteer city/metro/state ids, O*NET codes, enum
values, normalized employer names) and a one-line explanation for the filter chips; what could not
be resolved is listed in `unresolved`, never guessed; what is neither goes to `soft_text` for the
embedding.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jobsearch.corpus.schemas import RemoteMode, Seniority, WorkType


class Intent(StrEnum):
    JOBS = "jobs"
    PEOPLE = "people"
    LEXICAL = "lexical"


class Route(StrEnum):
    SEMANTIC = "semantic"
    LEXICAL = "lexical"


class Target(StrEnum):
    POSTINGS = "postings"
    PROFILES = "profiles"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Place(_Model):
    """A gazetteer place: a city (`id` = city id), a metro (`id` = CBSA code) or a state (`id` = code)."""

    level: Literal["city", "metro", "state"]
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    state: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    metro_id: str | None = None

    @property
    def key(self) -> str:
        """How people write it: "Seattle, WA", "metro:Seattle, WA" (the CBSA's first city), "WA"."""
        if self.level == "state":
            return self.id
        first = self.name.split(",")[0].split("-")[0].strip()
        return f"{'metro:' if self.level == 'metro' else ''}{first}, {self.state}"


class Occupation(_Model):
    """The occupation named: the phrase as written and the O*NET codes accepted as exact, best first."""

    title: str
    onet_codes: list[str] = Field(min_length=1)
    broad: bool = False

    @field_validator("onet_codes")
    @classmethod
    def _codes(cls, codes: list[str]) -> list[str]:
        import re

        bad = [c for c in codes if not re.fullmatch(r"\d{2}-\d{4}\.\d{2}", c)]
        if bad:
            raise ValueError(f"not O*NET-SOC codes: {bad}")
        return codes


class Pay(_Model):
    """Yearly USD bounds and the "above median pay" wish (median of the occupation in the metro)."""

    min_usd: float | None = Field(default=None, gt=0, lt=10_000_000)
    max_usd: float | None = Field(default=None, gt=0, lt=10_000_000)
    above_median: bool = False


class Network(_Model):
    """Connection constraints relative to the searcher."""

    max_degree: Literal[1, 2, 3] | None = None
    #: Restrict to employers where the searcher's first-degree connections work.
    connections_companies: bool = False


class AppliedFilter(_Model):
    """One strict filter as a chip: the field, its value and a one-line explanation."""

    field: str
    value: str
    explanation: str


class ParsedQuery(_Model):
    text: str
    member_id: str | None = None
    intent: Intent
    target: Target
    route: Route
    occupation: Occupation | None = None
    places: list[Place] = []
    exclude_places: list[Place] = []
    companies: list[str] = []
    exclude_companies: list[str] = []
    exclude_staffing: bool = False
    seniority: list[Seniority] = []
    work_types: list[WorkType] = []
    exclude_work_types: list[WorkType] = []
    remote_mode: RemoteMode | None = None
    pay: Pay = Pay()
    posted_within_days: int | None = Field(default=None, ge=1, le=3650)
    network: Network = Network()
    skills: list[str] = []
    lexical_terms: list[str] = []
    #: What is left for the embedding (the whole text when nothing was claimed).
    soft_text: str = ""
    #: Phrases that ask for a constraint no field can check ("in London", "at Acme Rockets Inc").
    unresolved: list[str] = []
    #: Which parser produced it: "rules", or "llm:<model>" (possibly "llm:<model>+rules" on fallback).
    backend: str = "rules"

    @field_validator("seniority")
    @classmethod
    def _known_level(cls, levels: list[Seniority]) -> list[Seniority]:
        if Seniority.UNKNOWN in levels:
            raise ValueError("UNKNOWN is not a seniority one can ask for")
        return levels

    @model_validator(mode="after")
    def _consistent(self) -> ParsedQuery:
        if self.pay.min_usd and self.pay.max_usd and self.pay.min_usd > self.pay.max_usd:
            raise ValueError(f"pay floor {self.pay.min_usd} above ceiling {self.pay.max_usd}")
        return self

    @property
    def filters(self) -> list[AppliedFilter]:
        """The strict filters this query applies, one chip each, in reading order."""
        out: list[AppliedFilter] = []
        add = lambda field, value, why: out.append(AppliedFilter(field=field, value=str(value), explanation=why))  # noqa: E731
        if self.occupation:
            add("occupation", self.occupation.title,
                f"occupation is {self.occupation.title!r} (O*NET {', '.join(self.occupation.onet_codes[:3])}"
                f"{', ...' if len(self.occupation.onet_codes) > 3 else ''})")
        if self.places:
            add("place", " or ".join(p.key for p in self.places), f"in {' or '.join(p.name for p in self.places)}")
        for p in self.exclude_places:
            add("not_place", p.key, f"not in {p.name}")
        if self.remote_mode:
            add("remote_mode", self.remote_mode.value, f"work arrangement is {self.remote_mode.value.replace('_', '-')}")
        if self.companies:
            who = "employer" if self.target is Target.POSTINGS else "current company"
            add("company", " or ".join(self.companies), f"{who} is {' or '.join(self.companies)}")
        for c in self.exclude_companies:
            add("not_company", c, f"employer is not {c}")
        if self.exclude_staffing:
            add("not_staffing", "staffing", "excludes staffing and recruiting agencies")
        if self.seniority:
            add("seniority", ",".join(self.seniority), f"level is {' or '.join(s.value.lower().replace('_', '-') for s in self.seniority)}")
        if self.work_types:
            add("work_type", ",".join(self.work_types), f"employment is {' or '.join(w.value.lower().replace('_', '-') for w in self.work_types)}")
        if self.exclude_work_types:
            add("not_work_type", ",".join(self.exclude_work_types),
                f"employment is not {' or '.join(w.value.lower().replace('_', '-') for w in self.exclude_work_types)}")
        if self.pay.min_usd:
            add("min_pay", f"{self.pay.min_usd:.0f}", f"pays at least ${self.pay.min_usd:,.0f} a year")
        if self.pay.max_usd:
            add("max_pay", f"{self.pay.max_usd:.0f}", f"pays at most ${self.pay.max_usd:,.0f} a year")
        if self.pay.above_median:
            add("above_median_pay", "true", "pays above the median for the occupation in its metro")
        if self.posted_within_days:
            add("posted_within_days", self.posted_within_days,
                f"first listed within the last {self.posted_within_days} day{'s' if self.posted_within_days > 1 else ''}")
        if self.network.max_degree:
            add("network_degree", self.network.max_degree,
                f"within {self.network.max_degree} connection step{'s' if self.network.max_degree > 1 else ''} of you")
        if self.network.connections_companies:
            add("connections_companies", "true", "at employers where your connections work")
        return out
