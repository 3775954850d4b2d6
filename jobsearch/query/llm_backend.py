"""A language-model backend for the query engine, checked value by value against the rule vocabularies.

`LLMQueryParser(lm, rules).parse(text)` asks the model for one JSON object in the flat `LLMParse`
schema (a compact prompt: the keys, the allowed enum values and four worked examples; keys the query
does not state are left out, so answers stay short). On vLLM decoding is constrained to the schema;
on transformers the answer is read greedily and the first JSON object is extracted from it.

Then every value is checked against what the rule parser knows, never taken on trust:

- places through the gazetteer (to `Place` ids; the parser's region names expand to states, a city
  abroad without a state is not a US place); titles through the occupation taxonomy, read by the rule
  parser's own title matcher (to O*NET codes); employers against its employer vocabulary; skills
  against its skill lexicon; levels, work types and remote modes against the enums (case and
  punctuation folded, plus the level words the rule parser maps: "senior" -> MID_SENIOR);
- numbers in range (pay 1,000 to 5 million USD a year, 1 to 3650 days, network degree 1-3);
- whatever names no known place, title, employer or enum value goes to `unresolved`, never guessed;
- a phrase the query does not mention at all ("Seattle, WA" for a query about Chicago: the model
  copied an example) is rejected and counted in `rejected`, not applied: it is not the user's phrase;
- skills outside the lexicon are soft: they join `soft_text` for the embedding, as the rule parser's
  leftover keywords do.

Any failure falls back to the rule engine's parse, marked `backend="llm:<model>+rules"`: no JSON
object, JSON that does not fit the schema (wrong types, unknown keys, an unknown intent or route),
an exception in the model, or generation slower than `timeout_s`. `fallbacks` counts the reasons.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from jobsearch.corpus.companies import normalize_company
from jobsearch.corpus.schemas import RemoteMode, Seniority, WorkType
from jobsearch.labels.llm import LanguageModel, first_json_object
from jobsearch.query import intent as intents
from jobsearch.query.engine import QueryEngine, place_of
from jobsearch.query.parsed import Intent, Network, Occupation, ParsedQuery, Pay, Place, Route, Target
from jobsearch.query.places import FOREIGN_CITIES, REGION_STATES

__all__ = ["LLMParse", "LLMQueryParser", "output_schema", "query_prompt"]

log = logging.getLogger(__name__)

MAX_NEW_TOKENS = 128
MIN_PAY_USD, MAX_PAY_USD = 1_000, 5_000_000
MAX_DAYS = 3650

SENIORITIES = [s.value for s in Seniority if s is not Seniority.UNKNOWN]
WORK_TYPES = [w.value for w in WorkType]
REMOTE_MODES = [m.value for m in RemoteMode]
#: Level words the model may write instead of an enum value, mapped as the rule parser maps them.
SENIORITY_WORDS = {"SENIOR": "MID_SENIOR", "SR": "MID_SENIOR", "MID": "MID_SENIOR", "MID_LEVEL": "MID_SENIOR",
                   "EXPERIENCED": "MID_SENIOR", "LEAD": "MID_SENIOR", "JUNIOR": "ENTRY", "JR": "ENTRY",
                   "ENTRY_LEVEL": "ENTRY", "INTERN": "INTERNSHIP", "INTERNS": "INTERNSHIP", "EXEC": "EXECUTIVE"}
REMOTE_WORDS = {"onsite": "on_site", "in_office": "on_site", "in_person": "on_site", "office": "on_site",
                "remote_first": "mostly_remote"}


class LLMParse(BaseModel):
    """What the model is asked to write: one flat JSON object; a key left out takes its default."""

    model_config = ConfigDict(extra="forbid")

    intent: Literal["jobs", "people", "lexical"] = "jobs"
    route: Literal["semantic", "lexical"] = "semantic"
    title: str | None = None
    places: list[str] = []
    exclude_places: list[str] = []
    companies: list[str] = []
    exclude_companies: list[str] = []
    exclude_staffing: bool = False
    seniority: list[str] = []
    work_types: list[str] = []
    exclude_work_types: list[str] = []
    remote_mode: str | None = None
    min_pay_usd: float | None = None
    above_median_pay: bool = False
    posted_within_days: int | None = None
    network_degree: int | None = None
    connections_companies: bool = False
    skills: list[str] = []
    lexical_terms: list[str] = []
    unresolved: list[str] = []


def output_schema() -> dict:
    """The JSON schema given to constrained decoding: `LLMParse`, with the enum fields narrowed to
    their allowed values (the pydantic model keeps them as strings so that one bad value lands in
    `unresolved` instead of failing the whole answer when decoding is not constrained)."""
    schema = LLMParse.model_json_schema()
    props = schema["properties"]
    for key, values in (("seniority", SENIORITIES), ("work_types", WORK_TYPES), ("exclude_work_types", WORK_TYPES)):
        props[key] = {"type": "array", "items": {"type": "string", "enum": values}}
    props["remote_mode"] = {"type": "string", "enum": REMOTE_MODES}
    props["network_degree"] = {"type": "integer", "enum": [1, 2, 3]}
    for key, kind in (("title", "string"), ("min_pay_usd", "number"), ("posted_within_days", "integer")):
        props[key] = {"type": kind}  # ranges are checked after decoding (not every grammar backend has them)
    return schema


_EXAMPLES = [
    ("senior nurse jobs in Austin over $90k, no staffing agencies",
     {"title": "nurse", "places": ["Austin, TX"], "seniority": ["MID_SENIOR"], "min_pay_usd": 90000,
      "exclude_staffing": True}),
    ("part-time remote designer jobs not at Google posted this week",
     {"title": "designer", "exclude_companies": ["Google"], "work_types": ["PART_TIME"], "remote_mode": "remote",
      "posted_within_days": 7}),
    ("data scientists in Boston who know pytorch",
     {"intent": "people", "title": "data scientist", "places": ["Boston, MA"], "skills": ["pytorch"]}),
    ("job 3904817152", {"intent": "lexical", "route": "lexical", "lexical_terms": ["3904817152"]}),
]

_INSTRUCTIONS = (
    "Write the job-search query as one JSON object. Leave out keys the query does not state. Keys: "
    'intent ("jobs", "people" or "lexical"), route ("semantic" or "lexical"), title, places, exclude_places '
    '("City, ST" or "ST"), companies, exclude_companies, exclude_staffing, '
    f"seniority ({', '.join(SENIORITIES)}), work_types and exclude_work_types ({', '.join(WORK_TYPES)}), "
    f"remote_mode ({', '.join(REMOTE_MODES)}), min_pay_usd (yearly), above_median_pay, posted_within_days, "
    "network_degree (1-3), connections_companies, skills, lexical_terms, unresolved."
)


def query_prompt(text: str) -> str:
    """The worked examples, the keys, then the query (~470 tokens in SmolLM2's chat template).
    Examples first: with the query right after them SmolLM2-135M copied the first example's answer."""
    shots = "\n".join(f"{q} => {json.dumps(a)}" for q, a in _EXAMPLES)
    return f"Examples:\n{shots}\n\n{_INSTRUCTIONS}\n\nNow: {text} =>"


class _Fallback(Exception):
    """Why the model's answer is not used; the rule parse is returned instead."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _mentioned(value: str, text: str) -> bool:
    """Whether the query mentions `value`: one of its words (2+ characters) is a word of the query,
    or shares its first four letters with one ("nurse" / "nursing")."""
    query = _words(text)
    for w in _words(value):
        if len(w) < 2:
            continue
        if any(q == w or (len(w) >= 4 and len(q) >= 4 and q[:4] == w[:4]) for q in query):
            return True
    return False


def _enum_key(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(value).strip()).strip("_")


def _dedupe(items: Iterable) -> list:
    return list(dict.fromkeys(items))


class LLMQueryParser:
    """Parse queries with a language model into `ParsedQuery`, validated against the rule vocabularies.

    Args:
        lm: any `LanguageModel` whose `generate` takes `json_schema` and `max_time_s`
            (`TransformersLM`, `VllmLM`).
        rules: the rule engine: its parser's vocabularies validate the model's values and its parse
            is the fallback.
        timeout_s: a generation slower than this falls back to the rules. The answer is awaited at
            most this long (the model runs in one worker thread); transformers also stops generating
            at this bound, so an abandoned generation ends soon after (one at a time: a query that
            finds the worker still busy waits its own `timeout_s`, then falls back too).
    """

    def __init__(self, lm: LanguageModel, rules: QueryEngine, timeout_s: float = 10.0) -> None:
        self.lm = lm
        self.rules = rules
        self.timeout_s = timeout_s
        self.backend = f"llm:{lm.name}"
        self.schema = output_schema()
        parser = rules.parser
        self.gazetteer = parser.gazetteer
        self.lexicon = parser.lexicon  # lowercase surface form -> display name
        self.employers: dict[str, str] = dict(parser._employers._employers)  # normalized name -> display name
        #: why answers fell back to the rules ("no_json", "schema", "error", "timeout"), counted
        self.fallbacks: Counter[str] = Counter()
        #: values the model gave that the query never mentions, counted per field (not applied)
        self.rejected: Counter[str] = Counter()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-query")

    def parse(self, text: str, member_id: str | None = None) -> ParsedQuery:
        ruled = self.rules.parse(text, member_id)  # validates the input (QueryError) and is the fallback
        try:
            answer = self._ask(ruled.text)
            return self._validated(ruled.text, member_id, answer)
        except _Fallback as why:
            self.fallbacks[why.reason] += 1
            log.info("query %r: %s; using the rule parse", ruled.text, why)
        except Exception as error:  # noqa: BLE001 (any model failure falls back, with its reason logged)
            self.fallbacks["error"] += 1
            log.warning("query %r: %s: %s; using the rule parse", ruled.text, type(error).__name__, error)
        return ruled.model_copy(update={"backend": f"{self.backend}+rules"})

    def _ask(self, text: str) -> LLMParse:
        future = self._worker.submit(self.lm.generate, [query_prompt(text)], max_tokens=MAX_NEW_TOKENS,
                                     temperature=0.0, json_schema=self.schema, max_time_s=self.timeout_s)
        try:
            out = future.result(timeout=self.timeout_s)[0]
        except FutureTimeout:
            future.cancel()  # dropped if it had not started; a running one stops at max_time_s
            raise _Fallback("timeout", f"no answer within {self.timeout_s:g} s") from None
        raw = first_json_object(out)
        if raw is None:
            raise _Fallback("no_json", repr(out[:200]))
        try:
            return LLMParse.model_validate(raw)
        except ValidationError as error:
            raise _Fallback("schema", f"{error.error_count()} errors: {json.dumps(raw)[:200]}") from None

    # ------------------------------------------------------------------ validation

    def _validated(self, text: str, member_id: str | None, a: LLMParse) -> ParsedQuery:
        unresolved: list[str] = []
        soft: list[str] = []

        def phrases(field: str, values: Iterable[str]) -> list[str]:
            """Non-empty values the query mentions; the others are rejected and counted."""
            kept = []
            for v in values:
                v = " ".join(str(v).split())
                if not v:
                    continue
                if _mentioned(v, text):
                    kept.append(v)
                else:
                    self.rejected[field] += 1
                    log.info("query %r: %s %r is not in the query; rejected", text, field, v)
            return kept

        places = self._places("places", a.places, text, unresolved)
        exclude_places = self._places("exclude_places", a.exclude_places, text, unresolved)
        occupation = self._occupation(phrases("title", [a.title] if a.title else []), unresolved)
        companies = self._companies(phrases("companies", a.companies), unresolved)
        exclude_companies = self._companies(phrases("exclude_companies", a.exclude_companies), unresolved)
        skills = []
        for s in phrases("skills", a.skills):
            if s.lower() in self.lexicon:
                skills.append(self.lexicon[s.lower()].lower())
            else:
                soft.append(s.lower())  # a skill the lexicon lacks: soft text, not a constraint
        seniority = self._enums("seniority", a.seniority, SENIORITIES, SENIORITY_WORDS, unresolved)
        work_types = self._enums("work_types", a.work_types, WORK_TYPES, {}, unresolved)
        exclude_work_types = self._enums("exclude_work_types", a.exclude_work_types, WORK_TYPES, {}, unresolved)
        remote = self._enums("remote_mode", [a.remote_mode] if a.remote_mode else [], REMOTE_MODES,
                             REMOTE_WORDS, unresolved, lower=True)
        min_pay = self._number("min_pay_usd", a.min_pay_usd, MIN_PAY_USD, MAX_PAY_USD, unresolved)
        days = self._number("posted_within_days", a.posted_within_days, 1, MAX_DAYS, unresolved)
        degree = self._number("network_degree", a.network_degree, 1, 3, unresolved)
        lexical_terms = phrases("lexical_terms", a.lexical_terms)
        unresolved += [u.lower() for u in phrases("unresolved", a.unresolved)]

        intent = Intent(a.intent)
        if intent is Intent.LEXICAL:
            target = Target.POSTINGS if intents.id_lookups(text)[0] else Target.PROFILES
            soft_text = " ".join(lexical_terms) or text
        else:
            target = Target.PROFILES if intent is Intent.PEOPLE else Target.POSTINGS
            soft_text = " ".join(_dedupe(x for x in [occupation.title if occupation else "", *skills, *soft] if x)) or text
        return ParsedQuery(
            text=text, member_id=member_id, intent=intent, target=target, route=Route(a.route),
            occupation=occupation, places=places, exclude_places=exclude_places,
            companies=companies, exclude_companies=exclude_companies, exclude_staffing=a.exclude_staffing,
            seniority=[Seniority(s) for s in seniority], work_types=[WorkType(w) for w in work_types],
            exclude_work_types=[WorkType(w) for w in exclude_work_types],
            remote_mode=RemoteMode(remote[0]) if remote else None,
            pay=Pay(min_usd=min_pay, above_median=a.above_median_pay), posted_within_days=days,
            network=Network(max_degree=degree, connections_companies=a.connections_companies),
            skills=_dedupe(skills), lexical_terms=lexical_terms, soft_text=soft_text,
            unresolved=_dedupe(unresolved), backend=self.backend,
        )

    def _places(self, field: str, values: list[str], text: str, unresolved: list[str]) -> list[Place]:
        """Gazetteer places (regions -> their states); unresolvable ones and cities abroad -> unresolved.
        A place is the query's when its name (the part before a comma) or its initials ("sf") are
        mentioned, or the gazetteer finds the same place in the query text; others are rejected."""
        out: list[Place] = []
        in_text: set[str] | None = None
        for value in values:
            key = " ".join(str(value).lower().split())
            if not key:
                continue
            if key in REGION_STATES:
                places = [Place(level="state", id=st, name=st, state=st) for st in REGION_STATES[key]]
            else:
                place = None if key in FOREIGN_CITIES else place_of(self.gazetteer.resolve(value))
                places = [place] if place else []
            name = key.removeprefix("metro:").split(",")[0]
            initials = "".join(w[0] for w in _words(name)) if len(_words(name)) > 1 else ""
            if _mentioned(name, text) or initials in _words(text):  # "sf" -> "San Francisco, CA"
                grounded = True
            elif places:
                if in_text is None:
                    found = [g for _, _, g in self.gazetteer.find_in_text(text)]
                    in_text = {x for g in found for x in (g.city_id, g.metro_id, g.state_code) if x}
                grounded = all(p.id in in_text or p.metro_id in in_text for p in places)
            else:
                grounded = False
            if not grounded:
                self.rejected[field] += 1
                log.info("query %r: %s %r is not in the query; rejected", text, field, value)
            elif places:
                out += places
            else:
                unresolved.append(key)
        return _dedupe(out)

    def _occupation(self, titles: list[str], unresolved: list[str]) -> Occupation | None:
        """The title read by the rule parser's title matcher (field words included); no code -> unresolved."""
        if not titles:
            return None
        found = self.rules.parser.parse(titles[0])
        if found.title and found.onet_codes:
            return Occupation(title=found.title, onet_codes=found.onet_codes, broad=found.broad_title)
        unresolved.append(titles[0].lower())
        return None

    def _companies(self, values: list[str], unresolved: list[str]) -> list[str]:
        """Employers the rule parser knows, as it names them; the others -> unresolved."""
        out = []
        for value in values:
            name = self.employers.get(normalize_company(value))
            if name is None:
                unresolved.append(value.lower())
            else:
                out.append(name)
        return _dedupe(out)

    @staticmethod
    def _enums(field: str, values: Iterable[str], allowed: list[str], words: dict[str, str],
               unresolved: list[str], lower: bool = False) -> list[str]:
        """Enum values with case and punctuation folded ("full-time" -> FULL_TIME) and the mapped
        words; anything else -> unresolved as "field: value"."""
        out = []
        for value in values:
            key = _enum_key(value)
            key = key.lower() if lower else key.upper()
            key = words.get(key, key)
            if key in allowed:
                out.append(key)
            elif str(value).strip():
                unresolved.append(f"{field}: {str(value).strip().lower()}")
        return _dedupe(out)

    @staticmethod
    def _number(field: str, value, low: float, high: float, unresolved: list[str]):
        """`value` when low <= value <= high (None when absent); out of range -> unresolved."""
        if value is None:
            return None
        if low <= value <= high:
            return value
        unresolved.append(f"{field}: {value:g}")
        return None
