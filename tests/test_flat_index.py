"""The flat index: filter semantics, exactness against the numpy reference, mutations, atomic publish."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
import torch

from jobsearch.retrieval.flat_index import (
    CPU_PRECISIONS,
    NULL,
    Filters,
    FlatIndex,
    check_index,
    exact_search,
    int8_rows_scores,
    normalize_columns,
    numpy_filter_mask,
    publish,
    quantize_rows,
    read_current,
    recall_at_k,
)

# ---------------------------------------------------------------------------------------------
# A hand-made index of 8 rows: row i has vector (i + 1) * e_i, so the all-ones query scores row i
# at i + 1 and returns the passing rows in descending row order.

N = None
NAN = math.nan
HAND_ROWS = [
    # geo, company, industry, seniority, remote, work_type, salary, listed_at, expires_at
    (1, 10, 5, 1, True, 0, 50_000, 1000, 2000),
    (1, 11, 5, 2, False, 1, NAN, 1100, 1500),
    (2, 10, 6, 3, N, 0, 120_000, N, 3000),
    (N, 12, N, 1, True, 2, 90_000, 1300, N),
    (2, N, 6, N, False, N, 200_000, 1400, 1450),
    (3, 13, 7, 2, True, 1, 70_000, 1500, 5000),
    (1, 12, 5, 4, N, 0, NAN, 1600, 1700),
    (N, N, N, N, N, N, NAN, N, N),
]
HAND_COLUMNS = {
    name: [row[j] for row in HAND_ROWS]
    for j, name in enumerate(
        [
            "geo_id",
            "company_id",
            "industry_id",
            "seniority",
            "remote",
            "work_type",
            "salary",
            "listed_at",
            "expires_at",
        ]
    )
}
HAND_IDS = np.arange(100, 108)
HAND_VECTORS = np.diag(np.arange(1, 9, dtype=np.float32))

HAND_CASES = [
    (Filters(), {0, 1, 2, 3, 4, 5, 6, 7}),
    (Filters(geo_in={1}), {0, 1, 6}),
    (Filters(geo_in={1, NULL}), {0, 1, 6}),  # a null never matches an include set
    (Filters(geo_not_in={1}), {2, 3, 4, 5, 7}),  # ... and never triggers an exclusion
    (Filters(geo_not_in={1, NULL}), {2, 3, 4, 5, 7}),
    (Filters(geo_in=set()), set()),
    (Filters(company_in={10, 12}), {0, 2, 3, 6}),
    (Filters(company_not_in={10}), {1, 3, 4, 5, 6, 7}),
    (Filters(industry_in={5}), {0, 1, 6}),
    (Filters(industry_not_in={5, 6}), {3, 5, 7}),
    (Filters(seniority_in={1, 2}), {0, 1, 3, 5}),
    (Filters(seniority_not_in={1}), {1, 2, 4, 5, 6, 7}),
    (Filters(work_type_in={0}), {0, 2, 6}),
    (Filters(work_type_not_in={0, 1}), {3, 4, 7}),
    (Filters(remote=True), {0, 3, 5}),
    (Filters(remote=False), {1, 4}),
    (Filters(min_salary=90_000), {2, 3, 4}),  # >=, and NaN never passes
    (Filters(min_salary=0), {0, 2, 3, 4, 5}),
    (Filters(listed_after=1300), {3, 4, 5, 6}),  # >=, null never passes
    (Filters(active_at=1500), {0, 2, 5, 6}),  # expires_at > t strictly, null never passes
    (Filters(geo_in={1, 2}, remote=False, min_salary=10_000), {4}),
    (Filters(company_in={10, 11, 12}, company_not_in={11}, listed_after=1000, active_at=1600), {0, 6}),
]


def hand_index(precision: str, gather_below: float) -> FlatIndex:
    return FlatIndex.from_arrays(
        HAND_IDS, HAND_VECTORS, HAND_COLUMNS, precision=precision, gather_below=gather_below
    )


@pytest.mark.parametrize("precision", CPU_PRECISIONS)
@pytest.mark.parametrize("gather_below", [0.0, 1.0], ids=["mask", "gather"])
def test_hand_made_filters(precision, gather_below):
    index = hand_index(precision, gather_below)
    columns = normalize_columns(HAND_COLUMNS, 8)
    for filters, expected_rows in HAND_CASES:
        ids, scores = index.search(np.ones(8, dtype=np.float32), 8, filters)
        expected = [100 + r for r in sorted(expected_rows, reverse=True)]
        assert ids[0, : len(expected)].tolist() == expected, filters
        assert (ids[0, len(expected) :] == -1).all(), filters
        np.testing.assert_allclose(scores[0, : len(expected)], [i - 99 for i in expected], rtol=1e-6)
        assert set(np.flatnonzero(numpy_filter_mask(columns, filters))) == expected_rows, filters


def test_fewer_than_k_results_are_padded():
    index = hand_index("fp32", 0.1)
    ids, scores = index.search(np.ones((2, 8), dtype=np.float32), 5, Filters(geo_in={1}))
    assert ids.dtype == np.int64 and scores.dtype == np.float32 and ids.shape == (2, 5)
    assert ids[0].tolist() == [106, 101, 100, -1, -1]
    assert scores[0, :3].tolist() == [7.0, 2.0, 1.0] and np.isneginf(scores[0, 3:]).all()
    ids, scores = index.search(np.ones(8, dtype=np.float32), 3, Filters(geo_in={999}))
    assert (ids == -1).all() and np.isneginf(scores).all()
    ref_ids, ref_scores = exact_search(
        HAND_VECTORS, HAND_IDS, HAND_COLUMNS, np.ones(8), 5, Filters(geo_in={1})
    )
    assert ref_ids[0].tolist() == [106, 101, 100, -1, -1] and np.isneginf(ref_scores[0, 3:]).all()


def test_columns_and_filters_normalize_inputs():
    cols = normalize_columns({"geo_id": np.array([1.0, np.nan]), "remote": [True, None]}, 2)
    assert cols["geo_id"].tolist() == [1, NULL] and cols["remote"].tolist() == [1, NULL]
    assert np.isnan(cols["salary"]).all() and cols["listed_at"].tolist() == [NULL, NULL]
    assert Filters(geo_in=[3, 3, 4]).geo_in == frozenset({3, 4})
    with pytest.raises(ValueError):
        normalize_columns({"colour": [1, 2]}, 2)
    with pytest.raises(ValueError):
        normalize_columns({"geo_id": [-5, 1]}, 2)
    with pytest.raises(TypeError):
        Filters(geo_in="12")


# ---------------------------------------------------------------------------------------------
# Exactness on random data


def random_data(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, d)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, n)] + 0.5 * rng.standard_normal((n, d)).astype(np.float32)
    ids = rng.permutation(10 * n)[:n].astype(np.int64) + 1_000_000
    columns = {
        "geo_id": np.where(rng.random(n) < 0.1, NULL, rng.integers(0, 100, n)),
        "company_id": rng.integers(0, 300, n),
        "remote": np.where(rng.random(n) < 0.2, NULL, rng.integers(0, 2, n)).astype(np.int8),
        "salary": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(30_000, 250_000, n)),
        "listed_at": rng.integers(1_700_000_000, 1_700_000_000 + 86_400 * 60, n),
        "expires_at": rng.integers(1_700_000_000 + 86_400 * 30, 1_700_000_000 + 86_400 * 90, n),
    }
    return vectors, ids, columns


RANDOM_FILTERS = [
    None,
    Filters(geo_in=set(range(50))),  # ~45%: masked scan
    Filters(geo_in=set(range(8))),  # ~7%: gathered scan
    Filters(geo_in={3}),  # ~1%
    Filters(geo_in=set(range(40, 52))),  # ids on both sides of the set's range: the lookup-table path
    Filters(company_in=set(range(0, 300, 7)) | {10**12}),  # a wide id range: the torch.isin path
    Filters(remote=True, min_salary=100_000, company_not_in=set(range(0, 300, 3))),
    Filters(listed_after=1_700_000_000 + 86_400 * 50, active_at=1_700_000_000 + 86_400 * 60),
]


@pytest.fixture(scope="module")
def random_set():
    vectors, ids, columns = random_data(5000, 64, seed=1)
    queries = vectors[np.random.default_rng(2).integers(0, 5000, 32)] + 0.3 * np.random.default_rng(
        3
    ).standard_normal((32, 64)).astype(np.float32)
    return vectors, ids, columns, queries


@pytest.mark.parametrize("precision", CPU_PRECISIONS)
@pytest.mark.parametrize(
    "chunk_rows,gather_below",
    [(65536, 0.1), (700, 0.1), (700, 1.0)],
    ids=["one-chunk", "chunks", "chunks-gather-all"],
)
def test_matches_numpy_reference(random_set, precision, chunk_rows, gather_below):
    vectors, ids, columns, queries = random_set
    index = FlatIndex.from_arrays(
        ids, vectors, columns, precision=precision, chunk_rows=chunk_rows, gather_below=gather_below
    )
    for filters in RANDOM_FILTERS:
        found, scores = index.search(queries, 10, filters)
        ref, ref_scores = exact_search(vectors.astype(np.float64), ids, columns, queries, 10, filters)
        if precision == "fp32":
            np.testing.assert_array_equal(found, ref)
        else:
            assert recall_at_k(found, ref) >= 0.99, (precision, filters)
        # returned scores are exact float32 inner products, whatever the scan precision
        np.testing.assert_allclose(scores, ref_scores, rtol=1e-4, atol=1e-3)
        keep = numpy_filter_mask(normalize_columns(columns, len(ids)), filters)
        allowed = set(ids[keep].tolist())
        assert set(found[found != -1].tolist()) <= allowed


@pytest.mark.parametrize("dim,n_queries", [(64, 1), (64, 3), (48, 1), (40, 8)])
def test_int8_rows_scores_match_dequantized_product(dim, n_queries):
    """The gather-path int8 kernel (weight-only GEMV or dequantized GEMM) scores like the dequantized
    float32 product, up to bf16 rounding."""
    gen = torch.Generator().manual_seed(dim)
    vectors = torch.randn(300, dim, generator=gen)
    queries = torch.randn(n_queries, dim, generator=gen)
    q8, scale = quantize_rows(vectors)
    assert q8.abs().max() <= 64
    reference = queries @ (q8.float() * scale[:, None]).T
    np.testing.assert_allclose(int8_rows_scores(queries, q8, scale), reference, atol=0.05, rtol=0.01)
    # rounding moves each value by at most scale / 2, so a score by at most scale / 2 * ||q||_1
    bound = 0.5 * scale[None, :] * queries.abs().sum(dim=1, keepdim=True) + 1e-4
    assert ((reference - queries @ vectors.T).abs() <= bound).all()


def test_batch_and_single_queries_agree(random_set):
    vectors, ids, columns, queries = random_set
    index = FlatIndex.from_arrays(ids, vectors, columns, precision="int8", query_block=5)
    batch, _ = index.search(queries, 20, RANDOM_FILTERS[1])
    single = np.concatenate([index.search(q, 20, RANDOM_FILTERS[1])[0] for q in queries])
    np.testing.assert_array_equal(batch, single)


# ---------------------------------------------------------------------------------------------
# Mutations


@pytest.mark.parametrize(
    "precision,compact_above,repack_above",
    [
        ("fp32", 0.1, 0.05),
        ("bf16", 1.0, 0.05),
        ("int8", 0.1, 0.05),
        ("int8", 1.0, 1.0),
        ("int8", 1.0, 0.5),
    ],
)
def test_append_delete_update_match_reference(precision, compact_above, repack_above):
    """repack_above 1.0: changed int8 chunks stay unpacked (scored exactly); 0.5: some are repacked."""
    vectors, ids, columns = random_data(4000, 32, seed=4)
    rng = np.random.default_rng(5)
    index = FlatIndex.from_arrays(
        ids[:3000],
        vectors[:3000],
        {c: v[:3000] for c, v in columns.items()},
        precision=precision,
        compact_above=compact_above,
        repack_above=repack_above,
        chunk_rows=256,
    )
    assert index.repack(force=True) == 0  # from_arrays prepacked all 12 int8 chunks already
    assert len(index._packs) == (12 if precision == "int8" else 0)
    assert all(pack is not None for pack in index._packs)
    model = {int(i): (vectors[r], {c: v[r] for c, v in columns.items()}) for r, i in enumerate(ids[:3000])}

    index.append(ids[3000:], vectors[3000:], {c: v[3000:] for c, v in columns.items()})
    model.update(
        {int(i): (vectors[r], {c: v[r] for c, v in columns.items()}) for r, i in enumerate(ids) if r >= 3000}
    )
    gone = rng.choice(ids, 500, replace=False)
    index.delete(gone)
    for i in gone.tolist():
        del model[i]
    changed = rng.choice(np.array(sorted(model)), 300, replace=False)
    new_vectors = rng.standard_normal((300, 32)).astype(np.float32) * 3
    new_geo = rng.integers(0, 100, 300)
    index.update(changed, vectors=new_vectors, columns={"geo_id": new_geo, "remote": np.ones(300, np.int8)})
    for i, v, g in zip(changed.tolist(), new_vectors, new_geo.tolist(), strict=True):
        model[i] = (v, {**model[i][1], "geo_id": g, "remote": 1})

    keys = sorted(model)
    ref_vectors = np.stack([model[i][0] for i in keys])
    ref_columns = {c: np.array([model[i][1][c] for i in keys]) for c in columns}
    queries = np.concatenate([new_vectors[:8], vectors[:8]]) + 0.1
    assert len(index) == len(keys)
    for filters in [*RANDOM_FILTERS[:4], Filters(remote=True)]:
        found, _ = index.search(queries, 10, filters)
        ref, _ = exact_search(
            ref_vectors.astype(np.float64), np.array(keys), ref_columns, queries, 10, filters
        )
        if precision == "fp32":
            np.testing.assert_array_equal(found, ref)
        else:
            assert recall_at_k(found, ref) >= 0.99
        assert not set(found.ravel().tolist()) & set(gone.tolist())
    assert sorted(index.ids_numpy().tolist()) == keys
    with pytest.raises(KeyError):
        index.delete([gone[0]])
    with pytest.raises(ValueError):
        index.append([keys[0]], vectors[:1])
    with pytest.raises(ValueError):
        index.append([1], np.full((1, 32), np.nan, dtype=np.float32))


# ---------------------------------------------------------------------------------------------
# Persistence


def test_save_load_round_trip_and_pruning(tmp_path, random_set):
    vectors, ids, columns, queries = random_set
    index = FlatIndex.from_arrays(ids, vectors, columns, precision="int8")
    index.delete(ids[:10])
    for _ in range(4):
        folder = index.save(tmp_path, keep_last=2)
    assert folder.name == "v000004" and (tmp_path / "CURRENT").read_text().strip() == "v000004"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("v")) == ["v000003", "v000004"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (
        manifest["rows"] == len(ids) - 10
        and manifest["dim"] == 64
        and manifest["options"]["precision"] == "int8"
    )
    loaded = FlatIndex.load(tmp_path)
    assert loaded.precision == "int8" and len(loaded) == len(ids) - 10
    for filters in RANDOM_FILTERS[:3]:
        np.testing.assert_array_equal(
            loaded.search(queries, 10, filters)[0], index.search(queries, 10, filters)[0]
        )
    raw = bytearray((folder / "vectors.npy").read_bytes())
    raw[-1] ^= 0xFF
    (folder / "vectors.npy").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="checksum"):
        FlatIndex.load(tmp_path)


def test_reader_never_sees_a_mix_of_versions(tmp_path):
    """The main thread publishes 20 versions (every value of version m is m) while a thread loads
    in a loop; every load must succeed and be internally consistent."""
    dim, versions = 16, 20
    publish(
        tmp_path,
        np.arange(5) + 1000,
        np.ones((5, dim)),
        {"salary": np.ones(5), "geo_id": np.ones(5)},
        keep_last=2,
    )
    done, first_load = threading.Event(), threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def load_and_check() -> None:
        index = FlatIndex.load(tmp_path, precision="fp32")
        vectors, ids, cols = index.vectors_numpy(), index.ids_numpy(), index.columns_numpy()
        marker = int(vectors[0, 0])
        rows = 4 + marker
        assert vectors.shape == (rows, dim) and (vectors == marker).all()
        assert ids.tolist() == list(range(marker * 1000, marker * 1000 + rows))
        assert (cols["salary"] == marker).all() and (cols["geo_id"] == marker).all()
        seen.append(marker)

    def reader() -> None:
        while True:
            finished = done.is_set()
            try:
                load_and_check()
            except BaseException as exc:  # noqa: BLE001 - reported in the main thread below
                errors.append(exc)
                return
            first_load.set()
            if finished:
                return

    thread = threading.Thread(target=reader)
    thread.start()
    first_load.wait(timeout=10)
    for m in range(2, versions + 2):
        rows = 4 + m
        publish(
            tmp_path,
            np.arange(rows) + m * 1000,
            np.full((rows, dim), float(m)),
            {"salary": np.full(rows, float(m)), "geo_id": np.full(rows, m)},
            keep_last=2,
        )
    done.set()
    thread.join(timeout=30)
    assert not errors, errors[0]
    assert seen[0] == 1 and seen[-1] == versions + 1 and seen == sorted(seen)  # only forward
    assert read_current(tmp_path)["manifest"]["version"] == versions + 1
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("v")]) == 2


# ---------------------------------------------------------------------------------------------
# Helpers and the data-quality check


def test_recall_at_k_ignores_padding():
    assert recall_at_k(np.array([[1, 2, 3]]), np.array([[3, 2, 9]])) == pytest.approx(2 / 3)
    assert recall_at_k(np.array([[1, -1]]), np.array([[1, -1]])) == 1.0
    assert recall_at_k(np.array([[-1, -1], [5, 6]]), np.array([[-1, -1], [6, 7]])) == 0.5


def test_check_index_reports_health(random_set):
    vectors, ids, columns, _ = random_set
    report = check_index(FlatIndex.from_arrays(ids, vectors, columns, precision="int8"), n_queries=48, seed=0)
    assert {"recall_at_10", "filter_violations", "nan_rows", "norm_min", "norm_max", "rows"} <= set(report)
    assert report["recall_at_10"] >= 0.99 and report["filter_violations"] == 0 and report["nan_rows"] == 0
    assert report["rows"] == len(ids)
    norms = np.linalg.norm(vectors, axis=1)
    assert report["norm_min"] == pytest.approx(norms.min(), rel=1e-5)
    assert report["norm_max"] == pytest.approx(norms.max(), rel=1e-5)


def test_check_index_detects_a_broken_index(random_set, monkeypatch):
    """The check must be able to fail: a scan that ignores filters shows filter violations, a scan
    that scores rows wrongly shows low recall."""
    vectors, ids, columns, _ = random_set
    index = FlatIndex.from_arrays(ids, vectors, columns, precision="fp32")
    with monkeypatch.context() as patch:
        patch.setattr(index, "_mask", lambda filters: None)
        assert check_index(index, n_queries=48, seed=0)["filter_violations"] > 0
    scan = index._scan_chunk
    with monkeypatch.context() as patch:
        patch.setattr(index, "_scan_chunk", lambda *args: scan(*args).neg_())  # worst rows first
        report = check_index(index, n_queries=48, seed=0)
    assert report["recall_at_10"] < 0.5
    assert check_index(index, n_queries=48, seed=0)["recall_at_10"] >= 0.99


# ---------------------------------------------------------------------------------------------
# CUDA


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("precision", ["fp16", "bf16", "fp32"])
def test_cuda_matches_reference(random_set, precision):
    vectors, ids, columns, queries = random_set
    index = FlatIndex.from_arrays(ids, vectors, columns, device="cuda", precision=precision)
    assert index._vectors.is_cuda
    for filters in RANDOM_FILTERS:
        found, scores = index.search(queries, 10, filters)
        ref, ref_scores = exact_search(vectors.astype(np.float64), ids, columns, queries, 10, filters)
        assert recall_at_k(found, ref) >= 0.99
        np.testing.assert_allclose(scores, ref_scores, rtol=1e-3, atol=1e-2)
    index.delete(ids[:100])
    found, _ = index.search(queries, 10)
    assert not set(found.ravel().tolist()) & set(ids[:100].tolist())
