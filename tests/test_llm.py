"""The LLM backends for real: SmolLM2-135M-Instruct through transformers on the CPU; vLLM where installed."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from jobsearch.labels.llm import SMOLLM2, TransformersLM, chat, clean_generation, grade_token_ids
from jobsearch.labels.synthetic import grading_prompt, rewrite_prompt


@pytest.fixture(scope="module")
def smollm(llm_cache):
    return TransformersLM(SMOLLM2, cache_dir=llm_cache, batch_size=4)


def test_packaged_model_is_converted_once_and_reloaded(smollm, llm_cache):
    folder = llm_cache / SMOLLM2
    assert (folder / "config.json").exists() and list(folder.glob("*.safetensors"))
    stamp = (folder / "config.json").stat().st_mtime
    again = TransformersLM(SMOLLM2, cache_dir=llm_cache)
    assert (folder / "config.json").stat().st_mtime == stamp
    assert again.name == "transformers:smollm2-135m-instruct"


def test_generate_returns_one_cleaned_line_per_prompt(smollm):
    prompts = [rewrite_prompt("registered nurse jobs in Chicago, IL"), rewrite_prompt("remote data analyst jobs")]
    out = smollm.generate(prompts, max_tokens=12, temperature=0.0)
    assert len(out) == 2
    assert all(isinstance(t, str) and "\n" not in t for t in out)
    assert any(t for t in out)


def test_grade_reads_a_distribution_from_grade_token_logprobs(smollm):
    prompts = [grading_prompt("4 = Excellent ... 0 = Irrelevant", "nurse jobs", f"Registered Nurse | {c}")
               for c in ("Chicago", "Boston", "Denver")]
    probs = smollm.grade(prompts)
    assert probs.shape == (3, 5)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (probs >= 0).all()
    assert not np.allclose(probs, 0.2)  # read from the model, not a uniform placeholder


def test_chat_template_and_grade_tokens(smollm):
    text = chat(smollm.tokenizer, "hello", "Grade: ")
    assert text.endswith("Grade: ") and "hello" in text
    assert len(set(grade_token_ids(smollm.tokenizer))) == 5
    assert clean_generation('Query: "remote nurse jobs"\nmore text') == "remote nurse jobs"


@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vllm not installed (extra [gpu])")
def test_vllm_backend_same_interface(llm_cache):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("vLLM needs a GPU")
    from jobsearch.labels.llm import VllmLM

    model = VllmLM(SMOLLM2, cache_dir=llm_cache, gpu_memory_utilization=0.3, max_model_len=1024)
    out = model.generate([rewrite_prompt("nurse jobs in Ohio")], max_tokens=12, temperature=0.0)
    probs = model.grade([grading_prompt("scale", "nurse jobs", "Registered Nurse | Ohio")])
    assert len(out) == 1 and probs.shape == (1, 5) and np.isclose(probs.sum(), 1.0, atol=1e-4)
