"""Occupation taxonomy built from O*NET 29.2 and ESCO v1.2.0, plus a job-title matcher.

Sources (all read from the repository's ``data/`` folder):

* ``onet/Occupation Data.txt``            O*NET-SOC code, title, description
* ``onet/Alternate Titles.txt``           alternate titles (+ short title, source codes)
* ``onet/Sample of Reported Titles.txt``  titles reported by incumbents
* ``onet/Technology Skills.txt``          software/technology examples (hot / in-demand flags)
* ``onet/Job Zones.txt``                  preparation level 1-5
* ``onet/Related Occupations.txt``        related occupations with relatedness tier
* ``esco/occupations_en.csv``             ESCO occupations (preferred + alternative labels)

O*NET files are tab separated, ASCII, with CRLF line endings.

ESCO linking
------------
ESCO has no crosswalk to O*NET in the repository, so the link is lexical: every O*NET primary /
alternate title and every ESCO preferred / alternative label is normalised with
:func:`normalize_title` (lowercase, seniority words and punctuation removed, tokens singularised).
An (O*NET code, ESCO concept) pair gets a score of ``w_onet * w_esco / n_codes(key)`` for every shared
normalised key, where ``w_onet`` is 3 for the O*NET primary title and 1 for an alternate title,
``w_esco`` is 2 for the ESCO preferred label and 1 for an alternative label, and ``n_codes(key)`` is
the number of O*NET codes carrying that key (ambiguous keys count less).  The summed score is
multiplied by ``1 + n`` where ``n`` is the number of word stems (first 4 letters) shared by the O*NET
primary title and the ESCO preferred label, and a pair resting on a single shared alternate title is
dropped unless ``n >= 1`` (so Millwrights is not linked to "mover").  Each O*NET occupation is
linked to its best scoring ESCO concept (``esco_uri``/``esco_label``; ``None`` when nothing matches),
and each matched ESCO concept contributes its labels as ``kind='esco'`` titles to the O*NET code it
scores best with.

Title matching
--------------
:meth:`Occupations.match_titles` maps free posting titles to O*NET codes:

1. Normalise the title and split it into segments on separators (`` - ``, ``|``, ``,``, ``:``);
   parenthesised text, salaries, shift/schedule words, "remote", "part time" etc. are dropped and
   common abbreviations are expanded (RN, LPN, CNA, Sr, Mgr, Engr, Tech, Rep, VP ...).
2. Exact lookup of the whole normalised title, then of each segment, in the table of normalised
   titles (O*NET primary, alternate, short, reported titles and linked ESCO labels).
3. Otherwise a TF-IDF (word unigrams + bigrams) cosine against every normalised title, computed with
   scipy sparse matrices, for the whole title, each segment (non-leading segments x 0.9) and the first
   segment stripped of words no title contains (x 0.9).  Query words unknown to every title still
   count in the query norm, so "Agile Tools Analyst" is not a perfect match for "Tools Analyst".
   The 8 nearest titles per query are re-scored: ``cosine x penalty x head x confidence ** 0.25``
   where ``head`` is 0.7 when the candidate's last word is not the query's role noun (the right-most
   word of the first segment that ends >= 40% of the titles containing it, e.g. nurse, driver,
   therapist) and 1 otherwise.  Below ``min_score`` (0.5) the title is left unmatched
   (``onet_code=None``, ``score=0``).

A normalised title that belongs to several occupations (e.g. "maintenance technician" is an
alternate title of 11 codes, "truck driver" only of *Freight Forwarders*) is resolved to the code with
most evidence: ``3 x`` the weight of the exact title rows (primary 6, alternate ``1 + 0.5 x
n_sources``, reported 2, esco 1) plus the number of that code's titles that *end* with the key
("Delivery Truck Driver", "CDL-A Truck Driver", ... all support 53-3032.00 for "truck driver").
Evidence is pooled per 6-digit SOC first.  Scores of exact matches are ``0.5 + 0.5 x share`` of
that evidence, so ambiguous titles come out with lower confidence than unambiguous ones.  A handful of
frequent generic posting titles whose O*NET evidence points somewhere odd ("Director" -> Producers and
Directors, "Program Manager" -> Media Programming Directors) are pinned in ``_KEY_OVERRIDES``.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from jobsearch.corpus.schemas import SENIORITY_LEVELS

__all__ = [
    "SENIORITY_LEVELS",
    "Occupations",
    "normalize_title",
    "seniority_from_job_zone",
    "title_segments",
]


_ZONE_TO_SENIORITY = {1: "ENTRY", 2: "ENTRY", 3: "ASSOCIATE", 4: "MID_SENIOR", 5: "MID_SENIOR"}


def seniority_from_job_zone(zone) -> str:
    """Typical seniority level of an occupation from its O*NET Job Zone.

    Job Zones measure preparation (1 = little or none ... 5 = extensive), not rank, so the mapping
    is a rough prior: zones 1-2 -> ``ENTRY``, 3 -> ``ASSOCIATE``, 4-5 -> ``MID_SENIOR``; a missing or
    out-of-range zone gives ``UNKNOWN``.
    """
    try:
        if zone is None or pd.isna(zone):
            return "UNKNOWN"
        return _ZONE_TO_SENIORITY.get(int(zone), "UNKNOWN")
    except (TypeError, ValueError):
        return "UNKNOWN"


# ----------------------------------------------------------------------------------------------
# Normalisation
# ----------------------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "rn": "registered nurse",
    "rns": "registered nurse",
    "lpn": "licensed practical nurse",
    "lvn": "licensed vocational nurse",
    "cna": "certified nursing assistant",
    "np": "nurse practitioner",
    "crna": "certified registered nurse anesthetist",
    "mgr": "manager",
    "mngr": "manager",
    "mgmt": "management",
    "eng": "engineer",
    "engr": "engineer",
    "engg": "engineering",
    "swe": "software engineer",
    "sde": "software engineer",
    "tech": "technician",
    "techs": "technician",
    "asst": "assistant",
    "assoc": "associate",
    "coord": "coordinator",
    "rep": "representative",
    "reps": "representative",
    "spec": "specialist",
    "dir": "director",
    "vp": "vice president",
    "svp": "vice president",
    "evp": "vice president",
    "avp": "vice president",
    "ops": "operations",
    "mktg": "marketing",
    "acct": "accounting",
    "dev": "developer",
    "devops": "devops engineer",
    "qa": "quality assurance",
    "hr": "human resources",
    "ui": "user interface",
    "ux": "user experience",
    "cdl-a": "cdl a",
    "cdla": "cdl a",
    "cdlb": "cdl b",
}

_ADMIN_ASSISTANT_FOLLOWERS = {
    "assistant",
    "coordinator",
    "specialist",
    "support",
    "clerk",
    "associate",
    "officer",
}

# leading rank words removed only when something remains after them
_LEADING_RANK = {"lead", "principal", "staff", "head"}
# rank words removed anywhere
_RANK = {"senior", "sr", "snr", "jr", "junior", "ii", "iii", "iv", "mid", "entry", "level", "experienced"}
_TRAILING_RANK = {"i", "v", "1", "2", "3", "4", "5"}
_STOPWORDS = {"and", "of", "the", "a", "an", "for", "in", "at", "to", "with", "or", "on", "our", "s"}

_NOISE_PATTERNS = [
    r"\bjobs?\s+in\s+.*$",  # "RN job in Columbia, SC - Make $31..."
    r"\$\s?[\d,.]+\s*[k]?(\s*(-|to)\s*\$?\s?[\d,.]+\s*[k]?)?(\s*(/|per)\s*(hour|hr|year|yr|week|wk))?\+?",
    r"\b(up to|make|earn|starting at)\b",
    r"\b\d{4}\s*-\s*\d{4}\b",  # school years "2023-2024"
    r"\b(part|full)[\s-]*time\b",
    (
        r"\b(1st|2nd|3rd|first|second|third|day|night|evening|overnight|weekend|swing|graveyard|rotating|mid)"
        r"\s*shifts?\b"
    ),
    r"\bshifts?\b",
    r"\b(nights|days|weekends|evenings|overnights|overnight)\b",
    (
        r"\b(prn|per\s+diem|permanent|jobs?|remote|hybrid|on[\s-]?site|in[\s-]office|wfh|work from home|temporary|temp|"
        r"seasonal|urgent(ly)?|immediate(ly)?|hiring|now hiring|sign[\s-]?on bonus|bonus|fully|pt|ft|"
        r"w2|contract to hire|c2h|new grad(uate)?|apply now)\b"
    ),
]
_NOISE_RE = re.compile("|".join(f"(?:{p})" for p in _NOISE_PATTERNS))
_BRACKETS_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
_PAREN_CONTENT_RE = re.compile(r"\(([^()]*)\)")
_SEGMENT_RE = re.compile(r"\s+[-\u2013\u2014]+\s*|\s*[-\u2013\u2014]+\s+|\s*[|,:;\u2022]\s*|\s+@\s+")
_TOKEN_RE = re.compile(r"[a-z0-9]+")


def _ascii_lower(text: str) -> str:
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)  # unicode dashes/hyphens -> "-"
    text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "ignore").decode("ascii").lower()


@lru_cache(maxsize=200_000)
def _singular(tok: str) -> str:
    if len(tok) <= 3 or not tok.isalpha():
        return tok
    if tok.endswith("ies") and len(tok) > 4:
        return tok[:-3] + "y"
    if tok.endswith("sses"):
        return tok[:-2]
    if tok.endswith(("ss", "us", "is", "os", "as")):
        return tok
    if tok.endswith("s"):
        return tok[:-1]
    return tok


def _clean_tokens(text: str) -> list[str]:
    """Tokens of one already-lowercased, bracket-free segment, noise and rank words removed."""
    text = text.replace("&", " and ").replace("+", " ")
    text = re.sub(r"(?<=[a-z])\.(?=\s|$)", " ", text)  # "sr." -> "sr"
    raw = _TOKEN_RE.findall(text)
    toks: list[str] = []
    for i, tok in enumerate(raw):
        if tok == "admin":
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            toks.extend(["administrative"] if nxt in _ADMIN_ASSISTANT_FOLLOWERS else ["administrator"])
            continue
        exp = _ABBREVIATIONS.get(tok)
        if exp is not None:
            toks.extend(exp.split())
        else:
            toks.append(tok)
    toks = [t for t in toks if t not in _STOPWORDS]
    kept = [t for t in toks if t not in _RANK]
    if kept:
        toks = kept
    while len(toks) > 1 and toks[0] in _LEADING_RANK:
        toks = toks[1:]
    while len(toks) > 1 and (toks[-1] in _TRAILING_RANK or toks[-1] == "lead"):
        toks = toks[:-1]
    return [_singular(t) for t in toks]


def title_segments(title: str) -> list[list[str]]:
    """Normalised token lists of the segments of a raw title (first segment first).

    Empty segments are dropped; an empty list is returned for an empty/noise-only title.
    """
    if not isinstance(title, str) or not title.strip():
        return []
    text = _ascii_lower(title)
    text = _BRACKETS_RE.sub(" ", text)
    text = _BRACKETS_RE.sub(" ", text)  # nested
    text = text.replace("(", " ").replace(")", " ")
    text = _NOISE_RE.sub(" ", text)
    text = text.replace("/", " ")
    segs = []
    for seg in _SEGMENT_RE.split(text):
        toks = _clean_tokens(seg.replace("-", " "))
        if toks:
            segs.append(toks)
    return segs


def normalize_title(title: str) -> str:
    """Canonical key of a title: all segments' normalised tokens joined by single spaces."""
    return " ".join(t for seg in title_segments(title) for t in seg)


# ----------------------------------------------------------------------------------------------
# TF-IDF index
# ----------------------------------------------------------------------------------------------


def _features(tokens: Sequence[str]) -> list[str]:
    feats = list(tokens)
    feats.extend(f"{a}_{b}" for a, b in itertools.pairwise(tokens))
    return feats


@dataclass
class _TfidfIndex:
    vocab: dict[str, int]
    idf: np.ndarray
    matrix: sparse.csr_matrix  # (n_keys, n_features), rows L2 normalised

    @classmethod
    def build(cls, keys: Sequence[str]) -> _TfidfIndex:
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, key in enumerate(keys):
            for f in set(_features(key.split())):
                j = vocab.setdefault(f, len(vocab))
                rows.append(i)
                cols.append(j)
        n = len(keys)
        data = np.ones(len(rows), dtype=np.float64)
        mat = sparse.csr_matrix((data, (rows, cols)), shape=(n, len(vocab)))
        df = np.asarray((mat > 0).sum(axis=0)).ravel()
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        mat = _l2_rows(mat @ sparse.diags(idf))
        return cls(vocab=vocab, idf=idf, matrix=mat.tocsr())

    def transform(self, token_lists: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """L2-normalised query vectors; unknown features still count towards the norm (with the
        largest idf) so that "agile tool analyst" is not a perfect match for "tool analyst"."""
        rows, cols, vals = [], [], []
        oov_sq = np.zeros(len(token_lists))
        idf_oov = float(self.idf.max()) if len(self.idf) else 1.0
        for i, toks in enumerate(token_lists):
            counts: dict[int, int] = {}
            for f in _features(toks):
                j = self.vocab.get(f)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
                elif "_" not in f:  # unknown word (unknown bigrams of known words are not penalised)
                    oov_sq[i] += idf_oov**2
            for j, c in counts.items():
                rows.append(i)
                cols.append(j)
                vals.append((1.0 + math.log(c)) * self.idf[j])
        mat = sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float64), (rows, cols)), shape=(len(token_lists), len(self.vocab))
        )
        norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel() + oov_sq)
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ mat)

    def topk(
        self, token_lists: Sequence[Sequence[str]], k: int = 8, chunk: int = 2048
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Up to ``k`` most similar keys per token list.

        Returns flat arrays (query_row, key_index, cosine), sorted by query row.
        """
        q = self.transform(token_lists)
        mt = self.matrix.T.tocsr()
        out_q, out_k, out_s = [], [], []
        for start in range(0, q.shape[0], chunk):
            sims = (q[start : start + chunk] @ mt).tocsr()
            sims.sum_duplicates()
            indptr, indices, data = sims.indptr, sims.indices, sims.data
            for r in range(sims.shape[0]):
                a, b = indptr[r], indptr[r + 1]
                if a == b:
                    continue
                d = data[a:b]
                if b - a > k:
                    sel = np.argpartition(-d, k)[:k]
                else:
                    sel = np.arange(b - a)
                out_q.append(np.full(len(sel), start + r, dtype=np.int64))
                out_k.append(indices[a:b][sel].astype(np.int64))
                out_s.append(d[sel])
        if not out_q:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(out_q), np.concatenate(out_k), np.concatenate(out_s)


def _l2_rows(mat: sparse.spmatrix) -> sparse.csr_matrix:
    mat = sparse.csr_matrix(mat)
    norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ mat)


# ----------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------


def _read_onet(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path, sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE, encoding="utf-8"
    )


def _none_if_blank(values: Iterable) -> list:
    return [None if (v is None or (isinstance(v, float) and math.isnan(v)) or v == "") else v for v in values]


_HEAD_MIN = 0.4  # a token is a role noun ("head") when >= 40% of the titles containing it end with it
_HEAD_MISS = 0.7  # score factor for a candidate whose last token is not the query's head
# Generic posting titles whose O*NET evidence points to an odd occupation ("Program Manager" is an
# alternate title of Media Programming Directors, "Director" of Producers and Directors).  These keys
# are pinned to a sensible default with confidence 0.75.
_KEY_OVERRIDES = {
    "Director": "11-1021.00",
    "Program Manager": "11-9199.00",
    "Technical Program Manager": "15-1299.09",
    "Program Director": "11-9199.00",
    "Account Coordinator": "13-1161.00",
    "Operations Manager": "11-1021.00",
    "Operations Specialist": "13-1199.00",
    "Manager": "11-1021.00",
    "Engineer": "17-2199.00",
    "Systems Engineer": "15-1299.08",
    "Full Stack Engineer": "15-1252.00",
}

_KIND_EXACT_WEIGHT = {"primary": 6.0, "reported": 2.0, "esco": 1.0}


@dataclass
class Occupations:
    """O*NET occupations joined with ESCO, their titles, technology skills and relations."""

    occupations: pd.DataFrame
    titles: pd.DataFrame
    tech_skills: pd.DataFrame
    related: pd.DataFrame
    _title_sources: pd.Series | None = field(default=None, repr=False)
    _index: tuple | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dir(cls, data_dir: Path | str) -> Occupations:
        """Load from the repository's ``data/`` folder (containing ``onet/`` and ``esco/``)."""
        data_dir = Path(data_dir)
        onet = data_dir / "onet"

        occ = _read_onet(onet / "Occupation Data.txt").rename(
            columns={"O*NET-SOC Code": "onet_code", "Title": "title", "Description": "description"}
        )
        alt = _read_onet(onet / "Alternate Titles.txt").rename(
            columns={
                "O*NET-SOC Code": "onet_code",
                "Alternate Title": "title",
                "Short Title": "short_title",
                "Source(s)": "sources",
            }
        )
        rep = _read_onet(onet / "Sample of Reported Titles.txt").rename(
            columns={"O*NET-SOC Code": "onet_code", "Reported Job Title": "title"}
        )
        tech = _read_onet(onet / "Technology Skills.txt")
        zones = _read_onet(onet / "Job Zones.txt")
        rel = _read_onet(onet / "Related Occupations.txt")

        # --- titles -------------------------------------------------------------------------
        n_sources = alt["sources"].str.split(",").map(len).astype(float)
        parts = [
            pd.DataFrame({"onet_code": occ["onet_code"], "title": occ["title"], "kind": "primary", "w": 6.0}),
            pd.DataFrame(
                {
                    "onet_code": alt["onet_code"],
                    "title": alt["title"],
                    "kind": "alternate",
                    "w": 1.0 + 0.5 * n_sources,
                }
            ),
        ]
        short = alt[(alt["short_title"] != "n/a") & (alt["short_title"] != "")]
        parts.append(
            pd.DataFrame(
                {
                    "onet_code": short["onet_code"],
                    "title": short["short_title"],
                    "kind": "alternate",
                    "w": 1.0 + 0.5 * n_sources[short.index],
                }
            )
        )
        parts.append(
            pd.DataFrame({"onet_code": rep["onet_code"], "title": rep["title"], "kind": "reported", "w": 2.0})
        )
        onet_titles = pd.concat(parts, ignore_index=True)
        onet_titles = onet_titles.drop_duplicates(["onet_code", "title", "kind"]).reset_index(drop=True)

        # --- ESCO link ---------------------------------------------------------------------
        esco_path = data_dir / "esco" / "occupations_en.csv"
        esco_links, esco_titles = _link_esco(occ, onet_titles, esco_path)

        titles = pd.concat([onet_titles, esco_titles], ignore_index=True)
        titles = titles.drop_duplicates(["onet_code", "title", "kind"]).reset_index(drop=True)

        # --- occupations -----------------------------------------------------------------------
        zone = pd.to_numeric(zones.set_index("O*NET-SOC Code")["Job Zone"], errors="coerce")
        occupations = occ[["onet_code", "title", "description"]].copy()
        occupations["job_zone"] = occupations["onet_code"].map(zone).astype("Int64")
        occupations = occupations.merge(esco_links, on="onet_code", how="left")
        for c in ("esco_uri", "esco_label"):
            occupations[c] = pd.Series(
                _none_if_blank(occupations[c].astype(object)), index=occupations.index, dtype=object
            )
        n_alt = alt.groupby("onet_code").size()
        occupations["n_alternate_titles"] = occupations["onet_code"].map(n_alt).fillna(0).astype("int64")

        tech_skills = pd.DataFrame(
            {
                "onet_code": tech["O*NET-SOC Code"],
                "skill": tech["Example"],
                "commodity": tech["Commodity Title"],
                "hot": tech["Hot Technology"].eq("Y"),
                "in_demand": tech["In Demand"].eq("Y"),
            }
        )
        related = pd.DataFrame(
            {
                "onet_code": rel["O*NET-SOC Code"],
                "related_code": rel["Related O*NET-SOC Code"],
                "relatedness_tier": rel["Relatedness Tier"],
                "index": pd.to_numeric(rel["Index"], errors="coerce").astype("int64"),
            }
        )
        return cls(
            occupations=occupations.reset_index(drop=True),
            titles=titles[["onet_code", "title", "kind"]].reset_index(drop=True),
            tech_skills=tech_skills,
            related=related,
            _title_sources=titles["w"].reset_index(drop=True),
        )

    # ------------------------------------------------------------------ matching
    def _build_index(self):
        titles = self.titles
        w = self._title_sources
        if w is None or len(w) != len(titles):
            w = titles["kind"].map(_KIND_EXACT_WEIGHT).fillna(2.0)
        codes = titles["onet_code"].to_numpy(dtype=object)
        kinds = titles["kind"].to_numpy(dtype=object)
        weights = np.asarray(w, dtype=float)

        exact_rows: list[tuple[str, str, float]] = []
        suffix_rows: list[tuple[str, str]] = []
        for code, kind, wt, raw in zip(codes, kinds, weights, titles["title"].to_numpy(dtype=object)):
            variants = [raw]
            # "CDL Truck Driver (Commercial Driver's License Truck Driver)": expansion is a title too
            variants.extend(m for m in _PAREN_CONTENT_RE.findall(raw) if len(m.split()) >= 2)
            for v in variants:
                toks = [t for seg in title_segments(v) for t in seg]
                if not toks:
                    continue
                exact_rows.append((" ".join(toks), code, 3.0 * wt))
                for k in range(1, len(toks)):
                    suffix_rows.append((" ".join(toks[k:]), code))
        ex = pd.DataFrame(exact_rows, columns=["key", "onet_code", "w"])
        sx = pd.DataFrame(suffix_rows, columns=["key", "onet_code"])
        sx = sx[sx["key"].isin(set(ex["key"]))].assign(w=1.0)
        ev = pd.concat([ex, sx], ignore_index=True).groupby(["key", "onet_code"], as_index=False)["w"].sum()
        # evidence is pooled per 6-digit SOC first (11-9199.00 and 11-9199.11 support each other)
        ev["soc"] = ev["onet_code"].str[:7]
        ev["w_soc"] = ev.groupby(["key", "soc"])["w"].transform("sum")
        total = ev.groupby("key")["w"].transform("sum")
        ev["share"] = ev["w_soc"] / total
        ev = ev.sort_values(
            ["key", "w_soc", "w", "onet_code"], ascending=[True, False, False, True], kind="mergesort"
        )
        best = ev.drop_duplicates("key", keep="first").reset_index(drop=True)
        known = set(self.occupations["onet_code"]) if len(self.occupations) else set()
        ov = pd.DataFrame(
            [(normalize_title(k), c, 0.5) for k, c in _KEY_OVERRIDES.items() if not known or c in known],
            columns=["key", "onet_code", "share"],
        )
        best = pd.concat([best[~best["key"].isin(set(ov["key"]))], ov], ignore_index=True)
        keys = best["key"].tolist()
        key_code = best["onet_code"].to_numpy(dtype=object)
        key_conf = (0.5 + 0.5 * best["share"].to_numpy()).round(4)
        key_pos = {k: i for i, k in enumerate(keys)}
        # "headness" of a token: share of the titles containing it that end with it (nurse, driver ...)
        ends: dict[str, int] = {}
        contains: dict[str, int] = {}
        key_last = []
        for k in keys:
            toks = k.split()
            key_last.append(toks[-1])
            ends[toks[-1]] = ends.get(toks[-1], 0) + 1
            for t in set(toks):
                contains[t] = contains.get(t, 0) + 1
        headness = {t: ends.get(t, 0) / c for t, c in contains.items() if ends.get(t, 0) >= 3}
        self._index = (keys, key_code, key_conf, key_pos, _TfidfIndex.build(keys), key_last, headness)
        return self._index

    def match_titles(
        self, titles: Sequence[str], min_score: float = 0.5, max_segments: int = 4
    ) -> pd.DataFrame:
        """Map raw job-posting titles to O*NET codes.

        Returns one row per input (same order, default RangeIndex) with ``onet_code`` (str or None),
        ``matched_title`` (the normalised title it matched, or None) and ``score`` in [0, 1]
        (0 when unmatched).  See the module docstring for the algorithm.
        """
        keys, key_code, key_conf, key_pos, tfidf, key_last, headness = self._index or self._build_index()
        titles = list(titles)
        uniq: dict[str, int] = {}
        inv = np.empty(len(titles), dtype=np.int64)
        for i, t in enumerate(titles):
            t = t if isinstance(t, str) else ""
            inv[i] = uniq.setdefault(t, len(uniq))
        uniq_titles = list(uniq)

        def head_of(segs: list[list[str]]) -> str | None:
            for group in (segs[:1], segs[1:]):
                for seg in group:
                    for tok in reversed(seg):
                        if headness.get(tok, 0.0) >= _HEAD_MIN:
                            return tok
            return None

        n = len(uniq_titles)
        out_key = np.full(n, -1, dtype=np.int64)
        out_score = np.zeros(n, dtype=np.float64)
        heads: list[str | None] = [None] * n
        fuzzy_queries: list[list[str]] = []
        fuzzy_owner: list[int] = []
        fuzzy_penalty: list[float] = []
        for i, t in enumerate(uniq_titles):
            segs = title_segments(t)[:max_segments]
            if not segs:
                continue
            full = [tok for s in segs for tok in s]
            k = key_pos.get(" ".join(full))
            if k is not None:  # whole title is a known title
                out_key[i], out_score[i] = k, key_conf[k]
                continue
            head = heads[i] = head_of(segs)
            cands = [(full, 1.0)] + [(s, 1.0 if j == 0 else 0.9) for j, s in enumerate(segs)]
            # the first segment without words unknown to every title ("Merchandiser Hrly NU")
            known = [tok for tok in segs[0] if tok in tfidf.vocab]
            if known and len(known) < len(segs[0]):
                cands.append((known, 0.9))
            seen = set()
            for toks, pen in cands:
                kk = " ".join(toks)
                if kk in seen:
                    continue
                seen.add(kk)
                k = key_pos.get(kk)
                if k is not None:
                    hf = 1.0 if head is None or key_last[k] == head else _HEAD_MISS
                    sc = key_conf[k] * pen * hf
                    if sc > out_score[i]:
                        out_key[i], out_score[i] = k, sc
                else:
                    fuzzy_queries.append(toks)
                    fuzzy_owner.append(i)
                    fuzzy_penalty.append(pen)
        if fuzzy_queries:
            qrow, kidx, cos = tfidf.topk(fuzzy_queries)
            for q, k, c in zip(qrow.tolist(), kidx.tolist(), cos.tolist()):
                o = fuzzy_owner[q]
                head = heads[o]
                hf = 1.0 if head is None or key_last[k] == head else _HEAD_MISS
                sc = min(1.0, c) * fuzzy_penalty[q] * hf * key_conf[k] ** 0.25
                if sc > out_score[o] or (sc == out_score[o] and 0 <= k < out_key[o]):
                    out_key[o], out_score[o] = k, sc
        ok = out_score >= min_score
        out_key[~ok] = -1
        out_score[~ok] = 0.0
        matched = out_key[inv]
        score = out_score[inv]
        codes = [key_code[k] if k >= 0 else None for k in matched]
        mtitles = [keys[k] if k >= 0 else None for k in matched]
        return pd.DataFrame(
            {
                "onet_code": pd.Series(codes, dtype=object),
                "matched_title": pd.Series(mtitles, dtype=object),
                "score": np.clip(score, 0.0, 1.0).round(4),
            }
        )


def _link_esco(
    occ: pd.DataFrame, onet_titles: pd.DataFrame, esco_path: Path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lexical O*NET <-> ESCO link (see module docstring)."""
    empty_links = pd.DataFrame(
        {
            "onet_code": pd.Series(dtype=object),
            "esco_uri": pd.Series(dtype=object),
            "esco_label": pd.Series(dtype=object),
        }
    )
    empty_titles = pd.DataFrame({"onet_code": [], "title": [], "kind": [], "w": []})
    if not esco_path.exists():
        return empty_links, empty_titles
    esco = pd.read_csv(esco_path, dtype=str, keep_default_na=False)
    esco = esco[esco.get("conceptType", "Occupation").eq("Occupation")] if "conceptType" in esco else esco

    # O*NET side: primary + alternate titles
    on = onet_titles[onet_titles["kind"].isin(["primary", "alternate"])]
    on = pd.DataFrame(
        {
            "onet_code": on["onet_code"].to_numpy(),
            "key": [normalize_title(t) for t in on["title"]],
            "w_onet": np.where(on["kind"].to_numpy() == "primary", 3.0, 1.0),
        }
    )
    on = on[on["key"] != ""].groupby(["key", "onet_code"], as_index=False)["w_onet"].max()
    on["primary"] = on["w_onet"] > 1.0
    on["w_onet"] = on["w_onet"] / on.groupby("key")["onet_code"].transform("size")

    # ESCO side: preferred + alternative labels
    rows = []
    for uri, pref, alts in zip(esco["conceptUri"], esco["preferredLabel"], esco["altLabels"]):
        rows.append((uri, pref, pref, 2.0))
        for a in alts.split("\n"):
            a = a.strip()
            if a:
                rows.append((uri, pref, a, 1.0))
    es = pd.DataFrame(rows, columns=["esco_uri", "esco_label", "label", "w_esco"])
    es["key"] = [normalize_title(t) for t in es["label"]]
    es = es[es["key"] != ""]
    es_key = es.groupby(["key", "esco_uri"], as_index=False).agg(w_esco=("w_esco", "max"))

    pairs = on.merge(es_key, on="key")
    if pairs.empty:
        return empty_links, empty_titles
    pairs["s"] = pairs["w_onet"] * pairs["w_esco"]
    ps = pairs.groupby(["onet_code", "esco_uri"], as_index=False).agg(
        s=("s", "sum"), n_keys=("key", "nunique"), primary=("primary", "any")
    )
    labels = esco.set_index("conceptUri")["preferredLabel"]
    # A single shared alternate title ("Mover" for Millwrights) is weak evidence: keep such a pair only
    # when the O*NET primary title and the ESCO preferred label share a word stem.
    onet_stems = {
        c: {t[:4] for t in normalize_title(ti).split()} for c, ti in zip(occ["onet_code"], occ["title"])
    }
    esco_stems = {u: {t[:4] for t in normalize_title(lb).split()} for u, lb in labels.items()}
    n_overlap = np.array(
        [
            len(onet_stems.get(c, set()) & esco_stems.get(u, set()))
            for c, u in zip(ps["onet_code"], ps["esco_uri"])
        ],
        dtype=float,
    )
    # ... and the shared stems also rank the candidates ("nurse responsible for general care" over
    # "midwife" for Registered Nurses, although "midwife" shares more alternate titles)
    ps["s"] = ps["s"].to_numpy() * (1.0 + n_overlap)
    ps = ps[ps["primary"].to_numpy() | (ps["n_keys"].to_numpy() >= 2) | (n_overlap > 0)]

    best_for_onet = ps.sort_values(
        ["onet_code", "s", "esco_uri"], ascending=[True, False, True], kind="mergesort"
    ).drop_duplicates("onet_code")
    links = pd.DataFrame(
        {
            "onet_code": best_for_onet["onet_code"].to_numpy(dtype=object),
            "esco_uri": best_for_onet["esco_uri"].to_numpy(dtype=object),
            "esco_label": best_for_onet["esco_uri"].map(labels).to_numpy(dtype=object),
        }
    )
    best_for_esco = ps.sort_values(
        ["esco_uri", "s", "onet_code"], ascending=[True, False, True], kind="mergesort"
    ).drop_duplicates("esco_uri")
    et = es.merge(best_for_esco[["esco_uri", "onet_code"]], on="esco_uri")
    et = et.drop_duplicates(["onet_code", "label"])
    esco_titles = pd.DataFrame(
        {"onet_code": et["onet_code"].to_numpy(), "title": et["label"].to_numpy(), "kind": "esco", "w": 1.0}
    )
    return links, esco_titles
