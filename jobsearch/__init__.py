"""Plain-Python core of the job/people search cookbook; nothing here imports Dagster.

One sub-package per stage of the recipe, in order:

- `corpus`: posting schemas and the shared vocabularies (seniority ladder, work types),
  ingest, normalization, the gazetteer, the occupation taxonomy, companies, skills, the
  member simulator and the data-quality suites;
- `labels`: the product policy, golden sets, synthetic queries, the rubric grader, LLM backends;
- `ranking`: cross-encoders (judge, teachers, student), losses, pruning, the engagement model,
  posting summaries, metrics, and evaluation of a ranker on plain tables;
- `retrieval`: the bi-encoder and its training, posting/profile documents and filter columns,
  embeddings, LanceDB vector tables, the exhaustive flat index, BM25;
- `query`: the query engine (natural language to strict filters and soft text).

`checkpoints` (the model store's format) and `profiles` (size profiles) serve every stage. The
Dagster assets in `assets/` are thin wrappers that say what they make, from what, and with which
checks.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DATA = REPO_ROOT / "data"
POLICIES_DIR = REPO_ROOT / "policies"
