"""What a job-search query asks for: the :class:`QueryIntent` the query parser returns.

Two consumers read it: the deterministic rubric grader (``policies/job_search.md`` §10 needs
each constraint the query states) and the query engine (filters + an embedding of the rest).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from jobsearch.corpus.geo import GeoMatch

__all__ = ["QueryIntent"]


@dataclass
class QueryIntent:
    """The constraints one query states. Lists are OR-alternatives unless said otherwise."""

    text: str
    #: The occupation / title phrase as written ("software engineer"), or None.
    title: str | None = None
    #: O*NET codes the title accepts as an exact match, best first (empty without a title).
    onet_codes: list[str] = field(default_factory=list)
    #: True when the title names a job family ("marketing", "healthcare"): every code is exact.
    broad_title: bool = False
    #: Skills named (lexicon display names), in order of mention. All are required (AND).
    skills: list[str] = field(default_factory=list)
    #: Places named; any of them satisfies the query.
    locations: list[GeoMatch] = field(default_factory=list)
    #: Places excluded ("not in Boston", "excluding Texas").
    exclude_locations: list[GeoMatch] = field(default_factory=list)
    #: True: remote wanted; False: on-site / in office wanted; None: not said, both said, or
    #: only "hybrid" said.
    remote: bool | None = None
    #: RemoteMode value asked for ("remote", "mostly_remote", "hybrid", "on_site"); the first
    #: stated when several are ("hybrid or remote" -> "hybrid"); None: not said.
    remote_mode: str | None = None
    #: WorkType values asked for.
    work_types: list[str] = field(default_factory=list)
    #: WorkType values excluded ("no contract roles").
    exclude_work_types: list[str] = field(default_factory=list)
    #: Seniority values asked for.
    seniority: list[str] = field(default_factory=list)
    #: Yearly USD floor ("over $150k", "$40/hr or more" = 83,200, "six figures" = 100,000).
    min_salary_usd: float | None = None
    #: Yearly USD ceiling ("under $80k", the top of a range, "around $X" + 10%).
    max_salary_usd: float | None = None
    #: "above median pay", "above-average salary", "well paid", "high paying".
    above_median_pay: bool = False
    #: Employers wanted ("at Amazon").
    companies: list[str] = field(default_factory=list)
    #: Employers excluded ("not at Amazon", "excluding Walmart").
    exclude_companies: list[str] = field(default_factory=list)
    #: Staffing / sourcing / recruiting intermediaries excluded.
    exclude_staffing: bool = False
    #: Maximum age of the posting in days at the query date.
    posted_within_days: int | None = None
    #: Remaining content words, lowercase.
    keywords: list[str] = field(default_factory=list)
    #: Phrases after a bare negation ("not night shift" -> "night shift").
    exclude_keywords: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serializable form (GeoMatch objects become dicts)."""
        return dataclasses.asdict(self)

    def copy(self) -> QueryIntent:
        """A copy whose lists can be changed without touching the parser's cache."""
        return dataclasses.replace(
            self, **{f.name: list(getattr(self, f.name)) for f in dataclasses.fields(self)
                     if isinstance(getattr(self, f.name), list)}
        )
