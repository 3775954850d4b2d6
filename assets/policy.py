"""The product policies and golden sets as data.

Each file PMs and annotators edit is an observable source whose data version is the sha256 of its
content: an edit marks every downstream asset stale in the UI without reloading code (and the
`policy_files_sensor` observes the files when they change). The parsed policies and golden sets
are materialized assets with blocking checks, so a broken file stops downstream recomputation.
"""


import json

import dagster as dg
import pandas as pd

from assets.metadata import md_table, preview
from jobsearch.labels.golden import (
    SPLITS, JobGoldenRow, PeopleGoldenRow, confirmed_share, consistency_problems, grade_coverage, load_golden,
    load_reads, read_agreement, reads_problems,
)
from jobsearch.labels.policy import PolicyError, file_sha256, load_policy
from resources import PolicyFiles, Warehouse

GROUP = "labels"
POLICY_NAMES = ("job_search", "people_search")
FILE_KEYS = {
    **{f"{name}_policy_file": ("policy", name) for name in POLICY_NAMES},
    **{f"{name}_golden_file": ("golden", name) for name in POLICY_NAMES},
}


def policy_file_path(files: PolicyFiles, kind: str, name: str):
    return files.policy(name) if kind == "policy" else files.golden(name)


def _file_source(key: str, kind: str, name: str):
    @dg.observable_source_asset(
        name=key,
        group_name=GROUP,
        description=f"The {kind} file `{name}` as PMs/annotators edit it; data version = sha256 of its content.",
        tags={"dagster/kind/file": ""},
    )
    def _observe(policy_files: PolicyFiles) -> dg.ObserveResult:
        path = policy_file_path(policy_files, kind, name)
        version = file_sha256(path) if path.exists() else "missing"
        return dg.ObserveResult(data_version=dg.DataVersion(version),
                                metadata={"path": str(path), "sha256": version,
                                          "bytes": path.stat().st_size if path.exists() else 0})

    return _observe


policy_file_sources = [_file_source(key, kind, name) for key, (kind, name) in FILE_KEYS.items()]


def _policy_asset(name: str):
    @dg.asset(
        name=f"{name}_policy",
        group_name=GROUP,
        kinds={"duckdb"},
        deps=[f"{name}_policy_file"],
        automation_condition=dg.AutomationCondition.eager(),
        description=f"The parsed `{name}` policy: scale, weighted dimensions with scoring levels, hard "
        "constraints, worked cases. A file that does not parse is recorded, and its blocking check fails.",
    )
    def _asset(policy_files: PolicyFiles, warehouse: Warehouse) -> dg.MaterializeResult:
        path = policy_files.policy(name)
        sha = file_sha256(path) if path.exists() else "missing"
        try:
            policy = load_policy(path)
            error, parsed = None, policy.model_dump(exclude={"body"})
        except PolicyError as err:
            error, parsed, policy = str(err), None, None
        row = pd.DataFrame([{"name": name, "path": str(path), "sha256": sha, "ok": error is None, "error": error,
                             "policy_json": json.dumps(parsed, default=str) if parsed else None}])
        warehouse.write_table(f"policy_{name}", row)
        metadata = {"path": str(path), "sha256": sha, "parsed": error is None}
        if policy is not None:
            metadata |= {
                "version": str(policy.version),
                "dimensions": md_table(pd.DataFrame([{"key": d.key, "weight": d.weight,
                                                      "levels": ", ".join(f"{lv.match}={lv.score}" for lv in d.levels)}
                                                     for d in policy.dimensions])),
                "worked_cases": len(policy.cases),
                "hard_constraints": len(policy.hard_constraints),
            }
        else:
            metadata["error"] = dg.MetadataValue.md(f"```\n{error}\n```")
        return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(sha))

    @dg.asset_check(asset=f"{name}_policy", name=f"{name}_policy_valid", blocking=True,
                    description="The policy file parses: 5-grade scale, weights summing to 1, >= 25 worked cases.")
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        row = warehouse.read_table(f"policy_{name}").iloc[0]
        return dg.AssetCheckResult(passed=bool(row["ok"]),
                                   description="parsed" if row["ok"] else row["error"],
                                   metadata={"sha256": row["sha256"], "path": row["path"]})

    return _asset, _check


job_search_policy, job_search_policy_valid = _policy_asset("job_search")
people_search_policy, people_search_policy_valid = _policy_asset("people_search")


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["job_search_golden_file", "people_search_golden_file", "postings", "member_profiles"],
    automation_condition=dg.AutomationCondition.eager(),
    description="The golden sets, validated row by row, in their frozen splits by query (train feeds "
    "training, dev tunes and gates, test is the blind set read by evaluation alone), with each label's "
    "provenance (model-annotator or person, policy version, date, reviewer). Tables golden_job_search, "
    "golden_people_search, golden_reads (every independent read of the test pairs) and golden_problems "
    "(file, row, field, reason) for rows that are wrong.",
)
def golden_sets(policy_files: PolicyFiles, warehouse: Warehouse) -> dg.MaterializeResult:
    postings = set(warehouse.read_table("postings", ["posting_id"])["posting_id"])
    members = set(warehouse.read_table("member_profiles", ["member_id"])["member_id"])
    frames, problems, reads, metadata = {}, [], [], {}
    for name, model, item, searchers in (("job_search", JobGoldenRow, "posting_id", None),
                                         ("people_search", PeopleGoldenRow, "member_id", members)):
        path = policy_files.golden(name)
        frame, found = load_golden(path, model)
        problems += found + consistency_problems(frame, str(path), item, postings if item == "posting_id" else members,
                                                 searchers)
        read = load_reads(policy_files.golden_reads(name))
        problems += reads_problems(frame, read, str(path), item)
        frames[name] = frame
        reads.append(read.assign(golden_set=name))
        metadata.update({
            f"{name}_pairs": len(frame), f"{name}_queries": int(frame["query_id"].nunique()),
            f"{name}_grades_by_split": md_table(grade_coverage(frame).reset_index()),
            f"{name}_provenance_by_split": md_table(confirmed_share(frame)),
            f"{name}_inter_annotator": dg.MetadataValue.json(read_agreement(read)) if len(read) else "no double reads",
        })
    warehouse.write_table("golden_job_search", frames["job_search"])
    warehouse.write_table("golden_people_search", frames["people_search"])
    warehouse.write_table("golden_reads", pd.concat(reads, ignore_index=True).astype({"item_id": str}))
    problem_frame = pd.DataFrame([vars(p) for p in problems], columns=["file", "row", "field", "reason"])
    warehouse.write_table("golden_problems", problem_frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frames["job_search"]) + len(frames["people_search"]),
            **metadata,
            "problems": len(problems),
            "problems_preview": preview(problem_frame, width=120),
        },
    )


@dg.asset_check(asset="golden_sets", blocking=True,
                description="Schema, provenance, ids exist in the corpus, no duplicate pairs, one split per query, "
                "two reads per test pair, every grade in every split.")
def golden_sets_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    problems = warehouse.read_table("golden_problems")
    jobs = warehouse.read_table("golden_job_search")
    people = warehouse.read_table("golden_people_search")
    messages = [f"{p.file}:{p.row}: {p.field}: {p.reason}" for p in problems.itertuples()]
    for name, frame, minimum in (("job_search", jobs, 300), ("people_search", people, 150)):
        if len(frame) < minimum:
            messages.append(f"{name}: {len(frame)} valid pairs, at least {minimum} required")
        coverage = grade_coverage(frame) if len(frame) else pd.DataFrame()
        for split in SPLITS:
            if split not in coverage.index:
                messages.append(f"{name}: no {split} pairs")
                continue
            missing = [g for g in range(5) if coverage.loc[split, g] == 0]
            if missing:
                messages.append(f"{name}: grades {missing} missing from the {split} split")
    return dg.AssetCheckResult(
        passed=not messages,
        description="; ".join(messages[:10]) + (f" (+{len(messages) - 10} more)" if len(messages) > 10 else "")
        if messages else "golden sets valid",
        metadata={"problems": len(messages)},
    )
