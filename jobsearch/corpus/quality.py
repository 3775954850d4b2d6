"""Data-quality suites with great-expectations 1.x, run on a DataFrame, reported as a table.

GX costs ~4 s and ~265 MB to import, so it is imported only when a suite runs. Callers pass a
function that builds the expectations from the `gx.expectations` module, which keeps the
suite declarative at the call site without importing GX at module load.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

_counter = itertools.count()


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    detail: str


@dataclass
class SuiteReport:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome]

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def summary(self) -> str:
        if self.success:
            return f"{self.suite}: all {len(self.outcomes)} expectations passed on {self.rows} rows"
        failed = "; ".join(f"{o.expectation}({o.column or ''}): {o.detail}" for o in self.failures)
        return f"{self.suite}: {len(self.failures)}/{len(self.outcomes)} expectations failed: {failed}"

    def markdown(self) -> str:
        lines = ["| expectation | column | ok | detail |", "|---|---|---|---|"]
        for o in self.outcomes:
            lines.append(f"| {o.expectation} | {o.column or ''} | {'yes' if o.success else '**no**'} | {o.detail} |")
        return "\n".join(lines)


def run_suite(frame: pd.DataFrame, suite: str, build: Callable[[Any], list]) -> SuiteReport:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    unique = f"{suite}_{next(_counter)}"
    batch = (
        context.data_sources.add_pandas(f"src_{unique}")
        .add_dataframe_asset(name=f"asset_{unique}")
        .add_batch_definition_whole_dataframe("all")
    )
    gx_suite = context.suites.add(gx.ExpectationSuite(name=f"suite_{unique}"))
    for expectation in build(gx.expectations):
        gx_suite.add_expectation(expectation)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"vd_{unique}", data=batch, suite=gx_suite)
    )
    result = definition.run(batch_parameters={"dataframe": frame})
    outcomes = []
    for r in result.results:
        config = r.expectation_config
        kwargs = config.kwargs
        res = r.result or {}
        if "unexpected_count" in res:
            detail = f"{res['unexpected_count']} unexpected"
            sample = res.get("partial_unexpected_list") or []
            if sample and not r.success:
                detail += f", e.g. {sample[:3]}"
        elif "observed_value" in res:
            detail = f"observed {res['observed_value']}"
        else:
            detail = ""
        outcomes.append(ExpectationOutcome(config.type, kwargs.get("column"), bool(r.success), detail))
    return SuiteReport(suite, len(frame), outcomes)
