"""US gazetteer: resolve free-form job locations to city, metro (CBSA) and state.

LinkedIn shows a job's place in several shapes: ``"Seattle, WA"``, ``"Texas, United States"``,
``"Greater Seattle Area"``, ``"Austin, Texas Metropolitan Area"``, ``"United States"``,
``"Remote"``.  Job search needs all of them on one ladder, city -> metro -> state -> country,
so that a query for "Seattle" can match a job posted in "Bellevue, WA" (same metro).

The gazetteer is built from three public files in ``data/geo``:

* ``uscities.csv`` (SimpleMaps, basic): every US place with its county FIPS, population and
  ZIP codes.
* ``qcew-county-msa-csa-crosswalk-csv.csv`` (BLS QCEW, Latin-1): county -> CBSA (metro and
  micropolitan statistical areas) with titles such as ``"Seattle-Tacoma-Bellevue, WA"``.
  The MSA code ``C4266`` is the CBSA code ``42660`` truncated; we append the ``0``.
* ``CountyCrossWalk_Zillow.csv``: county -> CBSA, used to fill counties the BLS file lacks.

Connecticut's nine planning regions (county-equivalents since 2022, FIPS ``09110``..``09190``)
appear in SimpleMaps but in neither crosswalk; ``CT_PLANNING_REGION_CBSA`` maps each to the
CBSA holding most of its population under the crosswalk's delineation.

Entry points: :meth:`Gazetteer.from_dir`, :meth:`Gazetteer.resolve`,
:meth:`Gazetteer.resolve_many`, :meth:`Gazetteer.find_in_text` and :func:`metro_coverage`.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

CITIES_FILE = "uscities.csv"
BLS_CROSSWALK_FILE = "qcew-county-msa-csa-crosswalk-csv.csv"
ZILLOW_CROSSWALK_FILE = "CountyCrossWalk_Zillow.csv"

LEVELS = ("city", "metro", "state", "country", "unresolved")

# --------------------------------------------------------------------------------------------
# Hand-written knowledge
# --------------------------------------------------------------------------------------------

#: Connecticut planning region (FIPS) -> CBSA code (crosswalk vintage) holding most of it.
CT_PLANNING_REGION_CBSA: dict[str, str] = {
    "09110": "25540",  # Capitol -> Hartford-West Hartford-East Hartford
    "09120": "14860",  # Greater Bridgeport -> Bridgeport-Stamford-Norwalk
    "09130": "25540",  # Lower Connecticut River Valley -> Hartford
    "09140": "35300",  # Naugatuck Valley (Waterbury) -> New Haven-Milford
    "09150": "49340",  # Northeastern Connecticut (Windham) -> Worcester, MA-CT
    "09160": "45860",  # Northwest Hills (Litchfield) -> Torrington (micro)
    "09170": "35300",  # South Central Connecticut -> New Haven-Milford
    "09180": "35980",  # Southeastern Connecticut -> Norwich-New London
    "09190": "14860",  # Western Connecticut (Stamford, Danbury) -> Bridgeport-Stamford-Norwalk
}

#: Towns that LinkedIn postings name often but SimpleMaps' basic file lacks (New England and
#: Mid-Atlantic townships, unincorporated places): (name, state) -> county FIPS. They resolve
#: to the county's metro. Picked from the most frequent state-only results on the 2023 file.
MISSING_TOWN_COUNTY: dict[tuple[str, str], str] = {
    # New Jersey
    ("Edison", "NJ"): "34023", ("Piscataway", "NJ"): "34023", ("Woodbridge", "NJ"): "34023",
    ("North Brunswick", "NJ"): "34023", ("Mahwah", "NJ"): "34003", ("Teaneck", "NJ"): "34003",
    ("Berkeley Heights", "NJ"): "34039", ("Raritan", "NJ"): "34035", ("Bridgewater", "NJ"): "34035",
    ("Cherry Hill", "NJ"): "34007", ("Mount Laurel", "NJ"): "34005", ("Moorestown", "NJ"): "34005",
    ("Wayne", "NJ"): "34031", ("Livingston", "NJ"): "34013", ("Montclair", "NJ"): "34013",
    ("Lakewood", "NJ"): "34029", ("Toms River", "NJ"): "34029", ("Denville", "NJ"): "34027",
    ("Freehold", "NJ"): "34025",
    # Massachusetts
    ("Burlington", "MA"): "25017", ("Lexington", "MA"): "25017", ("Bedford", "MA"): "25017",
    ("Natick", "MA"): "25017", ("Chelmsford", "MA"): "25017", ("Acton", "MA"): "25017",
    ("Billerica", "MA"): "25017", ("Ayer", "MA"): "25017", ("Wilmington", "MA"): "25017",
    ("Winchester", "MA"): "25017", ("Andover", "MA"): "25009", ("Dedham", "MA"): "25021",
    ("Needham", "MA"): "25021", ("Norwood", "MA"): "25021", ("Milton", "MA"): "25021",
    ("Brookline", "MA"): "25021", ("Westborough", "MA"): "25027",
    # Connecticut (pre-2022 county codes, which the crosswalks use)
    ("Greenwich", "CT"): "09001", ("Wilton", "CT"): "09001", ("Fairfield", "CT"): "09001",
    ("Ridgefield", "CT"): "09001", ("Glastonbury", "CT"): "09003", ("Farmington", "CT"): "09003",
    ("Rocky Hill", "CT"): "09003", ("Bloomfield", "CT"): "09003", ("Groton", "CT"): "09011",
    # Pennsylvania, Maryland, New York, Delaware, Virginia, Ohio, Tennessee, California
    ("Warminster", "PA"): "42017", ("Bensalem", "PA"): "42017", ("Horsham", "PA"): "42091",
    ("Newtown Square", "PA"): "42045", ("Cranberry Township", "PA"): "42019",
    ("Hanover", "MD"): "24003", ("Harmans", "MD"): "24003", ("Hunt Valley", "MD"): "24005",
    ("Annapolis Junction", "MD"): "24027", ("Jamaica", "NY"): "36081", ("Purchase", "NY"): "36119",
    ("Clifton Park", "NY"): "36091", ("Christiana", "DE"): "10003", ("Dulles", "VA"): "51107",
    ("West Chester", "OH"): "39017", ("Hermitage", "TN"): "47037", ("Greenbrae", "CA"): "06041",
    ("Universal City", "CA"): "06037",
}

#: Colloquial names people type, and LinkedIn metro strings the generic rules would miss.
#: Value: (kind, target). For kind 'metro' the target is a CBSA code, for 'city' a
#: (city, state code) pair resolved at build time, for 'state' a state code.
#: Names that cover several metros are mapped to the largest one, noted inline; names that are
#: too vague ("the Valley", "Tri-Cities", "Hudson Valley", "Front Range") are left out.
COLLOQUIAL_ALIASES: dict[str, tuple[str, Any]] = {
    # --- San Francisco / San Jose
    "Bay Area": ("metro", "41860"),
    "The Bay Area": ("metro", "41860"),
    "SF Bay Area": ("metro", "41860"),
    "San Francisco Bay Area": ("metro", "41860"),
    "East Bay": ("metro", "41860"),
    "NorCal": ("metro", "41860"),  # Northern California: several metros, SF is the largest
    "Northern California": ("metro", "41860"),
    "Silicon Valley": ("metro", "41940"),  # San Jose-Sunnyvale-Santa Clara, not SF (41860)
    "SF": ("city", ("San Francisco", "CA")),
    "San Fran": ("city", ("San Francisco", "CA")),
    # --- New York
    "NYC": ("city", ("New York", "NY")),
    "New York City": ("city", ("New York", "NY")),
    "New York": ("city", ("New York", "NY")),  # bare: the city; the state is "New York State"
    "Big Apple": ("city", ("New York", "NY")),
    "New York State": ("state", "NY"),
    "NYC Metro": ("metro", "35620"),
    "NYC Metro Area": ("metro", "35620"),
    "New York Metro Area": ("metro", "35620"),
    "New York City Metropolitan Area": ("metro", "35620"),
    "Greater New York City Area": ("metro", "35620"),
    "Tri-State Area": ("metro", "35620"),
    "Long Island": ("metro", "35620"),
    "Westchester": ("metro", "35620"),
    "North Jersey": ("metro", "35620"),
    "Northern New Jersey": ("metro", "35620"),
    # --- Texas
    "DFW": ("metro", "19100"),
    "Dallas-Fort Worth": ("metro", "19100"),
    "Dallas-Fort Worth Metroplex": ("metro", "19100"),
    "Metroplex": ("metro", "19100"),
    "Silicon Hills": ("metro", "12420"),
    "ATX": ("city", ("Austin", "TX")),
    "Space City": ("city", ("Houston", "TX")),
    # --- Washington DC / Baltimore
    "DMV": ("metro", "47900"),
    "DC Metro": ("metro", "47900"),
    "DC Metro Area": ("metro", "47900"),
    "DC Area": ("metro", "47900"),
    "Washington DC-Baltimore Area": ("metro", "47900"),  # two metros; Washington is larger
    "National Capital Region": ("metro", "47900"),
    "Northern Virginia": ("metro", "47900"),
    "NoVA": ("metro", "47900"),
    "DC": ("city", ("Washington", "DC")),
    "Washington DC": ("city", ("Washington", "DC")),
    "Washington State": ("state", "WA"),
    "Bmore": ("city", ("Baltimore", "MD")),
    # --- Midwest
    "Twin Cities": ("metro", "33460"),
    "Chicagoland": ("metro", "16980"),
    "Windy City": ("city", ("Chicago", "IL")),
    "Chi-Town": ("city", ("Chicago", "IL")),
    "Motor City": ("city", ("Detroit", "MI")),
    "Motown": ("city", ("Detroit", "MI")),
    "Quad Cities": ("metro", "19340"),
    "Indy": ("city", ("Indianapolis", "IN")),
    "STL": ("city", ("St. Louis", "MO")),
    "KC": ("city", ("Kansas City", "MO")),
    "Cbus": ("city", ("Columbus", "OH")),
    # --- Southeast
    "Research Triangle": ("metro", "39580"),  # Raleigh and Durham-Chapel Hill; Raleigh larger
    "The Triangle": ("metro", "39580"),
    "Raleigh-Durham": ("metro", "39580"),
    "Raleigh-Durham-Chapel Hill": ("metro", "39580"),
    "Research Triangle Park": ("metro", "20500"),  # the park itself is in Durham County
    "RTP": ("metro", "20500"),
    "Piedmont Triad": ("metro", "24660"),
    "The Triad": ("metro", "24660"),
    "Hampton Roads": ("metro", "47260"),
    "Tidewater": ("metro", "47260"),
    "South Florida": ("metro", "33100"),
    "Central Florida": ("metro", "36740"),
    "Tampa Bay": ("metro", "45300"),
    "Space Coast": ("metro", "37340"),
    "ATL": ("city", ("Atlanta", "GA")),
    "Music City": ("city", ("Nashville", "TN")),
    "NOLA": ("city", ("New Orleans", "LA")),
    "Big Easy": ("city", ("New Orleans", "LA")),
    "JAX": ("city", ("Jacksonville", "FL")),
    # --- Northeast
    "Philly": ("city", ("Philadelphia", "PA")),
    "South Jersey": ("metro", "37980"),
    "Lehigh Valley": ("metro", "10900"),
    "Capital District": ("metro", "10580"),
    "Beantown": ("city", ("Boston", "MA")),
    # --- West
    "LA": ("metro", "31080"),
    "L.A.": ("metro", "31080"),
    "SoCal": ("metro", "31080"),  # Southern California: several metros, LA is the largest
    "Southern California": ("metro", "31080"),
    "Silicon Beach": ("metro", "31080"),
    "Orange County": ("metro", "31080"),  # Orange County, CA is in the LA CBSA
    "Inland Empire": ("metro", "40140"),
    "Puget Sound": ("metro", "42660"),
    "Puget Sound Region": ("metro", "42660"),
    "Eastside": ("metro", "42660"),
    "Valley of the Sun": ("metro", "38060"),
    "Silicon Slopes": ("metro", "39340"),  # Lehi / Utah County; Provo-Orem CBSA
    "Mile High City": ("city", ("Denver", "CO")),
    "Vegas": ("city", ("Las Vegas", "NV")),
    "Sin City": ("city", ("Las Vegas", "NV")),
    "PDX": ("city", ("Portland", "OR")),
    "SLC": ("city", ("Salt Lake City", "UT")),
    "PHX": ("city", ("Phoenix", "AZ")),
    "ABQ": ("city", ("Albuquerque", "NM")),
    "OKC": ("city", ("Oklahoma City", "OK")),
}

#: How the LinkedIn / user text names the country. Lookups use normalized keys.
US_COUNTRY_NAMES = frozenset(
    {"united states", "united states of america", "usa", "us", "u s", "u s a", "america"}
)

#: Countries and world regions seen in US job feeds: never resolved to a same-named US place
#: (Brazil, IN; Honduras, PR; Mexico, MO; ...).
NON_US_PLACES = frozenset(
    {
        "namer", "emea", "apac", "latam", "latin america", "north america", "south america",
        "europe", "asia", "africa", "canada", "mexico", "brazil", "honduras", "india", "germany",
        "france", "spain", "italy", "ireland", "united kingdom", "uk", "england", "scotland",
        "poland", "netherlands", "china", "japan", "singapore", "australia", "philippines",
        "kenya", "nigeria", "israel", "argentina", "colombia", "peru", "chile", "costa rica",
        "guatemala", "panama", "worldwide", "global", "international",
    }
)

#: Words that mark a job as not tied to a place.
_REMOTE_RE = re.compile(
    r"\b(?:remote(?:ly)?|anywhere|work from home|wfh|telecommute|telework|hybrid remote)\b",
    re.IGNORECASE,
)

#: LinkedIn decorations around a metro's core name.
_PREFIXES = ("greater ", "metro ", "metropolitan ", "the ")
_SUFFIXES = (
    " metropolitan area",
    " metro area",
    " metroplex",
    " metropolitan",
    " metro",
    " area",
    " region",
)

#: Spelled-out forms folded to one short form so "Saint Louis" == "St. Louis".
_TOKEN_FOLDS = {"saint": "st", "sainte": "ste", "fort": "ft", "mount": "mt"}

#: Words before a place name in a query ("jobs in seattle").
LOCATIVE_PREPOSITIONS = frozenset(
    {"in", "near", "around", "within", "outside", "across", "throughout", "from"}
)

#: Single-word US place names that are ordinary words in job queries (found by intersecting
#: SimpleMaps names with the words of LinkedIn job titles and descriptions). In free text they
#: count as places only when capitalized *and* after a locative preposition, or followed by a
#: state ("Mobile, AL").
_STOP_WORDS_TEXT = """
    accident advance agency ai alliance alpha apex atlantic august azure bank banks banner bath
    bay beach bend between blue box branch bright cable campus canyon carbon carpenter carrier
    cash centennial center central centre century champion chance cherry china cisco clay
    college comfort commerce concord concrete cook corona council crane crystal day deal dean
    deer deputy diamond dish early echo effort energy english enterprise excel export farmers
    finger flat force foreman foster freedom friendly garden gas gate gateway golf grant grants
    green grove gulf happy helper highlands hills holiday home hope house hunt ideal impact
    independence industry innovation institute interior island java jet junior justice king
    kings laboratory lake landing lead loving magnolia marina marine mark media mentor meridian
    meta micro midwest mills mineral mission mobile mountain mutual national normal north
    northwest ocean ontario oracle oral orange organ outlook pace pacific page paint painter
    paradise park parks peak plains plaza point portal porter post power price progress prospect
    protection railroad ray remote reservoir rock roll royal sage sales secretary section
    security shell short sparks speed spring springs standard star start startup stem steward
    story strong success sun superior surprise talent teller temple thermal tool tower trainer
    union unity universal university valley van veteran vista welcome west western white why
    winter wood worth young
"""
FREE_TEXT_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

#: Multi-word names that contain a place but are not one (mostly employers).
NON_LOCATION_PHRASES = frozenset(
    {
        "wells fargo",
        "morgan stanley",
        "home depot",
        "bank of america",
        "state farm",
        "capital one",
        "liberty mutual",
        "new york life",
        "boston scientific",
        "boston consulting group",
        "boston dynamics",
        "lockheed martin",
        "johnson and johnson",
        "american express",
        "san diego gas",
        "phoenix contact",
    }
)


# --------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lowercase, strip accents, drop dots/apostrophes; keep commas and hyphens as structure."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[.'\u2019`]", "", text)
    text = re.sub(r"[\u2010-\u2015\u2212/-]+", "-", text)
    text = re.sub(r"[^a-z0-9,\- ]+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"\s*,\s*", ",", text)
    words = [_TOKEN_FOLDS.get(w, w) for w in re.split(r"(\s+|-|,)", text)]
    return re.sub(r"\s+", " ", "".join(words)).strip(" ,-")


def normalize(text: str) -> str:
    """Lookup key of a place string: folded, with commas and hyphens turned into spaces.

    >>> normalize("Winston-Salem, N.C.")
    'winston salem nc'
    >>> normalize("Saint Louis") == normalize("St. Louis")
    True
    """
    return " ".join(_fold(text).replace("-", " ").replace(",", " ").split())


def _parts(text: str) -> list[str]:
    """Comma-separated parts, folded, hyphens kept (``"greensboro-winston-salem"``)."""
    return [p.strip(" -") for p in _fold(text).split(",") if p.strip(" -")]


def _key(part: str) -> str:
    return " ".join(part.replace("-", " ").split())


def _strip_decorations(parts: list[str]) -> tuple[list[str], bool]:
    """Remove "Greater ...", "... Metropolitan Area" etc.; say whether anything was removed."""
    parts = list(parts)
    decorated = False
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if parts[0].startswith(prefix) and len(parts[0]) > len(prefix):
                parts[0] = parts[0][len(prefix) :].strip(" -")
                decorated = changed = True
        for suffix in _SUFFIXES:
            if parts[-1].endswith(suffix) and len(parts[-1]) > len(suffix):
                parts[-1] = parts[-1][: -len(suffix)].strip(" -")
                decorated = changed = True
    return parts, decorated


_ADMIN_PREFIXES = ("city of ", "town of ", "village of ", "township of ", "borough of ")
_ADMIN_SUFFIXES = (" township", " twp", " borough", " village", " corner", " corners")


def _name_variants(key: str) -> list[str]:
    """The key itself, then without administrative words ("City of Industry" -> "industry")."""
    variants = [key]
    for prefix in _ADMIN_PREFIXES:
        if key.startswith(prefix):
            variants.append(key[len(prefix) :])
    for suffix in _ADMIN_SUFFIXES:
        if key.endswith(suffix):
            variants.append(key[: -len(suffix)])
    return variants


def _clean_code(value: Any, width: int) -> str | None:
    """``8540.0`` / ``"08540"`` / ``8540`` -> ``"08540"``; missing or malformed -> None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    text = text.removesuffix(".0")
    text = text.split("-")[0]
    if not text.isdigit() or len(text) > width:
        return None
    return text.zfill(width)


# --------------------------------------------------------------------------------------------
# Result type
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeoMatch:
    """Where a location string points. Fields below the matched level are None."""

    city_id: str | None = None
    city_name: str | None = None
    metro_id: str | None = None
    metro_name: str | None = None
    state_code: str | None = None
    level: str = "unresolved"
    remote_hint: bool = False


UNRESOLVED = GeoMatch()
GEO_MATCH_COLUMNS = [f.name for f in dataclasses.fields(GeoMatch)]


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _load_county_cbsa(geo_dir: Path) -> tuple[dict[str, str], pd.DataFrame]:
    """County FIPS -> CBSA code, and one row per CBSA (metro_id, metro_name, metro_type)."""
    bls = pd.read_csv(geo_dir / BLS_CROSSWALK_FILE, encoding="latin-1", dtype=str)
    bls = bls.dropna(subset=["MSA Code"])
    bls = bls.assign(metro_id=bls["MSA Code"].str[1:] + "0", fips=bls["County Code"].str.zfill(5))
    county_cbsa = dict(zip(bls["fips"], bls["metro_id"]))
    metros = (
        bls.rename(columns={"MSA Title": "metro_name", "MSA Type": "metro_type"})
        .drop_duplicates("metro_id")[["metro_id", "metro_name", "metro_type"]]
        .assign(metro_type=lambda d: d["metro_type"].str.lower().fillna("metro"))
    )

    zillow = pd.read_csv(geo_dir / ZILLOW_CROSSWALK_FILE, dtype=str).dropna(subset=["CBSACode"])
    zillow = zillow.assign(fips=zillow["FIPS"].str.zfill(5))
    missing = zillow[~zillow["fips"].isin(county_cbsa)]
    county_cbsa.update(zip(missing["fips"], missing["CBSACode"]))
    extra = (
        zillow[~zillow["CBSACode"].isin(metros["metro_id"])]
        .drop_duplicates("CBSACode")
        .rename(columns={"CBSACode": "metro_id", "CBSAName": "metro_name"})
        .assign(metro_type="metro")[["metro_id", "metro_name", "metro_type"]]
    )
    metros = pd.concat([metros, extra], ignore_index=True)

    for region, cbsa in CT_PLANNING_REGION_CBSA.items():
        county_cbsa.setdefault(region, cbsa)
    return county_cbsa, metros


def _load_cities(geo_dir: Path, county_cbsa: dict[str, str]) -> pd.DataFrame:
    """SimpleMaps places with the metro of their county, largest population first."""
    raw = pd.read_csv(
        geo_dir / CITIES_FILE,
        encoding="utf-8-sig",
        dtype={"county_fips": str, "zips": str, "id": str},
        keep_default_na=False,
        na_values={"lat": [""], "lng": [""], "population": [""]},
    )
    cities = pd.DataFrame(
        {
            "city_id": raw["id"],
            "city": raw["city"],
            "state_code": raw["state_id"],
            "state_name": raw["state_name"],
            "county_fips": raw["county_fips"].str.zfill(5),
            "lat": raw["lat"].astype(float),
            "lng": raw["lng"].astype(float),
            "population": raw["population"].fillna(0).astype(int),
        }
    )
    cities["metro_id"] = cities["county_fips"].map(county_cbsa).astype(object)
    cities["metro_id"] = cities["metro_id"].where(cities["metro_id"].notna(), None)
    cities["_ascii"] = raw["city_ascii"]
    cities["_zips"] = raw["zips"]
    cities["_county"] = raw["county_name"]
    cities = cities.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)
    return cities


def _metro_states(metro_name: str) -> list[str]:
    """``"Philadelphia-Camden-Wilmington, PA-NJ-DE-MD"`` -> ``["PA", "NJ", "DE", "MD"]``."""
    if "," not in metro_name:
        return []
    return [s.strip() for s in metro_name.rsplit(",", 1)[1].split("-") if s.strip()]


def _principal_cities(metro_name: str, known: set[tuple[str, str]], states: list[str]) -> list[str]:
    """Principal city keys of a CBSA title, re-joining hyphenated names such as Winston-Salem.

    ``known`` holds (key, state) pairs of real places, used to decide whether "Winston" and
    "Salem" are two cities or one.
    """
    names = metro_name.rsplit(",", 1)[0]
    cities: list[str] = []
    for group in re.split(r"--|/", names):
        pieces = [p.strip() for p in group.split("-") if p.strip()]
        i = 0
        while i < len(pieces):
            if i + 1 < len(pieces):
                joined = normalize(f"{pieces[i]}-{pieces[i + 1]}")
                if any((joined, st) in known for st in states):
                    cities.append(joined)
                    i += 2
                    continue
            cities.append(normalize(pieces[i]))
            i += 1
    extra = [c[: -len(" city")] for c in cities if c.endswith(" city")]  # "Boise City" -> "boise"
    return list(dict.fromkeys(cities + [c for c in extra if any((c, s) in known for s in states)]))


# --------------------------------------------------------------------------------------------
# Gazetteer
# --------------------------------------------------------------------------------------------


class Gazetteer:
    """In-memory US gazetteer with a cached string resolver.

    Attributes (pandas DataFrames):
        cities:  city_id, city, state_code, state_name, county_fips, metro_id, lat, lng, population
        metros:  metro_id, metro_name, metro_type ('metro'|'micro'), state_codes, population
                 (population = sum over SimpleMaps places, so overlapping entries such as New
                 York and its boroughs are counted twice; use it for ranking, not as a census)
        states:  state_code, state_name, population
        aliases: alias (normalized), kind ('city'|'metro'|'state'), target_id, source
    """

    def __init__(
        self, cities: pd.DataFrame, metros: pd.DataFrame, county_cbsa: dict[str, str] | None = None
    ) -> None:
        self._county_cbsa = dict(county_cbsa or {})
        self._build_tables(cities, metros)
        self._build_indexes()
        self._build_aliases()
        self._build_phrase_index()
        self._cache: dict[str, GeoMatch] = {}

    @classmethod
    def from_dir(cls, geo_dir: Path | str) -> Gazetteer:
        """Load the three files of ``data/geo`` (see module docstring)."""
        geo_dir = Path(geo_dir)
        county_cbsa, metros = _load_county_cbsa(geo_dir)
        cities = _load_cities(geo_dir, county_cbsa)
        return cls(cities, metros, county_cbsa)

    # ---------------------------------------------------------------- building

    def _build_tables(self, cities: pd.DataFrame, metros: pd.DataFrame) -> None:
        self._zips = cities.pop("_zips")
        self._ascii = cities.pop("_ascii")
        self._county = cities.pop("_county")
        self.cities = cities[
            ["city_id", "city", "state_code", "state_name", "county_fips", "metro_id", "lat", "lng",
             "population"]
        ]
        metro_pop = cities.groupby("metro_id")["population"].sum()
        metros = metros.copy()
        metros["state_codes"] = metros["metro_name"].map(lambda n: ",".join(_metro_states(n)))
        metros["population"] = metros["metro_id"].map(metro_pop).fillna(0).astype(int)
        self.metros = metros.sort_values("population", ascending=False).reset_index(drop=True)[
            ["metro_id", "metro_name", "metro_type", "state_codes", "population"]
        ]
        self.states = (
            cities.groupby(["state_code", "state_name"], as_index=False)["population"]
            .sum()
            .sort_values("state_code")
            .reset_index(drop=True)
        )

    def _build_indexes(self) -> None:
        """Dict indexes behind resolve(); 'largest population wins' via the sort order."""
        self._index_cities()
        self._index_counties()
        self._index_states()
        self._index_metros()

    def _index_cities(self) -> None:
        self._city_by_id: dict[str, tuple[str, str, str | None]] = {}
        self._city_by_state: dict[tuple[str, str], str] = {}
        self._city_by_name: dict[str, str] = {}
        self._city_pop: dict[str, int] = {}
        self._zip_city: dict[str, str] = {}
        self._county_by_state: dict[tuple[str, str], str] = {}
        self._county_metro: dict[str, str | None] = dict(self._county_cbsa)
        self._state_fips: dict[str, str] = {}
        rows = zip(self.cities["city_id"], self.cities["city"], self._ascii, self.cities["state_code"],
                   self.cities["county_fips"], self.cities["metro_id"], self.cities["population"],
                   self._zips)
        for cid, name, ascii_name, st, fips, metro, pop, zips in rows:
            self._city_by_id[cid] = (name, st, metro)
            self._city_pop[cid] = int(pop)
            for key in {normalize(name), normalize(ascii_name)}:
                self._city_by_state.setdefault((key, st), cid)
                self._city_by_name.setdefault(key, cid)
            for z in str(zips).split():
                self._zip_city.setdefault(z, cid)
            self._county_metro.setdefault(fips, metro)
            self._state_fips.setdefault(fips[:2], st)

    def _index_counties(self) -> None:
        # SimpleMaps county_name has no "County" suffix: index the bare name and both suffixes.
        county_rows = zip(self._county, self.cities["state_code"], self.cities["county_fips"])
        for county_name, st, fips in county_rows:
            county = normalize(county_name)
            for key in (county, f"{county} county", f"{county} parish"):
                self._county_by_state.setdefault((key, st), fips)
        self._missing_towns = {(normalize(n), st): f for (n, st), f in MISSING_TOWN_COUNTY.items()}

    def _index_states(self) -> None:
        self._state_by_key: dict[str, str] = {}
        for code, name in zip(self.states["state_code"], self.states["state_name"]):
            self._state_by_key[normalize(code)] = code
            self._state_by_key[normalize(name)] = code
        self._state_by_key["dist of columbia"] = "DC"

    def _index_metros(self) -> None:
        self._metro_by_id = {
            m: (name, states.split(",")[0] if states else None)
            for m, name, states in zip(self.metros["metro_id"], self.metros["metro_name"],
                                       self.metros["state_codes"])
        }
        self._metro_states = {
            m: tuple(states.split(","))
            for m, states in zip(self.metros["metro_id"], self.metros["state_codes"])
        }
        known = set(self._city_by_state)
        self._principal_by_state: dict[tuple[str, str], str] = {}
        self._principal_by_name: dict[str, str] = {}
        self._principals: dict[str, list[str]] = {}
        for metro_id, name, states in zip(self.metros["metro_id"], self.metros["metro_name"],
                                          self.metros["state_codes"]):
            st_list = states.split(",") if states else []
            principals = _principal_cities(name, known, st_list)
            self._principals[metro_id] = principals
            for city_key in principals:
                self._principal_by_name.setdefault(city_key, metro_id)  # metros sorted by pop
                for st in st_list:
                    self._principal_by_state.setdefault((city_key, st), metro_id)

    def _build_aliases(self) -> None:
        """Alias table: generated metro patterns < state names < hand-written aliases."""
        table: dict[str, tuple[str, str, str]] = {}

        def add(alias: str, kind: str, target: str, source: str, override: bool) -> None:
            key = normalize(alias)
            if key and (override or key not in table):
                table[key] = (kind, target, source)

        for metro_id, name, states in zip(self.metros["metro_id"], self.metros["metro_name"],
                                          self.metros["state_codes"]):
            for alias in self._metro_patterns(metro_id, name, states.split(",") if states else []):
                add(alias, "metro", metro_id, "metro_pattern", override=False)
        for code, name in zip(self.states["state_code"], self.states["state_name"]):
            for alias in (code, name, f"{name}, United States", f"{name} State"):
                add(alias, "state", code, "state", override=True)
        add("District of Columbia", "city", self._city_by_state[("washington", "DC")], "state", True)
        add("District of Columbia, United States", "state", "DC", "state", True)
        for alias, (kind, target) in COLLOQUIAL_ALIASES.items():
            if kind == "city":
                target = self._city_by_state[(normalize(target[0]), target[1])]
            add(alias, kind, target, "colloquial", override=True)

        self._alias = {k: (kind, target) for k, (kind, target, _) in table.items()}
        self.aliases = pd.DataFrame(
            [(k, kind, target, src) for k, (kind, target, src) in table.items()],
            columns=["alias", "kind", "target_id", "source"],
        )

    def _metro_patterns(self, metro_id: str, name: str, states: list[str]) -> Iterable[str]:
        """LinkedIn-style names of a metro, e.g. "Greater Seattle Area", "Seattle Metro"."""
        if re.search(r"[-/]", name.rsplit(",", 1)[0]):
            # Multi-city titles only: "Raleigh, NC" and bare "Miami" are city strings.
            yield name
            yield name.rsplit(",", 1)[0]
        state_names = dict(zip(self.states["state_code"], self.states["state_name"]))
        for city in self._principals[metro_id]:
            yield from (
                f"Greater {city}", f"Greater {city} Area", f"Greater {city} Region",
                f"{city} Metropolitan Area", f"{city} Metro Area", f"{city} Metro",
                f"Metro {city}", f"{city} Area", f"{city} Region",
            )
            for st in states:
                for st_name in (st, state_names.get(st, st)):
                    yield from (
                        f"{city}, {st_name} Metropolitan Area", f"{city}, {st_name} Metro Area",
                        f"Greater {city}, {st_name} Area", f"{city}, {st_name} Area",
                    )

    # ---------------------------------------------------------------- match builders

    def _city_match(self, city_id: str, as_metro: bool = False) -> GeoMatch:
        name, st, metro = self._city_by_id[city_id]
        if as_metro and metro is not None:
            return self._metro_match(metro)
        metro_name = self._metro_by_id[metro][0] if metro in self._metro_by_id else None
        return GeoMatch(city_id, name, metro, metro_name, st, "city")

    def _metro_match(self, metro_id: str) -> GeoMatch:
        name, st = self._metro_by_id[metro_id]
        return GeoMatch(None, None, metro_id, name, st, "metro")

    @staticmethod
    def _state_match(state_code: str) -> GeoMatch:
        return GeoMatch(state_code=state_code, level="state")

    def _alias_match(self, key: str, as_metro: bool = False) -> GeoMatch | None:
        hit = self._alias.get(key)
        if hit is None:
            return None
        kind, target = hit
        if kind == "city":
            return self._city_match(target, as_metro)
        if kind == "metro":
            return self._metro_match(target)
        return self._state_match(target)

    # ---------------------------------------------------------------- resolving strings

    def resolve(self, location: str | None, zip_code: Any = None, fips: Any = None) -> GeoMatch:
        """Resolve one location string, falling back to its ZIP code then its county FIPS.

        The string wins when it names a city or metro; a ZIP or FIPS only refines a string that
        stopped at state/country level or did not resolve (and only when the states agree).
        """
        base = self._resolve_text(location)
        if base.level in ("city", "metro"):
            return base
        for fallback in (self._resolve_zip(zip_code), self._resolve_fips(fips)):
            if fallback is not None and base.state_code in (None, fallback.state_code):
                return dataclasses.replace(fallback, remote_hint=base.remote_hint)
        return base

    def resolve_many(
        self,
        locations: Sequence[str | None],
        zip_codes: Sequence[Any] | None = None,
        fipss: Sequence[Any] | None = None,
    ) -> pd.DataFrame:
        """Resolve a column of locations; one output row per input, in input order."""
        n = len(locations)
        zip_codes = list(zip_codes) if zip_codes is not None else [None] * n
        fipss = list(fipss) if fipss is not None else [None] * n
        if not (len(zip_codes) == len(fipss) == n):
            raise ValueError("locations, zip_codes and fipss must have the same length")
        memo: dict[tuple[Any, Any, Any], tuple] = {}
        rows = []
        for loc, z, f in zip(locations, zip_codes, fipss):
            key = (self._cache_key(loc), _clean_code(z, 5), _clean_code(f, 5))
            if key not in memo:
                memo[key] = dataclasses.astuple(self.resolve(loc, key[1], key[2]))
            rows.append(memo[key])
        return pd.DataFrame(rows, columns=GEO_MATCH_COLUMNS)

    @staticmethod
    def _cache_key(location: Any) -> str | None:
        if location is None or (isinstance(location, float) and math.isnan(location)):
            return None
        return str(location)

    def _resolve_zip(self, zip_code: Any) -> GeoMatch | None:
        code = _clean_code(zip_code, 5)
        city_id = self._zip_city.get(code) if code else None
        return self._city_match(city_id) if city_id else None

    def _resolve_fips(self, fips: Any) -> GeoMatch | None:
        code = _clean_code(fips, 5)
        if code is None:
            return None
        metro = self._county_metro.get(code)
        if metro is not None and metro in self._metro_by_id:
            name = self._metro_by_id[metro][0]
            return GeoMatch(None, None, metro, name, self._state_fips.get(code[:2]), "metro")
        state = self._state_fips.get(code[:2])
        return self._state_match(state) if state else None

    def _resolve_text(self, location: Any) -> GeoMatch:
        """Cached resolution of the string alone."""
        key = self._cache_key(location)
        if key is None:
            return UNRESOLVED
        if key not in self._cache:
            self._cache[key] = self._resolve_uncached(key)
        return self._cache[key]

    def _resolve_uncached(self, text: str) -> GeoMatch:
        remote = bool(_REMOTE_RE.search(text))
        match = self._resolve_place(_REMOTE_RE.sub(" ", text))
        return dataclasses.replace(match, remote_hint=True) if remote else match

    def _resolve_place(self, text: str) -> GeoMatch:
        parts = _parts(text)
        is_us = False
        while parts and _key(parts[-1]) in US_COUNTRY_NAMES:
            parts.pop()
            is_us = True
        if not parts:
            return GeoMatch(level="country") if is_us else UNRESOLVED
        keys = [_key(p) for p in parts]
        if keys[-1] in NON_US_PLACES:
            return UNRESOLVED
        if is_us and len(keys) == 1 and keys[0] in self._state_by_key:  # "New York, United States"
            return self._state_match(self._state_by_key[keys[0]])
        plain = self._resolve_parts(parts, decorated=False)  # "The Woodlands, TX" as written
        if plain is not None and plain.level == "city":
            return plain
        whole = self._alias_match(" ".join(keys))
        if whole is not None:
            return whole
        if plain is not None and plain.level == "metro":
            return plain
        core, decorated = _strip_decorations(parts)
        if not decorated:
            return plain or UNRESOLVED
        return self._resolve_parts(core, decorated=True) or plain or UNRESOLVED

    def _resolve_parts(self, parts: list[str], decorated: bool) -> GeoMatch | None:
        """["seattle", "wa"] / ["greater yuma", "az"] / ["bay area"] -> match, or None."""
        state = self._state_by_key.get(_key(parts[-1])) if len(parts) >= 2 else None
        names = parts[:-1] if state else parts
        if len(names) > 1 and not state:
            return None  # "London, England" and other non-US multi-part names
        for name in names:
            match = self._resolve_name(name, state, decorated)
            if match is not None:
                return match
        return self._state_match(state) if state else None

    def _resolve_name(self, name: str, state: str | None, as_metro: bool) -> GeoMatch | None:
        """Resolve a place name (hyphens kept), optionally within a state."""
        key = _key(name)
        if not key:
            return None
        if state:
            match = self._resolve_in_state(key, state, as_metro)
        else:
            match = self._resolve_anywhere(key, as_metro)
        if match is None and "-" in name:
            match = self._resolve_segments(name.split("-"), state)
        return match

    def _resolve_in_state(self, key: str, state: str, as_metro: bool) -> GeoMatch | None:
        for variant in _name_variants(key):
            city_id = self._city_by_state.get((variant, state))
            if city_id:
                return self._city_match(city_id, as_metro)
        alias = self._alias_match(key, as_metro)
        if alias is not None and alias.level != "state" and self._in_state(alias, state):
            return alias
        metro = self._principal_by_state.get((key, state))
        if metro:
            return self._metro_match(metro)
        fips = self._county_by_state.get((key, state)) or self._missing_towns.get((key, state))
        if fips:
            return self._resolve_fips(fips)
        return None

    def _in_state(self, match: GeoMatch, state: str) -> bool:
        """Whether a city/metro match lies in (or, for a metro, reaches into) the given state."""
        if match.level == "metro" and match.metro_id:
            return state in self._metro_states.get(match.metro_id, ())
        return match.state_code == state

    def _resolve_anywhere(self, key: str, as_metro: bool) -> GeoMatch | None:
        alias = self._alias_match(key, as_metro)
        if alias is not None:
            return alias
        if as_metro and key in self._principal_by_name:
            return self._metro_match(self._principal_by_name[key])
        if key in self._state_by_key:
            return self._state_match(self._state_by_key[key])
        city_id = self._city_by_name.get(key)
        if city_id:
            return self._city_match(city_id, as_metro)
        metro = self._principal_by_name.get(key)
        return self._metro_match(metro) if metro else None

    def _resolve_segments(self, segments: list[str], state: str | None) -> GeoMatch | None:
        """"Raleigh-Durham-Chapel Hill" -> try "raleigh durham", then "raleigh", ... as a metro."""
        segments = [s.strip() for s in segments if s.strip()]
        for k in range(len(segments) - 1, 0, -1):
            match = self._resolve_name(" ".join(segments[:k]), state, as_metro=True)
            if match is not None:
                return match
        for seg in segments[1:]:
            match = self._resolve_name(seg, state, as_metro=True)
            if match is not None:
                return match
        return None

    # ---------------------------------------------------------------- free text

    def _build_phrase_index(self) -> None:
        """Phrase key -> (origin, kind, target) for find_in_text.

        origin is 'place' (a city name), 'alias' (alias table, incl. states), 'country' or
        'block' (NON_LOCATION_PHRASES); aliases override same-named places.
        """
        index: dict[str, tuple[str, str, str]] = {}
        for key, city_id in self._city_by_name.items():
            index[key] = ("place", "city", city_id)
        for key, (kind, target) in self._alias.items():
            index[key] = ("alias", kind, target)
        for key in US_COUNTRY_NAMES:
            index[key] = ("country", "country", "US")
        for key in NON_LOCATION_PHRASES:
            index[normalize(key)] = ("block", "", "")
        self._phrases = index
        self._max_phrase_tokens = min(8, max(len(k.split()) for k in index))

    def find_in_text(self, text: str) -> list[tuple[int, int, GeoMatch]]:
        """Places mentioned in a free-text query, as (start, end, match) character spans.

        Scans left to right and keeps the longest phrase at each position. Guards against
        ordinary words: single-word city names need a capital letter or a preceding
        "in/near/around"; words in FREE_TEXT_STOP_WORDS need both (or a following state);
        2-3 letter codes and aliases need upper case or a preposition.
        """
        tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\W_]+(?:['\u2019][^\W_]+)*", text)]
        keys = [normalize(t[2]) for t in tokens]
        found: list[tuple[int, int, GeoMatch]] = []
        i = 0
        while i < len(tokens):
            hit = self._longest_phrase(text, tokens, keys, i)
            if hit is None:
                i += 1
                continue
            end_index, match = hit
            if match is not None:
                found.append((tokens[i][0], tokens[end_index - 1][1], match))
            i = end_index
        return found

    def _longest_phrase(
        self, text: str, tokens: list[tuple[int, int, str]], keys: list[str], i: int
    ) -> tuple[int, GeoMatch | None] | None:
        """(index after the phrase, match or None for a blocked phrase) starting at token i."""
        after_prep = i > 0 and keys[i - 1] in LOCATIVE_PREPOSITIONS
        for n in range(min(self._max_phrase_tokens, len(tokens) - i), 0, -1):
            key = " ".join(keys[i : i + n])
            entry = self._phrases.get(key)
            if entry is None:
                continue
            origin, kind, target = entry
            if origin == "block":
                return i + n, None
            words = [t[2] for t in tokens[i : i + n]]
            if origin == "place":
                state_hit = self._state_after(text, tokens, keys, i + n)
                if state_hit is not None:
                    end, st = state_hit
                    city_id = self._city_by_state.get((key, st))
                    if city_id:
                        return end, self._city_match(city_id)
                if self._accept_city(words, key, target, after_prep):
                    return i + n, self._city_match(target)
                continue
            if not self._accept_term(words, kind, after_prep):
                continue
            if origin == "country":
                return i + n, GeoMatch(level="country")
            return i + n, self._alias_match(key)
        return None

    def _state_after(
        self, text: str, tokens: list[tuple[int, int, str]], keys: list[str], j: int
    ) -> tuple[int, str] | None:
        """A state right after a city ("Portland, ME", "Austin TX"): (end index, code)."""
        if j >= len(tokens):
            return None
        comma = "," in text[tokens[j - 1][1] : tokens[j][0]]
        for n in (3, 2, 1):
            key = " ".join(keys[j : j + n])
            code = self._state_by_key.get(key) if j + n <= len(tokens) else None
            if code is None:
                continue
            word = tokens[j][2]
            if len(key) == 2 and not (word.isupper() or comma):
                continue  # "Seattle or Portland" is not "Seattle, OR"
            if len(key) > 2 and not (word[0].isupper() or comma):
                continue
            return j + n, code
        return None

    def _accept_city(self, words: list[str], key: str, city_id: str, after_prep: bool) -> bool:
        capitalized = all(w[0].isupper() for w in words if w.lower() not in {"of", "the", "de", "la"})
        if len(words) == 1 and key in FREE_TEXT_STOP_WORDS:
            return capitalized and after_prep
        if len(words) == 1 and len(key) <= 3:
            return words[0].isupper() and after_prep
        if capitalized or after_prep:
            return True
        return self._city_pop.get(city_id, 0) >= (100_000 if len(words) == 1 else 50_000)

    @staticmethod
    def _accept_term(words: list[str], kind: str, after_prep: bool) -> bool:
        """Gate for aliases, states and the country."""
        if len(words) > 1:
            return True
        word = words[0]
        if len(word) <= 3:
            return word.isupper() or (after_prep and kind != "state" and len(word) == 3)
        if kind == "state" and word.lower() in FREE_TEXT_STOP_WORDS:
            return word[0].isupper() and after_prep
        return True


def metro_coverage(matches: pd.DataFrame) -> float:
    """Share of rows with a metro_id (micropolitan CBSAs count)."""
    if len(matches) == 0:
        return 0.0
    return float(matches["metro_id"].notna().mean())
