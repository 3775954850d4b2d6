"""Places a query names, wanted ("in Seattle or Portland, OR") or excluded ("not in Boston").

Regions the gazetteer lacks ("the Midwest") become their states (:data:`REGION_STATES`). Other
places come from :meth:`Gazetteer.find_in_text` (its guards keep "Mobile developer" and "sales
jobs at home" place-free), minus cities abroad ("London"), skills not introduced by "in"/"near"
("using Snowflake"), small towns that are part of a job title ("Prison Warden") and the boolean
words "OR" / "IN". Employers are read between finding candidates and claiming them, so that an
employer beats a place inside its name ("at Boston Scientific").
"""

from __future__ import annotations

import dataclasses
import re

from jobsearch.corpus.geo import Gazetteer, GeoMatch
from jobsearch.query.constraints import QueryIntent
from jobsearch.query.skills import SkillSpan
from jobsearch.query.tokens import Claims, dedupe, singular

__all__ = [
    "FOREIGN_CITIES",
    "REGION_STATES",
    "SMALL_TOWN_POPULATION",
    "PlaceFinder",
    "PlaceSpan",
    "claim_places",
    "find_regions",
]

_I = re.IGNORECASE

SMALL_TOWN_POPULATION = 50_000  # below this a one-word town next to a role noun is read as a title

#: A place candidate: (start, end, where it points).
PlaceSpan = tuple[int, int, GeoMatch]

#: Regions people name that the gazetteer does not know, as the states they cover (OR).
#: The Midwest follows policy §5.3; the others follow the US Census regions where one exists.
REGION_STATES: dict[str, tuple[str, ...]] = {
    "midwest": ("IL", "IN", "IA", "KS", "MI", "MN", "MO", "NE", "ND", "OH", "SD", "WI"),
    "new england": ("CT", "ME", "MA", "NH", "RI", "VT"),
    "northeast": ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"),
    "southeast": ("AL", "AR", "FL", "GA", "KY", "LA", "MS", "NC", "SC", "TN", "VA", "WV"),
    "southwest": ("AZ", "NM", "NV", "OK", "TX"),
    "pacific northwest": ("WA", "OR", "ID"),
    "pnw": ("WA", "OR", "ID"),
    "west coast": ("CA", "OR", "WA"),
    "east coast": ("ME", "NH", "MA", "RI", "CT", "NY", "NJ", "PA", "DE", "MD", "DC", "VA", "NC", "SC",
                   "GA", "FL"),
}

#: Cities abroad that share a name with a small US place ("jobs in London" is not London, KY).
#: Dropped unless a state follows ("London, KY").
FOREIGN_CITIES: frozenset[str] = frozenset(
    {
        "london", "paris", "berlin", "dublin", "toronto", "sydney", "melbourne", "tokyo", "bangalore",
        "bengaluru", "mumbai", "delhi", "munich", "amsterdam", "madrid", "barcelona", "rome", "milan",
        "zurich", "geneva", "stockholm", "montreal", "hong kong", "shanghai", "beijing", "dubai",
        "manchester", "edinburgh", "lisbon", "warsaw", "prague", "vienna", "copenhagen", "oslo",
        "helsinki", "brussels",
    }
)

#: Region names of REGION_STATES, longest first, any whitespace inside ("Pacific  Northwest").
_REGION_RE = re.compile(
    r"\b(?:"
    + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(REGION_STATES, key=len, reverse=True))
    + r"|mid-west)\b",
    _I,
)
#: Text right before a place that negates it: "not in", "excluding", "except for", "other than".
_PLACE_NEGATION_RE = re.compile(
    r"(?:\b(?:not|no|never)\s+(?:in|near|around|from|at|based\s+in)|\b(?:excluding|exclude|except(?:\s+for)?"
    r"|besides|other\s+than|outside(?:\s+of)?))\s+(?:the\s+)?$",
    _I,
)
#: Words before a place that make it a place even when it is also a skill ("in Spring, TX").
_LOCATIVE_BEFORE_RE = re.compile(
    r"\b(?:in|near|around|within|from|across|throughout|outside)\s+(?:the\s+)?$", _I
)


def find_regions(text: str, claims: Claims, intent: QueryIntent) -> None:
    """"the Midwest", "Pacific Northwest": one state-level location per state."""
    for m in _REGION_RE.finditer(text):
        if claims.claim(m.start(), m.end(), "place"):
            key = " ".join(m.group().lower().replace("mid-west", "midwest").split())
            intent.locations.extend(GeoMatch(state_code=st, level="state") for st in REGION_STATES[key])


class PlaceFinder:
    """Place candidates in a query.

    Args:
        gazetteer: a loaded :class:`Gazetteer`.
        role_nouns: singular words that end job titles ("nurse", "warden"); a small town next
            to one is read as part of a title.
    """

    def __init__(self, gazetteer: Gazetteer, role_nouns: frozenset[str]) -> None:
        self.gazetteer = gazetteer
        self.role_nouns = role_nouns
        cities = gazetteer.cities
        self._city_population: dict[str, int] = dict(zip(cities["city_id"], cities["population"].astype(int)))

    def population(self, city_id: str | None) -> int:
        """A gazetteer city's population (0 when unknown)."""
        return self._city_population.get(city_id or "", 0)

    def candidates(self, text: str, claims: Claims, skills: list[SkillSpan]) -> list[PlaceSpan]:
        """Places the gazetteer finds in free text, minus same-named cities abroad, skills not
        introduced by "in"/"near" ("using Snowflake" is a skill, "in Snowflake, AZ" a place),
        towns inside job titles and the boolean words "OR" / "IN" ("engineer OR scientist")."""
        skill_spans = {(s, e) for s, e, _ in skills}
        return [
            (s, e, g) for s, e, g in self.gazetteer.find_in_text(text)
            if claims.is_free(s, e)
            and " ".join(text[s:e].lower().split()) not in FOREIGN_CITIES
            and ((s, e) not in skill_spans or _LOCATIVE_BEFORE_RE.search(text[:s]))
            and not self._town_in_title(text, s, e, g)
            and not (text[s:e] in {"OR", "IN"} and not re.search(r"(?:,|\bin)\s*$", text[:s], _I))
        ]

    def _town_in_title(self, text: str, start: int, end: int, geo: GeoMatch) -> bool:
        """A small town whose name is part of a title-cased job title: "Mason", "Prison Warden",
        "Belt Picker". True for a one-word city under SMALL_TOWN_POPULATION, with no "in"/"near"
        before and no state after, that is itself a role noun or stands right before one.
        "Seattle nurse jobs" keeps Seattle (large); "jobs in Mason" keeps Mason (preposition)."""
        word = text[start:end]
        if geo.level != "city" or not word.isalpha() or _LOCATIVE_BEFORE_RE.search(text[:start]):
            return False
        if self.population(geo.city_id) >= SMALL_TOWN_POPULATION:
            return False
        following = re.match(r"\s+([A-Za-z]+)", text[end:])
        return singular(word.lower()) in self.role_nouns or (
            following is not None and singular(following.group(1).lower()) in self.role_nouns
        )


def claim_places(text: str, places: list[PlaceSpan], claims: Claims, intent: QueryIntent) -> None:
    """Claim place candidates: wanted, or excluded after "not in" / "excluding". A state right
    after a place in it ("Orange County, CA") only confirms that place."""
    previous: tuple[int, GeoMatch] | None = None
    for start, end, geo in places:
        negation = _PLACE_NEGATION_RE.search(text[:start])
        if negation is not None:
            start = negation.start()
        if not claims.claim(start, end, "place"):
            continue
        confirms = (
            previous is not None and geo.level == "state" and previous[1].state_code == geo.state_code
            and re.fullmatch(r"\s*,?\s*", text[previous[0]:start]) is not None
        )
        previous = (end, geo)
        if confirms:
            continue
        if geo.level in ("city", "metro", "state"):  # "in the US" constrains nothing
            target = intent.exclude_locations if negation else intent.locations
            target.append(dataclasses.replace(geo, remote_hint=False))
    intent.locations = dedupe(intent.locations)
    intent.exclude_locations = dedupe(intent.exclude_locations)
