"""People search: how well a member matches a parsed query, and how that trades against reachability.

Relevance follows `policies/people_search.md`: each dimension the query states (occupation,
expertise, skills, location, seniority, company) is scored with the policy's own level scores and
weighted with its weights, and its hard constraints cap the result (grade scale 0-4). Expertise is
read from the bi-encoder: the cosine between the query's soft text and the profile text.

Network distance enters through a utility, not as a relevance feature:

    utility = relevance / 4 + weight x network_score(degree)

where `network_score` is the policy's network dimension (2nd-degree 1.0, 1st 0.9, 3rd 0.4, outside
0.0) and `weight` is chosen on the people golden dev split (`choose_weight`). A query that asks for
reachability ("my connections", "people I can reach") applies the policy's network hard constraint:
a member farther than asked is capped at grade 2 (Fair) before the utility is taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jobsearch.corpus.companies import company_matches
from jobsearch.corpus.schemas import SENIORITY_RANK
from jobsearch.labels.policy import Policy
from jobsearch.query.parsed import ParsedQuery

DEGREE_NAMES = {1: "first", 2: "second", 3: "third", None: "out_of_network"}
ORDINAL = {1: "1st", 2: "2nd", 3: "3rd"}
#: Cosine -> expertise score: below `low` none, above `high` deep (bi-encoder cosines of a short query and a profile).
EXPERTISE_COSINE = (0.15, 0.55)
WEIGHT_GRID = tuple(round(w, 2) for w in np.arange(0.0, 1.01, 0.05))


@dataclass
class PersonMatch:
    member_id: str
    relevance: float  # 0-4, the policy's grade scale
    degree: int | None
    utility: float
    reasons: list[str] = field(default_factory=list)


class PeopleRanker:
    """Scores members (rows of `member_profiles`) against a `ParsedQuery` under the people policy."""

    def __init__(self, policy: Policy, related: Mapping[str, set[str]] | None = None, weight: float = 0.3) -> None:
        if policy.name != "people_search":
            raise ValueError(f"a people ranker needs the people_search policy, got {policy.name}")
        self.policy = policy
        self.related = related or {}
        self.weight = weight
        self.weights = {d.key: d.weight for d in policy.dimensions}
        self.network_scores = {d: policy.dimension("network").score_of(name) for d, name in DEGREE_NAMES.items()}

    def _level(self, key: str, match: str) -> float:
        return self.policy.dimension(key).score_of(match)

    def relevance(self, query: ParsedQuery, member: Mapping, cosine: float) -> tuple[float, list[str]]:
        """(relevance on the 0-4 scale, reasons) of one member, without the network."""
        scores: dict[str, float] = {}
        caps: list[int] = []
        reasons: list[str] = []
        title = str(member.get("current_title") or "")
        if query.occupation:
            code = str(member.get("onet_code") or "")
            codes = query.occupation.onet_codes
            if code and code in codes:
                scores["occupation"] = self._level("occupation", "exact")
                reasons.append(f"works as {title}")
            elif code and any(code in self.related.get(c, ()) for c in codes):
                scores["occupation"] = self._level("occupation", "related")
                reasons.append(f"related role: {title}")
            elif code and any(code[:2] == c[:2] for c in codes):
                scores["occupation"] = self._level("occupation", "same_field")
            else:
                scores["occupation"] = self._level("occupation", "unrelated")
            if scores["occupation"] <= self._level("occupation", "same_field"):
                caps.append(1)
        low, high = EXPERTISE_COSINE
        scores["expertise"] = float(np.clip((cosine - low) / (high - low), 0.0, 1.0))
        if query.skills:
            have = " ".join([*(str(s).lower() for s in _listed(member.get("skills"))),
                             str(member.get("headline") or "").lower(), str(member.get("summary") or "").lower()])
            hits = [s for s in query.skills if s.lower() in have]
            share = len(hits) / len(query.skills)
            scores["skills"] = (self._level("skills", "all") if share == 1 else self._level("skills", "most") if share >= 0.5
                                else self._level("skills", "few") if hits else self._level("skills", "none"))
            if not hits:
                caps.append(2)
            if hits:
                reasons.append("skills: " + ", ".join(hits))
        if query.places:
            match, place = _place_match(query, member)
            scores["location"] = self._level("location", match)
            if match == "exact":
                reasons.append(f"in {place}")
            elif match == "elsewhere":
                caps.append(1)
        if query.seniority:
            rank = SENIORITY_RANK.get(str(member.get("seniority") or ""))
            if rank is None:
                scores["seniority"] = self._level("seniority", "unstated")
            else:
                gap = min(abs(rank - SENIORITY_RANK[s]) for s in query.seniority if s in SENIORITY_RANK)
                scores["seniority"] = self._level("seniority", ("exact", "adjacent", "two_off", "opposite")[min(gap, 3)])
                if gap >= 2:
                    caps.append(2)
        employer = str(member.get("current_company_name") or "")
        if query.companies:
            if any(company_matches(c, employer) for c in query.companies):
                scores["company"] = self._level("company", "current")
                reasons.append(f"at {employer}")
            else:
                scores["company"] = self._level("company", "violated")
                caps.append(1)
        if query.exclude_companies and any(company_matches(c, employer) for c in query.exclude_companies):
            scores["company"] = self._level("company", "violated")
            caps.append(1)
        total = sum(self.weights[k] for k in scores)
        grade = 4.0 * sum(self.weights[k] * s for k, s in scores.items()) / total
        return min([grade, *map(float, caps)]), reasons

    def network_cap(self, query: ParsedQuery, degree: int | None) -> float:
        """The policy's network hard constraint: beyond the degree the query asks for, at most grade 2."""
        limit = query.network.max_degree
        return 2.0 if limit is not None and (degree is None or degree > limit) else 4.0

    def utility(self, relevance: float, degree: int | None, weight: float | None = None, cap: float = 4.0) -> float:
        w = self.weight if weight is None else weight
        return min(relevance, cap) / 4.0 + w * self.network_scores[degree]

    def rank(self, query: ParsedQuery, members: pd.DataFrame, cosines: Sequence[float],
             degrees: Mapping[str, int], weight: float | None = None) -> list[PersonMatch]:
        """Members best first, each with its degree and the reasons it matches."""
        out = []
        for member, cosine in zip(members.to_dict("records"), cosines):
            degree = degrees.get(member["member_id"])
            relevance, reasons = self.relevance(query, member, float(cosine))
            reasons.append(f"{ORDINAL[degree]}-degree connection" if degree else "outside your network")
            utility = self.utility(relevance, degree, weight, self.network_cap(query, degree))
            out.append(PersonMatch(member["member_id"], round(relevance, 4), degree, round(utility, 6), reasons))
        return sorted(out, key=lambda m: (-m.utility, -m.relevance, m.member_id))


def _listed(values) -> list:
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return list(values)


def _place_match(query: ParsedQuery, member: Mapping) -> tuple[str, str | None]:
    """(the policy's location level, the query place matched): a city matches its metro too."""
    city, metro, state = member.get("city_id"), member.get("metro_id"), member.get("state_code")
    for place in query.places:
        if place.level == "city" and ((city and str(city) == place.id) or (metro and place.metro_id and str(metro) == place.metro_id)):
            return "exact", place.name
        if place.level == "metro" and metro and str(metro) == place.id:
            return "exact", place.name
        if place.level == "state" and state == place.id:
            return "exact", place.name
    same = [place.state for place in query.places if place.state and place.state == state]
    return ("same_region", same[0]) if same else ("elsewhere", None)


# --------------------------------------------------------------------------------------------
# Measuring it on the people golden set
# --------------------------------------------------------------------------------------------


def score_pools(ranker: PeopleRanker, golden: pd.DataFrame, parsed: Mapping[str, ParsedQuery],
                members: pd.DataFrame, cosines: Mapping[tuple[str, str], float],
                degrees: Mapping[str, Mapping[str, int]]) -> pd.DataFrame:
    """One row per golden (query, member) pair: grade, split, relevance, degree and network score.

    `parsed`: query_id -> ParsedQuery; `cosines`: (query_id, member_id) -> cosine;
    `degrees`: searcher_id -> {member_id: degree}."""
    by_id = members.set_index("member_id", drop=False)
    rows = []
    for pair in golden.itertuples(index=False):
        member = by_id.loc[pair.member_id].to_dict()
        relevance, _ = ranker.relevance(parsed[pair.query_id], member, cosines[(pair.query_id, pair.member_id)])
        degree = degrees[pair.searcher_id].get(pair.member_id)
        rows.append({"query_id": pair.query_id, "member_id": pair.member_id, "split": pair.split,
                     "grade": int(pair.grade), "relevance": relevance, "degree": degree,
                     "network": ranker.network_scores[degree],
                     "cap": ranker.network_cap(parsed[pair.query_id], degree)})
    return pd.DataFrame(rows)


def orderings(scored: pd.DataFrame, weight: float, seed: int = 0) -> pd.DataFrame:
    """Scores of the compared orderings: relevance only, distance only, utility, random.

    Relevance-only ignores the network (no degree, no network cap); distance-only is the policy's
    network score alone; utility is `PeopleRanker.utility` with the network cap."""
    rng = np.random.default_rng(seed)
    jitter = rng.random(len(scored)) * 1e-6  # breaks ties without favouring any member
    return scored.assign(
        relevance_only=scored["relevance"] + jitter,
        distance_only=scored["network"] + jitter,
        utility=np.minimum(scored["relevance"], scored["cap"]) / 4.0 + weight * scored["network"] + jitter,
        random=rng.random(len(scored)),
    )


def choose_weight(scored: pd.DataFrame, split: str = "dev", grid: Sequence[float] = WEIGHT_GRID) -> tuple[float, pd.DataFrame]:
    """The network weight with the best mean NDCG@10 on `split` (the smallest on ties), and the curve."""
    from jobsearch.ranking.metrics import per_query_ndcg

    rows = scored[scored["split"] == split]
    if rows.empty:
        raise ValueError(f"no people golden pairs in split {split!r} to choose the network weight on")
    curve = pd.DataFrame({"weight": list(grid),
                          "ndcg@10": [float(per_query_ndcg(orderings(rows, w), "utility", "grade").mean()) for w in grid]})
    best = curve.loc[curve["ndcg@10"].idxmax(), "weight"]
    return float(best), curve


def compare(scored: pd.DataFrame, weight: float, split: str = "test") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(NDCG@10 per ordering with 95% intervals, paired tests of utility against each) on `split`."""
    from jobsearch.ranking.metrics import bootstrap_interval, paired_test, per_query_ndcg

    rows = orderings(scored[scored["split"] == split], weight)
    per = {name: per_query_ndcg(rows, name, "grade") for name in ("utility", "relevance_only", "distance_only", "random")}
    table = pd.DataFrame([{"ordering": name, "ndcg@10": round(float(v.mean()), 4),
                           "ci_low": bootstrap_interval(v.to_numpy())[0], "ci_high": bootstrap_interval(v.to_numpy())[1],
                           "queries": len(v)} for name, v in per.items()])
    claims = pd.DataFrame([{"claim": f"utility > {other}", **paired_test(per["utility"].to_numpy(),
                                                                         per[other].reindex(per["utility"].index).to_numpy())}
                           for other in ("relevance_only", "distance_only", "random")])
    return table, claims
