"""The occupation a query names, read from the segments no recognizer claimed.

The title is the segment that names an occupation: a field word from
:data:`~jobsearch.query.vocabulary.FIELD_OCCUPATIONS` ("marketing", "nursing") or a phrase that
:meth:`Occupations.match_titles` maps to an O*NET code *keeping its role noun* ("mobile
developer" -> "developer" counts, "veterans" -> "veteran adviser" does not). Per segment the
whole phrase is tried first, then the phrase without skill words, then shorter tails ("travel
nurse" -> "nurse"). A segment right before "jobs"/"roles" wins. Within the title, "or" and "/"
separate alternatives ("nurse or medical assistant"), whose codes are all returned. Segments
after a bare negation ("not night shift") become ``exclude_keywords``; the rest ``keywords``.

Matching runs in two phases so that a batch of queries makes one ``match_titles`` call:
:meth:`TitleMatcher.candidates` per segment, :meth:`TitleMatcher.match_phrases` for all
phrases of the batch, then :meth:`TitleMatcher.choose_title` per query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from jobsearch.corpus.taxonomy import Occupations, normalize_title
from jobsearch.query.constraints import QueryIntent
from jobsearch.query.tokens import Segment, Token, dedupe, phrase, singular, trim
from jobsearch.query.vocabulary import CONNECTORS, FIELD_OCCUPATIONS, FIELD_SYNONYMS, GENERIC_HEADS

__all__ = ["Candidates", "TitleMatcher", "field_key", "role_nouns"]

#: Title phrases to try for one segment: per alternative, (phrase, is a field word) in order.
Candidates = list[list[tuple[str, bool]]]
#: A chosen alternative: (score, phrase, O*NET codes, is a field word).
_Pick = tuple[float, str, list[str], bool]


def field_key(text: str) -> str | None:
    """The FIELD_OCCUPATIONS key a phrase names ("the healthcare industry" -> "healthcare")."""
    words = re.sub(r"[^a-z0-9& ]+", " ", text.lower()).split()
    while words and words[0] in {"the", "a", "an", "any"}:
        words = words[1:]
    while len(words) > 1 and words[-1] in {"industry", "field", "sector", "department", "related", "space"}:
        words = words[:-1]
    key = " ".join(words).replace(" & ", " and ")
    key = FIELD_SYNONYMS.get(key, key)
    return key if key in FIELD_OCCUPATIONS else None


def _same_head(text: str, matched_title: Any) -> bool:
    """Whether a title match keeps the phrase's role noun: "mobile developer" -> "developer" does,
    "veterans" -> "veteran adviser" and "sponsor visas" -> "sponsor" do not."""
    if not isinstance(matched_title, str) or not matched_title:
        return False
    words = normalize_title(text).split()
    return bool(words) and words[-1] == matched_title.split()[-1]


def role_nouns(occupations: Occupations) -> frozenset[str]:
    """Role nouns: last words of at least 5 O*NET titles ("nurse", "clerk", "cutter", "warden")."""
    last = occupations.titles["title"].astype(str).str.lower().str.extract(r"([a-z]+)[^a-z]*$")[0]
    counts = last.dropna().map(singular).value_counts()
    return frozenset(counts[counts >= 5].index)


def _expand_fields(occupations: Occupations) -> dict[str, list[str]]:
    """FIELD_OCCUPATIONS with prefixes expanded to the codes the taxonomy holds."""
    codes = sorted(occupations.occupations["onet_code"].astype(str))
    out: dict[str, list[str]] = {}
    for key, entries in FIELD_OCCUPATIONS.items():
        found: list[str] = []
        for entry in entries:
            if len(entry) >= 10:
                found.append(entry)
            else:
                found.extend(c for c in codes if c.startswith(entry))
        out[key] = dedupe(found)
    return out


class TitleMatcher:
    """Pick the title segment of a query and its O*NET codes; the other segments become keywords.

    Args:
        occupations: a loaded :class:`Occupations` (title -> O*NET code).
        cache_size: matched phrases kept; the cache is emptied when it grows past this.
    """

    def __init__(self, occupations: Occupations, cache_size: int) -> None:
        self.occupations = occupations
        self.cache_size = cache_size
        self.role_nouns = role_nouns(occupations)
        self._field_codes = _expand_fields(occupations)
        self._title_cache: dict[str, tuple[str | None, float]] = {}

    def candidates(self, text: str, seg: Segment) -> Candidates:
        """Title phrases to try, per alternative of a segment, in order of preference.

        Each is (phrase, is a field word). The order: the whole phrase ("machine learning
        engineer", "python developer"); the phrase without its skill words ("administrator" for
        "salesforce administrator"); then ever shorter tails ("nurse" for "travel nurse"), a
        single word only when it is not a generic head ("analyst", "manager"). Skill words alone
        ("python jobs") name a title only through a field word ("customer service jobs").
        """
        if seg.negated:
            return []
        out: Candidates = []
        for toks, flags in seg.alternatives(text):
            only_skills = all(f or t.lower in CONNECTORS for t, f in zip(toks, flags))
            # (tokens, whether a lone generic head is acceptable)
            variants: list[tuple[list[Token], bool]] = [(toks, True)]
            if any(flags) and not only_skills:
                bare = [t for t, f in zip(toks, flags) if not f]
                variants.append((trim(bare, [False] * len(bare))[0], True))
            variants.extend((trim(toks[k:], flags[k:])[0], False) for k in range(1, len(toks)))
            tried: list[tuple[str, bool]] = []
            for var, generic_ok in variants:
                words = phrase(text, var)
                if not var or any(words == p for p, _ in tried):
                    continue
                if field_key(words):
                    tried.append((words, True))
                elif not only_skills and (generic_ok or len(var) > 1 or var[0].lower not in GENERIC_HEADS):
                    tried.append((words, False))
            if tried:
                out.append(tried)
        return out

    def match_phrases(self, phrases: Iterable[str]) -> None:
        """Fill the per-phrase title cache with one batched match_titles call."""
        if len(self._title_cache) > self.cache_size:
            self._title_cache.clear()
        todo = sorted({p for p in phrases if p not in self._title_cache})
        if not todo:
            return
        found = self.occupations.match_titles(todo)
        rows = zip(todo, found["onet_code"], found["matched_title"], found["score"])
        for text, code, matched, score in rows:
            ok = isinstance(code, str) and _same_head(text, matched)
            self._title_cache[text] = (code if ok else None, float(score) if ok else 0.0)

    def choose_title(
        self, intent: QueryIntent, segments: list[Segment], candidates: list[Candidates]
    ) -> None:
        """Set the title, its codes and the keywords from the segments (phrases already matched).
        The best segment: right before a job noun, then the lowest score of its alternatives,
        then the earliest."""
        best: tuple[tuple, Segment, list[_Pick]] | None = None
        for seg, alternatives in zip(segments, candidates):
            picks = [p for p in (self._pick(variants) for variants in alternatives) if p is not None]
            if not picks:
                continue
            key = (seg.before_job_noun, min(p[0] for p in picks), -seg.index)
            if best is None or key > best[0]:
                best = (key, seg, picks)
        title_seg: Segment | None = None
        if best is not None:
            _, title_seg, picks = best
            intent.title = " or ".join(words for _, words, _, _ in picks)
            intent.onet_codes = dedupe(c for _, _, codes, _ in picks for c in codes)
            intent.broad_title = any(is_field for _, _, _, is_field in picks)
        else:
            title_seg = self._unmatched_title(segments, intent)
        _keywords(segments, intent, title_seg)

    def _pick(self, variants: list[tuple[str, bool]]) -> _Pick | None:
        """The first variant that names an occupation: (score, phrase, codes, is_field)."""
        for words, is_field in variants:
            if is_field:
                return 1.0, words, self._field_codes[field_key(words) or ""], True
            code, score = self._title_cache.get(words, (None, 0.0))
            if code is not None:
                return score, words, [code], False
        return None

    def _unmatched_title(self, segments: list[Segment], intent: QueryIntent) -> Segment | None:
        """A phrase right before "jobs" that ends in a role noun ("data entry jobs") is the title
        even when no O*NET title matches it; onet_codes stay empty."""
        for seg in segments:
            if seg.before_job_noun and not seg.negated and not all(seg.skill_flags) \
                    and singular(seg.tokens[-1].lower) in self.role_nouns:
                intent.title = phrase(intent.text, seg.tokens)
                return seg
        return None


def _keywords(segments: list[Segment], intent: QueryIntent, title_seg: Segment | None) -> None:
    """Negated segments -> exclude_keywords; the words of the others but the title -> keywords."""
    words: list[str] = []
    for seg in segments:
        if seg.negated:
            intent.exclude_keywords.append(" ".join(t.lower for t in seg.tokens))
            continue
        if seg is title_seg:
            continue
        words.extend(t.lower for t, is_skill in zip(seg.tokens, seg.skill_flags)
                     if not is_skill and t.lower not in CONNECTORS)
    intent.keywords = dedupe(words)
    intent.exclude_keywords = dedupe(intent.exclude_keywords)
