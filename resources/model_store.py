"""The model store: a directory of versioned checkpoints (see `jobsearch.checkpoints`)."""

from __future__ import annotations

import dagster as dg

from jobsearch.checkpoints import CheckpointStore


class ModelStore(dg.ConfigurableResource):
    root: str = "./.data/models"

    def store(self) -> CheckpointStore:
        return CheckpointStore(self.root)
