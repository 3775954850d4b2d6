"""Exhaustive (flat) nearest-neighbour index over job embeddings, with exact hard filters.

LinkedIn serves job retrieval with exhaustive search rather than HNSW or IVF: postings live a few
weeks (an approximate graph index would be rebuilt constantly), hard filters such as "remote",
"in this metro" or "posted this week" must be exact, and a flat matrix is simple. A dense matmul
over a well laid-out matrix returns the K best of a million rows in milliseconds.

`FlatIndex` keeps

* every vector in ONE contiguous float32 matrix (the source of truth, used for exact rescoring,
  persistence and export), plus a *scan copy* in the chosen precision:
  ``fp32`` (the float32 matrix itself), ``bf16`` / ``fp16`` (a half-precision copy) or ``int8``
  (CPU only: per-row symmetric quantization, prepacked for fbgemm's int8 GEMM per chunk of rows);
* the filter columns of `COLUMN_KINDS` as tensors (nulls encoded explicitly, see below);
* an id map from external int64 ids to row positions.

Search: the filters compile to a boolean mask; a matmul over the scan copy (chunk by chunk on
CPU, with the mask as a 0/-inf bias fused into the GEMM) and a top-k per chunk, merged. The
low-precision modes keep `rescore` candidates per query and rescore them exactly in float32, so
returned scores are always exact float32 inner products. When at most `gather_below` of the rows
pass, the passing rows are gathered first and only they are scanned, so a filtered query is
never slower than an unfiltered one.

Why int8 is the CPU default (bench/index.py, 1M x 384, 2 AVX2 cores, clustered data): one query
takes ~23 ms in int8 (~49 ms bf16, ~122 ms fp32; FAISS IndexFlatIP ~120 ms) and a batch of 64
~0.31 s (bf16 0.71 s, fp32 0.57 s), at recall@10 = 1.000 against exact float32 search.

Mutations need no rebuild: `append` writes into spare capacity (grown geometrically), `update`
overwrites rows in place, `delete` tombstones rows and `compact`s when tombstones pass
`compact_above`. An int8 chunk whose rows changed is scored exactly in float32 until `repack`.

Persistence: `save` publishes an immutable version folder and atomically swaps the ``CURRENT``
pointer (see `publish`); `load` reads the one version the pointer names (see `read_current`).

Null encoding of the columns (what `columns_numpy` returns and `exact_search` expects):

========================  ===========  =============================================
column                    dtype        null
========================  ===========  =============================================
geo_id, company_id,       int64        ``NULL`` (-1); real ids must be >= 0
industry_id, seniority,
work_type
remote                    int8         ``NULL`` (-1); 0 = on-site, 1 = remote
salary                    float64      NaN
listed_at, expires_at     int64        ``NULL`` (-1); epoch seconds >= 0
========================  ===========  =============================================

Filter semantics (`Filters`): every field that is set is one condition, conditions are ANDed.
A null value never satisfies a positive condition (``*_in``, ``remote``, ``min_salary``,
``listed_after``, ``active_at``) and never triggers an exclusion (``*_not_in``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import threading
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

NULL = -1
"""Null marker of the integer columns (ids, codes, epoch seconds, the remote flag)."""

COLUMN_KINDS: dict[str, str] = {
    "geo_id": "id",
    "company_id": "id",
    "industry_id": "id",
    "seniority": "id",
    "work_type": "id",
    "remote": "bool",
    "salary": "float",
    "listed_at": "time",
    "expires_at": "time",
}
"""The filter columns and their kinds: id (int64), bool (int8), float (float64), time (int64)."""

SET_FILTERS: dict[str, str] = {
    "geo": "geo_id",
    "company": "company_id",
    "industry": "industry_id",
    "seniority": "seniority",
    "work_type": "work_type",
}
"""Prefix of the `Filters` include/exclude fields -> the column they test."""

_KIND_DTYPES: dict[str, np.dtype] = {
    "id": np.dtype(np.int64),
    "bool": np.dtype(np.int8),
    "float": np.dtype(np.float64),
    "time": np.dtype(np.int64),
}

CPU_PRECISIONS = ("fp32", "bf16", "fp16", "int8")
CUDA_PRECISIONS = ("fp32", "bf16", "fp16")
DEFAULT_CPU_PRECISION = "int8"
"""Measured on 2 AVX2 cores, 1M x 384 (bench/index.py): int8 scan + fp32 rescoring is the fastest
CPU mode at recall@10 >= 0.99 (see bench/results/index_cpu.md)."""
DEFAULT_CUDA_PRECISION = "fp16"

INT8_LEVELS = 64
"""int8 rows hold values in [-64, 64]: AVX2 int8 GEMM (vpmaddubsw) sums two uint8 x int8 products
into a saturating int16, so |w| <= 64 keeps 255 * 64 * 2 below 32767 and the scan exact in int32."""


# ---------------------------------------------------------------------------------------------
# Filters


def _frozen_ids(values: Iterable[int] | None) -> frozenset[int] | None:
    if values is None:
        return None
    if isinstance(values, (str, bytes)):
        raise TypeError("an id set must be an iterable of ints, not a string")
    return frozenset(int(v) for v in values)


@dataclass(frozen=True)
class Filters:
    """Hard filters for one search call; every field left at None is no condition.

    One `Filters` applies to the whole query batch of a `FlatIndex.search` call (search the
    queries with different filters in separate calls). Conditions are ANDed:

    * ``<col>_in``: the row's value is known and in the set (an empty set passes no row).
      ``company_in`` is also where a caller puts "companies where I have a connection";
      intersect it with any user-chosen company set first.
    * ``<col>_not_in``: the row's value is unknown or not in the set.
    * ``remote``: the row's remote flag is known and equals it.
    * ``min_salary``: the row's salary is known (not NaN) and ``>= min_salary``.
    * ``listed_after``: ``listed_at`` is known and ``>= listed_after`` (listed at or after t).
    * ``active_at``: ``expires_at`` is known and ``> active_at`` (not yet expired at t).
    """

    geo_in: frozenset[int] | None = None
    geo_not_in: frozenset[int] | None = None
    company_in: frozenset[int] | None = None
    company_not_in: frozenset[int] | None = None
    industry_in: frozenset[int] | None = None
    industry_not_in: frozenset[int] | None = None
    seniority_in: frozenset[int] | None = None
    seniority_not_in: frozenset[int] | None = None
    work_type_in: frozenset[int] | None = None
    work_type_not_in: frozenset[int] | None = None
    remote: bool | None = None
    min_salary: float | None = None
    listed_after: int | None = None
    active_at: int | None = None

    def __post_init__(self) -> None:
        for prefix in SET_FILTERS:
            for name in (f"{prefix}_in", f"{prefix}_not_in"):
                object.__setattr__(self, name, _frozen_ids(getattr(self, name)))
        if self.min_salary is not None and not np.isfinite(self.min_salary):
            raise ValueError(f"min_salary must be finite, got {self.min_salary}")

    def is_empty(self) -> bool:
        """True when no field is set (the filter passes every row)."""
        return all(getattr(self, f.name) is None for f in fields(self))


# ---------------------------------------------------------------------------------------------
# Columns


def _column_from_values(name: str, values: Any, n: int) -> np.ndarray:
    """One column in its canonical null-encoded dtype; accepts lists with None, NaN-holed floats,
    numpy arrays and tensors."""
    kind = COLUMN_KINDS[name]
    target = _KIND_DTYPES[kind]
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if not isinstance(values, np.ndarray):
        values = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    values = values.reshape(-1)
    if kind == "float" or values.dtype.kind == "f":
        floats = values.astype(np.float64)
        arr = floats if kind == "float" else np.where(np.isnan(floats), NULL, floats).astype(target)
    else:
        arr = values.astype(target)
    if arr.shape[0] != n:
        raise ValueError(f"column {name!r} has {arr.shape[0]} values for {n} rows")
    if kind == "bool" and not np.isin(arr, (NULL, 0, 1)).all():
        raise ValueError(f"column {name!r} must hold True/False/None")
    if kind in ("id", "time") and (arr < NULL).any():
        raise ValueError(f"column {name!r} holds negative values other than the null marker {NULL}")
    return arr


def null_column(name: str, n: int) -> np.ndarray:
    """A column of `n` nulls for `name`."""
    kind = COLUMN_KINDS[name]
    fill = np.nan if kind == "float" else NULL
    return np.full(n, fill, dtype=_KIND_DTYPES[kind])


def normalize_columns(columns: Mapping[str, Any] | None, n: int) -> dict[str, np.ndarray]:
    """Every column of `COLUMN_KINDS` for `n` rows in canonical null-encoded numpy form; columns
    absent from `columns` are all null. Unknown column names raise ValueError."""
    columns = dict(columns or {})
    unknown = set(columns) - set(COLUMN_KINDS)
    if unknown:
        raise ValueError(f"unknown columns {sorted(unknown)}; known: {sorted(COLUMN_KINDS)}")
    return {
        name: _column_from_values(name, columns[name], n) if name in columns else null_column(name, n)
        for name in COLUMN_KINDS
    }


# ---------------------------------------------------------------------------------------------
# Masks: the torch implementation used by the index, and an independent numpy reference


def _torch_in(column: torch.Tensor, values: frozenset[int]) -> torch.Tensor:
    """Known and in `values`. Few values: equality tests; a compact range: a lookup table
    (torch.isin sorts and is ~10x slower on a million rows); otherwise torch.isin."""
    wanted = sorted(v for v in values if v != NULL)
    if not wanted:
        return torch.zeros_like(column, dtype=torch.bool)
    if len(wanted) <= 4:
        hit = column == wanted[0]
        for value in wanted[1:]:
            hit |= column == value
        return hit
    lo, span = wanted[0], wanted[-1] - wanted[0]
    if span <= max(1 << 16, column.shape[0]):
        # slot 0: below the range, slot span + 2: above it; both False
        table = torch.zeros(span + 3, dtype=torch.bool, device=column.device)
        table[torch.tensor(wanted, device=column.device) - lo + 1] = True
        slots = (column - (lo - 1)).clamp_(0, span + 2)
        return table.index_select(0, slots)
    return torch.isin(column, torch.tensor(wanted, dtype=column.dtype, device=column.device))


def filter_mask(columns: Mapping[str, torch.Tensor], filters: Filters) -> torch.Tensor:
    """Boolean tensor, True where a row passes every condition of `filters` (see `Filters`)."""
    n = columns["geo_id"].shape[0]
    mask = torch.ones(n, dtype=torch.bool, device=columns["geo_id"].device)
    for prefix, name in SET_FILTERS.items():
        include, exclude = getattr(filters, f"{prefix}_in"), getattr(filters, f"{prefix}_not_in")
        if include is not None:
            mask &= _torch_in(columns[name], include)
        if exclude is not None and exclude:
            mask &= ~_torch_in(columns[name], exclude)
    if filters.remote is not None:
        mask &= columns["remote"] == int(filters.remote)
    if filters.min_salary is not None:
        mask &= columns["salary"] >= filters.min_salary  # NaN >= x is False
    if filters.listed_after is not None:
        listed = columns["listed_at"]
        mask &= (listed != NULL) & (listed >= filters.listed_after)
    if filters.active_at is not None:
        expires = columns["expires_at"]
        mask &= (expires != NULL) & (expires > filters.active_at)
    return mask


def numpy_filter_mask(columns: Mapping[str, np.ndarray], filters: Filters | None) -> np.ndarray:
    """Reference implementation of the `Filters` semantics in numpy, written independently of
    `filter_mask` (used by `exact_search`, the tests and data-quality checks)."""
    n = len(columns["geo_id"])
    keep = np.ones(n, dtype=bool)
    if filters is None:
        return keep
    for prefix, name in SET_FILTERS.items():
        col = np.asarray(columns[name])
        known = col != NULL
        include = getattr(filters, f"{prefix}_in")
        exclude = getattr(filters, f"{prefix}_not_in")
        if include is not None:
            keep = np.logical_and(keep, known & np.isin(col, np.fromiter(include, np.int64, len(include))))
        if exclude is not None:
            hit = known & np.isin(col, np.fromiter(exclude, np.int64, len(exclude)))
            keep = np.logical_and(keep, ~hit)
    if filters.remote is not None:
        keep &= np.asarray(columns["remote"]) == (1 if filters.remote else 0)
    if filters.min_salary is not None:
        salary = np.asarray(columns["salary"], dtype=np.float64)
        keep &= ~np.isnan(salary) & (np.nan_to_num(salary, nan=-np.inf) >= filters.min_salary)
    if filters.listed_after is not None:
        listed = np.asarray(columns["listed_at"])
        keep &= (listed != NULL) & (listed >= filters.listed_after)
    if filters.active_at is not None:
        expires = np.asarray(columns["expires_at"])
        keep &= (expires != NULL) & (expires > filters.active_at)
    return keep


# ---------------------------------------------------------------------------------------------
# The exact numpy reference and quality helpers


def exact_search(
    matrix: np.ndarray,
    ids: np.ndarray,
    columns: Mapping[str, Any] | None,
    query_vectors: np.ndarray,
    k: int,
    filters: Filters | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force inner-product top-k in numpy, in the dtype of `matrix` (pass float64 for a
    reference free of float32 rounding). Same contract as `FlatIndex.search`: returns
    ``(ids (q, k) int64, scores (q, k) float32)`` sorted by descending score, padded with id -1
    and score -inf when fewer than k rows pass `filters`."""
    matrix = np.asarray(matrix)
    queries = np.atleast_2d(np.asarray(query_vectors, dtype=matrix.dtype))
    n = matrix.shape[0]
    keep = numpy_filter_mask(normalize_columns(columns, n), filters)
    out_ids = np.full((queries.shape[0], k), -1, dtype=np.int64)
    out_scores = np.full((queries.shape[0], k), -np.inf, dtype=np.float32)
    passing = np.flatnonzero(keep)
    take = min(k, passing.size)
    if take == 0:
        return out_ids, out_scores
    for start in range(0, queries.shape[0], 256):
        block = queries[start : start + 256]
        scores = block @ matrix.T
        scores[:, ~keep] = -np.inf
        part = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-part_scores, axis=1, kind="stable")
        rows = np.take_along_axis(part, order, axis=1)
        out_ids[start : start + len(block), :take] = np.asarray(ids)[rows]
        out_scores[start : start + len(block), :take] = np.take_along_axis(part_scores, order, axis=1)
    return out_ids, out_scores


def recall_at_k(found_ids: np.ndarray, reference_ids: np.ndarray) -> float:
    """Mean over queries of |found ∩ reference| / |reference|, ignoring -1 padding. Queries whose
    reference is empty are skipped; 1.0 when every reference is empty."""
    found_ids, reference_ids = np.atleast_2d(found_ids), np.atleast_2d(reference_ids)
    recalls = []
    for found, ref in zip(found_ids, reference_ids, strict=True):
        ref_set = set(ref[ref != -1].tolist())
        if ref_set:
            recalls.append(len(ref_set & set(found[found != -1].tolist())) / len(ref_set))
    return float(np.mean(recalls)) if recalls else 1.0


def tie_aware_recall(
    found_ids: np.ndarray,
    found_scores: np.ndarray,
    reference_ids: np.ndarray,
    reference_scores: np.ndarray,
    tolerance: float = 1e-5,
) -> float:
    """Like `recall_at_k`, but a returned row also counts when its score ties the reference's k-th
    score (within `tolerance`): real corpora hold duplicate postings with identical vectors, and
    which of two equal rows fills the last slot is arbitrary."""
    recalls = []
    for f_ids, f_scores, r_ids, r_scores in zip(
        np.atleast_2d(found_ids),
        np.atleast_2d(found_scores),
        np.atleast_2d(reference_ids),
        np.atleast_2d(reference_scores),
        strict=True,
    ):
        valid = r_ids != -1
        if not valid.any():
            continue
        kth = r_scores[valid].min()
        ref_set = set(r_ids[valid].tolist())
        hits = sum(
            1
            for i, sc in zip(f_ids.tolist(), f_scores.tolist())
            if i != -1 and (i in ref_set or sc >= kth - tolerance)
        )
        recalls.append(min(hits, int(valid.sum())) / int(valid.sum()))
    return float(np.mean(recalls)) if recalls else 1.0


# ---------------------------------------------------------------------------------------------
# int8 kernels (CPU)


def int8_available() -> bool:
    """Whether this torch build has the fbgemm int8 GEMM used by the ``int8`` precision."""
    return "fbgemm" in torch.backends.quantized.supported_engines


def quantize_rows(vectors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row symmetric quantization to int8 values in [-INT8_LEVELS, INT8_LEVELS]:
    ``vectors ≈ q8 * scale[:, None]``."""
    scale = torch.maximum(vectors.amax(dim=1), vectors.amin(dim=1).neg_()).clamp_min_(1e-12).div_(INT8_LEVELS)
    q8 = (vectors / scale[:, None]).round_().clamp_(-INT8_LEVELS, INT8_LEVELS).to(torch.int8)
    return q8, scale.float()


def pack_int8(q8: torch.Tensor, scale: torch.Tensor) -> Any:
    """fbgemm-prepacked int8 weights for `torch.ops.quantized.linear_dynamic` (scores = x @ W.T).

    Quantized-tensor construction is deprecated upstream; torch is pinned, so the warning is
    silenced here, where the one use is."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        weight = torch._make_per_channel_quantized_tensor(
            q8.contiguous(), scale.double(), torch.zeros(q8.shape[0], dtype=torch.long), 0
        )
        return torch.ops.quantized.linear_prepack(weight, None)


def int8_rows_scores(queries: torch.Tensor, q8: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Approximate scores against unpacked int8 rows (the gather path). For a few queries the
    weight-only int8 GEMV reads one byte per value; it is only used for dims that are multiples
    of 32 (torch 2.13 crashes on some other dims). Otherwise the rows are dequantized."""
    if queries.shape[0] <= 4 and queries.shape[1] % 32 == 0:
        return torch._weight_int8pack_mm(queries.bfloat16(), q8, scale.bfloat16()).float()
    return queries @ (q8.float() * scale[:, None]).T


# ---------------------------------------------------------------------------------------------
# Scoring helpers


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> cuda when available, else cpu."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"auto"`` -> the measured default of the device; validates explicit choices."""
    if device.type == "cuda":
        allowed, default = CUDA_PRECISIONS, DEFAULT_CUDA_PRECISION
    else:
        allowed = CPU_PRECISIONS
        default = DEFAULT_CPU_PRECISION if int8_available() else "bf16"
    if precision == "auto":
        return default
    if precision not in allowed:
        raise ValueError(f"precision {precision!r} not supported on {device.type}; choose from {allowed}")
    if precision == "int8" and not int8_available():
        raise ValueError("precision 'int8' needs torch's fbgemm engine")
    return precision


def _biased_scores(queries: torch.Tensor, matrix: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """queries @ matrix.T + bias, where bias is 0 for allowed rows and -inf for the others (an add
    fused into the GEMM: far cheaper than masking the (q, n) scores afterwards)."""
    queries = queries.to(matrix.dtype)
    if bias is None:
        return queries @ matrix.T
    return torch.addmm(bias.to(matrix.dtype), queries, matrix.T)


_NEG_INF_BITS = -8388608
"""0xFF800000 as a signed int32: the bit pattern of float32 -inf."""


def mask_to_bias(mask: torch.Tensor) -> torch.Tensor:
    """float32 0.0 where `mask` is True, -inf where False, built on the bit patterns (several times
    cheaper than torch.where or masked_fill on a million rows)."""
    return (~mask).to(torch.int32).mul_(_NEG_INF_BITS).view(torch.float32)


class _Workspace(threading.local):
    """Per-thread scratch matrices reused across searches. On CPU a fresh multi-megabyte tensor is
    an mmap whose pages fault on first touch (a 38 MB gather costs 4x more fresh than reused)."""

    def matrix(
        self, name: str, rows: int, dim: int, dtype: torch.dtype, device: torch.device
    ) -> torch.Tensor:
        buf = self.__dict__.get(name)
        if (
            buf is None
            or buf.shape[0] < rows
            or buf.shape[1] != dim
            or buf.dtype != dtype
            or buf.device != device
        ):
            buf = torch.empty(max(rows, 1), dim, dtype=dtype, device=device)
            self.__dict__[name] = buf
        return buf[:rows]


def _merge_top(
    parts: list[tuple[torch.Tensor, torch.Tensor]], width: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The `width` best (scores, rows) over per-chunk top lists, best first."""
    scores = torch.cat([s for s, _ in parts], dim=1)
    rows = torch.cat([r for _, r in parts], dim=1)
    top_scores, top = torch.topk(scores, min(width, scores.shape[1]), dim=1)
    return top_scores, rows.gather(1, top)


# ---------------------------------------------------------------------------------------------
# The index


class FlatIndex:
    """Exhaustive inner-product index with exact hard filters and in-place mutations.

    Args:
        dim: vector dimension.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        precision: the scan copy: ``"fp32"`` (exact), ``"bf16"``/``"fp16"`` (half-precision scan),
            ``"int8"`` (CPU, per-row int8 scan), or ``"auto"`` (the measured default of the device).
            Every mode except fp32 rescores its `rescore` best candidates exactly in float32.
        rescore: candidates per query rescored in float32 by the low-precision modes
            (at least 2k are always taken).
        gather_below: when at most this fraction of the rows passes the filters, the passing rows
            are gathered and scanned alone; above it, all rows are scored and the rest masked.
        compact_above: deleted rows are tombstoned; when they exceed this fraction of the rows the
            matrix is compacted (rows move, ids stay).
        chunk_rows: CPU scans run over chunks of this many rows (each chunk's scores stay small
            enough to be reused memory); int8 prepacks one fbgemm matrix per chunk.
        repack_above: int8 only: a chunk whose rows changed (append, update, compaction) is
            scored exactly in float32 until prepacked again; the changed chunks are prepacked
            at the next search once they hold more than this fraction of the rows.
        query_block: queries scored together (bounds the (block, chunk) score matrix).
        compile: CUDA only: `torch.compile` the scoring function (unmeasured here: off by default).

    Searches may run from several threads at once (scratch memory is per thread); mutations must
    not overlap searches.
    """

    def __init__(
        self,
        dim: int,
        device: str = "cpu",
        precision: str = "auto",
        rescore: int = 256,
        gather_below: float = 0.15,
        compact_above: float = 0.1,
        chunk_rows: int = 65536,
        repack_above: float = 0.05,
        query_block: int = 64,
        compile: bool = False,
    ) -> None:
        if dim <= 0 or chunk_rows <= 0:
            raise ValueError("dim and chunk_rows must be positive")
        self.dim = dim
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.rescore = rescore
        self.gather_below = gather_below
        self.compact_above = compact_above
        self.chunk_rows = chunk_rows
        self.repack_above = repack_above
        self.query_block = query_block
        self._score_fn = _biased_scores
        if compile and self.device.type == "cuda":
            self._score_fn = torch.compile(_biased_scores, dynamic=True)
        self._workspace = _Workspace()
        self._n = 0
        self._n_dead = 0
        self._row_of: dict[int, int] = {}
        self._allocate(0)

    # -- storage ------------------------------------------------------------------------------

    def _allocate(self, capacity: int) -> None:
        dev = self.device
        # rows >= self._n of the matrices are never read: no need to zero them
        self._vectors = torch.empty(capacity, self.dim, dtype=torch.float32, device=dev)
        self._ids = torch.full((capacity,), -1, dtype=torch.int64, device=dev)
        self._alive = torch.zeros(capacity, dtype=torch.bool, device=dev)
        self._columns = {name: torch.from_numpy(null_column(name, capacity)).to(dev) for name in COLUMN_KINDS}
        self._half = None
        if self.precision in ("bf16", "fp16"):
            dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
            self._half = torch.empty(capacity, self.dim, dtype=dtype, device=dev)
        self._q8 = self._q8_scale = None
        if self.precision == "int8":
            self._q8 = torch.empty(capacity, self.dim, dtype=torch.int8)
            self._q8_scale = torch.zeros(capacity, dtype=torch.float32)
        self._packs: list[Any] = []  # int8: one prepacked matrix per chunk, None = changed since

    def _capacity(self) -> int:
        return self._vectors.shape[0]

    def _grow(self, needed: int) -> None:
        """Reallocate with geometric headroom so that appends cost amortized O(new rows)."""
        if needed <= self._capacity():
            return
        capacity = max(needed, int(self._capacity() * 1.25) + 1024)
        n, packs = self._n, self._packs
        old = self._state_tensors()
        self._allocate(capacity)
        for name, tensor in self._state_tensors().items():
            tensor[:n] = old[name][:n]
        self._packs = packs

    def _state_tensors(self) -> dict[str, torch.Tensor]:
        """Every per-row tensor, by name (the scan copies included)."""
        state = {"vectors": self._vectors, "ids": self._ids, "alive": self._alive}
        state.update({f"col:{name}": col for name, col in self._columns.items()})
        for name in ("_half", "_q8", "_q8_scale"):
            if getattr(self, name) is not None:
                state[name] = getattr(self, name)
        return state

    def _write_vectors(self, rows: torch.Tensor | slice, vectors: torch.Tensor) -> None:
        """Set the float32 rows (positions, or a slice for appends) and refresh their scan copy;
        the int8 chunks holding them lose their prepacked matrix."""
        self._vectors[rows] = vectors
        if self._half is not None:
            self._half[rows] = vectors.to(self._half.dtype)
        if self._q8 is None:
            return
        positions = torch.arange(rows.start, rows.stop) if isinstance(rows, slice) else rows.cpu()
        vectors_cpu = vectors.cpu()
        for start in range(0, len(positions), 65536):  # bounds the float temporaries
            q8, scale = quantize_rows(vectors_cpu[start : start + 65536])
            if isinstance(rows, slice):
                block = slice(rows.start + start, rows.start + start + len(q8))
                self._q8[block], self._q8_scale[block] = q8, scale
            else:
                chunk = positions[start : start + 65536]
                self._q8[chunk], self._q8_scale[chunk] = q8, scale
        if positions.numel():
            chunks = (positions // self.chunk_rows).unique().tolist()
            self._packs.extend([None] * (max(chunks) + 1 - len(self._packs)))
            for c in chunks:
                self._packs[c] = None

    def _write_columns(self, rows: torch.Tensor | slice, columns: Mapping[str, Any], n: int) -> None:
        for name, values in columns.items():
            if name not in COLUMN_KINDS:
                raise ValueError(f"unknown column {name!r}; known: {sorted(COLUMN_KINDS)}")
            self._columns[name][rows] = torch.from_numpy(_column_from_values(name, values, n)).to(self.device)

    def _as_vectors(self, vectors: Any, n: int) -> torch.Tensor:
        tensor = torch.as_tensor(
            np.asarray(vectors, dtype=np.float32)
            if not isinstance(vectors, torch.Tensor)
            else vectors.detach().float()
        )
        tensor = tensor.reshape(-1, self.dim) if tensor.numel() else tensor.reshape(0, self.dim)
        if tensor.shape != (n, self.dim):
            raise ValueError(f"expected vectors of shape ({n}, {self.dim}), got {tuple(tensor.shape)}")
        if tensor.numel() and not (torch.isfinite(tensor.amax()) and torch.isfinite(tensor.amin())):
            raise ValueError("vectors must be finite (no NaN or inf)")  # max/min propagate NaN
        return tensor.to(self.device)

    # -- mutations ----------------------------------------------------------------------------

    @classmethod
    def from_arrays(
        cls, ids: Any, vectors: Any, columns: Mapping[str, Any] | None = None, **options: Any
    ) -> FlatIndex:
        """A new index holding `vectors` (n, d) under external `ids` (n,) with `columns`, ready to
        search (int8 chunks prepacked)."""
        vectors = np.asarray(vectors, dtype=np.float32) if not isinstance(vectors, torch.Tensor) else vectors
        index = cls(int(vectors.shape[1]), **options)
        index.append(ids, vectors, columns)
        index.repack(force=True)  # int8: prepack now rather than in the first search
        return index

    def append(self, ids: Any, vectors: Any, columns: Mapping[str, Any] | None = None) -> None:
        """Add rows. `ids` must be new and distinct; columns absent from `columns` are null."""
        ids_np = np.asarray(ids, dtype=np.int64).reshape(-1)
        n_new = ids_np.shape[0]
        if len(set(ids_np.tolist())) != n_new:
            raise ValueError("append: duplicate ids in the batch")
        clash = [i for i in ids_np.tolist() if i in self._row_of]
        if clash:
            raise ValueError(f"append: ids already present, e.g. {clash[:5]} (use update)")
        tensor = self._as_vectors(vectors, n_new)
        cols = normalize_columns(columns, n_new)
        self._grow(self._n + n_new)
        rows = slice(self._n, self._n + n_new)
        self._write_vectors(rows, tensor)
        self._write_columns(rows, cols, n_new)
        self._ids[rows] = torch.from_numpy(ids_np).to(self.device)
        self._alive[rows] = True
        self._row_of.update(zip(ids_np.tolist(), range(self._n, self._n + n_new), strict=True))
        self._n += n_new

    def _rows_of(self, ids: Any) -> torch.Tensor:
        ids_list = np.asarray(ids, dtype=np.int64).reshape(-1).tolist()
        missing = [i for i in ids_list if i not in self._row_of]
        if missing:
            raise KeyError(f"ids not in the index, e.g. {missing[:5]}")
        if len(set(ids_list)) != len(ids_list):
            raise ValueError("duplicate ids in the batch")
        return torch.tensor([self._row_of[i] for i in ids_list], dtype=torch.int64, device=self.device)

    def delete(self, ids: Any) -> None:
        """Remove rows by id: tombstoned (masked out of every search) at once, physically removed
        by `compact` when tombstones exceed `compact_above` of the rows. Unknown ids raise KeyError."""
        rows = self._rows_of(ids)
        for i in np.asarray(ids, dtype=np.int64).reshape(-1).tolist():
            del self._row_of[i]
        self._alive[rows] = False
        self._n_dead += int(rows.numel())
        if self._n and self._n_dead > self.compact_above * self._n:
            self.compact()

    def update(self, ids: Any, vectors: Any = None, columns: Mapping[str, Any] | None = None) -> None:
        """Overwrite the vectors and/or the given columns of existing rows in place (other columns
        keep their values). Unknown ids raise KeyError."""
        rows = self._rows_of(ids)
        if vectors is not None:
            self._write_vectors(rows, self._as_vectors(vectors, rows.numel()))
        if columns:
            self._write_columns(rows, columns, rows.numel())

    def compact(self) -> None:
        """Physically drop tombstoned rows (one copy of the live rows); int8 chunks are prepacked
        again at the next search."""
        keep = self._alive[: self._n].nonzero().squeeze(1)
        old = self._state_tensors()
        self._allocate(int(keep.numel()))
        for name, tensor in self._state_tensors().items():
            source = old[name]
            tensor[:] = source[keep.to(source.device)]
        self._n, self._n_dead = int(keep.numel()), 0
        self._packs = [None] * math.ceil(self._n / self.chunk_rows) if self._q8 is not None else []
        self._row_of = dict(zip(self._ids.tolist(), range(self._n), strict=True))

    def _chunk_bounds(self, chunk: int) -> tuple[int, int]:
        return chunk * self.chunk_rows, min((chunk + 1) * self.chunk_rows, self._n)

    def repack(self, force: bool = False) -> int:
        """int8: prepack the changed chunks when they hold more than `repack_above` of the rows
        (or always with `force`); returns how many chunks were packed. Searches call it."""
        if self._q8 is None:
            return 0
        changed = [c for c, pack in enumerate(self._packs) if pack is None]
        changed_rows = sum(b - a for a, b in map(self._chunk_bounds, changed))
        if not changed or (not force and changed_rows <= self.repack_above * self._n):
            return 0
        for c in changed:
            start, stop = self._chunk_bounds(c)
            self._packs[c] = pack_int8(self._q8[start:stop], self._q8_scale[start:stop])
        return len(changed)

    # -- search -------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Live rows."""
        return self._n - self._n_dead

    def _mask(self, filters: Filters | None) -> torch.Tensor | None:
        """Rows that may be returned (live and passing `filters`), or None when all may."""
        mask = None
        if self._n_dead:
            mask = self._alive[: self._n]
        if filters is not None and not filters.is_empty():
            cols = {name: col[: self._n] for name, col in self._columns.items()}
            passing = filter_mask(cols, filters)
            mask = passing if mask is None else mask & passing
        return mask

    def _step(self) -> int:
        """Rows scored per chunk: `chunk_rows` on CPU; on CUDA large blocks (no page faults there)."""
        return self.chunk_rows if self.device.type == "cpu" else max(self.chunk_rows, 1 << 22)

    def _scan_chunk(
        self, queries: torch.Tensor, start: int, stop: int, bias: torch.Tensor | None
    ) -> torch.Tensor:
        """(q, stop - start) scores of a row range in the scan precision, plus `bias`."""
        part_bias = None if bias is None else bias[start:stop]
        if self.precision == "fp32":
            return self._score_fn(queries, self._vectors[start:stop], part_bias)
        if self._half is not None:
            return self._half_scores(queries, self._half[start:stop], part_bias)
        pack = self._packs[start // self.chunk_rows]
        if pack is None:  # changed since the last prepack: exact until repacked
            return _biased_scores(queries, self._vectors[start:stop], part_bias)
        scores = torch.ops.quantized.linear_dynamic(queries, pack)
        return scores if part_bias is None else scores.add_(part_bias)

    def _half_scores(
        self, queries: torch.Tensor, rows: torch.Tensor, bias: torch.Tensor | None
    ) -> torch.Tensor:
        """float32 scores against half-precision rows. On CPU only the matrix-vector kernel is fast
        in half precision (a 64-query bf16 GEMM runs ~4x slower than float32 on AVX2), so query
        batches upcast the rows to float32 scratch first."""
        if self.device.type == "cpu" and queries.shape[0] > 4:
            buf = self._workspace.matrix("upcast", rows.shape[0], self.dim, torch.float32, self.device)
            return _biased_scores(queries, buf.copy_(rows), bias)
        scores = self._score_fn(queries, rows, bias)
        # on CUDA the top-k runs on the half-precision scores and only the candidates are upcast
        # (upcasting a (64, 1M) score matrix first costs more than the matmul; measured on an H100)
        return scores if self.device.type == "cuda" else scores.float()

    def _scan_gathered(self, queries: torch.Tensor, rows: torch.Tensor, exact: bool) -> torch.Tensor:
        """(q, len(rows)) scores of the given rows, gathered into per-thread scratch memory; in float32
        when `exact`, else in the scan precision."""
        ws, n, d, dev = self._workspace, rows.numel(), self.dim, self.device
        if exact or self.precision == "fp32":
            buf = torch.index_select(self._vectors, 0, rows, out=ws.matrix("fp32", n, d, torch.float32, dev))
            return queries @ buf.T
        if self._half is not None:
            buf = torch.index_select(self._half, 0, rows, out=ws.matrix("half", n, d, self._half.dtype, dev))
            return self._half_scores(queries, buf, None)
        buf = torch.index_select(self._q8, 0, rows, out=ws.matrix("int8", n, d, torch.int8, dev))
        return int8_rows_scores(queries, buf, self._q8_scale.index_select(0, rows))

    def _candidates(
        self,
        queries: torch.Tensor,
        width: int,
        bias: torch.Tensor | None,
        rows: torch.Tensor | None,
        exact: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per query the `width` best (scores, row positions) of the scan, chunk by chunk (of the
        gathered `rows` when given, in float32 when `exact`)."""
        parts = []
        step = self._step()
        if rows is None:
            for start in range(0, self._n, step):
                stop = min(start + step, self._n)
                scores, top = torch.topk(
                    self._scan_chunk(queries, start, stop, bias), min(width, stop - start), dim=1
                )
                parts.append((scores.float(), top + start))
        else:
            step = step if queries.shape[0] <= 4 else min(step, 16384)  # bounds dequantized scratch
            for start in range(0, rows.numel(), step):
                chunk = rows[start : start + step]
                scores = self._scan_gathered(queries, chunk, exact)
                scores, top = torch.topk(scores, min(width, chunk.numel()), dim=1)
                parts.append((scores.float(), chunk[top]))
        return parts[0] if len(parts) == 1 else _merge_top(parts, width)

    def _rescore(self, queries: torch.Tensor, rows: torch.Tensor, approx: torch.Tensor) -> torch.Tensor:
        """Exact float32 scores of candidate `rows` (q, r); candidates masked out stay -inf."""
        flat = rows.reshape(-1)
        buf = self._workspace.matrix("rescore", flat.numel(), self.dim, torch.float32, self.device)
        candidates = torch.index_select(self._vectors, 0, flat, out=buf).view(*rows.shape, self.dim)
        exact = torch.bmm(candidates, queries.unsqueeze(2)).squeeze(2)
        return exact.masked_fill_(approx == float("-inf"), float("-inf"))

    def _search_block(
        self, queries: torch.Tensor, k: int, bias: torch.Tensor | None, rows: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Top-k (row positions, scores) for one block of queries; `rows` set = gather path."""
        width = max(self.rescore, 2 * k)
        # Gathered rows are read in float32 (no rescoring) when they are few (cheaper than rescoring
        # `width` candidates) or when a CPU query batch makes the scan compute-bound: the float32
        # GEMM is then as fast as a dequantizing one and the bytes saved by int8 do not matter.
        cpu_batch = self.device.type == "cpu" and queries.shape[0] > 4
        exact = rows is not None and (cpu_batch or rows.numel() <= width * queries.shape[0])
        if self.precision == "fp32" or exact:
            top_scores, top_rows = self._candidates(queries, k, bias, rows, exact=True)
            return top_rows, top_scores
        approx, cand_rows = self._candidates(queries, width, bias, rows)
        rescored = self._rescore(queries, cand_rows, approx)
        top_scores, top = torch.topk(rescored, min(k, rescored.shape[1]), dim=1)
        return cand_rows.gather(1, top), top_scores

    def explain(self, filters: Filters | None = None) -> dict[str, Any]:
        """How a search with `filters` would run: rows, passing rows, ``"scan"`` (all rows scored,
        the rest masked) or ``"gather"`` (passing rows gathered first), and bytes of the scan copy
        read per query block."""
        mask = self._mask(filters)
        n_pass = self._n if mask is None else int(torch.count_nonzero(mask))
        path = "gather" if mask is not None and n_pass <= self.gather_below * self._n else "scan"
        bytes_per_row = {"fp32": 4, "bf16": 2, "fp16": 2, "int8": 1}[self.precision] * self.dim
        scanned = n_pass if path == "gather" else self._n
        return {
            "rows": self._n,
            "passing": n_pass,
            "path": path,
            "scan_bytes": scanned * bytes_per_row,
            "precision": self.precision,
        }

    def search(
        self, query_vectors: Any, k: int, filters: Filters | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best live rows by inner product for each query, under one `filters` for the batch.

        Args:
            query_vectors: (q, d) or (d,) array or tensor.
            k: results per query.
            filters: hard filters (exact; see `Filters`), or None.

        Returns:
            ``(ids, scores)``: int64 (q, k) external ids and float32 (q, k) exact float32 inner
            products, best first. When fewer than k rows pass, the tail is padded with id -1 and
            score -inf.
        """
        if k <= 0:
            raise ValueError("k must be positive")
        queries = torch.as_tensor(
            np.asarray(query_vectors, dtype=np.float32)
            if not isinstance(query_vectors, torch.Tensor)
            else query_vectors.float()
        )
        queries = queries.reshape(-1, self.dim)
        out_ids = np.full((queries.shape[0], k), -1, dtype=np.int64)
        out_scores = np.full((queries.shape[0], k), -np.inf, dtype=np.float32)
        mask = self._mask(filters)
        n_pass = self._n if mask is None else int(torch.count_nonzero(mask))
        if n_pass == 0:
            return out_ids, out_scores
        gather = mask is not None and n_pass <= self.gather_below * self._n
        rows = mask.nonzero().squeeze(1) if gather else None
        bias = mask_to_bias(mask) if mask is not None and not gather else None
        if not gather:
            self.repack()
        queries = queries.to(self.device)
        with torch.inference_mode():
            for start in range(0, queries.shape[0], self.query_block):
                block = queries[start : start + self.query_block]
                top_rows, top_scores = self._search_block(block, k, bias, rows)
                found = self._ids[top_rows].masked_fill(top_scores == float("-inf"), -1)
                width = found.shape[1]
                out_ids[start : start + len(block), :width] = found.cpu().numpy()
                out_scores[start : start + len(block), :width] = top_scores.cpu().numpy()
        return out_ids, out_scores

    # -- export -------------------------------------------------------------------------------

    def _live_rows(self) -> torch.Tensor:
        return self._alive[: self._n].nonzero().squeeze(1)

    def vectors_numpy(self) -> np.ndarray:
        """(live rows, d) float32 copy of the vectors, in row order."""
        return self._vectors[self._live_rows()].cpu().numpy()

    def ids_numpy(self) -> np.ndarray:
        """(live rows,) int64 external ids, aligned with `vectors_numpy`."""
        return self._ids[self._live_rows()].cpu().numpy()

    def columns_numpy(self) -> dict[str, np.ndarray]:
        """Every column for the live rows, null-encoded (see the module docstring)."""
        live = self._live_rows()
        return {name: col[live].cpu().numpy() for name, col in self._columns.items()}

    def options(self) -> dict[str, Any]:
        """Constructor options except dim and device (recorded in a saved manifest)."""
        return {
            "precision": self.precision,
            "rescore": self.rescore,
            "gather_below": self.gather_below,
            "compact_above": self.compact_above,
            "chunk_rows": self.chunk_rows,
            "repack_above": self.repack_above,
            "query_block": self.query_block,
        }

    # -- persistence --------------------------------------------------------------------------

    def save(self, directory: str | os.PathLike, keep_last: int = 3) -> Path:
        """Publish the live rows as a new immutable version and return its folder.

        Writes ``<directory>/.tmp-<uuid>/`` (vectors.npy, ids.npy, one ``col_<name>.npy`` per
        column, manifest.json with counts and sha256 per file), renames it to ``vNNNNNN/``, then
        atomically replaces the pointer file ``CURRENT`` (temp file + `os.replace`). Versions
        beyond the newest `keep_last` are then deleted. One writer per directory.
        """
        return publish(
            directory,
            self.ids_numpy(),
            self.vectors_numpy(),
            self.columns_numpy(),
            self.options(),
            keep_last=keep_last,
        )

    @classmethod
    def load(
        cls, directory: str | os.PathLike, device: str = "cpu", verify: bool = True, **options: Any
    ) -> FlatIndex:
        """The index of the version named by ``<directory>/CURRENT`` (options from the manifest,
        overridden by `options`). See `read_current`."""
        data = read_current(directory, verify=verify)
        merged = {**data["manifest"].get("options", {}), **options}
        if resolve_device(device).type == "cuda" and merged.get("precision") not in CUDA_PRECISIONS:
            merged["precision"] = "auto"
        return cls.from_arrays(data["ids"], data["vectors"], data["columns"], device=device, **merged)


# ---------------------------------------------------------------------------------------------
# Versioned, atomically published files

POINTER = "CURRENT"
_VERSION_RE = re.compile(r"^v(\d{6,})$")


def _versions(directory: Path) -> list[int]:
    return sorted(
        int(m.group(1)) for p in directory.iterdir() if (m := _VERSION_RE.match(p.name)) and p.is_dir()
    )


def _version_name(version: int) -> str:
    return f"v{version:06d}"


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_npy(path: Path, array: np.ndarray) -> dict[str, Any]:
    with open(path, "wb") as fh:
        np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())
    return {"sha256": _sha256_file(path), "bytes": path.stat().st_size}


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    directory: str | os.PathLike,
    ids: np.ndarray,
    vectors: np.ndarray,
    columns: Mapping[str, np.ndarray],
    options: Mapping[str, Any] | None = None,
    keep_last: int = 3,
) -> Path:
    """Write one new version folder and atomically point ``CURRENT`` at it (see `FlatIndex.save`)."""
    if keep_last < 1:
        raise ValueError("keep_last must be >= 1")
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    version = max(_versions(root), default=0) + 1
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    arrays = {"vectors": np.asarray(vectors, dtype=np.float32), "ids": np.asarray(ids, dtype=np.int64)}
    arrays.update(
        {f"col_{name}": np.asarray(col) for name, col in normalize_columns(columns, len(ids)).items()}
    )
    files = {f"{name}.npy": _write_npy(tmp / f"{name}.npy", array) for name, array in arrays.items()}
    manifest = {
        "format": 1,
        "version": version,
        "rows": int(arrays["ids"].shape[0]),
        "dim": int(arrays["vectors"].shape[1]) if arrays["vectors"].ndim == 2 else 0,
        "columns": list(COLUMN_KINDS),
        "files": files,
        "options": dict(options or {}),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _fsync_dir(tmp)
    final = root / _version_name(version)
    os.rename(tmp, final)
    pointer_tmp = root / f".{POINTER}.{uuid.uuid4().hex}"
    with open(pointer_tmp, "w") as fh:
        fh.write(final.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, root / POINTER)
    _fsync_dir(root)
    prune_versions(root, keep_last)
    return final


def prune_versions(directory: str | os.PathLike, keep_last: int) -> list[str]:
    """Delete version folders older than the newest `keep_last` (never the current one). A reader
    still loading a deleted version fails with FileNotFoundError and `read_current` retries."""
    root = Path(directory)
    current = (root / POINTER).read_text().strip() if (root / POINTER).exists() else None
    removed = []
    for version in _versions(root)[:-keep_last]:
        name = _version_name(version)
        if name != current:
            shutil.rmtree(root / name, ignore_errors=True)
            removed.append(name)
    return removed


def _read_version(folder: Path, verify: bool) -> dict[str, Any]:
    manifest = json.loads((folder / "manifest.json").read_text())
    arrays = {}
    for filename, meta in manifest["files"].items():
        with open(folder / filename, "rb") as fh:  # an open handle survives a concurrent prune
            if verify:
                digest = hashlib.sha256()
                for chunk in iter(lambda: fh.read(1 << 22), b""):
                    digest.update(chunk)
                if digest.hexdigest() != meta["sha256"]:
                    raise ValueError(f"checksum mismatch in {folder / filename}")
                fh.seek(0)
            arrays[filename.removesuffix(".npy")] = np.load(fh, allow_pickle=False)
    if any(len(a) != manifest["rows"] for a in arrays.values()):
        raise ValueError(f"{folder}: row counts disagree with the manifest")
    columns = {name.removeprefix("col_"): a for name, a in arrays.items() if name.startswith("col_")}
    return {"manifest": manifest, "ids": arrays["ids"], "vectors": arrays["vectors"], "columns": columns}


def read_current(directory: str | os.PathLike, verify: bool = True, retries: int = 20) -> dict[str, Any]:
    """Arrays of the version named by ``CURRENT``: {"manifest", "ids", "vectors", "columns"}.

    Everything is read from the one folder the pointer named, so a reader never mixes versions;
    if that folder is pruned while being read, the pointer is read again (up to `retries` times).
    """
    root = Path(directory)
    for attempt in range(retries):
        name = (root / POINTER).read_text().strip()
        try:
            return _read_version(root / name, verify)
        except FileNotFoundError:
            if attempt == retries - 1:
                raise
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# The data-quality check


def _sample_filters(columns: Mapping[str, np.ndarray], rng: np.random.Generator) -> list[Filters | None]:
    """A few filters drawn from values present in the data: none, one geo, remote, a salary floor,
    an excluded company, a recency window."""

    def present(name: str) -> np.ndarray:
        col = columns[name]
        return col[~np.isnan(col)] if col.dtype.kind == "f" else col[col != NULL]

    choices: list[Filters | None] = [None]
    if (geos := present("geo_id")).size:
        choices.append(Filters(geo_in={int(rng.choice(geos))}))
    if present("remote").size:
        choices.append(Filters(remote=True))
    if (salaries := present("salary")).size:
        choices.append(Filters(min_salary=float(np.median(salaries))))
    if (companies := present("company_id")).size:
        choices.append(Filters(company_not_in={int(c) for c in rng.choice(companies, 3)}))
    if (listed := present("listed_at")).size:
        choices.append(Filters(listed_after=int(np.quantile(listed, 0.7))))
    return choices


def check_index(index: FlatIndex, n_queries: int = 64, seed: int = 0) -> dict[str, float | int]:
    """Health of an index: recall@10 of `search` against `exact_search` (float32 numpy) on queries
    made from stored rows plus noise, under sampled filters; returned ids that are unknown or violate
    their filter; rows with non-finite values; min/max vector norm; live rows."""
    rng = np.random.default_rng(seed)
    vectors, ids, columns = index.vectors_numpy(), index.ids_numpy(), index.columns_numpy()
    finite = np.isfinite(vectors).all(axis=1)
    norms = np.linalg.norm(vectors[finite], axis=1)
    report: dict[str, float | int] = {
        "rows": len(ids),
        "nan_rows": int((~finite).sum()),
        "norm_min": float(norms.min()) if norms.size else 0.0,
        "norm_max": float(norms.max()) if norms.size else 0.0,
        "recall_at_10": 1.0,
        "filter_violations": 0,
    }
    if not len(ids):
        return report
    picks = rng.integers(0, len(ids), n_queries)
    noise = rng.standard_normal((n_queries, vectors.shape[1])).astype(np.float32)
    queries = vectors[picks] + 0.5 * noise * (norms.mean() / np.sqrt(vectors.shape[1]))
    choices = _sample_filters(columns, rng)
    groups = rng.integers(0, len(choices), n_queries)
    row_of = {int(i): r for r, i in enumerate(ids.tolist())}
    found_all, found_scores, ref_all, ref_scores, violations = [], [], [], [], 0
    for g, filters in enumerate(choices):
        block = queries[groups == g]
        if not len(block):
            continue
        found, _ = index.search(block, 10, filters)
        # score the returned rows from the stored vectors: the index's own scores are not trusted
        rows = np.array([[row_of.get(i, -1) for i in r] for r in found.tolist()], dtype=np.int64)
        exact = np.einsum("qd,qkd->qk", block, vectors[rows.clip(0)])
        scores = np.where(rows >= 0, exact, -np.inf).astype(np.float32)
        ref, reference = exact_search(vectors, ids, columns, block, 10, filters)
        keep = numpy_filter_mask(columns, filters)
        violations += sum(i not in row_of or not keep[row_of[i]] for i in found[found != -1].tolist())
        found_all.append(found)
        found_scores.append(np.asarray(scores))
        ref_all.append(ref)
        ref_scores.append(reference)
    report["id_recall_at_10"] = recall_at_k(np.concatenate(found_all), np.concatenate(ref_all))
    report["recall_at_10"] = tie_aware_recall(
        np.concatenate(found_all),
        np.concatenate(found_scores),
        np.concatenate(ref_all),
        np.concatenate(ref_scores),
    )
    report["filter_violations"] = int(violations)
    return report
