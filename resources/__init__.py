"""Typed Dagster resources: where data lives and how big each stage is."""

from resources.device import ComputeDevice
from resources.llm import LLM
from resources.model_store import ModelStore
from resources.policies import PolicyFiles
from resources.scale import Scale
from resources.sources import SourceFiles
from resources.vectors import VectorStore
from resources.warehouse import Warehouse

__all__ = ["LLM", "ComputeDevice", "PolicyFiles", "ModelStore", "Scale", "SourceFiles", "VectorStore", "Warehouse"]
