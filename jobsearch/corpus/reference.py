"""The reference models every stage resolves against, built once per process from the shipped files."""

from __future__ import annotations

from functools import lru_cache

from jobsearch.corpus.geo import Gazetteer
from jobsearch.corpus.skills import skill_lexicon
from jobsearch.corpus.taxonomy import Occupations


@lru_cache(maxsize=2)
def reference_models(data_dir: str) -> tuple[Gazetteer, Occupations, dict[str, str]]:
    """The gazetteer, the taxonomy and the skill lexicon built from the shipped files (~4 s), once
    per process. Their indexes need columns the warehouse tables do not keep (zip lists, title
    weights), so they are rebuilt from the same files the `geo` and `occupations` assets read."""
    occupations = Occupations.from_dir(data_dir)
    tech = occupations.tech_skills
    lexicon = skill_lexicon(tech.loc[tech["hot"], "skill"].unique())
    return Gazetteer.from_dir(f"{data_dir}/geo"), occupations, lexicon
