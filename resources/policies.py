"""Where the product policies and golden sets live (PMs and annotators edit these files)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from jobsearch import POLICIES_DIR


class PolicyFiles(dg.ConfigurableResource):
    policies_dir: str = str(POLICIES_DIR)

    @property
    def root(self) -> Path:
        return Path(self.policies_dir)

    def policy(self, name: str) -> Path:
        return self.root / f"{name}.md"

    def golden(self, name: str) -> Path:
        return self.root / "golden" / f"{name}.csv"

    def golden_reads(self, name: str) -> Path:
        """Every independent read of the pairs graded twice (the blind test set), for agreement."""
        return self.root / "golden" / "reads" / f"{name}.csv"
