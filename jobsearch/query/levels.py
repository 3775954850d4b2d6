"""Career levels, employment types and where the work is done.

* Remote wishes: on-site ("on-site", "in office", "not remote": claimed before "remote"), hybrid
  ("hybrid", "partly remote") and remote ("remote", "fully remote", "mostly remote", "WFH",
  "at home"; not "remote sensing"). ``remote`` is True / False for remote / on-site (None when
  both or neither are said; hybrid leaves it unset); ``remote_mode`` names the
  :class:`RemoteMode` stated first ("mostly remote", "remote-first", "remote friendly" and
  "remote with occasional travel" are mostly remote; "not hybrid" states no mode).
* Negated employment types ("no contract roles") before places and employers; the others
  ("part-time", "contract", "seasonal") after career levels.
* Career levels ("senior", "entry level", "director of", "internships", "5+ years experience").
  A level word right after a content word may belong to a title ("account executive", "art
  director"): :data:`Mode` says how each rule treats it.
"""

from __future__ import annotations

import re
from typing import Literal

from jobsearch.corpus.schemas import RemoteMode, Seniority, WorkType
from jobsearch.query.constraints import QueryIntent
from jobsearch.query.tokens import BREAK_RE, Claims, Token, dedupe
from jobsearch.query.vocabulary import CONNECTORS, FILLER, NEGATION_PATTERN, NEGATIONS

__all__ = ["Mode", "find_negated_work_types", "find_remote", "find_seniority", "find_work_types"]

_I = re.IGNORECASE
_IX = re.IGNORECASE | re.VERBOSE
_NEG = NEGATION_PATTERN

# ---- remote / on-site ----------------------------------------------------------------------

#: On-site wishes; "not remote" must be claimed before "remote".
_ONSITE_RE = re.compile(
    r"\b(?:on[- ]?site|in[- ](?:the[- ])?office|in[- ]person|office[- ]based|(?:not|no|non)[- ]remote)\b"
    r"(?:\s+only)?",
    _I,
)
#: Hybrid arrangements: remote_mode "hybrid"; `remote` stays unset.
_HYBRID_RE = re.compile(r"\bhybrid(?:[- ]remote)?\b|\bpart(?:ial)?ly\s+remote\b", _I)
#: A negation right before a hybrid match ("not hybrid", "non-hybrid"): claimed, but no mode.
_NEGATED_BEFORE_RE = re.compile(r"\b(?:not|no|non)[- ]$", _I)
#: Remote wishes: "remote", "fully remote", "mostly remote", "remote-first", "work from home",
#: "WFH", "at home", "telecommute". Not "remote sensing".
_REMOTE_RE = re.compile(
    r"""
    (?:(?:\b(?:fully|mostly|mainly|primarily|largely|completely|totally|all)|\b100\s?%)\s*[- ]?\s*)?
      \bremote(?:ly)?\b(?!\s+sensing)(?:[- ](?:first|friendly|only|ok|okay|eligible|possible|optional)\b)?
    | \bwork(?:ing)?\s+(?:from|at)\s+(?:home|anywhere)\b
    | \b(?:from|at)\s+home\b
    | \bwfh\b
    | \btele(?:commut(?:e|ing)|work(?:ing)?)\b
    """,
    _IX,
)
#: A remote match that is mostly remote: "mostly remote", "remote-first", "remote friendly".
_MOSTLY_REMOTE_RE = re.compile(r"^(?:mostly|mainly|primarily|largely)\b|[- ](?:first|friendly)$", _I)
#: After a remote match, what makes it mostly remote: "remote with occasional travel", "WFH with
#: some office days".
_OCCASIONAL_RE = re.compile(
    r"""
    \s+with\s+(?:only\s+)?(?:occasional|some|rare|infrequent|periodic)\s+
    (?:travel(?:ing)?|(?:in[- ])?office\s+(?:days?|visits?)|(?:visits?|trips?)\s+to\s+the\s+office)\b
    """,
    _IX,
)

# ---- employment types ----------------------------------------------------------------------

_WT = WorkType
#: (pattern, work type, mode); mode "prefix" means ignored after a content word
#: ("general contractor" is an occupation).
_WORK_TYPE_RULES: tuple[tuple[re.Pattern[str], WorkType, str], ...] = (
    (re.compile(r"\bfull[- ]?time\b|\bpermanent\b", _I), _WT.FULL_TIME, "always"),
    (re.compile(r"\bpart[- ]?time\b", _I), _WT.PART_TIME, "always"),
    (re.compile(r"\b(?:contract|temp)[- ]to[- ](?:hire|perm(?:anent)?)\b|\bc2h\b", _I),
     _WT.CONTRACT, "always"),
    (re.compile(
        r"\bcontract(?:s|ing)?\b(?!\s+(?:manager|management|specialist|administrator|analyst|attorney|lawyer"
        r"|negotiator|coordinator|officer|admin|compliance|law)s?\b)"
        r"|\bfreelance(?:rs?)?\b|\b1099\b|\bcorp[- ]to[- ]corp\b|\bc2c\b", _I), _WT.CONTRACT, "always"),
    (re.compile(r"\bcontractors?\b", _I), _WT.CONTRACT, "prefix"),
    (re.compile(r"\btemp(?:orary)?\b|\bseasonal\b", _I), _WT.TEMPORARY, "always"),
    (re.compile(r"\bvolunteer(?:ing)?\b(?!\s+(?:coordinator|manager|director|services)s?\b)", _I),
     _WT.VOLUNTEER, "always"),
)

#: "no contract roles", "not part-time", "non-temporary".
_NEG_WORK_TYPE_RE = re.compile(
    rf"\b{_NEG}[- ](?:an?\s+|any\s+)?"
    r"(?P<wt>full[- ]?time|part[- ]?time|contract(?:ors?|s)?|temp(?:orary)?|seasonal|freelance"
    r"|volunteer(?:ing)?"
    r"|internships?|1099|c2c)\b(?:\s+(?:roles?|jobs?|positions?|work|gigs?))?",
    _I,
)

# ---- career levels -------------------------------------------------------------------------

_SV = Seniority
#: How a level word is treated: "always" claimed; "prefix" only when not after a content word
#: ("account executive" is a title); "noun" sets the level always but is claimed only when not
#: after a content word ("art director" stays in the title, "director of operations" does not);
#: "keep" sets the level and stays in the title ("chief financial officer", "CFO").
Mode = Literal["always", "prefix", "noun", "keep"]
_SENIORITY_RULES: tuple[tuple[re.Pattern[str], Seniority, Mode], ...] = (
    (re.compile(r"\b(?:summer\s+|paid\s+)?intern(?:ship)?s?\b|\bco-?ops?\b", _I), _SV.INTERNSHIP, "always"),
    (re.compile(
        r"\bentry[- ]?level\b|\bjunior\b|\bjr\b\.?|\b(?:new|recent|college)[- ]grad(?:uate)?s?\b"
        r"|\bearly[- ]career\b|\bno\s+experience(?:\s+(?:needed|required|necessary))?\b|\bbeginners?\b", _I),
     _SV.ENTRY, "always"),
    (re.compile(r"\bmid[- ]senior(?:[- ]level)?\b", _I), _SV.MID_SENIOR, "always"),
    (re.compile(r"\bassociate[- ]level\b|\bmid[- ]?(?:level|career)\b|\bintermediate\b", _I),
     _SV.ASSOCIATE, "always"),
    (re.compile(
        r"\b(?:(?:senior|assistant|associate|managing)\s+)?directors?(?:\s+of)?\b|\bhead\s+of\b", _I),
     _SV.DIRECTOR, "noun"),
    (re.compile(
        r"\b(?:(?:senior|executive|assistant|associate)\s+)?(?:vice[- ]presidents?|vps?|svps?|evps?|avps?)\b"
        r"(?:\s+of)?", _I), _SV.EXECUTIVE, "noun"),
    (re.compile(
        r"\bsenior\b(?!\s+(?:care|living|centers?|homes?|services|citizens?|communit(?:y|ies)|housing)\b)"
        r"|\bsr\b\.?|\bexperienced\b|\bseasoned\b", _I), _SV.MID_SENIOR, "always"),
    (re.compile(
        r"\b(?:principal|staff)\b(?=\s+(?:software|data|engineers?|scientists?|developers?|designers?|product"
        r"|ml|machine|research|architects?|engineering|ux|security|applied)\b)", _I),
     _SV.MID_SENIOR, "prefix"),
    (re.compile(r"\blead\b", _I), _SV.MID_SENIOR, "noun"),
    (re.compile(
        r"\bc[- ](?:level|suite)\b"
        r"|\bexecutive(?:[- ]level)?\b(?=\s+(?:jobs?|roles?|positions?|openings?|level)\b|\s*$|\s*,)", _I),
     _SV.EXECUTIVE, "prefix"),
    (re.compile(r"\bchief\b|\bc[efiomps]o\b|\bciso\b", _I), _SV.EXECUTIVE, "keep"),
)

#: "5+ years of experience", "0-2 years experience": the lower bound picks the level.
_YEARS_RE = re.compile(
    r"\b(?P<a>\d{1,2})\s*(?:(?P<plus>\+)|-\s*\d{1,2})?\s*(?:\+\s*)?(?:years?|yrs?)(?:\s+of)?"
    r"(?P<exp>\s+(?:experience|exp)\b)?",
    _I,
)


def find_remote(text: str, claims: Claims, intent: QueryIntent) -> None:
    """Claim on-site, hybrid and remote wishes, in that order; set ``remote`` and ``remote_mode``."""
    stated: list[tuple[int, RemoteMode]] = []
    onsite = [m for m in _ONSITE_RE.finditer(text) if claims.claim(m.start(), m.end(), "onsite")]
    stated.extend((m.start(), RemoteMode.ON_SITE) for m in onsite)
    for m in _HYBRID_RE.finditer(text):
        if claims.claim(m.start(), m.end(), "hybrid") and not _NEGATED_BEFORE_RE.search(text[:m.start()]):
            stated.append((m.start(), RemoteMode.HYBRID))
    remote = [m for m in _REMOTE_RE.finditer(text) if claims.claim(m.start(), m.end(), "remote")]
    for m in remote:
        tail = _OCCASIONAL_RE.match(text, m.end())
        if tail is not None:
            claims.claim(tail.start(), tail.end(), "remote")
        mostly = tail is not None or _MOSTLY_REMOTE_RE.search(m.group()) is not None
        stated.append((m.start(), RemoteMode.MOSTLY_REMOTE if mostly else RemoteMode.REMOTE))
    if remote and not onsite:
        intent.remote = True
    elif onsite and not remote:
        intent.remote = False
    if stated:
        intent.remote_mode = min(stated, key=lambda s: s[0])[1].value


def find_negated_work_types(text: str, claims: Claims, intent: QueryIntent) -> None:
    """Claim excluded employment types ("no contract roles", "not part-time")."""
    for m in _NEG_WORK_TYPE_RE.finditer(text):
        word = m.group("wt")
        kinds = [wt for pattern, wt, _ in _WORK_TYPE_RULES if pattern.fullmatch(word)]
        if word.lower().startswith("intern"):
            kinds = [WorkType.INTERNSHIP]
        if kinds and claims.claim(m.start(), m.end(), "not_work_type"):
            intent.exclude_work_types = dedupe(intent.exclude_work_types + [kinds[0].value])


def _after_content(text: str, tokens: list[Token], start: int, claims: Claims) -> bool:
    """Whether the word before ``start`` is a free content word ("art" in "art director")."""
    prev = [t for t in tokens if t.end <= start]
    if not prev:
        return False
    tok = prev[-1]
    if BREAK_RE.search(text[tok.end:start]):
        return False
    return (
        tok.lower not in FILLER and tok.lower not in NEGATIONS and tok.lower not in CONNECTORS
        and claims.is_free(tok.start, tok.end, soft_ok=True)
    )


def find_seniority(text: str, tokens: list[Token], claims: Claims, intent: QueryIntent) -> None:
    """Claim career levels (rules in order, then "N+ years experience")."""
    for pattern, level, mode in _SENIORITY_RULES:
        for m in pattern.finditer(text):
            if not claims.is_free(m.start(), m.end()):
                continue
            after_content = _after_content(text, tokens, m.start(), claims)
            if mode == "prefix" and after_content:
                continue
            if mode == "always" or (mode in ("prefix", "noun") and not after_content):
                claims.claim(m.start(), m.end(), "seniority")
            _add_level(intent, level)
    for m in _YEARS_RE.finditer(text):
        if not (m.group("plus") or m.group("exp")) or not claims.claim(m.start(), m.end(), "seniority"):
            continue
        years = int(m.group("a"))
        level = _SV.ENTRY if years <= 2 else _SV.ASSOCIATE if years <= 4 else _SV.MID_SENIOR
        _add_level(intent, level)


def _add_level(intent: QueryIntent, level: Seniority) -> None:
    if level.value not in intent.seniority:
        intent.seniority.append(level.value)
    if level is _SV.INTERNSHIP and WorkType.INTERNSHIP.value not in intent.work_types:
        intent.work_types.append(WorkType.INTERNSHIP.value)


def find_work_types(text: str, tokens: list[Token], claims: Claims, intent: QueryIntent) -> None:
    """Claim employment types asked for ("part-time", "contract", "seasonal")."""
    for pattern, kind, mode in _WORK_TYPE_RULES:
        for m in pattern.finditer(text):
            if mode == "prefix" and _after_content(text, tokens, m.start(), claims):
                continue
            if claims.claim(m.start(), m.end(), "work_type") and kind.value not in intent.work_types:
                intent.work_types.append(kind.value)
