"""The searcher's network: connection degree of every member within a few hops, and mutual connections.

The member graph is undirected; a member's degree from the searcher is the length of the shortest
path (1 = a direct connection, 2 = shares a connection, 3 = two intermediaries). Members farther
than `max_hops` are out of network and absent from the result.

Queries state network constraints in words ("my connections", "friends of friends", "jobs where a
friend of mine works"); `network_phrases` reads them, `NetworkExpander` turns them into member
degrees and employer sets for a searcher.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd


def adjacency(edges: pd.DataFrame, src: str = "src", dst: str = "dst") -> dict[str, set[str]]:
    """Undirected neighbour sets from an edge list."""
    out: dict[str, set[str]] = {}
    for a, b in zip(edges[src], edges[dst]):
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def degrees(neighbours: Mapping[str, Iterable[str]], source: str, max_hops: int = 3) -> dict[str, int]:
    """Breadth-first degree of every member within `max_hops` of `source` (the source itself excluded).

    >>> degrees({"a": {"b"}, "b": {"a", "c"}, "c": {"b", "d"}, "d": {"c", "e"}, "e": {"d"}}, "a")
    {'b': 1, 'c': 2, 'd': 3}
    """
    seen = {source: 0}
    frontier = [source]
    for hop in range(1, max_hops + 1):
        nxt = []
        for member in frontier:
            for other in neighbours.get(member, ()):
                if other not in seen:
                    seen[other] = hop
                    nxt.append(other)
        frontier = nxt
    del seen[source]
    return seen


def mutual_connections(neighbours: Mapping[str, Iterable[str]], a: str, b: str) -> int:
    """How many connections `a` and `b` share."""
    return len(set(neighbours.get(a, ())) & set(neighbours.get(b, ())))


# --------------------------------------------------------------------------------------------
# Network phrases in a query
# --------------------------------------------------------------------------------------------

_I = re.IGNORECASE
_WHO_I_KNOW = (r"(?:a\s+friend\s+of\s+mine|my\s+(?:friends?|connections?|contacts?|network|former\s+colleagues|colleagues)|"
               r"(?:someone|somebody|people|anyone|folks)\s+(?:I\s+know|(?:in|from)\s+my\s+(?:extended\s+)?network|I'?m\s+connected\s+(?:to|with))|"
               r"I\s+(?:have|know)\s+(?:a\s+|some\s+)?(?:connections?|friends?|contacts?|someone|somebody|people)|"
               r"(?:someone|somebody)\s+(?:can|could)\s+(?:introduce|intro|refer)\s+me)")
#: "jobs where a friend of mine works", "companies my connections work at": employers of connections.
CONNECTIONS_COMPANIES_RE = re.compile(
    rf"\b(?:at\s+)?(?:(?:companies|employers|places|firms|orgs?|organi[sz]ations|businesses)\s+)?(?:where|that|which)\s+{_WHO_I_KNOW}"
    rf"(?:\s+(?:work\s+(?:at|for)|works?|is\s+working|are\s+working))?\b"
    rf"|\b(?:companies|employers|places|firms)\s+{_WHO_I_KNOW}\s+(?:work\s+(?:at|for)|works?)\b"
    rf"|\bat\s+my\s+(?:connections|friends|contacts)'?\s*(?:companies|employers)\b",
    _I)
#: Degree phrases, most specific first; the degree is the farthest connection allowed.
DEGREE_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p, _I), d) for p, d in (
        (r"\b(?:3rd|third)[- ]degree(?:\s+connections?)?\b", 3),
        (r"\b(?:2nd|second)[- ]degree(?:\s+connections?)?\b", 2),
        (r"\b(?:1st|first)[- ]degree(?:\s+connections?)?\b", 1),
        (r"\b(?:in|within|from|across)\s+my\s+(?:extended\s+|wider\s+|whole\s+)?network\b|\bmy\s+(?:extended|wider)\s+network\b", 3),
        (r"\bfriends?\s+of\s+(?:my\s+)?friends?\b|\bmutual\s+(?:connections?|friends?)\b|\bwarm\s+intro(?:duction)?s?\b", 2),
        (r"\b(?:who|that|someone|somebody)\s+(?:can|could)\s+(?:introduce|intro|refer|connect)\s+me\b|\b(?:I|i)\s+(?:can|could)\s+(?:reach|get\s+(?:an\s+)?intro(?:duced)?\s+to)\b", 2),
        (r"\b(?:I'?m|I\s+am|im)\s+(?:directly\s+)?connected\s+(?:with|to)\b|\bmy\s+(?:direct\s+|1st\s+)?connections?\b|"
         r"\bmy\s+(?:friends?|contacts?|former\s+colleagues|colleagues|coworkers)\b|\ba\s+friend\s+of\s+mine\b|"
         r"\b(?:people|someone|somebody|anyone|folks)\s+I\s+(?:already\s+)?know\b|\bmy\s+network\b|"
         r"\bI\s+know\s+(?:someone|somebody|people)\b|\bwho\s+do\s+I\s+know\b", 1),
    )
)


@dataclass(frozen=True)
class NetworkPhrases:
    max_degree: int | None
    connections_companies: bool
    #: Does a phrase name people ("my connections", "2nd degree", "people I can reach")?
    names_people: bool
    spans: tuple[tuple[int, int], ...]


def network_phrases(text: str) -> NetworkPhrases:
    """The network constraints a query states, and the spans that state them.

    >>> network_phrases("jobs where a friend of mine works").connections_companies
    True
    >>> network_phrases("2nd degree connections at Google").max_degree
    2
    """
    spans: list[tuple[int, int]] = []
    companies = False
    for m in CONNECTIONS_COMPANIES_RE.finditer(text):
        companies = True
        spans.append(m.span())
    degree = None
    for pattern, d in DEGREE_PATTERNS:
        for m in pattern.finditer(text):
            if degree is None:
                degree = d
            if not any(a <= m.start() and m.end() <= b for a, b in spans):
                spans.append(m.span())
    people = degree is not None and not companies
    return NetworkPhrases(degree, companies, people, tuple(sorted(spans)))


# --------------------------------------------------------------------------------------------
# Expansion, cached per searcher
# --------------------------------------------------------------------------------------------


class NetworkExpander:
    """Degrees from a searcher (<= `max_hops`) and the employers of their first-degree connections.

    Built once from the member graph and each member's current company; results are kept for the
    `cache_size` most recent searchers (least recently used dropped), so memory is bounded by
    `cache_size` x the size of a 3-hop neighbourhood.
    """

    def __init__(self, edges: pd.DataFrame, employers: Mapping[str, str | None], max_hops: int = 3,
                 cache_size: int = 1024) -> None:
        self.neighbours = adjacency(edges)
        self.employers = dict(employers)
        self.max_hops = max_hops
        self.cache_size = cache_size
        self._degrees: OrderedDict[str, dict[str, int]] = OrderedDict()
        self._lock = threading.Lock()

    def knows(self, member_id: str) -> bool:
        return member_id in self.employers or member_id in self.neighbours

    def degrees(self, member_id: str) -> dict[str, int]:
        with self._lock:
            hit = self._degrees.get(member_id)
            if hit is not None:
                self._degrees.move_to_end(member_id)
                return hit
        found = degrees(self.neighbours, member_id, self.max_hops)
        with self._lock:
            self._degrees[member_id] = found
            while len(self._degrees) > self.cache_size:
                self._degrees.popitem(last=False)
        return found

    def cached_searchers(self) -> int:
        return len(self._degrees)

    def connections_companies(self, member_id: str) -> set[str]:
        """Employers (ids) where the searcher's first-degree connections work now."""
        return {c for m in self.neighbours.get(member_id, ()) if (c := self.employers.get(m))}
