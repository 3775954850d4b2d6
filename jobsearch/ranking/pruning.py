"""Structured pruning of transformer encoders: remove whole layers or MLP width, a little at a time.

LinkedIn shrank its student gradually (prune a little, distill from the previous step, repeat)
rather than cutting to the final size at once. A model's size is a `Shape` (layers, MLP width);
`parse_schedule` reads a schedule such as "2x1536 > 2x1024 > 1x512", `gradual_schedule` plans
even layer cuts, and `prune_to` performs one cut on a BERT-style encoder (`drop_layers`,
`prune_mlp`), returning a smaller copy that keeps the surviving weights.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Shape:
    layers: int
    mlp_width: int  # the intermediate (feed-forward) size of every layer

    def __str__(self) -> str:
        return f"{self.layers}x{self.mlp_width}"


def parse_schedule(text: str) -> list[Shape]:
    """"2x1536 > 2x1024 > 1x512" -> [Shape(2, 1536), Shape(2, 1024), Shape(1, 512)]; sizes never grow."""
    shapes = []
    for part in text.replace(",", ">").split(">"):
        try:
            layers, width = (int(v) for v in part.strip().lower().split("x"))
        except ValueError:
            raise ValueError(f"bad pruning step {part.strip()!r} in {text!r}: write LAYERSxMLP_WIDTH, e.g. 2x1024") from None
        shapes.append(Shape(layers, width))
    for before, after in zip(shapes, shapes[1:]):
        if after.layers > before.layers or after.mlp_width > before.mlp_width:
            raise ValueError(f"pruning schedule {text!r} grows from {before} to {after}")
    if any(s.layers < 1 or s.mlp_width < 1 for s in shapes):
        raise ValueError(f"pruning schedule {text!r} has an empty shape")
    return shapes


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


def mlp_importance(layer: torch.nn.Module) -> torch.Tensor:
    """Per intermediate neuron: |row of the input projection| x |column of the output projection|,
    how much the neuron can move the layer's output (a magnitude criterion)."""
    w_in = layer.intermediate.dense.weight      # (width, hidden)
    w_out = layer.output.dense.weight           # (hidden, width)
    return w_in.norm(dim=1) * w_out.norm(dim=0)


def prune_mlp(model: torch.nn.Module, width: int) -> torch.nn.Module:
    """A copy of `model` whose every feed-forward block keeps its `width` most important neurons."""
    pruned = copy.deepcopy(model)
    layers = _encoder_layers(pruned)
    for layer in layers:
        current = layer.intermediate.dense.out_features
        if width > current:
            raise ValueError(f"cannot grow the MLP from {current} to {width}")
        keep = torch.topk(mlp_importance(layer), width).indices.sort().values
        layer.intermediate.dense = _slice_linear(layer.intermediate.dense, rows=keep)
        layer.output.dense = _slice_linear(layer.output.dense, cols=keep)
    getattr(pruned, "encoder", pruned).config.intermediate_size = width
    return pruned


def _slice_linear(linear: torch.nn.Linear, rows=None, cols=None) -> torch.nn.Linear:
    weight = linear.weight.detach()
    weight = weight[rows] if rows is not None else weight
    weight = weight[:, cols] if cols is not None else weight
    out = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=linear.bias is not None)
    with torch.no_grad():
        out.weight.copy_(weight)
        if linear.bias is not None:
            out.bias.copy_(linear.bias.detach()[rows] if rows is not None else linear.bias.detach())
    return out


def shape_of(model: torch.nn.Module) -> Shape:
    layers = _encoder_layers(model)
    return Shape(len(layers), layers[0].intermediate.dense.out_features)


def prune_to(model: torch.nn.Module, target: Shape) -> torch.nn.Module:
    """One cut: drop layers (evenly, keeping the first and last) then narrow every MLP."""
    current = shape_of(model)
    if target.layers > current.layers or target.mlp_width > current.mlp_width:
        raise ValueError(f"cannot prune {current} to the larger {target}")
    out = drop_layers(model, layers_to_keep(current.layers, target.layers)) if target.layers < current.layers else model
    return prune_mlp(out, target.mlp_width) if target.mlp_width < current.mlp_width else copy.deepcopy(out)
