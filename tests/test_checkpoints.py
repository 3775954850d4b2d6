"""The model store writes whole checkpoints atomically and reads back exactly what it wrote."""

from __future__ import annotations

import torch

from jobsearch.checkpoints import Checkpoint, CheckpointStore


def test_save_load_roundtrip_and_latest_pointer(tmp_path):
    store = CheckpointStore(tmp_path)
    weights = {"layer.weight": torch.randn(4, 3), "layer.bias": torch.zeros(4)}
    v1 = store.save("judge", Checkpoint(weights=weights, config={"layers": 2}, metrics={"qwk": 0.7},
                                        data_versions={"policy": "abc"}), version="v1")
    v2 = store.save("judge", Checkpoint(weights=weights, config={"layers": 1}, parent="judge/v1"), version="v2")
    assert (v1, v2) == ("v1", "v2")
    assert store.latest_version("judge") == "v2"
    assert store.versions("judge") == ["v1", "v2"]
    loaded = store.load("judge", "v1")
    assert torch.equal(loaded.weights["layer.weight"], weights["layer.weight"])
    assert loaded.config == {"layers": 2} and loaded.metrics == {"qwk": 0.7}
    assert loaded.data_versions == {"policy": "abc"}
    assert store.load("judge").parent == "judge/v1"
    # no staging directories are left behind
    assert not [p for p in (tmp_path / "judge").iterdir() if p.name.startswith(".")]


def test_missing_model_is_a_clear_error(tmp_path):
    import pytest

    with pytest.raises(FileNotFoundError, match="no checkpoint of model 'student'"):
        CheckpointStore(tmp_path).load("student")
