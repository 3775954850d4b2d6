"""Member / network / interaction simulator on small synthetic postings and taxonomy frames."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from jobsearch.corpus.simulate import (
    SENIORITY_LEVELS,
    apply_view_ratio,
    simulate_connections,
    simulate_interactions,
    simulate_profiles,
)

CODES = [
    "15-1252.00",
    "29-1141.00",
    "53-3032.00",
    "13-2011.00",
    "41-2011.00",
    "11-2022.00",
    "17-2141.00",
    "99-9999.00",
]
OCC_TITLES = [
    "Software Developers",
    "Registered Nurses",
    "Heavy Truck Drivers",
    "Accountants",
    "Cashiers",
    "Sales Managers",
    "Mechanical Engineers",
    "Rare Occupation Workers",
]
INDUSTRIES = ["Software", "Hospitals", "Trucking", "Accounting", "Retail"]


def make_taxonomy():
    occupations = pd.DataFrame(
        {
            "onet_code": CODES,
            "title": OCC_TITLES,
            "description": [f"Do {t.lower()} work." for t in OCC_TITLES],
            "job_zone": pd.array([4, 4, 2, 4, 1, 4, 4, None], dtype="Int64"),
            "esco_uri": [None] * len(CODES),
            "esco_label": [None] * len(CODES),
            "n_alternate_titles": [3] * len(CODES),
        }
    )
    rows = []
    for code, t in zip(CODES, OCC_TITLES):
        rows.append((code, t, "primary"))
        for k in range(3):
            rows.append((code, f"{t[:-1]} {k} (Alt)", "alternate"))
        rows.append((code, f"{t[:-1]} Reported", "reported"))
    titles = pd.DataFrame(rows, columns=["onet_code", "title", "kind"])
    srows = []
    for i, code in enumerate(CODES):
        n_sk = 1 if code == "99-9999.00" else 15  # one occupation with too few skills -> top-up
        for k in range(n_sk):
            srows.append((code, f"Skill{i}_{k}", "Software", k % 3 == 0, k % 5 == 0))
    tech = pd.DataFrame(srows, columns=["onet_code", "skill", "commodity", "hot", "in_demand"])
    return occupations, titles, tech


def make_cities():
    return pd.DataFrame(
        {
            "city_id": [f"c{i}" for i in range(12)],
            "city": [f"Town{i}" for i in range(12)],
            "state_code": ["CA", "CA", "NY", "NY", "TX", "TX", "WA", "WA", "IL", "IL", "FL", "FL"],
            "metro_id": [f"M{i // 2}" for i in range(12)],
            "population": [
                800_000,
                50_000,
                900_000,
                40_000,
                600_000,
                30_000,
                500_000,
                20_000,
                700_000,
                10_000,
                400_000,
                5_000,
            ],
        }
    )


def make_postings(n: int = 800, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cities = make_cities()
    occ_p = np.array([0.3, 0.25, 0.15, 0.1, 0.1, 0.1, 0.0, 0.0])
    occ = rng.choice(CODES, size=n, p=occ_p)
    comp = rng.integers(0, 40, size=n)
    comp = np.where(rng.random(n) < 0.03, -1, comp)  # a few postings without company
    city = rng.choice(12, size=n, p=cities["population"] / cities["population"].sum())
    no_city = rng.random(n) < 0.1
    views = np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 200, size=n).astype(float))
    applies = np.where(
        rng.random(n) < 0.4, np.nan, np.floor(np.nan_to_num(views) * rng.uniform(0.05, 0.4, size=n))
    )
    applies = np.where(applies == 0, np.nan, applies)
    salary = np.where(rng.random(n) < 0.3, np.nan, rng.normal(90_000, 20_000, size=n))
    sen = rng.choice(list(SENIORITY_LEVELS), size=n)
    return pd.DataFrame(
        {
            "posting_id": [f"p{i}" for i in range(n)],
            "title": [f"Job {i}" for i in range(n)],
            "company_id": pd.Series([None if c < 0 else f"co{c}" for c in comp], dtype=object),
            "company_name": pd.Series([None if c < 0 else f"Company {c}" for c in comp], dtype=object),
            "industry": pd.Series([None if c < 0 else INDUSTRIES[c % 5] for c in comp], dtype=object),
            "onet_code": pd.Series([None if rng.random() < 0.1 else o for o in occ], dtype=object),
            "city_id": pd.Series(
                [None if nc else cities["city_id"][c] for c, nc in zip(city, no_city)], dtype=object
            ),
            "metro_id": pd.Series(
                [None if nc else cities["metro_id"][c] for c, nc in zip(city, no_city)], dtype=object
            ),
            "state_code": pd.Series(
                [None if nc else cities["state_code"][c] for c, nc in zip(city, no_city)], dtype=object
            ),
            "remote": rng.random(n) < 0.2,
            "seniority": sen,
            "salary_med_usd": salary,
            "views": views,
            "applies": applies,
            "skills": [["IT", "ENG"][: 1 + i % 2] for i in range(n)],
            "listed_at": pd.Timestamp("2023-08-01") + pd.to_timedelta(rng.random(n) * 30, unit="D"),
        }
    )


@pytest.fixture(scope="module")
def world():
    occupations, titles, tech = make_taxonomy()
    return {
        "postings": make_postings(),
        "occupations": occupations,
        "titles": titles,
        "tech_skills": tech,
        "cities": make_cities(),
    }


@pytest.fixture(scope="module")
def profiles(world):
    return simulate_profiles(n_members=2000, seed=7, **world)


@pytest.fixture(scope="module")
def edges(profiles):
    return simulate_connections(profiles, 20_000, seed=11)


@pytest.fixture(scope="module")
def interactions(profiles, world):
    return simulate_interactions(profiles, world["postings"], 4000, seed=5)


# ---------------------------------------------------------------------------------------------- profiles

PROFILE_COLUMNS = [
    "member_id",
    "name",
    "headline",
    "current_title",
    "onet_code",
    "seniority",
    "years_experience",
    "skills",
    "current_company_id",
    "current_company_name",
    "industry",
    "city_id",
    "metro_id",
    "state_code",
    "open_to_remote",
    "desired_salary_usd",
    "summary",
]


def test_profiles_schema(profiles, world):
    p = profiles
    assert list(p.columns) == PROFILE_COLUMNS
    assert len(p) == 2000 and p["member_id"].is_unique
    assert p["member_id"].str.fullmatch(r"m\d{6}").all()
    assert p["member_id"].iloc[0] == "m000000"
    assert set(p["seniority"]) <= set(SENIORITY_LEVELS)
    assert p["years_experience"].dtype == np.int64 and p["years_experience"].between(0, 45).all()
    assert p["open_to_remote"].dtype == bool
    assert p["desired_salary_usd"].dtype == np.float64 and (p["desired_salary_usd"] > 0).all()
    assert all(
        isinstance(s, list) and 3 <= len(s) <= 12 and all(isinstance(x, str) for x in s) for s in p["skills"]
    )
    assert all(len(set(s)) == len(s) for s in p["skills"])
    for col in ("name", "headline", "current_title", "summary"):
        assert p[col].map(lambda v: isinstance(v, str) and len(v) > 0).all(), col
    assert (p["summary"].str.count(r"\.") >= 2).all()
    assert not p["current_title"].str.contains(r"\(").any()


def test_profiles_follow_postings(profiles, world):
    p, post = profiles, world["postings"]
    # occupation mix follows the postings, smoothing lets occupations without postings appear
    share = p["onet_code"].value_counts(normalize=True)
    assert share.index[0] == post["onet_code"].value_counts().index[0]
    assert set(p["onet_code"]) == set(CODES)
    assert share["99-9999.00"] < 0.05
    # skills come from the occupation's O*NET technology skills
    tech = world["tech_skills"]
    by_code = tech.groupby("onet_code")["skill"].apply(set)
    dev = p[p["onet_code"] == "15-1252.00"]
    assert all(set(s) <= by_code["15-1252.00"] for s in dev["skills"])
    # companies, industries and locations come from the postings / gazetteer
    assert set(p["current_company_id"].dropna()) <= set(post["company_id"].dropna())
    assert p["current_company_id"].notna().mean() > 0.95
    assert set(p["metro_id"].dropna()) <= set(world["cities"]["metro_id"])
    assert p["city_id"].notna().mean() > 0.95
    # title is one of the occupation's titles
    assert p.loc[p["onet_code"] == "29-1141.00", "current_title"].str.startswith("Registered Nurse").all()
    # members' companies are consistent with their industries where both known
    comp_ind = (
        post.dropna(subset=["company_id"]).drop_duplicates("company_id").set_index("company_id")["industry"]
    )
    known = p.dropna(subset=["current_company_id", "industry"])
    assert (known["current_company_id"].map(comp_ind) == known["industry"]).mean() > 0.99


def test_profiles_deterministic(world, profiles):
    again = simulate_profiles(n_members=2000, seed=7, **world)
    pd.testing.assert_frame_equal(profiles, again)
    other = simulate_profiles(n_members=2000, seed=8, **world)
    assert not profiles["onet_code"].equals(other["onet_code"])


def test_profiles_without_postings_signal(world):
    post = world["postings"].assign(onet_code=None, salary_med_usd=np.nan, company_id=None, company_name=None)
    p = simulate_profiles(
        post, world["occupations"], world["titles"], world["tech_skills"], world["cities"], 200, seed=1
    )
    assert len(p) == 200 and (p["desired_salary_usd"] > 0).all()
    assert p["current_company_id"].isna().all()


# ---------------------------------------------------------------------------------------------- network


def _degrees(edges, profiles):
    return pd.concat([edges["src"], edges["dst"]]).value_counts().reindex(profiles["member_id"], fill_value=0)


def test_edges_invariants(edges, profiles):
    e = edges
    assert list(e.columns) == ["src", "dst", "kind", "strength"]
    assert len(e) == 20_000
    assert (e["src"] < e["dst"]).all()
    assert not e.duplicated(["src", "dst"]).any()
    assert (e["src"] != e["dst"]).all()
    assert set(e["kind"]) == {"connection"}
    assert e["strength"].between(0.01, 1.0).all()
    ids = set(profiles["member_id"])
    assert set(e["src"]) <= ids and set(e["dst"]) <= ids


def test_edges_homophily(edges, profiles):
    p = profiles.set_index("member_id")
    for col, factor in (("current_company_id", 5), ("metro_id", 1.5), ("onet_code", 1.5)):
        a = p.loc[edges["src"], col].to_numpy()
        b = p.loc[edges["dst"], col].to_numpy()
        same = np.mean([x is not None and x == y for x, y in zip(a, b)])
        vc = p[col].dropna().value_counts(normalize=True)
        baseline = float((vc**2).sum())
        assert same > factor * baseline, (col, same, baseline)
    # same-company ties are stronger
    a = p.loc[edges["src"], "current_company_id"].to_numpy()
    b = p.loc[edges["dst"], "current_company_id"].to_numpy()
    same = np.array([x is not None and x == y for x, y in zip(a, b)])
    assert edges["strength"][same].mean() > edges["strength"][~same].mean() + 0.2


def test_edges_heavy_tail(edges, profiles):
    deg = _degrees(edges, profiles)
    assert deg.max() >= 5 * deg.median()
    assert deg.quantile(0.99) >= 3 * deg.median()


def test_edges_deterministic(profiles, edges):
    pd.testing.assert_frame_equal(edges, simulate_connections(profiles, 20_000, seed=11))
    other = simulate_connections(profiles, 20_000, seed=12)
    assert not edges[["src", "dst"]].equals(other[["src", "dst"]])


def test_edges_saturation():
    tiny = pd.DataFrame(
        {
            "member_id": [f"m{i}" for i in range(5)],
            "onet_code": ["a"] * 5,
            "current_company_id": [None] * 5,
            "metro_id": ["x"] * 5,
            "industry": [None] * 5,
        }
    )
    e = simulate_connections(tiny, 100, seed=0)
    assert len(e) == 10  # complete graph, no more possible


# ---------------------------------------------------------------------------------------------- interactions


def test_interactions_schema(interactions, profiles, world):
    ev, stats = interactions
    assert list(ev.columns) == ["session_id", "member_id", "posting_id", "event", "ts", "position"]
    assert set(ev["event"]) == {"impression", "click", "apply"}
    assert pd.api.types.is_datetime64_any_dtype(ev["ts"])
    assert ev["position"].dtype == np.int64 and ev["position"].between(1, 10).all()
    assert set(ev["member_id"]) <= set(profiles["member_id"])
    assert set(ev["posting_id"]) <= set(world["postings"]["posting_id"])
    assert set(stats) >= {"target_apply_rate", "simulated_apply_rate", "click_through_rate"}


def test_interactions_invariants(interactions):
    ev, stats = interactions
    imp = ev[ev["event"] == "impression"]
    clk = ev[ev["event"] == "click"]
    app = ev[ev["event"] == "apply"]
    key = ["session_id", "member_id", "posting_id"]
    assert not imp.duplicated(key).any() and not clk.duplicated(key).any() and not app.duplicated(key).any()
    # one member per session, distinct positions 1..k within a session, ~10 postings per session
    assert (imp.groupby("session_id")["member_id"].nunique() == 1).all()
    assert not imp.duplicated(["session_id", "position"]).any()
    per = imp.groupby("session_id").size()
    assert per.max() <= 10 and per.mean() > 9
    # apply => click => impression, same position, later timestamps
    ci = clk.merge(imp, on=key, how="left", suffixes=("", "_imp"), validate="one_to_one")
    assert ci["ts_imp"].notna().all() and (ci["ts"] > ci["ts_imp"]).all()
    assert (ci["position"] == ci["position_imp"]).all()
    ac = app.merge(clk, on=key, how="left", suffixes=("", "_clk"), validate="one_to_one")
    assert ac["ts_clk"].notna().all() and (ac["ts"] > ac["ts_clk"]).all()
    assert (
        stats["n_impressions"] == len(imp)
        and stats["n_clicks"] == len(clk)
        and stats["n_applies"] == len(app)
    )


def test_interactions_click_model(interactions, profiles, world):
    ev, stats = interactions
    imp = ev[ev["event"] == "impression"]
    clicked = set(map(tuple, ev.loc[ev["event"] == "click", ["session_id", "posting_id"]].to_numpy()))
    imp = imp.assign(click=[(s, p) in clicked for s, p in zip(imp["session_id"], imp["posting_id"])])
    ctr = imp.groupby("position")["click"].mean()
    assert ctr[1] > 2 * ctr[10]  # position bias
    assert 0.01 < stats["click_through_rate"] < 0.5
    # occupation match raises click probability
    occ = profiles.set_index("member_id")["onet_code"]
    post_occ = world["postings"].set_index("posting_id")["onet_code"]
    match = imp["member_id"].map(occ).to_numpy() == imp["posting_id"].map(post_occ).to_numpy()
    assert imp["click"][match].mean() > 1.5 * imp["click"][~match].mean()


def test_interactions_calibration(interactions, world):
    _ev, stats = interactions
    target, n_rows = apply_view_ratio(world["postings"])
    post = world["postings"]
    ok = post["views"].notna() & post["applies"].notna()
    assert n_rows == ok.sum()
    assert target == pytest.approx(post.loc[ok, "applies"].sum() / post.loc[ok, "views"].sum())
    assert stats["target_apply_rate"] == pytest.approx(target)
    n_clicks = stats["n_clicks"]
    sd = np.sqrt(target * (1 - target) / n_clicks)
    assert abs(stats["simulated_apply_rate"] - target) < max(4 * sd, 0.02), stats
    assert stats["simulated_apply_rate"] == pytest.approx(stats["n_applies"] / n_clicks)


def test_interactions_calibrate_to_float(profiles, world):
    _ev, stats = simulate_interactions(profiles, world["postings"], 3000, seed=2, calibrate_to=0.5)
    assert stats["target_apply_rate"] == 0.5
    assert abs(stats["simulated_apply_rate"] - 0.5) < 0.05


def test_interactions_deterministic(interactions, profiles, world):
    ev, stats = interactions
    ev2, stats2 = simulate_interactions(profiles, world["postings"], 4000, seed=5)
    pd.testing.assert_frame_equal(ev, ev2)
    assert stats == stats2
    ev3, _ = simulate_interactions(profiles, world["postings"], 4000, seed=6)
    assert not ev["posting_id"].equals(ev3["posting_id"])


def test_default_scale_runs_fast(world):
    """5,000 members, 50,000 edges and 20,000 sessions within 30 s."""
    postings = make_postings(5000, seed=3)
    t0 = time.perf_counter()
    prof = simulate_profiles(
        postings, world["occupations"], world["titles"], world["tech_skills"], world["cities"], 5000, seed=1
    )
    e = simulate_connections(prof, 50_000, seed=2)
    _ev, stats = simulate_interactions(prof, postings, 20_000, seed=3)
    elapsed = time.perf_counter() - t0
    assert len(prof) == 5000 and len(e) == 50_000 and stats["n_sessions"] == 20_000
    assert elapsed < 30, elapsed
