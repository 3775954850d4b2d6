"""Size profiles: one setting picks the size of every stage.

`tiny` is for tests (a few hundred rows, seconds), `embedded` is the default run on a laptop CPU
(the full shipped corpus, small models, minutes) and `gpu` is the real setup. Each field is a
plain number so a user can override one value in the Dagster launchpad without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Sizes:
    # corpus: row limits per source (None = every row)
    linkedin_2024_limit: int | None
    linkedin_2024_remote_limit: int | None
    glassdoor_limit: int | None
    linkedin_2023_limit: int | None
    # simulated members, network and behaviour
    members: int
    connections: int
    sessions: int
    seed: int = 7

    def with_overrides(self, **overrides: int | None) -> "Sizes":
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown size setting(s) {sorted(unknown)}; known: {sorted(known)}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


PROFILES: dict[str, Sizes] = {
    "tiny": Sizes(
        linkedin_2024_limit=80,
        linkedin_2024_remote_limit=20,
        glassdoor_limit=60,
        linkedin_2023_limit=400,
        members=300,
        connections=3_000,
        sessions=600,
    ),
    "embedded": Sizes(
        linkedin_2024_limit=None,
        linkedin_2024_remote_limit=None,
        glassdoor_limit=None,
        linkedin_2023_limit=12_000,
        members=5_000,
        connections=60_000,
        sessions=20_000,
    ),
    "gpu": Sizes(
        linkedin_2024_limit=None,
        linkedin_2024_remote_limit=None,
        glassdoor_limit=None,
        linkedin_2023_limit=None,
        members=50_000,
        connections=1_000_000,
        sessions=400_000,
    ),
}


def sizes_for(profile: str) -> Sizes:
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}") from None
