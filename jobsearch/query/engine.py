"""The query engine: one `parse(text, member_id=None)` for both products.

Steps, each a small module:

1. quoted phrases, posting ids and member ids (`intent`);
2. network phrases ("my connections", "jobs where a friend of mine works") and person cues
   ("who knows a lot about", "experts in") are read and hidden from the job parser (`network`,
   `intent`), so they never become keywords or titles;
3. the rule parser reads titles, places, employers, levels, pay, dates and the rest (`parser`);
4. intent, target and route are decided from what was resolved (`intent.classify`);
5. everything becomes a validated `ParsedQuery` with ids, explanations and the unresolved phrases.

`QueryEngine.parse` is pure and cached per (text, member_id); the network itself is expanded by the
search path (`jobsearch.query.network.NetworkExpander`), not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from jobsearch import SHIPPED_DATA
from jobsearch.corpus.geo import GeoMatch
from jobsearch.query import intent as intents
from jobsearch.query.network import network_phrases
from jobsearch.corpus.schemas import RemoteMode
from jobsearch.query.parsed import Network, Occupation, ParsedQuery, Pay, Place
from jobsearch.query.parser import QueryParser, query_parser
from jobsearch.query.places import SMALL_TOWN_POPULATION
from jobsearch.query.vocabulary import FIELD_OCCUPATIONS

MAX_QUERY_CHARS = 512
#: "in <Place>" / "at <Employer>" phrases whose words the parser left as keywords are unresolved.
_UNRESOLVED_RE = re.compile(r"\b(?:in|near|around|based\s+in|at|for)\s+((?:[A-Z][\w'.&-]*)(?:\s+[A-Z][\w'.&-]*){0,3})")
#: Wishes no posting or profile field can check: "near me" (no searcher location is used), a kind of
#: employer ("at a startup"), a past employer ("used to work at McKinsey", "ex-Google").
_UNCHECKABLE_RE = re.compile(
    r"\bnear\s+me\b|\bat\s+(?:a|an)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?(?=\s+(?:in|near|with|that|who)\b|\s*[,;]|\s*$)", re.I)
PAST_EMPLOYER_RE = re.compile(
    r"\b(?:used\s+to\s+work|formerly|previously\s+worked|former\w*|who\s+(?:have\s+)?worked|alumni)\s+(?:at|for|of|from)\s+"
    r"(?P<company>[A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*)*)|\bex-(?P<ex>[A-Z][\w&'.-]*)")
#: Expertise phrases ("experts in fraud detection", "who really understand partnership taxation",
#: "with Series A fundraising experience"): the phrase is a skill or domain the member should have.
def _x(n: int) -> str:
    return rf"(?P<x{n}>[\w+#.-]+(?:\s+(?!(?:in|at|near|who|and|or|with|from|for|that|based)\b)[\w+#.-]+){{0,3}})"


EXPERTISE_RE = re.compile(
    rf"\b(?:experts?|specialists?|authorit(?:y|ies))\s+(?:in|on)\s+{_x(1)}"
    rf"|\bwho\s+(?:really\s+|deeply\s+)?(?:knows?|understands?|know|understand)\s+(?:a\s+lot\s+)?(?:about\s+)?{_x(2)}"
    rf"|\bexperience\s+(?:in|with)\s+{_x(3)}|\bwith\s+{_x(4)}\s+(?:experience|expertise|background)\b",
    re.I)


class QueryError(ValueError):
    """A query that cannot be parsed (empty, too long); `field` names the offending input."""

    def __init__(self, message: str, field: str = "q") -> None:
        super().__init__(message)
        self.field = field


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def place_of(geo: GeoMatch) -> Place | None:
    """A gazetteer match as a `Place` with ids (None for an unresolved match)."""
    if geo.level == "city" and geo.city_id:
        return Place(level="city", id=str(geo.city_id), name=geo.city_name or str(geo.city_id),
                     state=geo.state_code, metro_id=geo.metro_id)
    if geo.level == "metro" and geo.metro_id:
        return Place(level="metro", id=str(geo.metro_id), name=geo.metro_name or str(geo.metro_id),
                     state=geo.state_code, metro_id=geo.metro_id)
    if geo.level == "state" and geo.state_code:
        return Place(level="state", id=geo.state_code, name=geo.state_code, state=geo.state_code)
    return None


def _remote_mode(found) -> RemoteMode | None:
    mode = getattr(found, "remote_mode", None)
    if mode:
        return RemoteMode(mode)
    if found.remote is True:
        return RemoteMode.REMOTE
    if found.remote is False:
        return RemoteMode.ON_SITE
    return None


class QueryEngine:
    """Rule-based parsing into `ParsedQuery`. `first_names` helps tell a lowercase name lookup."""

    backend = "rules"

    def __init__(self, parser: QueryParser, first_names: Iterable[str] = ()) -> None:
        self.parser = parser
        self.first_names = frozenset(n.lower() for n in first_names)
        self._cached = lru_cache(maxsize=100_000)(self._parse)

    def parse(self, text: str, member_id: str | None = None) -> ParsedQuery:
        if not isinstance(text, str) or not text.strip():
            raise QueryError("the query is empty")
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"the query has {len(text)} characters; at most {MAX_QUERY_CHARS} are read")
        return self._cached(" ".join(text.split()), member_id)

    def _parse(self, text: str, member_id: str | None) -> ParsedQuery:
        quotes = intents.quoted_phrases(text)
        net = network_phrases(text)
        hidden = list(net.spans) + intents.cue_spans(text)
        hidden += [m.span() for m in intents.QUOTED_RE.finditer(text)]
        hidden += [m.span() for m in intents.POSTING_ID_RE.finditer(text)]
        hidden += [m.span() for m in intents.MEMBER_ID_RE.finditer(text)]
        masked = _mask(text, hidden)
        found = self.parser.parse(masked) if masked.strip() else self.parser.parse(" ")

        places = [p for g in found.locations if (p := place_of(g))]
        exclude_places = [p for g in found.exclude_locations if (p := place_of(g))]
        pay = Pay(min_usd=found.min_salary_usd or None, max_usd=found.max_salary_usd or None,
                  above_median=found.above_median_pay)
        remote_mode = _remote_mode(found)
        non_place = bool(exclude_places or found.exclude_companies or found.exclude_staffing or found.work_types
                         or found.exclude_work_types or remote_mode or pay.min_usd or pay.max_usd or pay.above_median
                         or found.posted_within_days or found.skills)
        others = bool(places) or non_place
        # a name like "Marcus Oneill" can read as two small towns: towns alone do not make a query resolved
        towns_only = bool(places) and all(p.level == "city" and self.parser.city_population(p.id) < SMALL_TOWN_POPULATION
                                          for p in places)
        resolved = bool(found.title or found.companies or found.seniority or non_place or (places and not towns_only))
        kind = intents.classify(
            text, resolved_anything=resolved, title=found.title, n_companies=len(found.companies),
            other_constraints=others or bool(found.keywords), network_people=net.names_people,
            network_any=bool(net.spans), first_names=self.first_names,
        )
        if kind.intent is intents.Intent.LEXICAL:
            return ParsedQuery(text=text, member_id=member_id, intent=kind.intent, target=kind.target,
                               route=kind.route, lexical_terms=kind.lexical_terms, soft_text=" ".join(kind.lexical_terms),
                               backend=self.backend)
        occupation = (Occupation(title=found.title, onet_codes=found.onet_codes, broad=found.broad_title)
                      if found.title and found.onet_codes else None)
        unresolved = self._unresolved(masked, found, places)
        unresolved += [m.group(0).lower() for m in _UNCHECKABLE_RE.finditer(masked)]
        companies = list(found.companies)
        for m in PAST_EMPLOYER_RE.finditer(text):
            past = m.group("company") or m.group("ex")
            companies = [c for c in companies if c.lower() not in past.lower()]
            unresolved.append(m.group(0).lower())
        skills = self._skills(text, found, places, companies)
        skills += [q.lower() for q in quotes if q.lower() not in skills and q.lower() != (found.title or "").lower()]
        soft = " ".join(x for x in [found.title or "", *quotes, *found.skills, *found.keywords] if x).strip()
        return ParsedQuery(
            text=text, member_id=member_id, intent=kind.intent, target=kind.target, route=kind.route,
            occupation=occupation, places=places, exclude_places=exclude_places,
            companies=companies, exclude_companies=list(found.exclude_companies),
            exclude_staffing=found.exclude_staffing, seniority=list(found.seniority),
            work_types=list(found.work_types), exclude_work_types=list(found.exclude_work_types),
            remote_mode=remote_mode, pay=pay, posted_within_days=found.posted_within_days,
            network=Network(max_degree=net.max_degree, connections_companies=net.connections_companies),
            skills=skills, lexical_terms=kind.lexical_terms,
            soft_text=soft or " ".join(masked.split()) or text, unresolved=unresolved, backend=self.backend,
        )

    @staticmethod
    def _skills(text: str, found, places: list[Place], companies: list[str]) -> list[str]:
        """Lexicon skills that are not part of the title or a job family word ("forklift operator",
        "warehouse jobs"), then expertise phrases that name no place or employer. (Quoted phrases are
        added by the caller: a quoted phrase is a must-have term.)"""
        title = (found.title or "").lower()
        out = [s.lower() for s in found.skills if s.lower() not in title and s.lower() not in FIELD_OCCUPATIONS]
        taken = {p.name.lower() for p in places} | {c.lower() for c in companies}
        for m in EXPERTISE_RE.finditer(text):
            phrase = next(g for g in m.groupdict().values() if g).lower().strip(" .?!")
            if phrase and phrase not in taken and phrase not in title and not any(phrase in s or s in phrase for s in out):
                out.append(phrase)
        return out

    @staticmethod
    def _unresolved(masked: str, found, places: list[Place]) -> list[str]:
        keywords = {k.lower() for k in found.keywords}
        out = []
        for m in _UNRESOLVED_RE.finditer(masked):
            phrase = m.group(1)
            words = [w.lower() for w in phrase.split()]
            if words and all(w in keywords for w in words) and not any(phrase.lower() in p.name.lower() for p in places):
                out.append(phrase.lower())
        return out


@lru_cache(maxsize=4)
def query_engine(data_dir: str) -> QueryEngine:
    """The rule engine over the shipped (or configured) data folder, built once per process."""
    return QueryEngine(query_parser(data_dir))


def parse(text: str, member_id: str | None = None, data_dir: str | None = None) -> ParsedQuery:
    """Parse one query with the rule engine over `data_dir` (default: the repository's `data/`)."""
    return query_engine(str(data_dir or SHIPPED_DATA)).parse(text, member_id)
