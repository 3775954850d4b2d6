"""The engagement teacher: P(click) and P(apply) for a (member, posting) impression.

Learned from logged impressions, clicks and applies. Inputs are text (hashed word pieces of the
member's title, headline and skills and of the posting's title, occupation and skills, embedded
and crossed) plus match features (same occupation / occupation group / metro / state, remote fit,
seniority gap, pay against the member's target, posting popularity) and the impression's position.

Position is a feature so the model can explain position bias away; teacher labels are read at
position 1 for every pair (the "what if shown first" counterfactual), so they rank by appeal, not by
where the old ranker happened to show a posting.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from jobsearch.corpus.schemas import SENIORITY_RANK
from jobsearch.retrieval.lexical import tokenize

FEATURES = ["same_occupation", "same_occupation_group", "same_metro", "same_state", "remote_fit",
            "posting_remote", "seniority_gap", "seniority_known", "pay_vs_target", "pay_known",
            "same_company", "log_views", "log_position"]
EVENTS = ("click", "apply")


@dataclass
class EngagementConfig:
    buckets: int = 1 << 16     # hashed word-piece vocabulary
    dim: int = 32
    hidden: int = 64
    epochs: int = 3
    batch_size: int = 1024
    learning_rate: float = 3e-3
    seed: int = 0


@dataclass
class EngagementResult:
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _hash_tokens(text: str, buckets: int, limit: int = 24) -> list[int]:
    return [zlib.crc32(t.encode()) % (buckets - 1) + 1 for t in tokenize(text)[:limit]] or [0]


def member_text(m: dict) -> str:
    skills = m.get("skills")
    return " ".join([str(m.get("current_title") or ""), str(m.get("headline") or ""),
                     " ".join(list(skills)[:10]) if skills is not None else ""])


def posting_brief(p: dict) -> str:
    skills = p.get("skills")
    return " ".join([str(p.get("title") or ""), str(p.get("occupation_title") or ""),
                     " ".join(list(skills)[:10]) if skills is not None else ""])


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    return (a.notna() & b.notna() & (a.astype(str) == b.astype(str))).to_numpy(dtype=np.float32)


def pair_features(members: pd.DataFrame, postings: pd.DataFrame, position: np.ndarray) -> np.ndarray:
    """(n, len(FEATURES)) for aligned rows of `members` and `postings` (one row per impression)."""
    m, p = members.reset_index(drop=True), postings.reset_index(drop=True)
    m_sen = m["seniority"].map(SENIORITY_RANK).astype(float)
    p_sen = p["seniority"].map(SENIORITY_RANK).astype(float)
    gap = (m_sen - p_sen).abs()
    with np.errstate(divide="ignore", invalid="ignore"):
        pay = np.log(p["salary_med_usd"].astype(float) / m["desired_salary_usd"].astype(float)).clip(-1, 1)
    remote = p["remote"].fillna(False).astype(bool).to_numpy()
    columns = {
        "same_occupation": _same(m["onet_code"], p["onet_code"]),
        "same_occupation_group": _same(m["onet_code"].str[:2], p["onet_code"].str[:2]),
        "same_metro": _same(m["metro_id"], p["metro_id"]),
        "same_state": _same(m["state_code"], p["state_code"]),
        "remote_fit": (remote & m["open_to_remote"].fillna(False).astype(bool).to_numpy()).astype(np.float32),
        "posting_remote": remote.astype(np.float32),
        "seniority_gap": gap.fillna(0).to_numpy(dtype=np.float32),
        "seniority_known": gap.notna().to_numpy(dtype=np.float32),
        "pay_vs_target": pay.fillna(0).to_numpy(dtype=np.float32),
        "pay_known": pay.notna().to_numpy(dtype=np.float32),
        "same_company": _same(m["current_company_name"].str.lower(), p["company_name"].str.lower()),
        "log_views": np.log1p(p["views"].fillna(0).astype(float).to_numpy()).astype(np.float32),
        "log_position": np.log(np.asarray(position, dtype=np.float32)),
    }
    return np.stack([columns[name] for name in FEATURES], axis=1)


class EngagementModel(nn.Module):
    """Two bags of hashed word pieces (member, posting) crossed elementwise, plus match features,
    through a small MLP to two logits: click and apply."""

    def __init__(self, config: EngagementConfig, n_features: int = len(FEATURES)):
        super().__init__()
        self.config = config
        self.words = nn.EmbeddingBag(config.buckets, config.dim, mode="mean", padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(3 * config.dim + n_features, config.hidden), nn.ReLU(),
                                 nn.Linear(config.hidden, len(EVENTS)))
        self.register_buffer("feature_mean", torch.zeros(n_features))
        self.register_buffer("feature_std", torch.ones(n_features))

    def forward(self, member_bags, posting_bags, features):
        m = self.words(*member_bags)
        p = self.words(*posting_bags)
        x = (features - self.feature_mean) / self.feature_std
        return self.mlp(torch.cat([m, p, m * p, x], dim=1))


def _bags(token_lists: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    offsets = np.cumsum([0] + [len(t) for t in token_lists[:-1]])
    flat = [t for tokens in token_lists for t in tokens]
    return torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)


class EngagementData:
    """Tensors for impressions: hashed text per member/posting (looked up by row) and features."""

    def __init__(self, member_tokens: list[list[int]], posting_tokens: list[list[int]], features: np.ndarray,
                 labels: np.ndarray | None = None):
        self.member_tokens, self.posting_tokens = member_tokens, posting_tokens
        self.features = torch.as_tensor(features, dtype=torch.float32)
        self.labels = None if labels is None else torch.as_tensor(labels, dtype=torch.float32)

    def __len__(self) -> int:
        return len(self.member_tokens)

    def batch(self, idx: np.ndarray):
        return (_bags([self.member_tokens[i] for i in idx]), _bags([self.posting_tokens[i] for i in idx]),
                self.features[idx])


def build_data(members: pd.DataFrame, postings: pd.DataFrame, position: np.ndarray, buckets: int,
               labels: np.ndarray | None = None) -> EngagementData:
    """`members` and `postings` aligned row by row (one row per impression)."""
    m_unique = members.drop_duplicates("member_id")
    p_unique = postings.drop_duplicates("posting_id")
    m_tokens = dict(zip(m_unique["member_id"], (_hash_tokens(member_text(r), buckets) for r in m_unique.to_dict("records"))))
    p_tokens = dict(zip(p_unique["posting_id"], (_hash_tokens(posting_brief(r), buckets) for r in p_unique.to_dict("records"))))
    return EngagementData([m_tokens[i] for i in members["member_id"]], [p_tokens[i] for i in postings["posting_id"]],
                          pair_features(members, postings, position), labels)


def impressions_with_outcomes(interactions: pd.DataFrame) -> pd.DataFrame:
    """One row per impression with `click` and `apply` outcomes (0/1) from the same session."""
    shown = interactions[interactions["event"] == "impression"][["session_id", "member_id", "posting_id", "position", "ts"]]
    for event in EVENTS:
        hits = interactions.loc[interactions["event"] == event, ["session_id", "posting_id"]].drop_duplicates()
        hits[event] = 1
        shown = shown.merge(hits, on=["session_id", "posting_id"], how="left")
        shown[event] = shown[event].fillna(0).astype(np.int8)
    return shown.reset_index(drop=True)


def train_engagement(model: EngagementModel, data: EngagementData, config: EngagementConfig,
                     log: Callable[[str], None] = print) -> EngagementResult:
    """Binary cross-entropy on both events; features standardized on the training rows. Small data gets
    smaller batches (at least ~100 steps an epoch) so a short run still converges."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model.feature_mean.copy_(data.features.mean(dim=0))
    model.feature_std.copy_(data.features.std(dim=0).clamp_min(1e-6))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    loss_fn = nn.BCEWithLogitsLoss()
    result = EngagementResult()
    started = time.perf_counter()
    batch_size = min(config.batch_size, max(128, len(data) // 100))
    steps = math.ceil(len(data) / batch_size)
    model.train()
    for epoch in range(config.epochs):
        order = rng.permutation(len(data))
        epoch_losses = []
        for s in range(steps):
            idx = order[s * batch_size : (s + 1) * batch_size]
            loss = loss_fn(model(*data.batch(idx)), data.labels[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_losses.append(float(loss.item()))
        result.losses += epoch_losses
        log(f"engagement epoch {epoch + 1}/{config.epochs} loss {np.mean(epoch_losses):.4f}")
    result.seconds = time.perf_counter() - started
    model.eval()
    return result


@torch.no_grad()
def predict_engagement(model: EngagementModel, data: EngagementData, batch_size: int = 8192) -> np.ndarray:
    """(n, 2) probabilities of click and apply."""
    model.eval()
    out = [torch.sigmoid(model(*data.batch(np.arange(s, min(s + batch_size, len(data))))))
           for s in range(0, len(data), batch_size)]
    return torch.cat(out).numpy() if out else np.zeros((0, len(EVENTS)), dtype=np.float32)


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (rank statistic, ties averaged)."""
    labels = np.asarray(labels).astype(bool)
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(scores, dtype=np.float64)).rank().to_numpy()
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def reliability(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Calibration table: per equal-count bin of predicted probability, mean prediction vs observed rate."""
    frame = pd.DataFrame({"p": probabilities, "y": np.asarray(labels, dtype=float)})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), q=min(bins, len(frame)), labels=False)
    table = frame.groupby("bin").agg(predicted=("p", "mean"), observed=("y", "mean"), n=("y", "size")).reset_index(drop=True)
    return table


def expected_calibration_error(table: pd.DataFrame) -> float:
    return float((table["n"] * (table["predicted"] - table["observed"]).abs()).sum() / table["n"].sum())


def as_distributions(probabilities: np.ndarray) -> dict[str, np.ndarray]:
    """(n, 2) click/apply probabilities -> per event a (n, 2) distribution [no, yes] for KL distillation."""
    p = np.clip(probabilities, 1e-6, 1 - 1e-6)
    return {event: np.stack([1 - p[:, i], p[:, i]], axis=1) for i, event in enumerate(EVENTS)}
