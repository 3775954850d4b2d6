"""Where posting files come from: the data shipped in the repo and a landing folder for new batches."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from jobsearch import SHIPPED_DATA


class SourceFiles(dg.ConfigurableResource):
    data_dir: str = str(SHIPPED_DATA)
    landing_dir: str = "./.data/landing"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir)
