"""The DuckDB warehouse: one file holding every table the corpus and label stages produce."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd


class Warehouse(dg.ConfigurableResource):
    """A DuckDB file. Connections are short-lived so steps in other processes (the
    multiprocess executor, the serving app) can take the file lock in turn."""

    path: str = "./.data/warehouse.duckdb"
    lock_timeout_s: float = 120.0

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout_s
        while True:
            try:
                con = duckdb.connect(self.path, read_only=read_only and Path(self.path).exists())
                break
            except duckdb.IOException as err:  # another process holds the lock
                if "lock" not in str(err).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        try:
            yield con
        finally:
            con.close()

    def write_table(self, name: str, frame: pd.DataFrame) -> int:
        """Replace table `name` with `frame` atomically (one transaction)."""
        with self.connect() as con:
            con.register("_frame", frame)
            con.execute("BEGIN")
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
            con.execute("COMMIT")
            con.unregister("_frame")
            return con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]

    def read_table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        with self.connect(read_only=True) as con:
            return con.execute(f'SELECT {cols} FROM "{name}"').df()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def tables(self) -> list[str]:
        if not Path(self.path).exists():
            return []
        with self.connect(read_only=True) as con:
            return [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
