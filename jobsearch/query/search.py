"""The search path: parse -> route -> filtered retrieval (flat index, lexical index or both fused) ->
people: relevance against network distance. The serving app wraps `Searcher`; it never trains.

`index_filters` turns a `ParsedQuery` into the flat index's hard `Filters`: levels, employment types,
pay floor, first-listed date, places that resolve to metros, wanted/excluded/staffing employers,
strict remote or on-site, and "employers where my connections work". State-level places, hybrid and
mostly-remote wishes, skills and the soft text are left to ranking.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from jobsearch.corpus.companies import normalize_company
from jobsearch.corpus.schemas import SENIORITY_RANK, WORK_TYPES, RemoteMode
from jobsearch.query.engine import QueryEngine
from jobsearch.query.network import NetworkExpander
from jobsearch.query.parsed import Intent, ParsedQuery, Route, Target
from jobsearch.query.people import PeopleRanker
from jobsearch.retrieval.embeddings import stable_id
from jobsearch.retrieval.flat_index import FlatIndex, Filters
from jobsearch.retrieval.lexical import LexicalTable, reciprocal_rank_fusion

MODES = ("auto", "semantic", "lexical", "hybrid")


@dataclass(frozen=True)
class EmployerIds:
    """Employer name -> index company ids, and the ids of staffing employers (from `employer_classes`)."""

    by_name: Mapping[str, frozenset[int]]
    staffing: frozenset[int]

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> EmployerIds:
        by_name: dict[str, set[int]] = {}
        for cid, norm in zip(table["company_id"], table["normalized"]):
            if isinstance(cid, str) and cid:
                by_name.setdefault(norm, set()).add(stable_id(cid))
        staffing = {stable_id(c) for c, k in zip(table["company_id"], table["employer_class"])
                    if k == "staffing" and isinstance(c, str) and c}
        return cls({k: frozenset(v) for k, v in by_name.items()}, frozenset(staffing))

    def ids(self, names: Iterable[str]) -> set[int]:
        return set().union(*(self.by_name.get(normalize_company(n), frozenset()) for n in names))


def index_filters(query: ParsedQuery, as_of: datetime, employers: EmployerIds | None = None,
                  connection_company_ids: set[int] | None = None) -> Filters:
    """The strict filters of `query` on the flat index's columns (see the module docstring)."""
    postings = query.target is Target.POSTINGS
    metros = {stable_id(p.metro_id) for p in query.places if p.metro_id}
    whole = metros and all(p.metro_id for p in query.places)  # a state-level place can't be a metro filter
    not_metros = {stable_id(p.metro_id) for p in query.exclude_places if p.level in ("city", "metro") and p.metro_id}
    company_in: set[int] | None = None
    if employers is not None and query.companies:
        company_in = employers.ids(query.companies)
    if connection_company_ids is not None:
        company_in = set(connection_company_ids) if company_in is None else company_in & connection_company_ids
    company_out = set()
    if employers is not None:
        company_out |= employers.ids(query.exclude_companies)
        if query.exclude_staffing and postings:
            company_out |= employers.staffing
    listed_after = None
    if postings and query.posted_within_days is not None:
        start = pd.Timestamp(as_of) - pd.Timedelta(days=query.posted_within_days)
        listed_after = int((start - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1))
    codes = {w: i for i, w in enumerate(WORK_TYPES)}
    remote = {RemoteMode.REMOTE: True, RemoteMode.ON_SITE: False}.get(query.remote_mode) if postings else None
    return Filters(
        seniority_in={SENIORITY_RANK[str(s)] for s in query.seniority} or None,
        work_type_in=({codes[str(w)] for w in query.work_types if str(w) in codes} or None) if postings else None,
        work_type_not_in=({codes[str(w)] for w in query.exclude_work_types if str(w) in codes} or None) if postings else None,
        geo_in=metros if whole else None,
        geo_not_in=not_metros or None,
        company_in=company_in,
        company_not_in=company_out or None,
        remote=remote,
        min_salary=query.pay.min_usd if postings else None,
        listed_after=listed_after,
    )


def _is_id(terms: list[str]) -> bool:
    return bool(terms) and all(t.isdigit() or (t[:1] == "m" and t[1:].isdigit()) for t in terms)


@dataclass
class Hit:
    id: str
    score: float
    sources: list[str]
    degree: int | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    query: ParsedQuery
    route: str
    hits: list[Hit]
    filters: Filters
    timings_ms: dict[str, float]


class Searcher:
    """One product's search over published artifacts (read-only).

    `embed`: text -> unit vector with the model that built the index; `ids`: index key -> item id;
    `lexical`: the product's LexicalTable (None: lexical routes fall back to semantic);
    `profiles` + `people` + `network`: the people side (member rows by id, the ranker, the expander).
    """

    def __init__(self, engine: QueryEngine, embed: Callable[[list[str]], np.ndarray], index: FlatIndex,
                 ids: Mapping[int, str], as_of: datetime, *, lexical: LexicalTable | None = None,
                 employers: EmployerIds | None = None, network: NetworkExpander | None = None,
                 profiles: pd.DataFrame | None = None, people: PeopleRanker | None = None, candidates: int = 200) -> None:
        self.engine, self.embed, self.index, self.ids, self.as_of = engine, embed, index, ids, as_of
        self.lexical, self.employers, self.network = lexical, employers, network
        self.profiles = profiles.set_index("member_id", drop=False) if profiles is not None else None
        self.people, self.candidates = people, candidates

    def search(self, text: str, member_id: str | None = None, k: int = 10, mode: str = "auto") -> SearchResult:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        timings: dict[str, float] = {}
        t = time.perf_counter()
        query = self.engine.parse(text, member_id)
        timings["parse"] = (time.perf_counter() - t) * 1000
        route = mode if mode != "auto" else ("lexical" if query.route is Route.LEXICAL else "semantic")
        if route in ("lexical", "hybrid") and self.lexical is None:
            route = "semantic"
        connections = None
        if query.network.connections_companies and member_id and self.network is not None:
            connections = {stable_id(c) for c in self.network.connections_companies(member_id)}
        filters = index_filters(query, self.as_of, self.employers, connections)
        depth = self.candidates if self.people is not None else k
        lists: dict[str, list[tuple[str, float]]] = {}
        if query.intent is Intent.LEXICAL or route in ("lexical", "hybrid"):
            t = time.perf_counter()
            terms = " ".join(query.lexical_terms) if query.intent is Intent.LEXICAL else query.soft_text
            phrases = [p for p in query.lexical_terms if " " in p and query.intent is not Intent.LEXICAL]
            lexical_filters = Filters() if query.intent is Intent.LEXICAL else filters
            lists["lexical"] = self.lexical.search(terms, depth, lexical_filters, phrases) if self.lexical else []
            timings["lexical"] = (time.perf_counter() - t) * 1000
        if query.intent is not Intent.LEXICAL and route in ("semantic", "hybrid"):
            t = time.perf_counter()
            vector = self.embed([query.soft_text])
            keys, scores = self.index.search(vector, depth, filters)
            lists["semantic"] = [(self.ids[int(key)], float(s)) for key, s in zip(keys[0], scores[0]) if key >= 0]
            timings["semantic"] = (time.perf_counter() - t) * 1000
        if query.intent is Intent.LEXICAL and _is_id(query.lexical_terms):
            known = set(self.ids.values())
            lists = {"id": [(i, 1.0) for i in query.lexical_terms if i in known or f"li-{i}" in known]}
            lists["id"] = [(i if i in known else f"li-{i}", s) for i, s in lists["id"]]
        hits = self._merge(lists)
        if self.people is not None and query.target is Target.PROFILES and self.profiles is not None:
            t = time.perf_counter()
            hits = self._people(query, member_id, hits, lists)
            timings["people"] = (time.perf_counter() - t) * 1000
        return SearchResult(query, route, hits[:k], filters, timings)

    @staticmethod
    def _merge(lists: Mapping[str, list[tuple[str, float]]]) -> list[Hit]:
        if len(lists) == 1:
            (name, found), = lists.items()
            return [Hit(i, s, [name]) for i, s in found]
        fused = reciprocal_rank_fusion(*[[i for i, _ in found] for found in lists.values()])
        return [Hit(i, s, [n for n, found in lists.items() if any(i == j for j, _ in found)]) for i, s in fused]

    def _people(self, query: ParsedQuery, member_id: str | None, hits: list[Hit],
                lists: Mapping[str, list[tuple[str, float]]]) -> list[Hit]:
        known = [h for h in hits if h.id in self.profiles.index]
        if not known:
            return []
        semantic = dict(lists.get("semantic", []))
        if len(semantic) < len(known):  # lexical-only hits: cosine from the same embedding model
            texts = [f"{r['current_title']} {r['headline']}" for r in self.profiles.loc[[h.id for h in known]].to_dict("records")]
            q = self.embed([query.soft_text])[0]
            semantic |= {h.id: float(v @ q) for h, v in zip(known, self.embed(texts)) if h.id not in semantic}
        degrees = self.network.degrees(member_id) if (self.network is not None and member_id) else {}
        members = self.profiles.loc[[h.id for h in known]]
        ranked = self.people.rank(query, members, [semantic[h.id] for h in known], degrees)
        sources = {h.id: h.sources for h in known}
        return [Hit(m.member_id, m.utility, sources[m.member_id], m.degree, m.reasons)
                for m in ranked if m.member_id != member_id]
