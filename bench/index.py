"""Benchmark of the flat index (`jobsearch.retrieval.flat_index.FlatIndex`) against FAISS, LanceDB and numpy.

One run prints one markdown table and writes it to `--out`:
sizes x k (10, 100) x batch (1, 64) x filter (none, ~50%, ~10%, ~1% of rows pass), with
queries/s of every method, ratios against FAISS IndexFlatIP and LanceDB, recall@10 of every method
against exact float32 search, and the bytes the default index mode scans per second as a fraction
of the memory copy bandwidth measured in the same run.

    .venv/bin/python bench/index.py --quick                 # seconds
    .venv/bin/python bench/index.py                         # 100k and 1M x 384, CPU (minutes)
    .venv/bin/python bench/index.py --device cuda           # GPU machine

Data: clustered synthetic vectors (unit-normalized centre + noise, `--clusters` centres), which is
harder for quantized scans than isotropic noise because neighbours' scores sit close together.
Filters use a `geo_id` column drawn uniformly from 0..99: `geo_id < 50 / 10 / 1`.
Timing: one warm-up call, then the median of repeated calls (each repeat a different query).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobsearch.retrieval.flat_index import (
    CPU_PRECISIONS,
    Filters,
    FlatIndex,
    exact_search,
    int8_available,
    resolve_device,
    resolve_precision,
)

FILTER_KEEP = {"none": None, "50%": 50, "10%": 10, "1%": 1}
"""Filter name -> geo_id upper bound (geo_id uniform in 0..99), None = unfiltered."""
BATCH = 64


# ---------------------------------------------------------------------------------------------
# Data and bandwidth


def make_data(n: int, dim: int, clusters: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vectors (n, dim) unit-norm float32, geo_id (n,), queries (BATCH, dim)), built in chunks."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        chunk = centres[rng.integers(0, clusters, m)] + rng.standard_normal((m, dim), dtype=np.float32) * 0.06
        vectors[start : start + m] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    geo = rng.integers(0, 100, n).astype(np.int64)
    queries = (
        centres[rng.integers(0, clusters, BATCH)] + rng.standard_normal((BATCH, dim), dtype=np.float32) * 0.06
    )
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return vectors, geo, queries.astype(np.float32)


def copy_bandwidth(device: torch.device, gigabytes: float = 1.0) -> float:
    """Read+write GB/s of copying a `gigabytes` array on `device` (median of 5)."""
    numel = int(gigabytes * 1e9 / 4)
    src = torch.ones(numel, dtype=torch.float32, device=device)
    dst = torch.empty_like(src)
    times = []
    for _ in range(6):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        dst.copy_(src)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    del src, dst
    return 2 * numel * 4 / statistics.median(times[1:]) / 1e9


class CpuShare:
    """CPU time other processes used while this one ran (from /proc/stat; Linux only): timings on
    a shared machine are only as good as it was quiet."""

    def __init__(self) -> None:
        self.start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            fields = [float(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        except (OSError, ValueError):
            return None
        ticks = os.sysconf("SC_CLK_TCK")
        busy = (sum(fields) - fields[3] - fields[4]) / ticks  # all but idle and iowait
        own = sum(os.times()[:4])
        return busy, own, time.monotonic()

    def report(self, label: str) -> str:
        end = self._sample()
        if self.start is None or end is None:
            return f"{label}: CPU use of other processes unknown"
        busy, own, wall = (b - a for a, b in zip(self.start, end, strict=True))
        other = max(0.0, busy - own)
        return (
            f"{label}: {wall:.0f} s wall; other processes used {other:.0f} CPU-s "
            f"({other / wall:.2f} of {os.cpu_count()} cores on average)"
        )


# ---------------------------------------------------------------------------------------------
# Timing


@dataclass
class Config:
    size: int
    k: int
    batch: int
    filter_name: str


@dataclass
class Measurement:
    qps: float | None = None
    seconds: float | None = None
    recall: float | None = None
    note: str = ""
    found: np.ndarray | None = field(default=None, repr=False)


def time_method(
    search: Callable[[np.ndarray], np.ndarray], queries: np.ndarray, batch: int, repeats: int, budget_s: float
) -> tuple[float, np.ndarray]:
    """Median seconds per call and the ids found for the queries (first BATCH, rows in order).

    Single queries cycle through the query set; a batch call searches all of it."""
    calls = [queries[i : i + 1] for i in range(len(queries))] if batch == 1 else [queries]
    found = {0: search(calls[0])}  # warm-up
    times: list[float] = []
    spent = 0.0
    for i in range(max(repeats, len(calls) if batch == 1 else repeats)):
        call = calls[i % len(calls)]
        start = time.perf_counter()
        result = search(call)
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        found.setdefault(i % len(calls), result)
        spent += elapsed
        if len(times) >= 3 and spent > budget_s and len(found) == len(calls):
            break
    for i in range(len(calls)):  # results of queries the budget left out (untimed)
        if i not in found:
            found[i] = search(calls[i])
    return statistics.median(times), np.concatenate([found[i] for i in range(len(calls))])


# ---------------------------------------------------------------------------------------------
# Methods: each builds once per size and returns search(queries, k, filter_name) -> ids


def index_method(vectors: np.ndarray, geo: np.ndarray, precision: str, device: str, compile: bool = False):
    index = FlatIndex.from_arrays(
        np.arange(len(vectors)), vectors, {"geo_id": geo}, device=device, precision=precision, compile=compile
    )
    filters = {
        name: None if bound is None else Filters(geo_in=set(range(bound)))
        for name, bound in FILTER_KEEP.items()
    }
    index.search(vectors[:1], 10)  # prepacks int8 outside the timings

    def search(queries: np.ndarray, k: int, filter_name: str) -> np.ndarray:
        return index.search(queries, k, filters[filter_name])[0]

    plans = {name: index.explain(f) for name, f in filters.items()}
    return search, index, plans


def faiss_method(vectors: np.ndarray, geo: np.ndarray):
    import faiss

    faiss.omp_set_num_threads(torch.get_num_threads())
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    params = {}
    for name, bound in FILTER_KEEP.items():  # selectors built outside the timings (favours FAISS)
        if bound is None:
            params[name] = None
        else:
            bits = np.packbits(geo < bound, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(geo), faiss.swig_ptr(bits))
            params[name] = (faiss.SearchParameters(sel=selector), bits, selector)

    def search(queries: np.ndarray, k: int, filter_name: str) -> np.ndarray:
        p = params[filter_name]
        _, found = index.search(queries, k) if p is None else index.search(queries, k, params=p[0])
        return found

    return search, index


def numpy_method(vectors: np.ndarray, geo: np.ndarray):
    masks = {name: None if bound is None else geo < bound for name, bound in FILTER_KEEP.items()}

    def search(queries: np.ndarray, k: int, filter_name: str) -> np.ndarray:
        scores = queries @ vectors.T
        if masks[filter_name] is not None:
            scores[:, ~masks[filter_name]] = -np.inf
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
        return np.take_along_axis(part, order, axis=1)

    return search, None


def lancedb_method(vectors: np.ndarray, geo: np.ndarray, workdir: str):
    import lancedb
    import pyarrow as pa

    db = lancedb.connect(workdir)
    vector_type = pa.list_(pa.float32(), vectors.shape[1])
    table = db.create_table(
        "jobs", schema=pa.schema([("id", pa.int64()), ("geo_id", pa.int64()), ("vector", vector_type)])
    )
    for start in range(0, len(vectors), 100_000):
        chunk = vectors[start : start + 100_000]
        table.add(
            pa.table(
                {
                    "id": pa.array(np.arange(start, start + len(chunk))),
                    "geo_id": pa.array(geo[start : start + len(chunk)]),
                    "vector": pa.FixedSizeListArray.from_arrays(
                        pa.array(chunk.reshape(-1)), vectors.shape[1]
                    ),
                }
            )
        )

    def search(queries: np.ndarray, k: int, filter_name: str) -> np.ndarray:
        out = []
        for q in queries:  # LanceDB searches one vector per query here
            builder = (
                table.search(q)
                .distance_type("dot")
                .bypass_vector_index()
                .select(["id", "_distance"])
                .limit(k)
            )
            if FILTER_KEEP[filter_name] is not None:
                builder = builder.where(f"geo_id < {FILTER_KEEP[filter_name]}", prefilter=True)
            ids = builder.to_arrow()["id"].to_numpy()
            out.append(np.pad(ids, (0, k - len(ids)), constant_values=-1))
        return np.stack(out)

    return search, table


# ---------------------------------------------------------------------------------------------
# The run


def precisions_for(device: torch.device) -> list[str]:
    if device.type == "cuda":
        return ["fp16", "bf16", "fp32"]
    return [p for p in ("int8", "bf16", "fp32") if p in CPU_PRECISIONS and (p != "int8" or int8_available())]


def reference(vectors: np.ndarray, geo: np.ndarray, queries: np.ndarray) -> dict[str, np.ndarray]:
    """Exact float32 top-10 ids per filter (the recall reference)."""
    refs = {}
    for name, bound in FILTER_KEEP.items():
        filters = None if bound is None else Filters(geo_in=set(range(bound)))
        refs[name] = exact_search(vectors, np.arange(len(vectors)), {"geo_id": geo}, queries, 10, filters)[0]
    return refs


def recall10(found: np.ndarray, ref: np.ndarray) -> float:
    hits = [
        len(set(f[:10].tolist()) & set(r[r != -1].tolist())) / max(1, (r != -1).sum())
        for f, r in zip(found, ref, strict=True)
    ]
    return float(np.mean(hits))


def measure_method(
    name: str, search, configs: list[Config], queries: np.ndarray, refs, args, results: dict
) -> None:
    for cfg in configs:
        if name == "lancedb" and cfg.batch > 1:
            results[(cfg.size, cfg.k, cfg.batch, cfg.filter_name, name)] = Measurement(note="n/a")
            continue
        budget = args.budget * (0.5 if name == "lancedb" else 1.0)
        repeats = 3 if cfg.batch > 1 else min(args.repeats if name != "lancedb" else 4, len(queries))
        qset = queries[:repeats] if cfg.batch == 1 else queries
        seconds, found = time_method(
            lambda q, cfg=cfg: search(q, cfg.k, cfg.filter_name), qset, cfg.batch, repeats, budget
        )
        ref = refs[cfg.filter_name][: len(found)]
        results[(cfg.size, cfg.k, cfg.batch, cfg.filter_name, name)] = Measurement(
            qps=cfg.batch / seconds, seconds=seconds, recall=recall10(found, ref)
        )
        print(
            f"  {name:10s} n={cfg.size:>8} k={cfg.k:<3} batch={cfg.batch:<2} filter={cfg.filter_name:4s} "
            f"{seconds * 1000:9.2f} ms/call  recall@10={recall10(found, ref):.4f}",
            flush=True,
        )


def run_size(n: int, args, device: torch.device, results: dict, notes: list[str]) -> None:
    print(f"# size {n:,} x {args.dim}", flush=True)
    vectors, geo, queries = make_data(n, args.dim, args.clusters, args.seed)
    refs = reference(vectors, geo, queries)
    configs = [Config(n, k, b, f) for k in (10, 100) for b in (1, BATCH) for f in FILTER_KEEP]
    for precision in precisions_for(device):
        start = time.perf_counter()
        search, index, plans = index_method(vectors, geo, precision, str(device), args.compile)
        notes.append(f"build {precision} index {n:,}: {time.perf_counter() - start:.1f} s")
        for name, plan in plans.items():
            results[(n, "plan", precision, name)] = plan
        measure_method(f"idx-{precision}", search, configs, queries, refs, args, results)
        del search, index
        gc.collect()
    if not args.no_faiss:
        search, _ = faiss_method(vectors, geo)
        measure_method("faiss", search, configs, queries, refs, args, results)
        del search
        gc.collect()
    search, _ = numpy_method(vectors, geo)
    measure_method("numpy", search, configs, queries, refs, args, results)
    if n <= args.lancedb_max:
        with tempfile.TemporaryDirectory() as workdir:
            start = time.perf_counter()
            search, _ = lancedb_method(vectors, geo, workdir)
            notes.append(f"build LanceDB table {n:,}: {time.perf_counter() - start:.1f} s")
            measure_method("lancedb", search, configs, queries, refs, args, results)
            del search
            gc.collect()
    else:
        notes.append(f"LanceDB skipped at {n:,} (over --lancedb-max)")


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def render(
    results: dict, sizes: list[int], device: torch.device, bandwidth: float, args, notes: list[str]
) -> str:
    precisions = precisions_for(device)
    default = resolve_precision("auto", device)
    methods = [f"idx-{p}" for p in precisions] + ([] if args.no_faiss else ["faiss"]) + ["numpy", "lancedb"]
    header = (
        ["rows", "k", "batch", "filter"]
        + [f"{m} q/s" for m in methods]
        + [
            f"idx-{default} ms/call",
            f"idx-{default} / faiss",
            f"idx-{default} / lancedb",
            "recall@10 (" + " / ".join(m.removeprefix("idx-") for m in methods) + ")",
            f"idx-{default} scan GB/s (x copy bw)",
        ]
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for n in sizes:
        for k in (10, 100):
            for batch in (1, BATCH):
                for fname in FILTER_KEEP:
                    row = {
                        m: results.get((n, k, batch, fname, m), Measurement(note="skipped")) for m in methods
                    }
                    ours = row[f"idx-{default}"]
                    cells = [f"{n:,}", str(k), str(batch), fname]
                    cells += [fmt(row[m].qps) if row[m].qps else row[m].note for m in methods]
                    cells.append(fmt(ours.seconds * 1000 if ours.seconds else None, 2))
                    for base in ("faiss", "lancedb"):
                        other = row.get(base)
                        cells.append(
                            f"{ours.qps / other.qps:.1f}x" if other and other.qps and ours.qps else "n/a"
                        )
                    cells.append(
                        " / ".join(
                            fmt(row[m].recall, 3) if row[m].recall is not None else "-" for m in methods
                        )
                    )
                    plan = results[(n, "plan", default, fname)]
                    gbs = plan["scan_bytes"] / ours.seconds / 1e9 if ours.seconds else None
                    cells.append(f"{gbs:.1f} ({gbs / bandwidth:.2f}, {plan['path']})" if gbs else "n/a")
                    lines.append("| " + " | ".join(cells) + " |")
    threads = f"torch threads {torch.get_num_threads()}"
    where = threads if device.type == "cpu" else torch.cuda.get_device_name()
    meta = [
        (
            f"device: {device} ({where}), dim {args.dim}, clustered data ({args.clusters} centres), "
            f"default precision `{default}`"
        ),
        (
            f"memory copy bandwidth measured in this run: {bandwidth:.1f} GB/s "
            f"(read+write, 1 GB {device.type} copy)"
        ),
        (
            "q/s = queries per second (batch / median seconds per call); LanceDB: flat search with SQL "
            "prefilter, no ANN index, one query per call (batch n/a)"
        ),
        (
            "scan GB/s: bytes of the scan copy read per call (only the passing rows on the gather path) "
            "/ time; in brackets: fraction of the copy bandwidth, and the path (scan = all rows scored "
            "and masked, gather = passing rows gathered first)"
        ),
        "FAISS filters: IDSelectorBitmap via SearchParameters, built outside the timings",
        *notes,
    ]
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {m}" for m in meta) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated row counts")
    parser.add_argument("--quick", action="store_true", help="one small size, short timings")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--clusters", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=16, help="single-query timings per config")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds of timing per config and method")
    parser.add_argument("--lancedb-max", type=int, default=1_000_000, help="largest size LanceDB runs at")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--no-faiss", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compile", action="store_true",
                        help="CUDA: torch.compile the index's scoring function (compare with a run without)")
    parser.add_argument("--out", default=None, help="markdown file (default bench/results/index_<device>.md)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats, args.budget = "20000", 8, 0.5
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    sizes = [int(s) for s in args.sizes.split(",")]
    bandwidth = copy_bandwidth(device)
    print(f"copy bandwidth {bandwidth:.1f} GB/s on {device}", flush=True)
    results: dict = {}
    notes: list[str] = []
    for n in sizes:
        share = CpuShare()
        run_size(n, args, device, results, notes)
        notes.append(share.report(f"size {n:,}"))
    if args.compile:
        notes.append("index scoring function under torch.compile (--compile)")
    table = render(results, sizes, device, bandwidth, args, notes)
    print(table)
    suffix = "_compiled" if args.compile else ""
    out = Path(args.out or Path(__file__).resolve().parent / "results" / f"index_{device.type}{suffix}.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# Flat index benchmark ({time.strftime('%Y-%m-%d %H:%M')})\n\n" + table)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
