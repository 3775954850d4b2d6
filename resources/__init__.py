"""Typed Dagster resources: where data lives and how big each stage is."""

from resources.device import ComputeDevice
from resources.model_store import ModelStore
from resources.scale import Scale
from resources.sources import SourceFiles
from resources.vectors import VectorStore
from resources.warehouse import Warehouse

__all__ = ["ComputeDevice", "ModelStore", "Scale", "SourceFiles", "VectorStore", "Warehouse"]
