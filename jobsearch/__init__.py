"""Plain-Python core of the job/people search cookbook.

Nothing in this package imports Dagster: schemas, parsing, the gazetteer, the occupation
taxonomy, the member simulator, data-quality suites, models, losses, the flat index and the
query engine live here and are unit-tested directly. The Dagster assets in `assets/` are thin
wrappers that say what they make, from what, and with which checks.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DATA = REPO_ROOT / "data"
POLICIES_DIR = REPO_ROOT / "policies"
