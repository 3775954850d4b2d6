"""Structured pruning of transformer encoders: remove whole layers, a little at a time.

LinkedIn shrank its student gradually (prune a little, distill from the previous step, repeat)
rather than cutting to the final size at once. `gradual_schedule` plans the steps and
`drop_layers` performs one cut on a BERT-style encoder, returning a smaller model that keeps
the surviving layers' weights.
"""

from __future__ import annotations

import copy

import torch


def gradual_schedule(start_layers: int, final_layers: int, steps: int) -> list[int]:
    """Layer counts after each step, shrinking evenly: gradual_schedule(6, 2, 3) -> [4, 3, 2]."""
    if not 0 < final_layers <= start_layers:
        raise ValueError(f"need 0 < final_layers ({final_layers}) <= start_layers ({start_layers})")
    if steps < 1:
        raise ValueError("steps must be >= 1")
    removed = start_layers - final_layers
    counts = [start_layers - round(removed * (i + 1) / steps) for i in range(steps)]
    return sorted(set(counts), reverse=True)


def layers_to_keep(current: int, target: int) -> list[int]:
    """Which layers survive a cut from `current` to `target`: spread evenly, always keeping the
    first and the last (the embedding-adjacent and output-adjacent layers matter most)."""
    if target >= current:
        return list(range(current))
    if target == 1:
        return [current - 1]
    step = (current - 1) / (target - 1)
    return sorted({round(i * step) for i in range(target)})


def _encoder_layers(model: torch.nn.Module) -> torch.nn.ModuleList:
    encoder = getattr(model, "encoder", model)
    for path in ("encoder.layer", "layer"):
        node = encoder
        for part in path.split("."):
            node = getattr(node, part, None)
            if node is None:
                break
        if isinstance(node, torch.nn.ModuleList):
            return node
    raise ValueError(f"{type(model).__name__} has no BERT-style encoder.layer list")


def drop_layers(model: torch.nn.Module, keep: list[int]) -> torch.nn.Module:
    """A copy of `model` (a `CrossEncoder`, whose `.encoder` is a BERT-style model) keeping only the
    encoder layers at indices `keep`."""
    pruned = copy.deepcopy(model)
    layers = _encoder_layers(pruned)
    if not keep or any(i < 0 or i >= len(layers) for i in keep):
        raise ValueError(f"layer indices {keep} out of range for {len(layers)} layers")
    kept = torch.nn.ModuleList([layers[i] for i in sorted(keep)])
    owner = getattr(pruned, "encoder", pruned)
    owner.encoder.layer = kept
    config = owner.config
    config.num_hidden_layers = len(kept)
    return pruned
