"""Tests for jobsearch.corpus.geo on the real files in data/geo."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from jobsearch import SHIPPED_DATA
from jobsearch.corpus.geo import GEO_MATCH_COLUMNS, Gazetteer, GeoMatch, metro_coverage, normalize

GEO_DIR = SHIPPED_DATA / "geo"
POSTINGS_2023 = SHIPPED_DATA / "linkedin_2023" / "job_postings.csv"
POSTINGS_2024 = SHIPPED_DATA / "linkedin_2024" / "postings_sample.csv"

SEATTLE = "42660"
NEW_YORK = "35620"
SAN_FRANCISCO = "41860"
SAN_JOSE = "41940"
DALLAS = "19100"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_dir(GEO_DIR)


# ------------------------------------------------------------------ tables


def test_tables_have_expected_columns(gaz: Gazetteer) -> None:
    assert list(gaz.cities.columns) == [
        "city_id", "city", "state_code", "state_name", "county_fips", "metro_id", "lat", "lng",
        "population",
    ]
    assert list(gaz.metros.columns)[:5] == ["metro_id", "metro_name", "metro_type", "state_codes",
                                            "population"]
    assert list(gaz.states.columns) == ["state_code", "state_name", "population"]
    assert {"alias", "kind", "target_id"} <= set(gaz.aliases.columns)
    assert len(gaz.cities) == 31254
    assert gaz.cities["county_fips"].str.len().eq(5).all()
    assert set(gaz.metros["metro_type"]) == {"metro", "micro"}
    assert gaz.aliases["alias"].is_unique
    assert (gaz.aliases["source"] == "colloquial").sum() >= 40


def test_metro_row(gaz: Gazetteer) -> None:
    row = gaz.metros.set_index("metro_id").loc[SEATTLE]
    assert row["metro_name"] == "Seattle-Tacoma-Bellevue, WA"
    assert row["metro_type"] == "metro"
    assert row["state_codes"] == "WA"
    philly = gaz.metros.set_index("metro_id").loc["37980"]
    assert philly["state_codes"] == "PA,NJ,DE,MD"


def test_connecticut_planning_regions_get_metros(gaz: Gazetteer) -> None:
    ct = gaz.cities[gaz.cities["state_code"] == "CT"]
    assert ct["metro_id"].notna().all()
    assert gaz.resolve("Stamford, CT").metro_id == "14860"


def test_normalize_folds_punctuation_and_saints() -> None:
    assert normalize("Winston-Salem, N.C.") == "winston salem nc"
    assert normalize("Saint Louis") == normalize("St. Louis") == "st louis"
    assert normalize("Cañon City") == "canon city"
    assert normalize("Coeur d'Alene") == "coeur dalene"


# ------------------------------------------------------------------ resolve: location forms


@pytest.mark.parametrize(
    ("location", "city", "state", "metro"),
    [
        ("Seattle, WA", "Seattle", "WA", SEATTLE),
        ("Seattle, Washington", "Seattle", "WA", SEATTLE),
        ("Seattle, Washington, United States", "Seattle", "WA", SEATTLE),
        ("New York, NY", "New York", "NY", NEW_YORK),
        ("Manhattan, NY", "Manhattan", "NY", NEW_YORK),
        ("Brooklyn, NY", "Brooklyn", "NY", NEW_YORK),
        ("St Louis, MO", "St. Louis", "MO", "41180"),
        ("Saint Louis, Missouri", "St. Louis", "MO", "41180"),
        ("Winston-Salem, NC", "Winston-Salem", "NC", "49180"),
        ("Portland, ME", "Portland", "ME", "38860"),
        ("Portland, OR", "Portland", "OR", "38900"),
        ("The Woodlands, TX", "The Woodlands", "TX", "26420"),
        ("Bellevue, WA", "Bellevue", "WA", SEATTLE),
        ("Washington, DC", "Washington", "DC", "47900"),
    ],
)
def test_city_strings(gaz: Gazetteer, location: str, city: str, state: str, metro: str) -> None:
    m = gaz.resolve(location)
    assert (m.level, m.city_name, m.state_code, m.metro_id) == ("city", city, state, metro)
    assert m.remote_hint is False


def test_same_name_in_state_prefers_largest(gaz: Gazetteer) -> None:
    m = gaz.resolve("Springfield, IL")
    candidates = gaz.cities[(gaz.cities["city"] == "Springfield") & (gaz.cities["state_code"] == "IL")]
    assert m.city_id == candidates.sort_values("population").iloc[-1]["city_id"]
    # Without a state, the largest place of that name wins too.
    assert gaz.resolve("Portland").state_code == "OR"


@pytest.mark.parametrize(
    ("location", "state"),
    [
        ("Texas, United States", "TX"),
        ("Texas", "TX"),
        ("TX", "TX"),
        ("New York, United States", "NY"),
        ("Washington, United States", "WA"),
        ("California", "CA"),
        ("Nowhereville, TX", "TX"),  # unknown city, known state
    ],
)
def test_state_strings(gaz: Gazetteer, location: str, state: str) -> None:
    m = gaz.resolve(location)
    assert (m.level, m.state_code, m.metro_id, m.city_id) == ("state", state, None, None)


def test_country_and_remote(gaz: Gazetteer) -> None:
    assert gaz.resolve("United States") == GeoMatch(level="country")
    remote = gaz.resolve("Remote")
    assert remote.level == "unresolved" and remote.remote_hint is True
    assert gaz.resolve("Remote, United States") == GeoMatch(level="country", remote_hint=True)
    hybrid = gaz.resolve("Seattle, WA (Remote)")
    assert hybrid.city_name == "Seattle" and hybrid.remote_hint is True
    assert gaz.resolve("Anywhere").remote_hint is True


@pytest.mark.parametrize(
    ("location", "metro"),
    [
        ("New York City Metropolitan Area", NEW_YORK),
        ("San Francisco Bay Area", SAN_FRANCISCO),
        ("Greater Seattle Area", SEATTLE),
        ("Dallas-Fort Worth Metroplex", DALLAS),
        ("Washington DC-Baltimore Area", "47900"),
        ("Greater Boston", "14460"),
        ("Greater Minneapolis-St. Paul Area", "33460"),
        ("Raleigh-Durham-Chapel Hill Area", "39580"),
        ("Charlotte Metro", "16740"),
        ("Austin, Texas Metropolitan Area", "12420"),
        ("Miami-Fort Lauderdale Area", "33100"),
        ("Portland, Maine Metropolitan Area", "38860"),
        ("Greater Yuma, AZ Area", "49740"),
        ("Greensboro--Winston-Salem--High Point Area", "24660"),
        ("Hampton Roads, Virginia Metropolitan Area", "47260"),
        ("Seattle-Tacoma-Bellevue, WA", SEATTLE),
        ("Orange County, CA", "31080"),
        ("Kings County, NY", NEW_YORK),
        ("Edison, NJ", NEW_YORK),  # township missing from SimpleMaps basic (MISSING_TOWN_COUNTY)
        ("Greenwich, CT", "14860"),
    ],
)
def test_linkedin_metro_strings(gaz: Gazetteer, location: str, metro: str) -> None:
    m = gaz.resolve(location)
    assert (m.level, m.metro_id) == ("metro", metro)
    assert m.metro_name == gaz.metros.set_index("metro_id").loc[metro, "metro_name"]


@pytest.mark.parametrize(
    ("alias", "level", "metro"),
    [
        ("Bay Area", "metro", SAN_FRANCISCO),
        ("Silicon Valley", "metro", SAN_JOSE),
        ("NYC", "city", NEW_YORK),
        ("DFW", "metro", DALLAS),
        ("Greater Seattle Area", "metro", SEATTLE),
        ("the Twin Cities", "metro", "33460"),
        ("DMV", "metro", "47900"),
        ("Research Triangle", "metro", "39580"),
        ("Chicagoland", "metro", "16980"),
        ("Puget Sound", "metro", SEATTLE),
        ("Philly", "city", "37980"),
    ],
)
def test_colloquial_aliases(gaz: Gazetteer, alias: str, level: str, metro: str) -> None:
    m = gaz.resolve(alias)
    assert (m.level, m.metro_id) == (level, metro)


def test_zip_and_fips_fallback(gaz: Gazetteer) -> None:
    by_zip = gaz.resolve(None, zip_code="98101")
    assert (by_zip.level, by_zip.city_name, by_zip.metro_id) == ("city", "Seattle", SEATTLE)
    # float-formatted codes as they come out of pandas, and a leading zero restored
    assert gaz.resolve("United States", zip_code=8540.0).state_code == "NJ"
    by_fips = gaz.resolve("United States", fips="6085.0")
    assert (by_fips.level, by_fips.metro_id, by_fips.state_code) == ("metro", SAN_JOSE, "CA")
    # the string wins when it names a city; a ZIP from another state does not override a state
    assert gaz.resolve("Seattle, WA", zip_code="10001").city_name == "Seattle"
    assert gaz.resolve("Texas, United States", zip_code="98101").level == "state"
    assert gaz.resolve("Texas, United States", zip_code="78701").city_name == "Austin"


@pytest.mark.parametrize("location", ["Xyzzy Plugh", "NAMER", "London, England, United Kingdom",
                                      "Brazil", "", None, float("nan"), "   ", ",,,"])
def test_unresolved(gaz: Gazetteer, location: object) -> None:
    m = gaz.resolve(location)  # type: ignore[arg-type]
    assert m.level == "unresolved"
    assert m.metro_id is None and m.state_code is None


# ------------------------------------------------------------------ resolve_many


def test_resolve_many_order_and_length(gaz: Gazetteer) -> None:
    locations = ["Seattle, WA", None, "Texas, United States", "Bay Area", "Seattle, WA", "Remote"]
    zips = [None, "98101", None, None, None, None]
    out = gaz.resolve_many(locations, zip_codes=zips)
    assert list(out.columns) == GEO_MATCH_COLUMNS
    assert len(out) == len(locations)
    assert out["level"].tolist() == ["city", "city", "state", "metro", "city", "unresolved"]
    assert out["city_name"].tolist()[:2] == ["Seattle", "Seattle"]
    assert out["remote_hint"].tolist() == [False] * 5 + [True]
    assert metro_coverage(out) == pytest.approx(4 / 6)
    assert metro_coverage(out.iloc[0:0]) == 0.0


def test_resolve_many_rejects_mismatched_lengths(gaz: Gazetteer) -> None:
    with pytest.raises(ValueError):
        gaz.resolve_many(["Seattle, WA"], zip_codes=[None, None])


def test_coverage_on_linkedin_2023(gaz: Gazetteer) -> None:
    locations = pd.read_csv(POSTINGS_2023, usecols=["location"])["location"].tolist()
    fresh = Gazetteer.from_dir(GEO_DIR)  # empty cache, so the timing is honest
    start = time.perf_counter()
    out = fresh.resolve_many(locations)
    elapsed = time.perf_counter() - start
    assert len(out) == 33246
    assert metro_coverage(out) >= 0.80
    assert elapsed < 3.0
    country = (out["level"] == "country").mean()
    assert 0.05 < country < 0.09  # "United States" alone


def test_coverage_on_linkedin_2024_with_codes(gaz: Gazetteer) -> None:
    df = pd.read_csv(POSTINGS_2024, usecols=["location", "zip_code", "fips"])
    out = gaz.resolve_many(df["location"].tolist(), df["zip_code"].tolist(), df["fips"].tolist())
    assert len(out) == len(df)
    assert metro_coverage(out) >= 0.78


# ------------------------------------------------------------------ find_in_text


def _spans(gaz: Gazetteer, text: str) -> list[tuple[str, str, str | None]]:
    return [(text[a:b], m.level, m.metro_id) for a, b, m in gaz.find_in_text(text)]


def test_find_two_places_with_remote(gaz: Gazetteer) -> None:
    text = "software engineer jobs in Silicon Valley or Seattle that are remote"
    assert _spans(gaz, text) == [("Silicon Valley", "metro", SAN_JOSE), ("Seattle", "city", SEATTLE)]


def test_find_city_with_state_and_aliases(gaz: Gazetteer) -> None:
    text = "nurse jobs near Portland, ME or in Austin TX"
    found = gaz.find_in_text(text)
    assert [(text[a:b], m.state_code) for a, b, m in found] == [("Portland, ME", "ME"),
                                                                ("Austin TX", "TX")]
    assert _spans(gaz, "data scientist in nyc or the Bay Area") == [
        ("nyc", "city", NEW_YORK),
        ("the Bay Area", "metro", SAN_FRANCISCO),
    ]
    assert _spans(gaz, "remote jobs in the DMV or DFW") == [("DMV", "metro", "47900"),
                                                            ("DFW", "metro", DALLAS)]


def test_find_longest_match_wins(gaz: Gazetteer) -> None:
    assert _spans(gaz, "product manager Greater Seattle Area, hybrid") == [
        ("Greater Seattle Area", "metro", SEATTLE)
    ]
    assert _spans(gaz, "jobs in New York City") == [("New York City", "city", NEW_YORK)]


def test_find_no_false_positives(gaz: Gazetteer) -> None:
    assert gaz.find_in_text("sales jobs at home") == []
    assert gaz.find_in_text("Sales Jobs At Home") == []
    assert gaz.find_in_text("remote mobile developer, enterprise software, commerce platform") == []
    assert _spans(gaz, "jobs at Wells Fargo in Charlotte") == [("Charlotte", "city", "16740")]
    assert _spans(gaz, "Seattle or Portland") == [("Seattle", "city", SEATTLE),
                                                  ("Portland", "city", "38900")]
    # a stop-listed city name still counts when the state says so
    assert _spans(gaz, "Mobile developer jobs in Mobile, AL") == [("Mobile, AL", "city", "33660")]


def test_find_states_and_country(gaz: Gazetteer) -> None:
    found = gaz.find_in_text("accountant jobs in texas or anywhere in the United States")
    assert [(m.level, m.state_code) for _, _, m in found] == [("state", "TX"), ("country", None)]
