"""Snapshot of the asset graph: a change to keys, deps, groups, kinds or checks shows up in review.

Regenerate after an intended change with `UPDATE_SNAPSHOTS=1 make test`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def _graph_snapshot() -> dict:
    import definitions

    graph = definitions.defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "kinds": sorted(node.kinds),
            "automation_condition": str(node.automation_condition.get_label() or type(node.automation_condition).__name__)
            if node.automation_condition else None,
            "checks": sorted(
                f"{c.name}{' (blocking)' if graph.get_check_spec(c).blocking else ''}"
                for c in node.check_keys
            ),
        }
    return {"assets": assets, "jobs": sorted(j.name for j in definitions.defs.jobs)}


def test_asset_graph_matches_snapshot():
    current = _graph_snapshot()
    if os.getenv("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text()), "asset graph changed: review, then UPDATE_SNAPSHOTS=1"


def test_definitions_load_and_every_asset_has_a_check():
    current = _graph_snapshot()["assets"]
    # observed files are checked through the assets that parse them (job_search_policy, golden_sets)
    unchecked = [key for key, spec in current.items() if not spec["checks"] and not key.endswith("_file")]
    assert unchecked == []
