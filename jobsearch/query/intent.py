"""Which search a query is, and which stack serves it.

Intent (`jobs`, `people`, `lexical`) and route (`semantic`, `lexical`) follow the conventions written
down with the labelled parse set (`tests/data/README.md`):

- **lexical** intent: a lookup of one known item: a posting id ("job 3904817152", "#3887473074"), a
  member id ("m003950"), or a person's name (2-3 name-like words that resolve to nothing else:
  quoted, capitalized, or starting with a known first name).
- **people** intent: a person cue ("who knows", "experts in", "recruiters", "someone", "my
  connections") or a plural person noun as the title ("data scientists in Seattle"), unless a job
  word says otherwise ("recruiter jobs", "nurse openings").
- **jobs**: everything else.
- **route** lexical: lexical intent, a quoted phrase, or exactly "<Title> at <Company>" with nothing
  else; the rest is semantic.

`cue_spans` finds the person-cue phrases so the engine can hide them from the job parser ("people
operations" is an HR field, "experts" is not a title).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from jobsearch.query.parsed import Intent, Route, Target

_I = re.IGNORECASE

QUOTED_RE = re.compile(r"[\"\u201c\u201d]([^\"\u201c\u201d]{1,200})[\"\u201c\u201d]")
POSTING_ID_RE = re.compile(
    r"(?:\b(?:job|posting|listing|req(?:uisition)?)(?:\s*(?:id|number|no\.?))?\s*[:#]?\s*#?|\bid\s*[:#]\s*|#)(\d{6,12})\b"
    r"|^\s*(\d{8,12})\s*$", _I)
MEMBER_ID_RE = re.compile(r"\bm\d{6}\b", _I)
JOB_WORDS_RE = re.compile(
    r"\b(?:jobs?|roles?|positions?|openings?|vacanc(?:y|ies)|hiring(?!\s+managers?)|careers?|gigs?|opportunit(?:y|ies)|"
    r"employment|internships?|postings?|listings?|apply|work\s+as|job\s+offers?)\b", _I)
PEOPLE_CUES_RE = re.compile(
    r"(?:\bwho\s+(?:knows?|know|has|have|had|is|are|was|were|worked|works|work|did|does|do|can|could|specializes?|specialises?)"
    r"|\bthat\s+(?:knows?|know|has|have|had|worked|specializes?|specialises?))\b"
    r"(?:\s+(?:a\s+lot|lots|much|deeply|well))?(?:\s+(?:about|of|in|on|with|at|as|experience(?:\s+(?:in|with))?|done))?"
    r"|\b(?:experts?|specialists?|authorit(?:y|ies)|gurus?)(?:\s+(?:in|on|with|about|of|at))?\b"
    r"|\b(?:mentors?|advisors?|alumni|alums?|contacts?|colleagues|coworkers|people|persons|(?<!in\s)(?<!in-)person|"
    r"someone|somebody|anyone|anybody|folks|members|profiles?|candidates|talent)(?:\s+(?:who|that|about))?\b"
    r"|\bwith\s+(?:experience|expertise|a\s+background|background)\s+(?:in|with|on)\b"
    r"|\b(?:knows?|know)\s+(?:a\s+lot\s+)?about\b",
    _I)
#: Plural person nouns that name people on their own ("recruiters at Stripe", "hiring managers").
PEOPLE_NOUNS_RE = re.compile(r"\b(?:recruiters|hiring\s+managers|founders|executives|engineers|nurses|doctors|"
                             r"physicians|designers|developers|scientists|analysts|managers|teachers|lawyers|attorneys)\b", _I)
_NAME_WORD_RE = re.compile(r"^[A-Za-z][A-Za-z'\u2019-]*\.?$")
_NOT_PLURAL = ("ss", "us", "is", "ics", "ops", "sales", "services", "operations", "relations", "communications",
               "resources", "affairs", "news", "sys", "logistics", "arts")
TITLE_AT_COMPANY_RE = re.compile(r"^\s*[^@\"]+?\s+(?:at|@)\s+[^@\"]+?\s*$", _I)


@dataclass(frozen=True)
class Classified:
    intent: Intent
    target: Target
    route: Route
    lexical_terms: list[str]


def quoted_phrases(text: str) -> list[str]:
    return [m.group(1).strip() for m in QUOTED_RE.finditer(text) if m.group(1).strip()]


def id_lookups(text: str) -> tuple[list[str], list[str]]:
    """(posting ids, member ids) the text names."""
    posting = [m.group(1) or m.group(2) for m in POSTING_ID_RE.finditer(text)]
    members = [m.group(0).lower() for m in MEMBER_ID_RE.finditer(text)]
    return posting, members


def cue_spans(text: str) -> list[tuple[int, int]]:
    """Spans of person cues (hidden from the job parser, kept for intent)."""
    return [m.span() for m in PEOPLE_CUES_RE.finditer(text)]


def is_plural_title(title: str | None) -> bool:
    if not title:
        return False
    last = title.split()[-1].lower()
    return len(last) > 3 and last.endswith("s") and not last.endswith(_NOT_PLURAL)


def looks_like_name(text: str, first_names: Iterable[str] = (), quoted: bool = False) -> bool:
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    if not 2 <= len(words) <= 3 or not all(_NAME_WORD_RE.match(w) for w in words):
        return False
    if quoted or all(w[0].isupper() for w in words):
        return True
    return words[0].lower() in {n.lower() for n in first_names}


def classify(text: str, *, resolved_anything: bool, title: str | None, n_companies: int, other_constraints: bool,
             network_people: bool, network_any: bool, first_names: Iterable[str] = ()) -> Classified:
    """Intent, target and route of `text`, given what the rule parser resolved in it.

    `resolved_anything`: the parser found a title, place, company, skill or any other constraint.
    `other_constraints`: constraints besides one title and one company (place, pay, level, ...).
    `network_people`: a network phrase naming people ("my connections"); `network_any`: any network phrase.
    """
    quotes = quoted_phrases(text)
    postings, members = id_lookups(text)
    stripped = QUOTED_RE.sub(lambda m: m.group(1), text).strip()
    job_words = bool(JOB_WORDS_RE.search(text))

    if postings:
        return Classified(Intent.LEXICAL, Target.POSTINGS, Route.LEXICAL, postings)
    if members:
        return Classified(Intent.LEXICAL, Target.PROFILES, Route.LEXICAL, members)
    whole_quote = len(quotes) == 1 and quotes[0] == stripped.strip(" \"\u201c\u201d")
    if not job_words and not network_any and looks_like_name(stripped, first_names, quoted=whole_quote) and (
            whole_quote or not resolved_anything):
        return Classified(Intent.LEXICAL, Target.PROFILES, Route.LEXICAL, [stripped])

    people = not job_words and (network_people or bool(PEOPLE_CUES_RE.search(text)) or is_plural_title(title)
                                or bool(PEOPLE_NOUNS_RE.search(text)))
    intent = Intent.PEOPLE if people else Intent.JOBS
    target = Target.PROFILES if people else Target.POSTINGS
    if quotes:
        return Classified(intent, target, Route.LEXICAL, quotes)
    if (intent is Intent.JOBS and title and n_companies == 1 and not other_constraints and not job_words
            and not network_any and TITLE_AT_COMPANY_RE.match(text)):
        return Classified(intent, target, Route.LEXICAL, [text.strip()])
    return Classified(intent, target, Route.SEMANTIC, [])
