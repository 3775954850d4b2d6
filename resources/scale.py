"""One setting sizes every stage (see `jobsearch.profiles`); single values can be overridden."""

from __future__ import annotations

import dagster as dg

from jobsearch.profiles import Sizes, sizes_for


class Scale(dg.ConfigurableResource):
    profile: str = "embedded"  # tiny | embedded | gpu
    linkedin_2024_limit: int | None = None
    linkedin_2024_remote_limit: int | None = None
    glassdoor_limit: int | None = None
    linkedin_2023_limit: int | None = None
    members: int | None = None
    connections: int | None = None
    sessions: int | None = None
    synthetic_queries: int | None = None
    llm_rewrites: int | None = None
    judge_train_pairs: int | None = None
    seed: int | None = None

    def sizes(self) -> Sizes:
        return sizes_for(self.profile).with_overrides(
            linkedin_2024_limit=self.linkedin_2024_limit,
            linkedin_2024_remote_limit=self.linkedin_2024_remote_limit,
            glassdoor_limit=self.glassdoor_limit,
            linkedin_2023_limit=self.linkedin_2023_limit,
            members=self.members,
            connections=self.connections,
            sessions=self.sessions,
            synthetic_queries=self.synthetic_queries,
            llm_rewrites=self.llm_rewrites,
            judge_train_pairs=self.judge_train_pairs,
            seed=self.seed,
        )
