"""The words of a query, the spans recognizers claim, and the segments left over.

A query is split into :class:`Token` objects (words with their character offsets). Each
recognizer claims character spans in :class:`Claims`; a later recognizer never takes claimed
text. What no recognizer claimed is cut by :func:`segments` into runs of content words
(:class:`Segment`), split at claims, filler words and punctuation: the title candidates, keywords
and negated phrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jobsearch.query.vocabulary import CONNECTORS, FILLER, JOB_NOUNS, NEGATIONS

__all__ = [
    "BREAK_RE", "Claims", "Segment", "Token", "dedupe", "phrase", "segments", "singular", "tokenize", "trim",
]

#: Words of the query: letters/digits with inner ' . + # & - ("c++", "node.js", "part-time").
_TOKEN_RE = re.compile(r"[^\W_](?:[\w'\u2019.+#&-]*[\w+#])?")
#: Punctuation between two words that ends a segment.
BREAK_RE = re.compile(r"[,;:!?()\[\]{}\"|]|\s[-\u2013\u2014]+\s")


@dataclass(frozen=True)
class Token:
    """One word of the query and where it stands."""

    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()


class Claims:
    """Character spans already explained by a recognizer, with their kind."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, str]] = []

    def is_free(self, start: int, end: int, *, soft_ok: bool = False) -> bool:
        for s, e, kind in self.spans:
            if s < end and start < e and not (soft_ok and kind == "skill"):
                return False
        return True

    def claim(self, start: int, end: int, kind: str) -> bool:
        if start >= end or not self.is_free(start, end):
            return False
        self.spans.append((start, end, kind))
        return True

    def kind_of(self, token: Token) -> str | None:
        for s, e, kind in self.spans:
            if s < token.end and token.start < e:
                return kind
        return None


def tokenize(text: str) -> list[Token]:
    """The words of ``text``."""
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]


def phrase(text: str, tokens: Sequence[Token]) -> str:
    """The text from the first token to the last ("" without tokens)."""
    return text[tokens[0].start:tokens[-1].end] if tokens else ""


def trim(tokens: list[Token], flags: list[bool]) -> tuple[list[Token], list[bool]]:
    """Drop connector words at both ends."""
    a, b = 0, len(tokens)
    while a < b and tokens[a].lower in CONNECTORS:
        a += 1
    while b > a and tokens[b - 1].lower in CONNECTORS:
        b -= 1
    return tokens[a:b], flags[a:b]


def singular(word: str) -> str:
    """Crude singular of a lowercase word ("nurses" -> "nurse", "secretaries" -> "secretary")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def dedupe(items: Iterable[Any]) -> list[Any]:
    """The items without repeats, in first-seen order."""
    return list(dict.fromkeys(items))


@dataclass
class Segment:
    """A run of unexplained words: a title candidate, keywords or a negated phrase."""

    tokens: list[Token]
    skill_flags: list[bool]
    negated: bool = False
    before_job_noun: bool = False
    index: int = 0

    def alternatives(self, text: str) -> list[tuple[list[Token], list[bool]]]:
        """Split on "or" and "/" ("nurse or medical assistant" -> two alternatives)."""
        out: list[tuple[list[Token], list[bool]]] = [([], [])]
        prev: Token | None = None
        for tok, is_skill in zip(self.tokens, self.skill_flags):
            slash = prev is not None and "/" in text[prev.end:tok.start]
            if tok.lower == "or" or slash:
                out.append(([], []))
            if tok.lower != "or":
                out[-1][0].append(tok)
                out[-1][1].append(is_skill)
            prev = tok
        return [trim(t, f) for t, f in out if trim(t, f)[0]]


def segments(text: str, tokens: list[Token], claims: Claims) -> list[Segment]:
    """Runs of unexplained words (skills included), split at claims, filler and punctuation.
    A run after a bare negation ("not night shift") is negated; one right before a job noun
    ("nurse jobs") is marked ``before_job_noun``."""
    found: list[Segment] = []
    current: Segment | None = None
    negate_next = False
    prev: Token | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            toks, flags = trim(current.tokens, current.skill_flags)
            if toks and not all(t.lower in CONNECTORS for t in toks):
                current.tokens, current.skill_flags = toks, flags
                current.index = len(found)
                found.append(current)
        current = None

    for tok in tokens:
        if prev is not None and BREAK_RE.search(text[prev.end:tok.start]):
            close()
            negate_next = False
        prev = tok
        kind = claims.kind_of(tok)
        word = tok.lower
        content = kind in (None, "skill") and (word not in FILLER or tok.text == "IT")
        if content and word not in NEGATIONS:
            if current is None:
                current = Segment([], [], negated=negate_next)
                negate_next = False
            current.tokens.append(tok)
            current.skill_flags.append(kind == "skill")
            continue
        if current is not None and word in JOB_NOUNS and kind is None:
            current.before_job_noun = True
        close()
        if kind is None and word in NEGATIONS:
            negate_next = True
        elif kind is not None:
            negate_next = False  # "not" + a claimed span ("not remote") negates nothing else
    close()
    return found
