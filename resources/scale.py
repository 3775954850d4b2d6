"""One setting sizes every stage (see `jobsearch.profiles`); single values can be overridden."""

from __future__ import annotations

import dagster as dg

from jobsearch.profiles import Sizes, sizes_for


class Scale(dg.ConfigurableResource):
    profile: str = "embedded"  # tiny | embedded | gpu
    linkedin_2023_limit: int | None = None
    members: int | None = None
    connections: int | None = None
    sessions: int | None = None
    seed: int | None = None

    def sizes(self) -> Sizes:
        return sizes_for(self.profile).with_overrides(
            linkedin_2023_limit=self.linkedin_2023_limit,
            members=self.members,
            connections=self.connections,
            sessions=self.sessions,
            seed=self.seed,
        )
