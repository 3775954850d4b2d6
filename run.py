"""Materialize the main job in-process on the embedded default and say where to look.

`make run` calls this. Runs are recorded in the Dagster instance under $DAGSTER_HOME (default
./.data/dagster_home), so `make dev` shows them in the UI afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default=os.getenv("JOBSEARCH_PROFILE", "embedded"))
    parser.add_argument("--home", default=os.getenv("JOBSEARCH_HOME", "./.data"))
    parser.add_argument("--job", default="main_job", help="main_job (everything), corpus_job or labels_job")
    args = parser.parse_args(argv)

    home = Path(args.home).resolve()
    os.environ.setdefault("DAGSTER_HOME", str(home / "dagster_home"))
    dagster_home = Path(os.environ["DAGSTER_HOME"])
    dagster_home.mkdir(parents=True, exist_ok=True)
    if not (dagster_home / "dagster.yaml").exists():
        (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")

    import dagster as dg

    import definitions

    resources = definitions.build_resources(home, args.profile)
    job = next(j for j in definitions.defs.jobs if j.name == args.job)
    selection = job.selection.resolve(definitions.defs.resolve_asset_graph())
    started = time.perf_counter()
    result = dg.materialize(
        [*definitions.all_assets, *definitions.all_checks],
        selection=list(selection),
        resources=resources,
        instance=dg.DagsterInstance.get(),
        tags={"launched_by": "run.py", "profile": args.profile},
    )
    elapsed = time.perf_counter() - started

    print(f"\n{job.name}: {'succeeded' if result.success else 'FAILED'} in {elapsed:.1f} s (profile {args.profile})")
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        rows = mat.metadata.get("dagster/row_count")
        print(f"  {mat.asset_key.to_user_string():<18} {rows.value if rows else '':>10} rows")
    for evaluation in result.get_asset_check_evaluations():
        print(f"  check {evaluation.asset_key.to_user_string()}.{evaluation.check_name:<26} "
              f"{'passed' if evaluation.passed else 'FAILED'}")
    print(f"\nwarehouse: {resources['warehouse'].path}  (duckdb {resources['warehouse'].path} 'SELECT * FROM postings LIMIT 5')")
    print(f"see the graph and this run: DAGSTER_HOME={os.environ['DAGSTER_HOME']} make dev   (then open http://127.0.0.1:3000)")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
