"""Observe the policy and golden-set files when a PM or annotator edits them.

The sensor hashes each file on every tick and, when a hash changed since its cursor, requests a
run of `observe_policy_files`. The observation records the new data version (the sha256), which
marks everything downstream stale; assets with an eager automation condition then recompute.
"""

from __future__ import annotations

import json

import dagster as dg

from assets.policy import FILE_KEYS, policy_file_path
from jobsearch.labels.policy import file_sha256
from resources import PolicyFiles

observe_policy_files = dg.define_asset_job(
    "observe_policy_files",
    selection=dg.AssetSelection.assets(*FILE_KEYS),
    description="Observe the policy and golden-set files (data version = sha256 of each file).",
)


@dg.sensor(job=observe_policy_files, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Requests an observation of the policy/golden files whose content changed.")
def policy_files_sensor(context: dg.SensorEvaluationContext, policy_files: PolicyFiles):
    previous = json.loads(context.cursor) if context.cursor else {}
    current = {}
    for key, (kind, name) in FILE_KEYS.items():
        path = policy_file_path(policy_files, kind, name)
        current[key] = file_sha256(path) if path.exists() else "missing"
    changed = sorted(k for k, v in current.items() if previous.get(k) != v)
    if not changed:
        return dg.SkipReason("no policy or golden-set file changed")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=json.dumps(current, sort_keys=True),
                                    asset_selection=[dg.AssetKey(k) for k in changed])],
        cursor=json.dumps(current, sort_keys=True),
    )
