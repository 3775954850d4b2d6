"""BM25 lexical search over posting text (scipy sparse; no extension downloads).

Used to mine hard negatives for synthetic grading, as the lexical baseline for retrieval, and as
the lexical side of the query router.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse

_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#]*")
STOP = frozenset(
    "a an and are as at be by for from in into is it of on or our the to we with you your will this that "
    "jobs job roles role position positions opening openings near".split()
)


def tokenize(text: str) -> list[str]:
    return [t for t in _TOKEN.findall((text or "").lower()) if t not in STOP and len(t) > 1]


class BM25Index:
    def __init__(self, matrix: sparse.csr_matrix, vocabulary: dict[str, int], idf: np.ndarray):
        self.matrix = matrix  # documents x terms, BM25 term weights
        self.vocabulary = vocabulary
        self.idf = idf

    @classmethod
    def build(cls, documents: Sequence[str], k1: float = 1.2, b: float = 0.75) -> "BM25Index":
        vocabulary: dict[str, int] = {}
        rows, cols, vals = [], [], []
        lengths = np.zeros(len(documents), dtype=np.float64)
        for doc_id, text in enumerate(documents):
            counts: dict[int, int] = {}
            tokens = tokenize(text)
            lengths[doc_id] = len(tokens)
            for token in tokens:
                term = vocabulary.setdefault(token, len(vocabulary))
                counts[term] = counts.get(term, 0) + 1
            rows += [doc_id] * len(counts)
            cols += list(counts)
            vals += list(counts.values())
        tf = sparse.csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)),
                               shape=(len(documents), max(len(vocabulary), 1)))
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        idf = np.log1p((len(documents) - df + 0.5) / (df + 0.5))
        avg = lengths.mean() if len(lengths) else 1.0
        norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        tf = tf.tocoo()
        weights = tf.data * (k1 + 1) / (tf.data + norm[tf.row]) * idf[tf.col]
        matrix = sparse.csr_matrix((weights, (tf.row, tf.col)), shape=tf.shape)
        return cls(matrix, vocabulary, idf)

    def query_vector(self, text: str) -> sparse.csr_matrix:
        terms = [self.vocabulary[t] for t in tokenize(text) if t in self.vocabulary]
        data = np.ones(len(terms))
        return sparse.csr_matrix((data, (np.zeros(len(terms), dtype=int), terms)), shape=(1, self.matrix.shape[1]))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """queries x documents BM25 scores (dense; use for modest batches)."""
        queries = sparse.vstack([self.query_vector(t) for t in texts]) if texts else sparse.csr_matrix((0, self.matrix.shape[1]))
        return (queries @ self.matrix.T).toarray()

    def search(self, texts: Sequence[str], k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (document indices, scores) per query, best first."""
        scores = self.scores(texts)
        k = min(k, scores.shape[1])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        return np.take_along_axis(top, order, axis=1), np.take_along_axis(top_scores, order, axis=1)


def posting_bm25(postings) -> BM25Index:
    """BM25 over a posting's title (twice, for weight) and the start of its description: mines
    candidates for grading and distillation."""
    return BM25Index.build((postings["title"] + " " + postings["title"] + " " +
                            postings["description"].fillna("").str[:600]).tolist())
