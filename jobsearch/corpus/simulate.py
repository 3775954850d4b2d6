"""Seeded simulator of members, their professional network and their job-search interactions.

No public data set contains LinkedIn member profiles, connections or clicks, so the platform
simulates them, anchored on real job postings (LinkedIn 2023 dump) and the O*NET/ESCO taxonomy
(:mod:`jobsearch.corpus.taxonomy`).  Every function takes a ``seed`` and draws all randomness from one
``numpy.random.Generator``; the same inputs and seed give identical frames.

Seniority enum (postings and members): ``INTERNSHIP, ENTRY, ASSOCIATE, MID_SENIOR, DIRECTOR,
EXECUTIVE, UNKNOWN`` with ordinal levels 0..5 (UNKNOWN has no level).

1. Members -- :func:`simulate_profiles`
---------------------------------------
For each of ``n_members`` members, independently:

* **occupation** ``onet_code`` ~ ``(1 - occupation_smoothing) * share of postings with that code
  + occupation_smoothing / n_occupations`` (every occupation of ``occupations`` can appear; default
  smoothing 0.1, i.e. 10% of members are spread uniformly over occupations).
* **current_title**: an O*NET *reported* (weight ``reported_title_weight`` = 3) or *alternate*
  (weight 1) title of the occupation, parenthesised expansions dropped; the primary O*NET title when
  the occupation has none.
* **years_experience** ~ round(Gamma(shape=2, scale=5.5)), clipped to [0, 45].
* **seniority** ~ a categorical distribution given the experience bin (see ``_SENIORITY_BY_YEARS``:
  < 1 year: 35% INTERNSHIP / 65% ENTRY ... 20+ years: 55% MID_SENIOR / 30% DIRECTOR / 15% EXECUTIVE);
  in occupations of Job Zone 1-2 a DIRECTOR/EXECUTIVE draw is demoted to MID_SENIOR w.p. 0.8.
* **skills**: ``k ~ U{min_skills..max_skills}`` (3..12) O*NET technology skills of the occupation
  drawn without replacement with weight ``1 + hot_skill_weight*hot + in_demand_weight*in_demand``
  (defaults 3 and 2); topped up from the globally most common hot technologies when the occupation
  lists fewer than ``min_skills``.
* **company / industry**: an *anchor posting* is drawn uniformly among postings with the member's
  occupation (among all postings when none), so companies are weighted by how many such postings they
  have.  The member's industry is the anchor's; the company is the anchor's company w.p.
  ``company_from_anchor_prob`` (0.85) and otherwise a posting-weighted company of the same industry.
* **location** (city_id, metro_id, state_code): w.p. ``home_near_company_prob`` (0.6) the location
  of a random posting of the member's company, w.p. ``population_geo_prob`` (0.05) a gazetteer city
  drawn by population, otherwise the location of a random posting -- i.e. members live where the
  postings are.
* **open_to_remote** ~ Bernoulli(clip(0.15 + 0.7 * remote share of the occupation's postings,
  0.05, 0.95)).
* **desired_salary_usd** = occupation median ``salary_med_usd`` of the postings (global median when
  fewer than 3, Job-Zone default when there are no salaries) x seniority multiplier
  (``_SENIORITY_SALARY``: INTERNSHIP 0.45 ... EXECUTIVE 2.2) x LogNormal(0, ``salary_sigma`` = 0.15),
  rounded to $1,000.
* **name** from built-in first/last-name lists; **headline** and **summary** are rendered from
  templates over the fields above.

2. Network -- :func:`simulate_connections`
-----------------------------------------
Every member gets a sociability weight ``w ~ LogNormal(0, sociability_sigma=1.0)``.  Edge proposals
are drawn in vectorised batches: a context is drawn from ``context_probs`` (default company 0.35,
metro 0.25, occupation 0.15, industry 0.10, random 0.15), the source member ~ ``w``, and the
destination ~ ``w`` restricted to members sharing the source's company / metro / occupation /
industry (anyone for "random").  Proposals are made undirected (``src < dst`` by member_id), self
loops and duplicates are dropped, and batches continue until ``n_edges_target`` distinct edges exist
(or ``max_rounds`` batches); the first ``n_edges_target`` distinct edges in draw order are kept.
Because both endpoints are drawn proportionally to ``w`` the degree distribution is heavy tailed,
and the context mixture produces homophily (same company >> same metro > same occupation/industry
compared with the random baseline).  ``strength`` = clip(0.15 + 0.35 same_company + 0.15 same_metro
+ 0.15 same_occupation + 0.05 same_industry + N(0, 0.1), 0.01, 1).

3. Interactions -- :func:`simulate_interactions`
-----------------------------------------------
``n_sessions`` sessions.  A session's member is drawn with an activity weight ~ LogNormal(0, 0.8); its
timestamp is uniform between the first ``listed_at`` of the postings and the last + 14 days.  The
member is shown a ranked list of up to ``list_size`` (10) distinct postings drawn from the
``candidate_mix`` (default: 40% same occupation, 20% same metro, 10% remote if the member is open to
remote, 30% any posting weighted by ``1 + log1p(views)``; an empty pool falls back to "any").

* **attractiveness** ``alpha = sigmoid(-1.5 + 1.5 occ_match + 0.8 metro_match + 0.6 remote_ok
  - 0.4 |seniority level gap| + 0.8 clip(log(salary / desired_salary), -1, 1))`` (missing salary
  or UNKNOWN seniority contribute 0).
* **ranking**: the list is ordered by ``logit(alpha) + ranker_noise * Gumbel`` (a decent but noisy
  ranker); ``position`` is 1-based.
* **click** ~ Bernoulli(``position ** -position_bias_eta * alpha``) -- the position-based model
  (examination x attractiveness), ``position_bias_eta`` = 1.
* **apply | click** ~ Bernoulli(sigmoid(c0 + 0.8 occ_match + 0.5 (metro_match or remote_ok)
  - 0.3 gap + 0.5 salary term)), where the intercept ``c0`` is solved by bisection so that the mean
  apply probability over the simulated clicks equals the target rate.  A click is a posting *view*
  (the detail page), so the target is the real ``sum(applies) / sum(views)`` over postings that have
  both (from ``calibrate_to``, the postings by default).

Rows: one ``impression`` per shown posting, plus a ``click`` row for clicked ones and an ``apply`` row
for applied ones, each carrying ``session_id``, ``member_id``, ``posting_id``, ``ts`` (impression ts =
session start + 2 s per position, click + ~15 s, apply + ~3 min) and ``position``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from jobsearch.corpus.schemas import SENIORITY_LEVELS, SENIORITY_RANK

__all__ = [
    "SENIORITY_LEVELS",
    "SENIORITY_RANK",
    "apply_view_ratio",
    "simulate_connections",
    "simulate_interactions",
    "simulate_profiles",
]


# experience bins (lower bounds, years) -> P(seniority) over SENIORITY_LEVELS[:6]
_YEARS_BINS = np.array([0, 1, 3, 6, 12, 20])
_SENIORITY_BY_YEARS = np.array(
    [
        [0.35, 0.65, 0.00, 0.00, 0.00, 0.00],
        [0.00, 0.70, 0.30, 0.00, 0.00, 0.00],
        [0.00, 0.15, 0.45, 0.40, 0.00, 0.00],
        [0.00, 0.00, 0.20, 0.70, 0.10, 0.00],
        [0.00, 0.00, 0.05, 0.65, 0.25, 0.05],
        [0.00, 0.00, 0.00, 0.55, 0.30, 0.15],
    ]
)
_SENIORITY_SALARY = {
    "INTERNSHIP": 0.45,
    "ENTRY": 0.8,
    "ASSOCIATE": 0.92,
    "MID_SENIOR": 1.1,
    "DIRECTOR": 1.5,
    "EXECUTIVE": 2.2,
    "UNKNOWN": 1.0,
}
_ZONE_SALARY = {1: 32_000.0, 2: 40_000.0, 3: 55_000.0, 4: 80_000.0, 5: 110_000.0}
_DEFAULT_SALARY = 60_000.0
_SENIORITY_WORD = {
    "INTERNSHIP": "aspiring",
    "ENTRY": "early-career",
    "ASSOCIATE": "developing",
    "MID_SENIOR": "experienced",
    "DIRECTOR": "senior",
    "EXECUTIVE": "executive-level",
    "UNKNOWN": "",
}

_FIRST_NAMES = [
    "Aaliyah",
    "Aarav",
    "Abigail",
    "Adrian",
    "Aisha",
    "Alejandro",
    "Alex",
    "Amara",
    "Amelia",
    "Ana",
    "Andre",
    "Anika",
    "Ben",
    "Bianca",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Diego",
    "Elena",
    "Emily",
    "Ethan",
    "Fatima",
    "Gabriel",
    "Grace",
    "Hannah",
    "Hiro",
    "Ibrahim",
    "Isabel",
    "Jack",
    "Jamal",
    "Jasmine",
    "Javier",
    "Jin",
    "Julia",
    "Kai",
    "Kavya",
    "Keisha",
    "Leo",
    "Liam",
    "Lucia",
    "Maya",
    "Mei",
    "Miguel",
    "Mohammed",
    "Nadia",
    "Noah",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Samuel",
    "Sara",
    "Sofia",
    "Tariq",
    "Theo",
    "Valentina",
    "Wei",
    "Yusuf",
    "Zoe",
]
_LAST_NAMES = [
    "Adams",
    "Ahmed",
    "Alvarez",
    "Anderson",
    "Bailey",
    "Brown",
    "Campbell",
    "Chen",
    "Clark",
    "Cohen",
    "Davis",
    "Diaz",
    "Edwards",
    "Evans",
    "Fernandez",
    "Garcia",
    "Gonzalez",
    "Green",
    "Gupta",
    "Hall",
    "Harris",
    "Hernandez",
    "Hill",
    "Ito",
    "Jackson",
    "Johnson",
    "Jones",
    "Kim",
    "King",
    "Kowalski",
    "Lee",
    "Lewis",
    "Lopez",
    "Martin",
    "Martinez",
    "Miller",
    "Moore",
    "Nguyen",
    "Okafor",
    "Patel",
    "Perez",
    "Phillips",
    "Ramirez",
    "Reyes",
    "Roberts",
    "Robinson",
    "Rodriguez",
    "Sanchez",
    "Scott",
    "Shah",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Torres",
    "Walker",
    "White",
    "Williams",
    "Wilson",
    "Wright",
    "Young",
]


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def _none(v):
    """Python None for missing scalars (None, NaN, NaT, pd.NA)."""
    if v is None:
        return None
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):
        return v


def _obj(values) -> pd.Series:
    """Object Series with None (not NaN) for missing values."""
    return pd.Series([_none(v) for v in values], dtype=object)


def _col(df: pd.DataFrame, name: str, default=None) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([default] * len(df), index=df.index, dtype=object)


def _group_index(keys) -> tuple[dict, np.ndarray]:
    """Map each distinct non-missing key to the sorted positions holding it."""
    s = pd.Series(list(keys), dtype=object)
    mask = s.map(lambda v: _none(v) is not None).to_numpy(dtype=bool)
    groups: dict = {}
    if mask.any():
        for key, idx in s[mask].groupby(s[mask].astype(str), sort=True).groups.items():
            groups[key] = np.sort(np.asarray(idx, dtype=np.int64))
    return groups, mask


def _key(v):
    v = _none(v)
    return None if v is None else str(v)


def apply_view_ratio(postings: pd.DataFrame) -> tuple[float, int]:
    """``sum(applies) / sum(views)`` over postings that have both (views > 0); (nan, 0) if none."""
    if "views" not in postings.columns or "applies" not in postings.columns:
        return float("nan"), 0
    v = pd.to_numeric(postings["views"], errors="coerce")
    a = pd.to_numeric(postings["applies"], errors="coerce")
    ok = v.notna() & a.notna() & (v > 0)
    if not ok.any():
        return float("nan"), 0
    return float(a[ok].sum() / v[ok].sum()), int(ok.sum())


def _clean_title(t: str) -> str:
    t = re.sub(r"\s*\([^)]*\)", "", str(t)).strip()
    return re.sub(r"\s+", " ", t)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------------------------
# profiles
# ----------------------------------------------------------------------------------------------


def simulate_profiles(
    postings: pd.DataFrame,
    occupations: pd.DataFrame,
    titles: pd.DataFrame,
    tech_skills: pd.DataFrame,
    cities: pd.DataFrame,
    n_members: int,
    seed: int,
    *,
    occupation_smoothing: float = 0.1,
    reported_title_weight: float = 3.0,
    hot_skill_weight: float = 3.0,
    in_demand_weight: float = 2.0,
    min_skills: int = 3,
    max_skills: int = 12,
    company_from_anchor_prob: float = 0.85,
    home_near_company_prob: float = 0.6,
    population_geo_prob: float = 0.05,
    salary_sigma: float = 0.15,
) -> pd.DataFrame:
    """Simulate ``n_members`` member profiles (see the module docstring for the model).

    Columns: member_id, name, headline, current_title, onet_code, seniority, years_experience,
    skills (list[str]), current_company_id, current_company_name, industry, city_id, metro_id,
    state_code, open_to_remote, desired_salary_usd, summary.
    """
    rng = np.random.default_rng(seed)
    n = int(n_members)
    postings = postings.reset_index(drop=True)
    width = max(6, len(str(max(n - 1, 0))))
    member_id = [f"m{i:0{width}d}" for i in range(n)]

    # ---------------------------------------------------------------- occupation
    post_occ = [_key(v) for v in _col(postings, "onet_code")]
    occ_codes = sorted({str(c) for c in occupations["onet_code"].dropna()} | {c for c in post_occ if c})
    if not occ_codes:
        raise ValueError("no occupations to draw from")
    counts = pd.Series(post_occ, dtype=object).dropna().value_counts()
    cnt = np.array([counts.get(c, 0) for c in occ_codes], dtype=float)
    uniform = np.full(len(occ_codes), 1.0 / len(occ_codes))
    p_occ = (
        (1 - occupation_smoothing) * cnt / cnt.sum() + occupation_smoothing * uniform
        if cnt.sum()
        else uniform
    )
    p_occ = p_occ / p_occ.sum()
    occ_idx = rng.choice(len(occ_codes), size=n, p=p_occ)
    member_occ = np.array([occ_codes[i] for i in occ_idx], dtype=object)
    by_occ: dict[int, np.ndarray] = {}
    order = np.argsort(occ_idx, kind="stable")
    bounds = np.flatnonzero(np.diff(occ_idx[order])) + 1
    for grp in np.split(order, bounds):
        if len(grp):
            by_occ[int(occ_idx[grp[0]])] = grp

    primary = dict(zip(occupations["onet_code"].astype(str), occupations["title"].astype(str)))
    zone_map: dict[str, float] = {}
    if "job_zone" in occupations.columns:
        zone_map = {
            str(c): float(z)
            for c, z in zip(occupations["onet_code"], occupations["job_zone"])
            if _none(z) is not None
        }

    # ---------------------------------------------------------------- titles
    t = titles[titles["kind"].isin(["alternate", "reported"])]
    t = t.assign(clean=t["title"].map(_clean_title))
    t = t[t["clean"].str.len() > 0].drop_duplicates(["onet_code", "clean"])
    t_groups = {
        str(code): (
            g["clean"].to_numpy(dtype=object),
            np.where(g["kind"].to_numpy() == "reported", reported_title_weight, 1.0),
        )
        for code, g in t.groupby("onet_code", sort=True)
    }
    current_title = np.empty(n, dtype=object)
    for j, members in by_occ.items():
        code = occ_codes[j]
        if code in t_groups:
            arr, w = t_groups[code]
            current_title[members] = arr[rng.choice(len(arr), size=len(members), p=w / w.sum())]
        else:
            current_title[members] = _clean_title(primary.get(code, code))

    # ---------------------------------------------------------------- experience, seniority
    years = np.clip(np.rint(rng.gamma(2.0, 5.5, size=n)), 0, 45).astype(np.int64)
    bin_idx = np.searchsorted(_YEARS_BINS, years, side="right") - 1
    cum = np.cumsum(_SENIORITY_BY_YEARS, axis=1)[bin_idx]
    u = rng.random(n)
    sen_idx = np.minimum((u[:, None] > cum).sum(axis=1), 5)
    zones = np.array([zone_map.get(c, np.nan) for c in member_occ])
    demote = (zones <= 2) & (sen_idx >= 4) & (rng.random(n) < 0.8)
    sen_idx = np.where(demote, 3, sen_idx)
    seniority = np.array(SENIORITY_LEVELS, dtype=object)[sen_idx]

    # ---------------------------------------------------------------- skills
    ts = tech_skills.drop_duplicates(["onet_code", "skill"])
    ts_w = (
        1.0
        + hot_skill_weight * ts["hot"].astype(bool).to_numpy()
        + in_demand_weight * ts["in_demand"].astype(bool).to_numpy()
    )
    ts = ts.assign(w=ts_w)
    s_groups = {
        str(code): (g["skill"].to_numpy(dtype=object), g["w"].to_numpy(dtype=float))
        for code, g in ts.groupby("onet_code", sort=True)
    }
    hot_pool = (
        ts[ts["hot"].astype(bool)]["skill"]
        .value_counts()
        .sort_index()
        .sort_values(ascending=False, kind="stable")
    )
    global_skills = hot_pool.index.to_numpy(dtype=object)[:200]
    if len(global_skills) == 0:
        global_skills = ts["skill"].value_counts().index.to_numpy(dtype=object)[:200]
    global_w = (
        np.asarray(hot_pool.to_numpy(dtype=float)[: len(global_skills)])
        if len(hot_pool)
        else np.ones(len(global_skills))
    )
    k_skills = rng.integers(min_skills, max_skills + 1, size=n)
    skills: list[list[str]] = [[] for _ in range(n)]
    for j, members in by_occ.items():
        arr, w = s_groups.get(occ_codes[j], (np.array([], dtype=object), np.array([])))
        if len(arr):
            # Gumbel top-k == weighted sampling without replacement
            g = np.log(w)[None, :] + rng.gumbel(size=(len(members), len(arr)))
            ranked = np.argsort(-g, axis=1, kind="stable")
            for r, m in enumerate(members):
                skills[m] = [str(x) for x in arr[ranked[r, : k_skills[m]]]]
        short = [m for m in members if len(skills[m]) < min_skills]
        if short and len(global_skills):
            for m in short:
                need = min_skills - len(skills[m])
                g = np.log(global_w) + rng.gumbel(size=len(global_skills))
                extra = [
                    str(global_skills[i])
                    for i in np.argsort(-g, kind="stable")
                    if global_skills[i] not in skills[m]
                ]
                skills[m] = skills[m] + extra[:need]

    # ---------------------------------------------------------------- company, industry
    comp_id = [_key(v) for v in _col(postings, "company_id")]
    comp_name = _col(postings, "company_name").to_numpy(dtype=object)
    industry = _col(postings, "industry").to_numpy(dtype=object)
    has_comp = np.array([c is not None for c in comp_id], dtype=bool)
    n_post = len(postings)
    occ_post_groups, _ = _group_index(post_occ)
    ind_groups, _ = _group_index([ind if hc else None for ind, hc in zip(industry, has_comp)])
    anchor = np.full(n, -1, dtype=np.int64)
    if n_post:
        for j, members in by_occ.items():
            pool = occ_post_groups.get(occ_codes[j])
            if pool is None or len(pool) == 0:
                pool = np.arange(n_post)
            anchor[members] = pool[rng.integers(0, len(pool), size=len(members))]
    m_industry = np.array([_none(industry[a]) if a >= 0 else None for a in anchor], dtype=object)
    m_comp = np.array([(comp_id[a] if a >= 0 else None) for a in anchor], dtype=object)
    m_comp_name = np.array(
        [(_none(comp_name[a]) if a >= 0 and comp_id[a] else None) for a in anchor], dtype=object
    )
    switch = rng.random(n) >= company_from_anchor_prob
    any_comp = np.flatnonzero(has_comp)
    u_comp = rng.random(n)
    for m in np.flatnonzero(switch | np.array([c is None for c in m_comp], dtype=bool)):
        pool = ind_groups.get(_key(m_industry[m])) if m_industry[m] is not None else None
        if pool is None or len(pool) == 0:
            pool = any_comp
        if len(pool) == 0:
            continue
        p = pool[int(u_comp[m] * len(pool))]
        m_comp[m], m_comp_name[m] = comp_id[p], _none(comp_name[p])
        if m_industry[m] is None:
            m_industry[m] = _none(industry[p])

    # ---------------------------------------------------------------- geography
    p_city = [_key(v) for v in _col(postings, "city_id")]
    p_metro = _col(postings, "metro_id").to_numpy(dtype=object)
    p_state = _col(postings, "state_code").to_numpy(dtype=object)
    geo_ok = np.array([c is not None for c in p_city], dtype=bool)
    geo_posts = np.flatnonzero(geo_ok)
    comp_geo_groups, _ = _group_index([c if ok else None for c, ok in zip(comp_id, geo_ok)])
    c_city = _col(cities, "city_id").to_numpy(dtype=object)
    c_metro = _col(cities, "metro_id").to_numpy(dtype=object)
    c_state = _col(cities, "state_code").to_numpy(dtype=object)
    pop = pd.to_numeric(_col(cities, "population", 0), errors="coerce").fillna(0).to_numpy(dtype=float)
    pop = np.where(pop > 0, pop, 0.0)
    city_cum = np.cumsum(pop) if pop.sum() > 0 else np.arange(1, len(c_city) + 1, dtype=float)
    raw_city = _col(postings, "city_id").to_numpy(dtype=object)
    m_city = np.empty(n, dtype=object)
    m_metro = np.empty(n, dtype=object)
    m_state = np.empty(n, dtype=object)
    u_src, u_pick = rng.random(n), rng.random(n)
    for m in range(n):
        src = None
        if u_src[m] < home_near_company_prob and m_comp[m] is not None:
            pool = comp_geo_groups.get(m_comp[m])
            if pool is not None and len(pool):
                src = ("post", pool[int(u_pick[m] * len(pool))])
        if src is None and (u_src[m] >= 1 - population_geo_prob or len(geo_posts) == 0) and len(c_city):
            src = ("city", int(np.searchsorted(city_cum, u_pick[m] * city_cum[-1], side="right")))
        if src is None and len(geo_posts):
            src = ("post", geo_posts[int(u_pick[m] * len(geo_posts))])
        if src is None:
            m_city[m] = m_metro[m] = m_state[m] = None
        elif src[0] == "post":
            i = src[1]
            m_city[m], m_metro[m], m_state[m] = _none(raw_city[i]), _none(p_metro[i]), _none(p_state[i])
        else:
            i = min(src[1], len(c_city) - 1)
            m_city[m], m_metro[m], m_state[m] = _none(c_city[i]), _none(c_metro[i]), _none(c_state[i])

    # ---------------------------------------------------------------- remote preference
    remote = _col(postings, "remote", False).fillna(False).astype(bool).to_numpy()
    glob_remote = float(remote.mean()) if n_post else 0.2
    occ_remote = {k: float(remote[v].mean()) for k, v in occ_post_groups.items()}
    share = np.array([occ_remote.get(c, glob_remote) for c in member_occ])
    open_to_remote = rng.random(n) < np.clip(0.15 + 0.7 * share, 0.05, 0.95)

    # ---------------------------------------------------------------- salary
    sal = pd.to_numeric(_col(postings, "salary_med_usd"), errors="coerce").to_numpy(dtype=float)
    sal_ok = np.isfinite(sal) & (sal > 0)
    glob_sal = float(np.median(sal[sal_ok])) if sal_ok.any() else None
    occ_sal = {}
    for k, v in occ_post_groups.items():
        s = sal[v][sal_ok[v]]
        if len(s) >= 3:
            occ_sal[k] = float(np.median(s))
    base = np.array(
        [
            occ_sal.get(
                c,
                glob_sal
                if glob_sal is not None
                else _ZONE_SALARY.get(int(z) if np.isfinite(z) else 0, _DEFAULT_SALARY),
            )
            for c, z in zip(member_occ, zones)
        ]
    )
    mult = np.array([_SENIORITY_SALARY[s] for s in seniority])
    desired = np.round(base * mult * rng.lognormal(0.0, salary_sigma, size=n), -3)

    # ---------------------------------------------------------------- text
    first = rng.integers(0, len(_FIRST_NAMES), size=n)
    last = rng.integers(0, len(_LAST_NAMES), size=n)
    names = [f"{_FIRST_NAMES[a]} {_LAST_NAMES[b]}" for a, b in zip(first, last)]
    city_name = {}
    if "city" in cities.columns:
        city_name = {
            str(c): str(nm) for c, nm in zip(cities["city_id"], cities["city"]) if _none(c) is not None
        }
    headline_tpl = rng.integers(0, 3, size=n)
    headlines, summaries = [], []
    for m in range(n):
        title, comp, sk = current_title[m], m_comp_name[m], skills[m]
        if headline_tpl[m] == 0 and comp:
            h = f"{title} at {comp}"
        elif headline_tpl[m] == 1 and sk:
            h = f"{title} | " + " · ".join(sk[:3])
        else:
            h = f"{title}" + (f" · {comp}" if comp else "")
        headlines.append(h)
        word = _SENIORITY_WORD[seniority[m]]
        yrs = int(years[m])
        exp = f"{yrs} year{'s' if yrs != 1 else ''} of experience"
        ind = m_industry[m]
        s1 = f"{names[m]} is {'an' if word[:1] in 'aeiou' and word else 'a'} {word + ' ' if word else ''}{title}"
        s1 += f" with {exp}" + (f" in {str(ind).lower()}." if ind else ".")
        place = city_name.get(str(m_city[m]))
        place = f"{place}, {m_state[m]}" if place and m_state[m] else (place or m_state[m])
        s2 = ("Works at " + comp if comp else "Currently between roles") + (
            f", based in {place}" if place else ""
        )
        s2 += "; open to remote roles." if open_to_remote[m] else "."
        s3 = (
            ("Skilled in " + ", ".join(sk[:-1]) + f" and {sk[-1]}.")
            if len(sk) > 1
            else (f"Skilled in {sk[0]}." if sk else "")
        )
        summaries.append(" ".join(x for x in (s1, s2, s3) if x))

    return pd.DataFrame(
        {
            "member_id": pd.Series(member_id, dtype=str),
            "name": pd.Series(names, dtype=str),
            "headline": pd.Series(headlines, dtype=str),
            "current_title": pd.Series(current_title.astype(str), dtype=str),
            "onet_code": pd.Series(member_occ.astype(str), dtype=str),
            "seniority": pd.Series(seniority.astype(str), dtype=str),
            "years_experience": years,
            "skills": pd.Series(skills, dtype=object),
            "current_company_id": _obj(m_comp),
            "current_company_name": _obj(m_comp_name),
            "industry": _obj(m_industry),
            "city_id": _obj(m_city),
            "metro_id": _obj(m_metro),
            "state_code": _obj(m_state),
            "open_to_remote": open_to_remote.astype(bool),
            "desired_salary_usd": desired.astype(float),
            "summary": pd.Series(summaries, dtype=str),
        }
    )


# ----------------------------------------------------------------------------------------------
# connections
# ----------------------------------------------------------------------------------------------

_DEFAULT_CONTEXTS = {"company": 0.35, "metro": 0.25, "occupation": 0.15, "industry": 0.10, "random": 0.15}
_CONTEXT_COLUMNS = {
    "company": "current_company_id",
    "metro": "metro_id",
    "occupation": "onet_code",
    "industry": "industry",
}


def _codes(values) -> np.ndarray:
    """Integer group codes; missing values get unique singleton codes."""
    keys = pd.Series([_key(v) for v in values], dtype=object)
    codes, _ = pd.factorize(keys, sort=True)
    codes = codes.astype(np.int64)
    miss = codes < 0
    if miss.any():
        codes[miss] = codes.max(initial=-1) + 1 + np.arange(int(miss.sum()))
    return codes


class _GroupSampler:
    """Draw a member proportionally to ``w`` within the group of a given member, vectorised."""

    def __init__(self, codes: np.ndarray, w: np.ndarray):
        self.order = np.argsort(codes, kind="stable")
        sc = codes[self.order]
        self.cw = np.cumsum(w[self.order])
        starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
        ends = np.r_[starts[1:], len(sc)]
        pos_of_group = np.empty(sc.max() + 1 if len(sc) else 0, dtype=np.int64)
        pos_of_group[sc[starts]] = np.arange(len(starts))
        gi = pos_of_group[codes]  # group index of each member
        self.lo = starts[gi]
        self.hi = ends[gi]

    def draw(self, members: np.ndarray, u: np.ndarray) -> np.ndarray:
        lo, hi = self.lo[members], self.hi[members]
        c0 = np.where(lo > 0, self.cw[np.maximum(lo - 1, 0)], 0.0)
        c1 = self.cw[hi - 1]
        pos = np.searchsorted(self.cw, c0 + u * (c1 - c0), side="right")
        pos = np.clip(pos, lo, hi - 1)
        return self.order[pos]


def simulate_connections(
    profiles: pd.DataFrame,
    n_edges_target: int,
    seed: int,
    *,
    context_probs: Mapping[str, float] | None = None,
    sociability_sigma: float = 1.0,
    max_rounds: int = 60,
) -> pd.DataFrame:
    """Simulate an undirected homophilous, heavy-tailed connection graph over ``profiles``.

    Returns columns src, dst (member ids, ``src < dst``), kind (``'connection'``), strength in
    (0, 1]; sorted by (src, dst).  See the module docstring for the model.
    """
    rng = np.random.default_rng(seed)
    ids = profiles["member_id"].astype(str).to_numpy()
    rank = np.argsort(ids, kind="stable")
    ids_sorted = ids[rank]
    prof = profiles.iloc[rank].reset_index(drop=True)  # member index == lexicographic rank
    n = len(prof)
    max_edges = n * (n - 1) // 2
    target = int(min(n_edges_target, max_edges))
    empty = pd.DataFrame(
        {
            "src": pd.Series([], dtype=str),
            "dst": pd.Series([], dtype=str),
            "kind": pd.Series([], dtype=str),
            "strength": pd.Series([], dtype=float),
        }
    )
    if target <= 0:
        return empty

    probs = dict(context_probs or _DEFAULT_CONTEXTS)
    names = list(probs)
    p = np.array([probs[k] for k in names], dtype=float)
    p = p / p.sum()
    w = rng.lognormal(0.0, sociability_sigma, size=n)
    cw = np.cumsum(w)
    codes = {c: _codes(_col(prof, col)) for c, col in _CONTEXT_COLUMNS.items()}
    samplers = {c: _GroupSampler(codes[c], w) for c in names if c in codes}

    def draw_global(k: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cw, rng.random(k) * cw[-1], side="right"), n - 1)

    collected = np.zeros(0, dtype=np.int64)
    for _ in range(max_rounds):
        have = len(collected)
        if have >= target:
            break
        k = int((target - have) * 1.4) + 256
        ctx = rng.choice(len(names), size=k, p=p)
        src = draw_global(k)
        dst = draw_global(k)
        u = rng.random(k)
        for ci, cname in enumerate(names):
            sel = np.flatnonzero(ctx == ci)
            if len(sel) and cname in samplers:
                dst[sel] = samplers[cname].draw(src[sel], u[sel])
        a, b = np.minimum(src, dst), np.maximum(src, dst)
        keep = a != b
        new = a[keep].astype(np.int64) * n + b[keep]
        allk = np.concatenate([collected, new])
        _, first = np.unique(allk, return_index=True)
        collected = allk[np.sort(first)]
        if len(collected) == have and have > 0 and k > 10 * target:
            break
    collected = collected[:target]
    a, b = collected // n, collected % n
    order = np.lexsort((b, a))
    a, b = a[order], b[order]

    def same(c: str) -> np.ndarray:
        col = _col(prof, _CONTEXT_COLUMNS[c])
        keys = np.array([_key(v) for v in col], dtype=object)
        ka, kb = keys[a], keys[b]
        return np.array([x is not None and x == y for x, y in zip(ka, kb)], dtype=bool)

    strength = (
        0.15
        + 0.35 * same("company")
        + 0.15 * same("metro")
        + 0.15 * same("occupation")
        + 0.05 * same("industry")
        + rng.normal(0.0, 0.1, size=len(a))
    )
    return pd.DataFrame(
        {
            "src": pd.Series(ids_sorted[a], dtype=str),
            "dst": pd.Series(ids_sorted[b], dtype=str),
            "kind": pd.Series(["connection"] * len(a), dtype=str),
            "strength": np.clip(strength, 0.01, 1.0).round(4),
        }
    )


# ----------------------------------------------------------------------------------------------
# interactions
# ----------------------------------------------------------------------------------------------

_DEFAULT_MIX = {"occupation": 0.4, "metro": 0.2, "remote": 0.1, "random": 0.3}
_DEFAULT_TARGET_RATE = 0.1


def _solve_intercept(z: np.ndarray, target: float) -> float:
    """c such that mean(sigmoid(c + z)) == target (bisection)."""
    lo, hi = -30.0, 30.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if _sigmoid(mid + z).mean() < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def simulate_interactions(
    profiles: pd.DataFrame,
    postings: pd.DataFrame,
    n_sessions: int,
    seed: int,
    *,
    calibrate_to: pd.DataFrame | float | None = None,
    list_size: int = 10,
    candidate_mix: Mapping[str, float] | None = None,
    position_bias_eta: float = 1.0,
    ranker_noise: float = 1.0,
    activity_sigma: float = 0.8,
) -> tuple[pd.DataFrame, dict]:
    """Simulate search sessions with impressions, clicks and applies (position-based click model).

    ``calibrate_to``: a postings frame with ``views``/``applies`` (default: ``postings``) whose
    ``sum(applies)/sum(views)`` is the target apply-per-click rate, or the target rate itself.

    Returns ``(events, stats)``: events has columns session_id, member_id, posting_id, event
    ('impression' | 'click' | 'apply'), ts, position; stats has target_apply_rate,
    simulated_apply_rate (applies / clicks), click_through_rate (clicks / impressions), the counts,
    the solved apply intercept and the number of postings the target was computed from.
    """
    rng = np.random.default_rng(seed)
    postings = postings.reset_index(drop=True)
    profiles = profiles.reset_index(drop=True)
    n_m, n_p, S = len(profiles), len(postings), int(n_sessions)

    if calibrate_to is None:
        calibrate_to = postings
    if isinstance(calibrate_to, pd.DataFrame):
        target, n_target_rows = apply_view_ratio(calibrate_to)
        if not np.isfinite(target):
            target, n_target_rows = _DEFAULT_TARGET_RATE, 0
    else:
        target, n_target_rows = float(calibrate_to), 0
    target = float(min(max(target, 1e-6), 1 - 1e-6))

    columns = ["session_id", "member_id", "posting_id", "event", "ts", "position"]
    if S <= 0 or n_m == 0 or n_p == 0:
        stats = {
            "target_apply_rate": target,
            "simulated_apply_rate": float("nan"),
            "click_through_rate": float("nan"),
            "n_sessions": 0,
            "n_impressions": 0,
            "n_clicks": 0,
            "n_applies": 0,
            "apply_intercept": float("nan"),
            "n_calibration_postings": n_target_rows,
        }
        return pd.DataFrame({c: [] for c in columns}), stats

    # ---------------------------------------------------------------- posting side
    views = (
        pd.to_numeric(_col(postings, "views"), errors="coerce").fillna(0).clip(lower=0).to_numpy(dtype=float)
    )
    pop_w = 1.0 + np.log1p(views)
    p_occ = np.array([_key(v) for v in _col(postings, "onet_code")], dtype=object)
    p_metro = np.array([_key(v) for v in _col(postings, "metro_id")], dtype=object)
    p_remote = _col(postings, "remote", False).fillna(False).astype(bool).to_numpy()
    p_sen = np.array([SENIORITY_RANK.get(str(s), np.nan) for s in _col(postings, "seniority", "UNKNOWN")])
    p_sal = pd.to_numeric(_col(postings, "salary_med_usd"), errors="coerce").to_numpy(dtype=float)
    p_ids = postings["posting_id"].astype(str).to_numpy(dtype=object)

    # weighted sampler within posting pools keyed by a string
    def pools(keys: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray]:
        valid = np.array([k is not None for k in keys], dtype=bool)
        order = np.flatnonzero(valid)
        order = order[np.argsort(keys[order].astype(str), kind="stable")]
        cwp = np.cumsum(pop_w[order])
        ks = keys[order]
        bounds = {}
        if len(order):
            starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
            ends = np.r_[starts[1:], len(ks)]
            bounds = {ks[s]: (s, e) for s, e in zip(starts, ends)}
        return bounds, order, cwp

    occ_b, occ_o, occ_c = pools(p_occ)
    met_b, met_o, met_c = pools(p_metro)
    rem_keys = np.where(p_remote, "remote", None).astype(object)
    rem_b, rem_o, rem_c = pools(rem_keys)
    all_c = np.cumsum(pop_w)

    # ---------------------------------------------------------------- sessions
    act = rng.lognormal(0.0, activity_sigma, size=n_m)
    sess_member = rng.choice(n_m, size=S, p=act / act.sum())
    listed = pd.to_datetime(_col(postings, "listed_at"), errors="coerce")
    if listed.notna().any():
        t0, t1 = listed.min(), listed.max() + pd.Timedelta(days=14)
    else:
        t0, t1 = pd.Timestamp("2023-08-01"), pd.Timestamp("2023-09-01")
    span = (t1 - t0).total_seconds()
    sess_ts = t0 + pd.to_timedelta(
        np.floor(np.sort(rng.random(S)) * span), unit="s"
    )  # sessions in time order

    m_occ = np.array([_key(v) for v in profiles["onet_code"]], dtype=object)
    m_metro = np.array([_key(v) for v in _col(profiles, "metro_id")], dtype=object)
    m_remote = _col(profiles, "open_to_remote", False).fillna(False).astype(bool).to_numpy()
    m_sen = np.array([SENIORITY_RANK.get(str(s), np.nan) for s in _col(profiles, "seniority", "UNKNOWN")])
    m_sal = pd.to_numeric(_col(profiles, "desired_salary_usd"), errors="coerce").to_numpy(dtype=float)
    m_ids = profiles["member_id"].astype(str).to_numpy(dtype=object)

    mix = dict(candidate_mix or _DEFAULT_MIX)
    mix_names = list(mix)
    mix_p = np.array([mix[k] for k in mix_names], dtype=float)
    mix_p /= mix_p.sum()
    slots = list_size + max(5, list_size // 2)
    sess = np.repeat(np.arange(S), slots)
    mem = sess_member[sess]
    src = rng.choice(len(mix_names), size=len(sess), p=mix_p)
    u = rng.random(len(sess))
    cand = np.minimum(np.searchsorted(all_c, u * all_c[-1], side="right"), n_p - 1)  # "random" default
    for ci, name in enumerate(mix_names):
        if name == "random":
            continue
        sel = np.flatnonzero(src == ci)
        if name == "occupation":
            b, o, c, keys = occ_b, occ_o, occ_c, m_occ[mem[sel]]
        elif name == "metro":
            b, o, c, keys = met_b, met_o, met_c, m_metro[mem[sel]]
        elif name == "remote":
            b, o, c = rem_b, rem_o, rem_c
            keys = np.where(m_remote[mem[sel]], "remote", None).astype(object)
        else:
            raise ValueError(f"unknown candidate source {name!r}")
        lo = np.array([b.get(k, (-1, -1))[0] for k in keys], dtype=np.int64)
        hi = np.array([b.get(k, (-1, -1))[1] for k in keys], dtype=np.int64)
        ok = lo >= 0
        if not ok.any():
            continue
        s_ok, lo, hi = sel[ok], lo[ok], hi[ok]
        c0 = np.where(lo > 0, c[np.maximum(lo - 1, 0)], 0.0)
        c1 = c[hi - 1]
        pos = np.clip(np.searchsorted(c, c0 + u[s_ok] * (c1 - c0), side="right"), lo, hi - 1)
        cand[s_ok] = o[pos]

    df = pd.DataFrame({"session": sess, "member": mem, "posting": cand})
    df = df.drop_duplicates(["session", "posting"], keep="first")
    df = df[df.groupby("session").cumcount() < list_size].reset_index(drop=True)
    ses, mm, pp = df["session"].to_numpy(), df["member"].to_numpy(), df["posting"].to_numpy()

    # ---------------------------------------------------------------- features & click model
    occ_match = (m_occ[mm] == p_occ[pp]) & np.array([x is not None for x in p_occ[pp]])
    metro_match = (m_metro[mm] == p_metro[pp]) & np.array([x is not None for x in p_metro[pp]])
    remote_ok = p_remote[pp] & m_remote[mm]
    gap = np.abs(m_sen[mm] - p_sen[pp])
    gap = np.where(np.isfinite(gap), gap, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sal_term = np.clip(np.log(p_sal[pp] / m_sal[mm]), -1.0, 1.0)
    sal_term = np.where(np.isfinite(sal_term), sal_term, 0.0)
    logit_attr = -1.5 + 1.5 * occ_match + 0.8 * metro_match + 0.6 * remote_ok - 0.4 * gap + 0.8 * sal_term
    alpha = _sigmoid(logit_attr)

    rank_score = logit_attr + ranker_noise * rng.gumbel(size=len(df))
    order = np.lexsort((-rank_score, ses))
    ses, mm, pp = ses[order], mm[order], pp[order]
    alpha, occ_match, metro_match, remote_ok, gap, sal_term = (
        x[order] for x in (alpha, occ_match, metro_match, remote_ok, gap, sal_term)
    )
    first = np.r_[True, ses[1:] != ses[:-1]]
    start_idx = np.maximum.accumulate(np.where(first, np.arange(len(ses)), 0))
    position = np.arange(len(ses)) - start_idx + 1

    examine = position.astype(float) ** (-position_bias_eta)
    click = rng.random(len(ses)) < examine * alpha
    z_apply = 0.8 * occ_match + 0.5 * (metro_match | remote_ok) - 0.3 * gap + 0.5 * sal_term
    if click.any():
        c0 = _solve_intercept(z_apply[click], target)
        p_apply = _sigmoid(c0 + z_apply)
    else:
        c0, p_apply = float("nan"), np.zeros(len(ses))
    apply = click & (rng.random(len(ses)) < p_apply)

    # ---------------------------------------------------------------- rows
    imp_ts = sess_ts[ses] + pd.to_timedelta(2.0 * (position - 1), unit="s")
    click_ts = imp_ts + pd.to_timedelta(
        np.round(1000 * (1.0 + rng.exponential(15.0, size=len(ses)))), unit="ms"
    )
    apply_ts = click_ts + pd.to_timedelta(
        np.round(1000 * (30.0 + rng.exponential(180.0, size=len(ses)))), unit="ms"
    )
    width_s = max(6, len(str(max(S - 1, 0))))
    sess_ids = np.array([f"s{i:0{width_s}d}" for i in range(S)], dtype=object)

    def block(mask: np.ndarray, event: str, ts_values, rank: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "session_id": sess_ids[ses[mask]],
                "member_id": m_ids[mm[mask]],
                "posting_id": p_ids[pp[mask]],
                "event": event,
                "ts": ts_values[mask],
                "position": position[mask].astype(np.int64),
                "_r": rank,
                "_s": ses[mask],
            }
        )

    all_rows = np.ones(len(ses), dtype=bool)
    events = pd.concat(
        [
            block(all_rows, "impression", np.asarray(imp_ts), 0),
            block(click, "click", np.asarray(click_ts), 1),
            block(apply, "apply", np.asarray(apply_ts), 2),
        ],
        ignore_index=True,
    )
    events = events.sort_values(["_s", "position", "_r"], kind="mergesort").drop(columns=["_s", "_r"])
    events = events.reset_index(drop=True)
    for c in ("session_id", "member_id", "posting_id", "event"):
        events[c] = events[c].astype(str)

    n_imp, n_clk, n_app = len(ses), int(click.sum()), int(apply.sum())
    stats = {
        "target_apply_rate": target,
        "simulated_apply_rate": n_app / n_clk if n_clk else float("nan"),
        "click_through_rate": n_clk / n_imp if n_imp else float("nan"),
        "n_sessions": S,
        "n_impressions": n_imp,
        "n_clicks": n_clk,
        "n_applies": n_app,
        "apply_intercept": float(c0),
        "n_calibration_postings": n_target_rows,
    }
    return events, stats
