"""The searcher's network: connection degree of every member within a few hops, and mutual connections.

The member graph is undirected; a member's degree from the searcher is the length of the shortest
path (1 = a direct connection, 2 = shares a connection, 3 = two intermediaries). Members farther
than `max_hops` are out of network and absent from the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
