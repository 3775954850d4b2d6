"""Embedding items and queries for retrieval with a bi-encoder (`jobsearch.retrieval.bi_encoder`).

An `Embedder` is either a base model used as is (`from_base`: all-MiniLM-L6-v2 off the shelf, a local
folder or a hub id) or a fine-tuned checkpoint from the model store (`from_store`, e.g. the
`retrieval_model` asset). Its `name` says which (model and version), so stored vectors can record
which model made them and be recomputed when it changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from jobsearch.retrieval.bi_encoder import BiEncoderConfig, build_bi_encoder, encode, load_bi_encoder
from jobsearch.checkpoints import CheckpointStore

RETRIEVAL_MODEL = "retrieval_model"  # the fine-tuned bi-encoder's name in the model store


class Embedder:
    def __init__(self, model, tokenizer, config: BiEncoderConfig, name: str, device: str = "cpu"):
        self.model, self.tokenizer, self.config, self.name, self.device = model.to(device).eval(), tokenizer, config, name, device

    @classmethod
    def from_base(cls, base: str, item_max_length: int = 64, device: str = "cpu") -> "Embedder":
        config = BiEncoderConfig(base=base, item_max_length=item_max_length)
        model, tokenizer = build_bi_encoder(config)
        return cls(model, tokenizer, config, f"{base}@{item_max_length}", device)

    @classmethod
    def from_store(cls, store: CheckpointStore, model_name: str, device: str = "cpu",
                   version: str | None = None) -> "Embedder":
        version = version or store.latest_version(model_name)
        if version is None:
            raise FileNotFoundError(f"no checkpoint of {model_name!r} in {store.root}: materialize it first, "
                                    "or embed with a base model (e.g. model='all-minilm-l6-v2')")
        checkpoint = store.load(model_name, version)
        model, tokenizer, config = load_bi_encoder(checkpoint.config, checkpoint.weights)
        return cls(model, tokenizer, config, f"{model_name}/{version}", device)

    @classmethod
    def resolve(cls, spec: str, store: CheckpointStore, trained: set[str], device: str = "cpu",
                item_max_length: int = 64) -> "Embedder":
        """`spec` names a trained model in the store (one of `trained`) or a base (packaged id, folder, hub id)."""
        if spec in trained:
            return cls.from_store(store, spec, device)
        return cls.from_base(spec, item_max_length, device)

    @classmethod
    def from_name(cls, name: str, store: CheckpointStore, device: str = "cpu") -> "Embedder":
        """The embedder an `Embedder.name` stands for: "<model>/<version>" from the store, "<base>@<length>" a base."""
        if "@" in name:
            base, length = name.rsplit("@", 1)
            return cls.from_base(base, int(length), device)
        model_name, version = name.split("/", 1)
        return cls.from_store(store, model_name, device, version)

    @property
    def dim(self) -> int:
        return self.model.dim

    def items(self, texts: Sequence[str], batch_size: int = 64, log: Callable[[str], None] | None = None,
              what: str = "items") -> np.ndarray:
        return encode(self.model, self.tokenizer, texts, self.config.item_max_length, batch_size, self.device, log,
                      what=what)

    def queries(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        return encode(self.model, self.tokenizer, texts, self.config.query_max_length, batch_size, self.device)


def stable_id(value: str) -> int:
    """A non-negative int64 for a string id (the flat index keys rows by int64)."""
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "little") & ((1 << 63) - 1)


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
