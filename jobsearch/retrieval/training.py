"""Teacher-in-the-loop training of the bi-encoder, in rounds.

Each round: embed the corpus with the current model, retrieve the top-K items per training query,
have the teacher grade them (the reward), build one list per query (its best item as the positive,
the hardest negatives: items the model ranks high that the teacher grades low), then train on
those lists with `jobsearch.ranking.losses.RetrievalLoss` (in-batch InfoNCE, ListNet against the teacher's
grades, KL to the scores of the model that mined the list, score calibration). The next round
mines with the model this round produced, so its negatives are the mistakes it still makes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from jobsearch.ranking.cross_encoder import RELEVANCE, expected_grade
from jobsearch.ranking.evaluation import Ranker
from jobsearch.ranking.losses import RetrievalLoss
from jobsearch.retrieval.bi_encoder import BiEncoder, BiEncoderConfig, tokenize

MONITOR_K = 100  # recall is monitored at 10 and at this depth

Teacher = Callable[[list[str], list[int]], np.ndarray]
"""teacher(query texts, item indices) -> expected grades (0..4), one per pair."""


class TeacherGrades:
    """A cross-encoder's expected grade for (query, corpus item) pairs, each pair graded once: a `Teacher`."""

    def __init__(self, ranker: Ranker, item_texts: list[str], device: str):
        self.ranker, self.item_texts, self.device = ranker, item_texts, device
        self.cache: dict[tuple[str, int], float] = {}

    def __call__(self, queries: list[str], items: list[int]) -> np.ndarray:
        missing = list(dict.fromkeys((q, i) for q, i in zip(queries, items) if (q, i) not in self.cache))
        if missing:
            probs = self.ranker.probabilities([q for q, _ in missing], [self.item_texts[i] for _, i in missing],
                                              self.device)[RELEVANCE]
            self.cache.update(zip(missing, expected_grade(probs).tolist()))
        return np.array([self.cache[(q, i)] for q, i in zip(queries, items)], dtype=np.float32)


@dataclass
class RoundConfig:
    mine_k: int = 8              # items retrieved per query and graded by the teacher
    list_size: int = 4           # items per query in a training list: the positive + hardest negatives
    steps: int = 40              # optimizer steps per round
    batch_queries: int = 16
    learning_rate: float = 3e-5
    good_grade: float = 2.5      # teacher expected grade that counts as Good (rounds to 3 or 4)
    poor_grade: float = 1.5      # below this an item is a negative (rounds to Poor or Irrelevant)
    weights: dict[str, float] = field(default_factory=dict)  # RetrievalLoss term weights (defaults there)
    seed: int = 7


@dataclass
class MinedLists:
    """One list per query: item indices into the corpus, teacher grades, the miner's scores."""
    queries: list[str]
    items: np.ndarray     # (queries, list_size) corpus indices, -1 = padding
    grades: np.ndarray    # (queries, list_size) teacher expected grades
    previous: np.ndarray  # (queries, list_size) cosines of the model that mined the lists
    positive: np.ndarray  # (queries,) position in the list of the positive, -1 when no item is Good
    retrieved_grades: np.ndarray  # (queries, mine_k) teacher grades of the retrieved items, in rank order
    retrieved_scores: np.ndarray  # (queries, mine_k) the miner's cosines of the same items


def top_k(query_vectors: np.ndarray, item_vectors: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-k (indices, scores), best first, queries in blocks."""
    items = torch.from_numpy(np.ascontiguousarray(item_vectors, dtype=np.float32))
    k = min(k, len(items))
    idx, val = [], []
    for start in range(0, len(query_vectors), block):
        scores = torch.from_numpy(np.ascontiguousarray(query_vectors[start : start + block], dtype=np.float32)) @ items.T
        top = torch.topk(scores, k, dim=1)
        idx.append(top.indices.numpy())
        val.append(top.values.numpy())
    if not idx:
        return np.zeros((0, k), dtype=np.int64), np.zeros((0, k), dtype=np.float32)
    return np.concatenate(idx), np.concatenate(val)


def mine_lists(queries: Sequence[str], query_vectors: np.ndarray, item_vectors: np.ndarray,
               sources: Sequence[int], teacher: Teacher, config: RoundConfig) -> MinedLists:
    """Retrieve `mine_k` items per query with the current vectors, add the item the query was written
    from (`sources`, -1 for none), grade every candidate with the teacher and keep a training list."""
    retrieved, _ = top_k(query_vectors, item_vectors, config.mine_k)
    candidates = [list(dict.fromkeys([*row.tolist(), *([s] if s >= 0 else [])])) for row, s in zip(retrieved, sources)]
    flat_queries = [q for q, c in zip(queries, candidates) for _ in c]
    flat_items = [i for c in candidates for i in c]
    flat_grades = teacher(flat_queries, flat_items)
    flat_scores = np.einsum("nd,nd->n", np.repeat(query_vectors, [len(c) for c in candidates], axis=0),
                            item_vectors[flat_items])
    n, size = len(queries), config.list_size
    items = np.full((n, size), -1, dtype=np.int64)
    grades, previous = np.zeros((n, size), np.float32), np.zeros((n, size), np.float32)
    positive = np.full(n, -1, dtype=np.int64)
    ret_grades = np.zeros(retrieved.shape, np.float32)
    ret_scores = np.zeros(retrieved.shape, np.float32)
    offset = 0
    for qi, cands in enumerate(candidates):
        g = flat_grades[offset : offset + len(cands)]
        s = flat_scores[offset : offset + len(cands)]
        offset += len(cands)
        ret_grades[qi], ret_scores[qi] = g[: retrieved.shape[1]], s[: retrieved.shape[1]]
        chosen: list[int] = []
        best = int(np.argmax(g))
        if g[best] >= config.good_grade:
            chosen.append(best)
            positive[qi] = 0
        negatives = [j for j in np.argsort(-s, kind="stable") if g[j] < config.poor_grade and j not in chosen]
        rest = [j for j in np.argsort(-s, kind="stable") if j not in chosen and j not in negatives]
        chosen += (negatives + rest)[: size - len(chosen)]
        items[qi, : len(chosen)] = [cands[j] for j in chosen]
        grades[qi, : len(chosen)] = g[chosen]
        previous[qi, : len(chosen)] = s[chosen]
    return MinedLists(list(queries), items, grades, previous, positive, ret_grades, ret_scores)


@dataclass
class RoundResult:
    losses: list[dict[str, float]]
    seconds: float


def train_round(model: BiEncoder, tokenizer, lists: MinedLists, item_texts: Sequence[str], config: RoundConfig,
                bi_config: BiEncoderConfig, loss: RetrievalLoss | None = None, device: str = "cpu",
                log: Callable[[str], None] | None = None, log_every: int = 10) -> RoundResult:
    """`config.steps` optimizer steps over batches of lists (sampled without replacement, reshuffled
    when exhausted). The items of every list in a batch are encoded once and shared: each query's
    InfoNCE denominator holds its own hard negatives and every other query's items."""
    loss = loss or RetrievalLoss(config.weights)
    rng = np.random.default_rng(config.seed)
    usable = np.flatnonzero((lists.items >= 0).sum(axis=1) >= 2)
    if len(usable) == 0:
        raise ValueError("no mined list has two items: nothing to train on (corpus or mine_k too small)")
    model.train().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    order, cursor, history = rng.permutation(usable), 0, []
    started = time.perf_counter()
    for step in range(config.steps):
        if cursor + config.batch_queries > len(order) and cursor > 0:
            order, cursor = rng.permutation(usable), 0
        batch = order[cursor : cursor + config.batch_queries]
        cursor += len(batch)
        rows = lists.items[batch]
        unique, inverse = np.unique(rows[rows >= 0], return_inverse=True)
        columns = np.full(rows.shape, -1, dtype=np.int64)
        columns[rows >= 0] = inverse
        q = model(**tokenize(tokenizer, [lists.queries[i] for i in batch], bi_config.query_max_length, device))
        it = model(**tokenize(tokenizer, [item_texts[i] for i in unique], bi_config.item_max_length, device))
        scores = q @ it.T
        mask = torch.from_numpy(rows >= 0).to(device)
        grades = torch.from_numpy(lists.grades[batch]).to(device)
        pos_in_list = lists.positive[batch]
        active = torch.from_numpy(pos_in_list >= 0).to(device)
        positive = torch.from_numpy(np.where(pos_in_list >= 0, columns[np.arange(len(batch)), np.maximum(pos_in_list, 0)], 0)).to(device)
        # other Good items of the same query are not negatives for it
        ignore = torch.zeros(scores.shape, dtype=torch.bool, device=device)
        good = (lists.grades[batch] >= config.good_grade) & (rows >= 0)
        qi, li = np.nonzero(good)
        ignore[torch.from_numpy(qi), torch.from_numpy(columns[qi, li])] = True
        parts = loss(scores, torch.from_numpy(columns).to(device), mask, positive, active.float(), grades,
                     torch.from_numpy(lists.previous[batch]).to(device), ignore)
        optimizer.zero_grad()
        parts["total"].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        history.append({k: float(v.detach()) for k, v in parts.items()})
        if log is not None and ((step + 1) % log_every == 0 or step + 1 == config.steps):
            recent = history[-log_every:]
            summary = ", ".join(f"{k} {np.mean([h[k] for h in recent]):.4f}" for k in history[-1])
            log(f"step {step + 1}/{config.steps}: {summary} ({time.perf_counter() - started:.0f} s)")
    model.eval()
    return RoundResult(history, time.perf_counter() - started)
