"""Model checkpoints as one dict: weights, config, metrics and the data versions they came from.

Layout: `<root>/<model>/<version>/weights.safetensors` + `checkpoint.json`, and
`<root>/<model>/LATEST` naming the newest version. Every write goes to a temporary directory that
is renamed into place, and LATEST is swapped with an atomic `os.replace`, so a reader never sees
half a checkpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Checkpoint:
    weights: dict[str, Any]  # name -> torch.Tensor
    config: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    data_versions: dict[str, str] = field(default_factory=dict)
    parent: str | None = None  # "<model>/<version>" this one was distilled or pruned from
    step: int | None = None


class CheckpointStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def save(self, model: str, checkpoint: Checkpoint, version: str | None = None) -> str:
        from safetensors.torch import save_file

        version = version or time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        model_dir = self.root / model
        model_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=model_dir))
        try:
            tensors = {k: v.detach().contiguous().cpu() for k, v in checkpoint.weights.items()}
            save_file(tensors, staging / "weights.safetensors")
            meta = {
                "model": model,
                "version": version,
                "config": checkpoint.config,
                "metrics": checkpoint.metrics,
                "data_versions": checkpoint.data_versions,
                "parent": checkpoint.parent,
                "step": checkpoint.step,
                "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            (staging / "checkpoint.json").write_text(json.dumps(meta, indent=2, default=str))
            os.replace(staging, model_dir / version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        pointer = model_dir / f".LATEST.{os.getpid()}"
        pointer.write_text(version)
        os.replace(pointer, model_dir / "LATEST")
        return version

    def latest_version(self, model: str) -> str | None:
        pointer = self.root / model / "LATEST"
        return pointer.read_text().strip() if pointer.exists() else None

    def versions(self, model: str) -> list[str]:
        model_dir = self.root / model
        if not model_dir.is_dir():
            return []
        return sorted(p.name for p in model_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def load(self, model: str, version: str | None = None) -> Checkpoint:
        from safetensors.torch import load_file

        version = version or self.latest_version(model)
        if version is None:
            raise FileNotFoundError(f"no checkpoint of model {model!r} under {self.root}")
        folder = self.root / model / version
        meta = json.loads((folder / "checkpoint.json").read_text())
        return Checkpoint(
            weights=load_file(folder / "weights.safetensors"),
            config=meta["config"],
            metrics=meta["metrics"],
            data_versions=meta["data_versions"],
            parent=meta.get("parent"),
            step=meta.get("step"),
        )
