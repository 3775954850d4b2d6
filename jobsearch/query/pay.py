"""Pay a query asks for: "above median pay", "six figures", floors, ceilings and ranges.

"paying at least $25/hr" is a yearly floor of 52,000 USD; "under $80k" a ceiling; "$120k-$150k"
both; "around $70k" the amount ±10%. A number is read as money only with a currency sign, a
multiplier ("150k"), a pay word ("paying 25"), a period ("25 an hour") or a comparator and a
yearly-sized amount ("over 120,000"); never "401k" or "5 years".
"""

from __future__ import annotations

import math
import re

from jobsearch.query.constraints import QueryIntent
from jobsearch.query.tokens import Claims

__all__ = ["find_pay"]

_I = re.IGNORECASE
_IX = re.IGNORECASE | re.VERBOSE

#: "above median pay", "above-average salary", "well paid", "high paying", "pays well".
_ABOVE_MEDIAN_RE = re.compile(
    r"""
    \b(?:above|over|better\s+than|higher\s+than|more\s+than)[- ](?:the\s+)?(?:median|average|avg|market)
      (?:[- ](?:pay(?:ing)?|salary|salaries|wages?|compensation|comp|rates?|income))?\b
    | \b(?:well|highly|high|top|best|higher)[- ](?:paid|paying|pay|salaried|salary|salaries|wages?)\b
    | \bpays?\s+(?:really\s+)?well\b
    | \b(?:median|average)\s+pay\s+or\s+(?:better|more|higher|above)\b
    """,
    _IX,
)

#: "six figures", "6-figure salary", "seven figures".
_FIGURES_RE = re.compile(
    r"\b(?:(?:low|mid|high)[- ])?(?P<n>six|6|seven|7)[- ]figures?"
    r"(?:\s+(?:salary|salaries|pay|income))?(?:\s*\+)?",
    _I,
)


def _money(i: int) -> str:
    """One amount: "$150k", "120,000", "$25.50", "85 thousand"; never "401k" or "5 years"."""
    return rf"""
    (?P<cur{i}>\$\s?)?
    (?<![\d.,])(?!401\s?\(?k\b)
    (?P<num{i}>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)
    (?:\s?(?P<mult{i}>k|thousand|grand|m|mil|million)\b)?
    (?P<usd{i}>\s?(?:dollars?|bucks|usd)\b)?
    (?!\s*(?:\+\s*)?(?:years?|yrs?|days?|hours?|hrs?|weeks?|wks?|months?|mos?|%|percent|miles?
       |people|employees)\b)
    """


#: A pay condition: optional lead word, comparator, amount or range, period, tail.
#: "paying at least $25/hr", "over $150k", "$40/hr or more", "$120k-$150k a year", "under 80k".
_PAY_RE = re.compile(
    rf"""
    (?P<lead>\b(?:pay(?:s|ing)?|salar(?:y|ies)|wages?|compensation|comp|earn(?:s|ing)?|making|rate)\b
       \s*(?:of\s+|is\s+|at\s+)?)?
    (?P<cmp>(?:\b(?:at\s+least|over|above|more\s+than|greater\s+than|higher\s+than|in\s+excess\s+of
       |minimum(?:\s+of)?|min|starting\s+(?:at|from)|north\s+of|upwards\s+of|no\s+less\s+than
       |not\s+less\s+than|from|under|below|less\s+than|up\s+to|at\s+most|no\s+more\s+than
       |maximum(?:\s+of)?|max|around|about|approximately|approx|roughly|between)\b\.?|~|>=?|<=?)\s*)?
    {_money(1)}
    (?:\s*(?:-|\u2013|\u2014|to|and)\s*{_money(2)})?
    (?P<period>\s*(?:/|per|an?|each)\s*(?:hour|hr|h|year|yr|annum|week|wk|month|mo|day)\b
       |\s*\b(?:hourly|annually|yearly|weekly|monthly|daily|per\s+annum|annual)\b)?
    (?P<tail>\s*(?:\+|\bor\s+(?:more|higher|above|better|greater|up)\b|\band\s+(?:up|above|higher)\b|\bplus\b)
       |\s+(?:minimum|min)\b)?
    """,
    _IX,
)

_PERIOD_TO_YEAR: dict[str, float] = {
    "hour": 2080.0, "hr": 2080.0, "h": 2080.0, "hourly": 2080.0,
    "day": 260.0, "daily": 260.0,
    "week": 52.0, "wk": 52.0, "weekly": 52.0,
    "month": 12.0, "mo": 12.0, "monthly": 12.0,
    "year": 1.0, "yr": 1.0, "annum": 1.0, "annually": 1.0, "yearly": 1.0, "annual": 1.0,
}
_MULTIPLIERS: dict[str, float] = {
    "k": 1e3, "thousand": 1e3, "grand": 1e3, "m": 1e6, "mil": 1e6, "million": 1e6,
}
_CEILING_WORDS = ("under", "below", "less than", "up to", "at most", "no more", "maximum", "max", "<")
_AROUND_WORDS = ("around", "about", "approx", "roughly", "~")


def _yearly(amount: float, period: str | None) -> float:
    """Yearly USD of an amount. Without a period: < 300 is hourly, < 1,000 weekly, < 20,000
    monthly, else yearly ("$25+" -> 52,000; "$4,000" -> 48,000; "$90,000" -> 90,000)."""
    if period:
        return amount * _PERIOD_TO_YEAR[period]
    if amount < 300:
        return amount * 2080.0
    if amount < 1000:
        return amount * 52.0
    if amount < 20000:
        return amount * 12.0
    return amount


def _amount(match: re.Match[str], i: int, fallback_mult: str | None) -> tuple[float, bool]:
    """(value, written as money) of amount ``i`` of a pay match, multiplier applied."""
    num = float(match.group(f"num{i}").replace(",", ""))
    mult = (match.group(f"mult{i}") or fallback_mult or "").lower()
    money = bool(match.group(f"cur{i}") or mult or match.group(f"usd{i}"))
    return num * _MULTIPLIERS.get(mult, 1.0), money


def _period_key(raw: str | None) -> str | None:
    if not raw:
        return None
    words = re.findall(r"[a-z]+", raw.lower())
    for w in reversed(words):
        if w in _PERIOD_TO_YEAR:
            return w
    return None


def find_pay(text: str, claims: Claims, intent: QueryIntent) -> None:
    """Claim pay conditions: above-median wishes, "six figures", then amounts and ranges."""
    for m in _ABOVE_MEDIAN_RE.finditer(text):
        if claims.claim(m.start(), m.end(), "pay"):
            intent.above_median_pay = True
    for m in _FIGURES_RE.finditer(text):
        if claims.claim(m.start(), m.end(), "pay"):
            floor = 1e6 if m.group("n").lower() in {"seven", "7"} else 1e5
            intent.min_salary_usd = max(intent.min_salary_usd or 0.0, floor)
    for m in _PAY_RE.finditer(text):
        _read_pay(m, claims, intent)


def _read_pay(m: re.Match[str], claims: Claims, intent: QueryIntent) -> None:
    """Interpret one pay match; ignore numbers that are not money ("5 years")."""
    has_range = m.group("num2") is not None
    fallback = m.group("mult2") if has_range and not m.group("mult1") else None
    low, money1 = _amount(m, 1, fallback)
    period = _period_key(m.group("period"))
    cmp = " ".join((m.group("cmp") or "").lower().split())
    is_money = money1 or bool(m.group("lead")) or period is not None or (bool(cmp) and low >= 10_000)
    if not is_money or not claims.claim(m.start(), m.end(), "pay"):
        return
    low = _yearly(low, period)
    high = _yearly(_amount(m, 2, None)[0], period) if has_range else None
    floor: float | None = low
    ceiling: float | None = high
    if cmp and any(cmp.startswith(w) for w in _CEILING_WORDS) and not has_range:
        floor, ceiling = None, low
    elif cmp and any(cmp.startswith(w) for w in _AROUND_WORDS) and not has_range:
        floor, ceiling = round(low * 0.9, 2), round(low * 1.1, 2)
    if floor is not None:
        intent.min_salary_usd = max(intent.min_salary_usd or 0.0, round(floor, 2))
    if ceiling is not None:
        intent.max_salary_usd = min(intent.max_salary_usd or math.inf, round(ceiling, 2))
