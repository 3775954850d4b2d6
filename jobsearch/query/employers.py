"""Employers a query wants or excludes, and staffing intermediaries it excludes.

Staffing exclusions come first of all recognizers ("not from sourcing companies", "no
recruiters", "direct hire only"). Employers are read after pay, remote wishes and regions:
"not at Amazon" / "excluding Walmart" (excluded), "at Google" / "for Amazon" (wanted), and
capitalized well-known employers without a preposition ("Google software engineer jobs"). An
employer beats a place inside its name ("at Boston Scientific", "Sherwin-Williams"): the place
candidates it covers are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jobsearch.corpus.companies import KNOWN_EMPLOYERS, normalize_company
from jobsearch.query.constraints import QueryIntent
from jobsearch.query.places import PlaceSpan
from jobsearch.query.skills import SkillSpan
from jobsearch.query.tokens import BREAK_RE, Claims, Token, phrase
from jobsearch.query.vocabulary import FILLER, JOB_NOUNS, NEGATION_PATTERN, NEGATIONS

__all__ = ["COMMON_WORD_EMPLOYERS", "EMPLOYER_KINDS", "EmployerFinder", "find_staffing"]

_IX = re.IGNORECASE | re.VERBOSE

_NEG = NEGATION_PATTERN
_PREP = r"(?:from|through|thru|via|by|at|with|for|using|posted\s+by)"
_DET = r"(?:an?|any|the)"
#: Adjectives that name an intermediary on their own ("not from staffing", "no sourcing").
_STAFFING_ADJ = r"(?:staffing|sourcing|recruit(?:ing|ment)|headhunting|third[- ]party)"
#: Adjectives that need a noun after them ("no temp agencies", "not placement firms").
_STAFFING_WEAK_ADJ = r"(?:temp|temporary|employment|placement|talent|contract(?:ing)?|outsourcing|search)"
_STAFFING_NOUN = (
    r"(?:agenc(?:y|ies)|compan(?:y|ies)|firms?|shops?|recruiters?|headhunters?|intermediar(?:y|ies)"
    r"|middlem[ae]n|vendors?|third[- ]parties|partners?|services?)"
)

_AND_OR = r"\s*(?:,|/|\bor\b|\band\b|\bnor\b)\s*"
#: One excluded class: "staffing", "sourcing companies", "staffing or recruiting agencies",
#: "temp agencies", "recruiters".
_STAFFING_ITEM = rf"""(?:
    {_STAFFING_ADJ}(?:{_AND_OR}(?:{_STAFFING_ADJ}|{_STAFFING_WEAK_ADJ}))*(?:\s+{_STAFFING_NOUN})?
  | {_STAFFING_WEAK_ADJ}(?:{_AND_OR}(?:{_STAFFING_ADJ}|{_STAFFING_WEAK_ADJ}))*\s+{_STAFFING_NOUN}
  | (?:recruiters?|headhunters?|agenc(?:y|ies)|intermediar(?:y|ies)|middlem[ae]n|third[- ]parties)
  )"""

#: "not from sourcing companies", "no staffing or recruiting agencies", "not at a staffing
#: agency", "not at staffing agencies or recruiting firms", "no temp agencies", "no recruiters",
#: "excluding headhunters", "direct hire only".
_STAFFING_RE = re.compile(
    rf"""
    \b{_NEG}[- ](?:{_PREP}\s+)?(?:{_DET}\s+)?{_STAFFING_ITEM}
      (?:{_AND_OR}(?:{_PREP}\s+)?(?:{_DET}\s+)?{_STAFFING_ITEM})*\b
    | \bdirect[- ]hires?(?:\s+only)?\b
    | \bdirect(?:ly)?\s+(?:with\s+)?(?:the\s+)?(?:employers?|compan(?:y|ies)|hiring\s+compan(?:y|ies))
      (?:\s+only)?\b
    | \b(?:employer|company)[- ]direct\b
    | \bnon[- ]agency\b
    """,
    _IX,
)

#: Known employers that are also ordinary words: never recognized from a bare mention at the
#: start of a query ("Target jobs" -> no employer; "jobs at Target" works).
COMMON_WORD_EMPLOYERS: frozenset[str] = frozenset(
    {"target", "progressive", "visa", "chase", "principal", "fidelity", "citi", "ey", "gm", "hp", "ups",
     "bain", "ford", "dice", "aws"}
)

#: Nouns for kinds of employer: a capitalized word before them describes the kind, it does not
#: name an employer ("at SaaS startups", "at Fortune 500 companies").
EMPLOYER_KINDS: frozenset[str] = frozenset(
    {"startup", "startups", "company", "companies", "firm", "firms", "agency", "agencies", "hospital",
     "hospitals", "clinic", "clinics", "school", "schools", "nonprofit", "nonprofits", "brand", "brands",
     "business", "businesses", "corporation", "corporations", "employer", "employers", "shop", "shops"}
)

#: Prepositions an employer name can follow ("at Google", "for Amazon", "with Kaiser").
_COMPANY_PREPS = frozenset({"at", "for", "with"})


def _company_trigger(tokens: list[Token], i: int) -> tuple[int, str | None, bool] | None:
    """Whether an employer name may start after token i: (index where it starts, preposition,
    negated). Triggers: "at"/"for"/"with"; a negation ("not", "excluding", "other than",
    "but not") optionally followed by a preposition ("not at", "except for", "not from")."""
    word = tokens[i].lower
    nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
    if word in _COMPANY_PREPS:
        return i + 1, word, False
    if word in NEGATIONS:
        j = i + 1
    elif (word, nxt) in {("other", "than"), ("but", "not")}:
        j = i + 2
    else:
        return None
    if j < len(tokens) and tokens[j].lower in _COMPANY_PREPS | {"from", "by"}:
        return j + 1, tokens[j].lower, True
    return j, None, True


def find_staffing(text: str, claims: Claims, intent: QueryIntent) -> None:
    """Claim staffing exclusions ("no recruiters", "not through agencies", "direct hire only")."""
    for m in _STAFFING_RE.finditer(text):
        if claims.claim(m.start(), m.end(), "staffing"):
            intent.exclude_staffing = True


class EmployerFinder:
    """Employers named in a query.

    Args:
        lexicon: skill surface form (lowercase) -> display name; an employer that is also a
            skill ("Salesforce") is not taken from a bare mention or after "with".
        known_companies: extra employer names to recognize besides :data:`KNOWN_EMPLOYERS`.
    """

    def __init__(self, lexicon: dict[str, str], known_companies: Iterable[str] | None = None) -> None:
        self.lexicon = lexicon
        self._employers: dict[str, str] = {}
        for name in list(KNOWN_EMPLOYERS) + list(known_companies or ()):
            key = normalize_company(name)
            if key:
                self._employers.setdefault(key, name)
        self._employer_max_words = max((len(k.split()) for k in self._employers), default=1)

    def find_companies(
        self,
        text: str,
        tokens: list[Token],
        claims: Claims,
        intent: QueryIntent,
        places: list[PlaceSpan],
    ) -> None:
        """Employers after a negation ("not at Amazon") or a preposition ("at Google")."""
        i = 0
        while i < len(tokens):
            trigger = _company_trigger(tokens, i) if claims.is_free(tokens[i].start, tokens[i].end) else None
            found = None
            if trigger is not None:
                j, prep, negated = trigger
                found = self._company_list(text, tokens, j, claims, places, prep, negated)
            if found is None:
                i += 1
                continue
            end_index, names = found
            claims.claim(tokens[i].start, tokens[end_index - 1].end, "company")
            target = intent.exclude_companies if negated else intent.companies
            target.extend(n for n in names if n not in target)
            i = end_index

    def _company_list(
        self,
        text: str,
        tokens: list[Token],
        i: int,
        claims: Claims,
        places: list[PlaceSpan],
        prep: str | None,
        negated: bool,
    ) -> tuple[int, list[str]] | None:
        """Employer names from token i on, joined by "and" / "or" / commas."""
        names: list[str] = []
        end = i
        while True:
            run = self._company_run(text, tokens, end, claims, places, prep, negated)
            if run is None:
                break
            end, name = run
            names.append(name)
            if end + 1 < len(tokens) and tokens[end].lower in {"and", "or", "nor"}:
                nxt = self._company_run(text, tokens, end + 1, claims, places, prep, negated)
                if nxt is not None:
                    end = end + 1
                    continue
            if end < len(tokens) and "," in text[tokens[end - 1].end:tokens[end].start]:
                nxt = self._company_run(text, tokens, end, claims, places, prep, negated)
                if nxt is not None:
                    continue
            break
        if not names:
            return None
        for p in [p for p in places if tokens[i].start <= p[0] < tokens[end - 1].end]:
            places.remove(p)  # "at Boston Scientific": the employer wins over the place
        return end, names

    def _company_run(
        self,
        text: str,
        tokens: list[Token],
        i: int,
        claims: Claims,
        places: list[PlaceSpan],
        prep: str | None,
        negated: bool,
    ) -> tuple[int, str] | None:
        """(index after the name, display name) of an employer starting at token i, or None.

        A known employer (any case) wins; otherwise after "at" or a negation, a run of
        capitalized words ("Boston Scientific", "Bank of America") that is not only a place.
        "for" and "with" accept known employers only ("jobs for Veterans" names no employer);
        "with" never accepts a skill ("with Salesforce").
        """
        if i >= len(tokens) or not claims.is_free(tokens[i].start, tokens[i].end):
            return None
        known = self._known_employer_at(text, tokens, i, claims)
        if known is not None:
            name = known[1]
            if prep == "with" and normalize_company(name) in self.lexicon:
                return None
            return known
        if prep in {"for", "with"} and not negated:
            return None
        j = i
        while j < len(tokens) and claims.is_free(tokens[j].start, tokens[j].end):
            word = tokens[j].text
            if j > i and BREAK_RE.search(text[tokens[j - 1].end:tokens[j].start]):
                break
            if word[0].isupper() or word[0].isdigit():
                if word.lower() in JOB_NOUNS or (word.lower() in FILLER and j == i):
                    break
                j += 1
            elif word.lower() in {"of", "and", "&", "the"} and j > i and j + 1 < len(tokens) \
                    and tokens[j + 1].text[:1].isupper():
                j += 1
            else:
                break
        if j == i or (j < len(tokens) and tokens[j].lower in EMPLOYER_KINDS):
            return None
        span = (tokens[i].start, tokens[j - 1].end)
        if any(p[0] == span[0] and p[1] == span[1] for p in places):
            return None  # "jobs at Seattle": a place, not an employer
        return j, text[span[0]:span[1]]

    def _known_employer_at(
        self, text: str, tokens: list[Token], i: int, claims: Claims
    ) -> tuple[int, str] | None:
        """Longest known employer starting at token i: (index after it, display name)."""
        for n in range(min(self._employer_max_words, len(tokens) - i), 0, -1):
            if not claims.is_free(tokens[i].start, tokens[i + n - 1].end):
                continue
            key = normalize_company(phrase(text, tokens[i:i + n]))
            if key in self._employers:
                return i + n, self._employers[key]
        return None

    def find_bare_employers(
        self,
        text: str,
        tokens: list[Token],
        claims: Claims,
        intent: QueryIntent,
        places: list[PlaceSpan],
        skills: list[SkillSpan],
    ) -> None:
        """Capitalized known employers without a preposition ("Google software engineer jobs",
        "Sherwin-Williams jobs"); not when a longer skill starts there ("Google Cloud")."""
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if not tok.text[0].isupper() or not claims.is_free(tok.start, tok.end):
                i += 1
                continue
            known = self._known_employer_at(text, tokens, i, claims)
            if known is None:
                i += 1
                continue
            end, name = known
            key = normalize_company(name)
            span_end = tokens[end - 1].end
            in_skill = any(s <= tok.start < e and e > span_end for s, e, _ in skills)
            if in_skill or key in self.lexicon or (i == 0 and key in COMMON_WORD_EMPLOYERS):
                i += 1
                continue
            claims.claim(tok.start, span_end, "company")
            places[:] = [p for p in places if not (p[0] < span_end and tok.start < p[1])]
            if name not in intent.companies:
                intent.companies.append(name)
            i = end
