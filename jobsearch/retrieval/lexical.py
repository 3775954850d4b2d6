"""BM25 lexical search: in memory over posting text (scipy sparse), and served from LanceDB.

`BM25Index` mines hard negatives for synthetic grading and is the lexical baseline of the
evaluations. `LexicalTable` is the lexical side of the query router: LanceDB's native full-text
index (no extension downloads, works offline) over postings or profiles, prefiltered with the same
hard `Filters` as the flat index; `reciprocal_rank_fusion` merges it with semantic results.
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


# --------------------------------------------------------------------------------------------
# Lexical search with hard filters (LanceDB's native full-text index) and hybrid fusion
# --------------------------------------------------------------------------------------------

RRF_K = 60  # the constant of reciprocal rank fusion (Cormack et al. 2009; the peers' default)


def filters_sql(filters) -> str | None:
    """The SQL predicate of a `jobsearch.retrieval.flat_index.Filters` on the index's filter columns,
    with the same semantics (an `_in` set needs a known value in it; `_not_in` keeps unknown values;
    a salary floor needs a known salary). None when the filters are empty."""
    from jobsearch.retrieval.flat_index import NULL, SET_FILTERS

    if filters is None or filters.is_empty():
        return None
    parts: list[str] = []
    for prefix, column in SET_FILTERS.items():
        include, exclude = getattr(filters, f"{prefix}_in"), getattr(filters, f"{prefix}_not_in")
        if include is not None:
            wanted = sorted(int(v) for v in include if v != NULL)
            parts.append(f"{column} IN ({', '.join(map(str, wanted))})" if wanted else "FALSE")
        if exclude:
            parts.append(f"{column} NOT IN ({', '.join(str(int(v)) for v in sorted(exclude))})")
    if filters.remote is not None:
        parts.append(f"remote = {int(filters.remote)}")
    if filters.min_salary is not None:
        parts.append(f"(salary IS NOT NULL AND NOT isnan(salary) AND salary >= {float(filters.min_salary)!r})")
    if filters.listed_after is not None:
        parts.append(f"(listed_at != {NULL} AND listed_at >= {int(filters.listed_after)})")
    if filters.active_at is not None:
        parts.append(f"(expires_at != {NULL} AND expires_at > {int(filters.active_at)})")
    return " AND ".join(parts)


class LexicalTable:
    """BM25 full-text search over one LanceDB table (`id`, `key`, `text` and the filter columns),
    prefiltered by the same `Filters` the flat index takes. Quoted phrases are matched as phrases."""

    def __init__(self, db, name: str, id_column: str) -> None:
        self.table = db.open_table(name)
        self.id_column = id_column

    @classmethod
    def build(cls, db, name: str, id_column: str, ids: Sequence[str], texts: Sequence[str], columns) -> "LexicalTable":
        """(Re)write the table and its full-text index (with token positions, for phrases)."""
        import pandas as pd
        from lancedb.index import FTS

        from jobsearch.retrieval.embeddings import stable_id

        rows = pd.concat([pd.DataFrame({id_column: [str(i) for i in ids],
                                        "key": np.array([stable_id(str(i)) for i in ids], dtype=np.int64),
                                        "text": [t or "" for t in texts]}),
                          columns.reset_index(drop=True)], axis=1)
        table = db.create_table(name, data=rows, mode="overwrite")
        table.create_index("text", config=FTS(with_position=True), replace=True)
        return cls(db, name, id_column)

    def count(self) -> int:
        return self.table.count_rows()

    def search(self, text: str, k: int = 10, filters=None, phrases: Sequence[str] = ()) -> list[tuple[str, float]]:
        """Top-k (id, BM25 score), best first. With `phrases`, every phrase must occur as written."""
        from lancedb.query import BooleanQuery, MatchQuery, Occur, PhraseQuery

        words = " ".join(tokenize(text))
        clauses = [(Occur.MUST, PhraseQuery(p.lower(), "text")) for p in phrases if p.strip()]
        if words:
            clauses.append((Occur.SHOULD if clauses else Occur.MUST, MatchQuery(words, "text")))
        if not clauses:
            return []
        query = clauses[0][1] if len(clauses) == 1 and clauses[0][0] == Occur.MUST else BooleanQuery(clauses)
        search = self.table.search(query, query_type="fts")
        where = filters_sql(filters)
        if where:
            search = search.where(where, prefilter=True)
        found = search.limit(k).select([self.id_column, "_score"]).to_arrow()
        return list(zip(found.column(self.id_column).to_pylist(), found.column("_score").to_pylist()))


def reciprocal_rank_fusion(*rankings: Sequence[str], k: int = RRF_K, limit: int | None = None) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(d) = sum over lists of 1 / (k + rank), rank from 1; ties keep the
    order of first appearance.

    >>> [d for d, _ in reciprocal_rank_fusion(["a", "b", "c"], ["b", "c", "d"])]
    ['b', 'c', 'a', 'd']
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    fused = sorted(scores.items(), key=lambda kv: -kv[1])
    return fused[:limit] if limit is not None else fused
