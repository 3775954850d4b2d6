"""O*NET 29.2 + ESCO taxonomy loading and job-title matching, on the real data files."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jobsearch.corpus.taxonomy import Occupations, normalize_title, seniority_from_job_zone, title_segments

DATA = Path(__file__).resolve().parents[1] / "data"



@pytest.fixture(scope="module")
def occ() -> Occupations:
    return Occupations.from_dir(DATA)


def test_occupations_frame(occ):
    o = occ.occupations
    assert list(o.columns) == [
        "onet_code",
        "title",
        "description",
        "job_zone",
        "esco_uri",
        "esco_label",
        "n_alternate_titles",
    ]
    assert len(o) > 1000 and o["onet_code"].is_unique
    assert o["onet_code"].str.fullmatch(r"\d{2}-\d{4}\.\d{2}").all()
    zones = o["job_zone"].dropna()
    assert zones.between(1, 5).all() and o["job_zone"].notna().mean() > 0.85
    row = o.set_index("onet_code")
    assert row.loc["29-1141.00", "title"] == "Registered Nurses"
    assert row.loc["29-1141.00", "job_zone"] == 4  # O*NET 29.2 (08/2021 analyst rating)
    assert row.loc["15-1252.00", "job_zone"] == 4
    assert row.loc["15-1252.00", "n_alternate_titles"] > 50


def test_esco_links(occ):
    o = occ.occupations
    linked = o["esco_uri"].notna()
    assert linked.mean() > 0.7
    assert o.loc[linked, "esco_uri"].str.startswith("http://data.europa.eu/esco/occupation/").all()
    assert o.loc[linked, "esco_label"].notna().all()
    # unlinked rows hold real None values, not NaN
    assert all(v is None for v in o.loc[~linked, "esco_uri"])
    row = o.set_index("onet_code")
    for code in ("15-1252.00", "29-1141.00", "53-3032.00", "15-2051.00"):
        assert row.loc[code, "esco_uri"] is not None, code
    assert "nurse" in row.loc["29-1141.00", "esco_label"]


def test_titles_skills_related(occ):
    t = occ.titles
    assert list(t.columns) == ["onet_code", "title", "kind"]
    assert set(t["kind"]) == {"primary", "alternate", "reported", "esco"}
    assert (t["kind"] == "primary").sum() == len(occ.occupations)
    assert len(t) > 60_000
    assert ((t["onet_code"] == "29-1141.00") & (t["title"] == "Registered Nurse (RN)")).any()

    s = occ.tech_skills
    assert list(s.columns) == ["onet_code", "skill", "commodity", "hot", "in_demand"]
    assert s["hot"].dtype == bool and s["in_demand"].dtype == bool
    assert s["hot"].any() and s["in_demand"].any()
    assert "Python" in set(s.loc[s["onet_code"] == "15-2051.00", "skill"])

    r = occ.related
    assert {"onet_code", "related_code", "relatedness_tier"} <= set(r.columns)
    assert set(r["relatedness_tier"]) == {"Primary-Short", "Primary-Long", "Supplemental"}
    assert (r["onet_code"] != r["related_code"]).all()


def test_normalize_title():
    assert normalize_title("Senior Software Engineer - Payments (Remote)") == "software engineer payment"
    assert title_segments("Senior Software Engineer - Payments (Remote)")[0] == ["software", "engineer"]
    assert normalize_title("RN - ICU Nights") == "registered nurse icu"
    assert (
        normalize_title("Shipping & Receiving Associate 2nd shift (Beaver Dam)")
        == "shipping receiving associate"
    )
    assert normalize_title("Registered Nurses") == normalize_title("Registered Nurse")
    assert normalize_title("Software Engineer II") == "software engineer"
    assert normalize_title("Administrative Assistant \u2013 Investment Firm - $70K - $80K") == (
        "administrative assistant investment firm"
    )
    assert normalize_title("") == "" and title_segments(None) == []


EXPECTED = {
    "Registered Nurse": "29-1141.00",
    "Senior Software Engineer": "15-1252.00",
    "Senior Software Engineer - Payments (Remote)": "15-1252.00",
    "Data Scientist": "15-2051.00",
    "Truck Driver": "53-3032.00",
    "CDL-A Truck Driver - Dedicated Routes": "53-3032.00",
    "RN - ICU Nights": "29-1141",  # 29-1141.xx (Registered Nurses or Critical Care Nurses)
    "Shipping & Receiving Associate 2nd shift (Beaver Dam)": "43-5071.00",
    "Staff Accountant": "13-2011.00",
    "Mechanical Engineer": "17-2141.00",
    "Cashier": "41-2011.00",
    "Pharmacist": "29-1051.00",
    "Customer Service Representative": "43-4051.00",
    "Licensed Practical Nurse (LPN)": "29-2061.00",
    "Electrician": "47-2111.00",
    "Physical Therapist": "29-1123.00",
}


def test_match_titles_expected_codes(occ):
    titles = list(EXPECTED)
    m = occ.match_titles(titles)
    assert list(m.columns) == ["onet_code", "matched_title", "score"]
    assert len(m) == len(titles)
    for title, code, got in zip(titles, EXPECTED.values(), m["onet_code"]):
        assert got is not None and got.startswith(code), (title, got)
    assert m["score"].between(0.5, 1.0).all()


def test_match_titles_unmatched_and_order(occ):
    titles = ["Xqzzv Blorptastic", None, "", "Registered Nurse", "Xqzzv Blorptastic", "Registered Nurse"]
    m = occ.match_titles(titles)
    assert len(m) == len(titles)
    for i in (0, 1, 2, 4):
        assert m.loc[i, "onet_code"] is None and m.loc[i, "score"] == 0.0
    assert m.loc[3, "onet_code"] == m.loc[5, "onet_code"] == "29-1141.00"
    assert m["score"].between(0.0, 1.0).all()


def test_match_titles_speed_and_rate(occ):
    path = DATA / "linkedin_2023" / "job_postings.csv"  # shipped with the repository
    titles = pd.read_csv(path, usecols=["title"])["title"].tolist()
    titles = (titles * 2)[:35_000]
    fresh = Occupations(
        occ.occupations, occ.titles, occ.tech_skills, occ.related
    )  # index built inside timing
    t0 = time.perf_counter()
    m = fresh.match_titles(titles)
    elapsed = time.perf_counter() - t0
    assert elapsed < 20, elapsed
    rate = m["onet_code"].notna().mean()
    assert rate > 0.8, rate
    assert np.isfinite(m["score"]).all()


@pytest.mark.parametrize(
    "zone,expected",
    [
        (1, "ENTRY"),
        (2, "ENTRY"),
        (3, "ASSOCIATE"),
        (4, "MID_SENIOR"),
        (5, "MID_SENIOR"),
        (None, "UNKNOWN"),
        (float("nan"), "UNKNOWN"),
        (pd.NA, "UNKNOWN"),
        (9, "UNKNOWN"),
        ("4", "MID_SENIOR"),
    ],
)
def test_seniority_from_job_zone(zone, expected):
    assert seniority_from_job_zone(zone) == expected
