"""Where tensors run: `auto` picks CUDA when a GPU is visible, else the CPU."""

from __future__ import annotations

import dagster as dg


class ComputeDevice(dg.ConfigurableResource):
    device: str = "auto"  # auto | cpu | cuda | cuda:N

    def resolve(self) -> str:
        if self.device != "auto":
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
