"""Recency a query asks for: the maximum age of a posting in days.

"posted recently" / "recent" / "new jobs" = :data:`RECENT_DAYS` (policy §5.8); "this week" = 7;
"today" = 1; "last 3 days" = 3; "last few days" = 7. Recency runs after places and career levels
so that "New York" and "new grad" are not read as "new".
"""

from __future__ import annotations

import math
import re

from jobsearch.query.constraints import QueryIntent
from jobsearch.query.tokens import Claims

__all__ = ["RECENT_DAYS", "find_recency"]

_I = re.IGNORECASE
_IX = re.IGNORECASE | re.VERBOSE

RECENT_DAYS = 14  # policy §5.8: "posted recently" = first listed within 14 days

_NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "couple": 2, "couple of": 2, "few": 0,
}

_NUM = r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|few|couple(?:\s+of)?)"
_UNIT = r"(?:hours?|hrs?|days?|weeks?|months?|fortnight)"
#: "posted in the last 3 days", "past week", "within 24 hours", "last month".
_RECENCY_WINDOW_RE = re.compile(
    rf"""
    \b(?:(?:posted|listed|added|published)\s+)?(?:(?:in|within|during|over|from)\s+)?(?:the\s+)?
      (?:last|past|previous)\s+(?:(?P<n>{_NUM})\s+)?(?P<unit>{_UNIT})\b
    | \b(?:(?:posted|listed|added|published)\s+)?within\s+(?:the\s+)?(?P<n2>{_NUM})\s+(?P<unit2>{_UNIT})\b
    """,
    _IX,
)
#: "this week", "posted this month", "today", "yesterday".
_RECENCY_CALENDAR_RE = re.compile(
    r"\b(?:(?:posted|listed|added|published)\s+)?"
    r"(?:(?:this|current)\s+(?P<unit>week|month)|(?P<day>today|yesterday))\b",
    _I,
)
#: "posted recently", "recent", "newest", "latest", "just posted", "fresh".
_RECENT_RE = re.compile(
    r"\b(?:(?:posted|listed|added|published)\s+recently|recently\s+(?:posted|listed|added|published)"
    r"|recent(?:ly)?|newest|latest|fresh(?:ly\s+posted)?|just\s+(?:posted|listed)"
    r"|newly\s+(?:posted|listed))\b",
    _I,
)
#: "new" as recency only at the start of a query or right before a job noun ("new nursing jobs",
#: "new openings"); never "New York" (claimed earlier) or "new grad".
_NEW_RE = re.compile(
    r"^\s*new\b(?!\s+(?:grad|graduate|hire|to)\b)"
    r"|\bnew(?=\s+(?:jobs?|roles?|positions?|openings?|postings?|listings?|opportunities|vacancies)\b)",
    _I,
)


def _count(word: str | None) -> int:
    """A count written as digits or words ("3", "two", "a"); None -> 1; "few" -> 0 (caller decides)."""
    if not word:
        return 1
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 1)


def _window_days(n_word: str | None, unit: str) -> int:
    """Days in "last <n> <unit>"; "last few days" = 7 (policy §5.8)."""
    unit = unit.lower()
    n = _count(n_word)
    if unit.startswith("fortnight"):
        return 14
    if unit.startswith(("hour", "hr")):
        return max(1, math.ceil((n or 24) / 24))
    if unit.startswith("day"):
        return n or 7
    if unit.startswith("week"):
        return 7 * (n or 3)
    return 30 * (n or 3)


def find_recency(text: str, claims: Claims, intent: QueryIntent) -> None:
    """Claim recency phrases; the narrowest window wins."""
    windows: list[int] = []
    for m in _RECENCY_WINDOW_RE.finditer(text):
        if claims.claim(m.start(), m.end(), "recency"):
            if m.group("unit"):
                windows.append(_window_days(m.group("n"), m.group("unit")))
            else:
                windows.append(_window_days(m.group("n2"), m.group("unit2")))
    for m in _RECENCY_CALENDAR_RE.finditer(text):
        if claims.claim(m.start(), m.end(), "recency"):
            if m.group("day"):
                windows.append(1 if m.group("day").lower() == "today" else 2)
            else:
                windows.append(7 if m.group("unit").lower() == "week" else 30)
    for regex in (_RECENT_RE, _NEW_RE):
        for m in regex.finditer(text):
            if claims.claim(m.start(), m.end(), "recency"):
                windows.append(RECENT_DAYS)
    if windows:
        intent.posted_within_days = min(windows)
