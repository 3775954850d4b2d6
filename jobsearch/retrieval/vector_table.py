"""Incremental embedding tables in LanceDB: one row per item with its vector and filter columns.

`sync_vectors` brings a table in line with the current items: an item whose text (and embedding
model) is unchanged keeps its vector, new or edited items are embedded in batches, items that are
gone are deleted. Each row carries `key` (the int64 id the flat index uses), `text_sha` (a hash of
model name + text, so a new model version re-embeds everything), `model` (the `Embedder.name` that
made the vector; queries must be embedded by the same one) and the filter columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobsearch.retrieval.embeddings import Embedder, stable_id, text_sha


@dataclass
class SyncStats:
    embedded: int
    deleted: int
    kept: int
    rows: int


def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def read_table(db, table: str) -> pd.DataFrame:
    return db.open_table(table).to_pandas()


def table_model(db, table: str) -> str:
    """The one embedding model of a table's vectors (an error if rows disagree)."""
    names = sorted(set(db.open_table(table).to_arrow().column("model").to_pylist()))
    if len(names) != 1:
        raise ValueError(f"{table}: vectors from {len(names)} models {names[:3]}; re-materialize it")
    return names[0]


def sync_vectors(db, table: str, id_column: str, ids: Sequence[str], texts: Sequence[str], columns: pd.DataFrame,
                 embedder: Embedder, batch_size: int = 64, log: Callable[[str], None] | None = None) -> SyncStats:
    ids = [str(i) for i in ids]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{table}: duplicate {id_column} values, e.g. {pd.Series(ids)[pd.Series(ids).duplicated()].iloc[0]!r}")
    current = pd.DataFrame({id_column: ids, "text_sha": [text_sha(f"{embedder.name}|{t}") for t in texts]})
    exists = table in db.table_names()
    if exists and "model" not in db.open_table(table).schema.names:  # written before rows named their model
        db.drop_table(table)
        exists = False
    known = (db.open_table(table).to_arrow().select([id_column, "text_sha"]).to_pandas()
             if exists else pd.DataFrame(columns=[id_column, "text_sha"]))
    merged = current.merge(known, on=[id_column, "text_sha"], how="left", indicator=True)
    todo = (merged["_merge"] == "left_only").to_numpy()
    stale = sorted(set(known[id_column]) - set(current.loc[~todo, id_column]))
    if log is not None:
        log(f"{table}: embedding {int(todo.sum())} of {len(ids)} items with {embedder.name} "
            f"({len(stale)} stale rows to delete)")
    vectors = embedder.items([t for t, keep in zip(texts, todo) if keep], batch_size, log, what=table)
    rows = pd.concat([current.loc[todo, [id_column]].reset_index(drop=True),
                      columns.loc[todo].reset_index(drop=True)], axis=1)
    rows.insert(1, "key", np.array([stable_id(i) for i in rows[id_column]], dtype=np.int64))
    rows["text_sha"] = current.loc[todo, "text_sha"].to_numpy()
    rows["model"] = embedder.name
    rows["vector"] = list(vectors)
    if not exists:
        db.create_table(table, data=rows)
    else:
        handle = db.open_table(table)
        for start in range(0, len(stale), 500):
            handle.delete(f"{id_column} IN ({_quoted(stale[start : start + 500])})")
        if len(rows):
            handle.add(rows)
    return SyncStats(int(todo.sum()), len(stale), int(len(ids) - todo.sum()), db.open_table(table).count_rows())
