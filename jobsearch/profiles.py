"""Size profiles: one setting picks the size of every stage.

`tiny` is for tests (the embedded corpus, tiny models and label sets, seconds per model), `embedded` is the default run on a laptop CPU
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
    # labels: synthetic queries (how many the LLM rewrites) and graded pairs per query
    synthetic_queries: int
    llm_rewrites: int
    hard_negatives: int
    random_negatives: int
    # the judge cross-encoder
    judge_layers: int | None
    judge_max_length: int
    judge_train_pairs: int
    judge_epochs: float
    min_judge_qwk: float
    # teachers, distillation and the student (steps are optimizer steps of batch 32)
    distill_candidates: int       # BM25 candidates per training query in the unlabeled distillation set
    eval_candidates: int          # candidates per held-out query (ranked for NDCG@10)
    teacher_layers: int           # the relevance teacher keeps this many of the judge's layers
    teacher_steps: int
    engagement_epochs: int
    student_steps: int            # distillation of the unpruned student
    prune_schedule: str           # "LAYERSxMLP > ..." from the teacher's shape down to the final student
    prune_steps: int              # distillation steps after each cut
    summary_tokens: int           # token budget of a posting summary
    summary_label_pairs: int      # (query, posting) pairs whose segments are occluded to train the scorer
    summary_steps: int
    max_student_ndcg_loss: float  # ship gate: relative NDCG@10 loss of the student vs the relevance teacher
    # retrieval
    retrieval_postings: int | None  # postings embedded and indexed (None = all)
    retrieval_profiles: int | None  # member profiles embedded and indexed (None = all)
    retrieval_rounds: int           # teacher-in-the-loop rounds of bi-encoder training (mine, grade, train)
    retrieval_queries: int          # training queries mined per round
    retrieval_mine_k: int           # items retrieved and graded by the teacher per query and round
    retrieval_steps: int            # bi-encoder optimizer steps per round (batch of 16 query lists)
    retrieval_mining_postings: int | None  # postings the rounds retrieve from (None = all retrievable)
    retrieval_eval_queries: int | None     # held-out queries in the retrieval-quality table (None = all)
    seed: int = 7

    def with_overrides(self, **overrides: int | None) -> "Sizes":
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown size setting(s) {sorted(unknown)}; known: {sorted(known)}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


PROFILES: dict[str, Sizes] = {
    # tiny keeps the embedded corpus (so golden-set ids and simulated members are the same people)
    # and shrinks everything that costs model time
    "tiny": Sizes(
        linkedin_2024_limit=None,
        linkedin_2024_remote_limit=None,
        glassdoor_limit=None,
        linkedin_2023_limit=12_000,
        members=5_000,
        connections=60_000,
        sessions=2_000,
        synthetic_queries=30,
        llm_rewrites=4,
        hard_negatives=4,
        random_negatives=2,
        judge_layers=2,
        judge_max_length=64,
        judge_train_pairs=256,
        judge_epochs=6.0,  # ~70 s: fewer epochs leave a judge that predicts one grade (dev QWK 0.0, measured)
        min_judge_qwk=0.05,  # a judge that never learns predicts one grade (QWK 0.0); the trained one gets ~0.12
        distill_candidates=3,
        eval_candidates=6,
        teacher_layers=1,
        teacher_steps=8,
        engagement_epochs=2,
        student_steps=6,
        prune_schedule="1x1536 > 1x1024 > 1x512",
        prune_steps=4,
        summary_tokens=16,
        summary_label_pairs=12,
        summary_steps=4,
        max_student_ndcg_loss=0.25,  # and better than a random order of the same candidates
        retrieval_postings=400,
        retrieval_profiles=300,
        retrieval_rounds=2,
        retrieval_queries=16,
        retrieval_mine_k=4,
        retrieval_steps=2,
        retrieval_mining_postings=200,
        retrieval_eval_queries=6,
    ),
    "embedded": Sizes(
        linkedin_2024_limit=None,
        linkedin_2024_remote_limit=None,
        glassdoor_limit=None,
        linkedin_2023_limit=12_000,
        members=5_000,
        connections=60_000,
        sessions=20_000,
        synthetic_queries=2_400,
        llm_rewrites=128,
        hard_negatives=10,
        random_negatives=4,
        judge_layers=3,
        judge_max_length=64,
        judge_train_pairs=28_000,
        judge_epochs=1.0,
        min_judge_qwk=0.50,  # ship gate on golden dev; the target (0.70 on the blind test) is reported by ranking_eval
        distill_candidates=5,
        eval_candidates=15,
        teacher_layers=2,
        teacher_steps=300,
        engagement_epochs=2,
        student_steps=150,
        # a 2-layer teacher cut to 1 layer loses a third of its NDCG on held-out queries (measured), so the
        # embedded student keeps both layers and narrows their feed-forward blocks
        prune_schedule="2x1536 > 2x768 > 2x384 > 2x192 > 2x128",
        prune_steps=120,
        summary_tokens=24,
        summary_label_pairs=300,
        summary_steps=150,
        max_student_ndcg_loss=0.05,  # the 2% is the gpu gate; measured embedded loss is in the README
        retrieval_postings=None,
        retrieval_profiles=None,
        retrieval_rounds=2,
        retrieval_queries=640,
        retrieval_mine_k=8,
        retrieval_steps=40,
        retrieval_mining_postings=4_000,
        retrieval_eval_queries=120,
    ),
    "gpu": Sizes(
        linkedin_2024_limit=None,
        linkedin_2024_remote_limit=None,
        glassdoor_limit=None,
        linkedin_2023_limit=None,
        members=50_000,
        connections=1_000_000,
        sessions=400_000,
        synthetic_queries=50_000,
        llm_rewrites=50_000,
        hard_negatives=20,
        random_negatives=5,
        judge_layers=None,
        judge_max_length=256,
        judge_train_pairs=1_000_000,
        judge_epochs=2.0,
        min_judge_qwk=0.70,
        distill_candidates=20,
        eval_candidates=50,
        teacher_layers=4,
        teacher_steps=30_000,
        engagement_epochs=5,
        student_steps=10_000,
        prune_schedule="4x1536 > 3x1536 > 2x1536 > 2x768",
        prune_steps=5_000,
        summary_tokens=64,
        summary_label_pairs=5_000,
        summary_steps=5_000,
        max_student_ndcg_loss=0.02,
        retrieval_postings=None,
        retrieval_profiles=None,
        retrieval_rounds=3,
        retrieval_queries=40_000,
        retrieval_mine_k=50,
        retrieval_steps=2_500,
        retrieval_mining_postings=None,
        retrieval_eval_queries=None,
    ),
}


def sizes_for(profile: str) -> Sizes:
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}") from None
