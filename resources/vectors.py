"""The LanceDB directory that holds embedding tables."""

from __future__ import annotations

from pathlib import Path

import dagster as dg


class VectorStore(dg.ConfigurableResource):
    uri: str = "./.data/lancedb"
    index_root: str = "./.data/index"  # published flat-index versions, one folder per index

    def index_dir(self, name: str) -> Path:
        return Path(self.index_root) / name

    def connect(self):
        import lancedb  # ~1.8 s import: only when a step needs vectors

        Path(self.uri).mkdir(parents=True, exist_ok=True)
        return lancedb.connect(self.uri)
