"""Skills a query names, from the skill lexicon.

Mentions are found first (places and employers consult them: "using Snowflake" is a skill, not
Snowflake, AZ), and claimed last, *softly*: a skill may still be part of the title ("python
developer") and is reported in ``skills`` either way.
"""

from __future__ import annotations

import re

from jobsearch.query.constraints import QueryIntent
from jobsearch.query.tokens import Claims, Token

__all__ = ["AMBIGUOUS_SKILLS", "SkillFinder", "SkillSpan", "claim_skills"]

#: Skills that are also ordinary words or job titles ("chef", "spring internships",
#: "illustrator jobs"): they count only when capitalized and not the first word.
AMBIGUOUS_SKILLS: frozenset[str] = frozenset(
    {"chef", "spring", "rest", "slack", "swift", "ruby", "puppet", "looker", "pandas", "canva",
     "illustrator", "rust", "bootstrap", "flask", "inventory"}
)

#: A skill mention: (start, end, display name).
SkillSpan = tuple[int, int, str]


class SkillFinder:
    """Find lexicon skills in a query.

    Args:
        lexicon: skill surface form (lowercase) -> display name.
    """

    def __init__(self, lexicon: dict[str, str]) -> None:
        self.lexicon = lexicon
        forms = sorted(lexicon, key=len, reverse=True)
        self._skill_re = (
            re.compile(r"(?<![\w+#/.-])(" + "|".join(re.escape(f) for f in forms) + r")(?![\w+#/-])",
                       re.IGNORECASE)
            if forms else None
        )

    def mentions(self, text: str, tokens: list[Token]) -> list[SkillSpan]:
        """Lexicon skills named in the text: (start, end, display name). Ambiguous words
        (AMBIGUOUS_SKILLS) count only when capitalized and not the first word."""
        if self._skill_re is None:
            return []
        first = tokens[0].start if tokens else 0
        found = []
        for m in self._skill_re.finditer(text):
            surface = m.group(1).lower()
            if surface in AMBIGUOUS_SKILLS and (not m.group(1)[0].isupper() or m.start() == first):
                continue
            found.append((m.start(1), m.end(1), self.lexicon[surface]))
        return found


def claim_skills(skills: list[SkillSpan], claims: Claims, intent: QueryIntent) -> None:
    """Soft-claim the skill mentions no earlier recognizer took."""
    for start, end, name in skills:
        if claims.claim(start, end, "skill") and name not in intent.skills:
            intent.skills.append(name)
