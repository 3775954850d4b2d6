"""The golden set's provenance, frozen splits and leak checks, on the real golden files."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from jobsearch import POLICIES_DIR
from jobsearch.labels.golden import (
    JobGoldenRow, PeopleGoldenRow, confirmed_share, final_grade, load_golden, pair_leaks, query_leaks, read_agreement,
)
from resources import Warehouse


def _golden() -> pd.DataFrame:
    frame, problems = load_golden(POLICIES_DIR / "golden" / "job_search.csv", JobGoldenRow)
    assert problems == []
    return frame


def test_every_golden_row_says_how_its_label_was_made():
    for name, model in (("job_search", JobGoldenRow), ("people_search", PeopleGoldenRow)):
        frame, problems = load_golden(POLICIES_DIR / "golden" / f"{name}.csv", model)
        assert problems == [] and len(frame) > 200
        assert set(frame["source"]) <= {"model-annotator", "person"}
        drafted = frame[frame["source"] == "model-annotator"]
        assert drafted["annotator"].str.startswith("model-").all()  # never dressed as a person's id
        assert set(frame["split"]) <= {"train", "dev", "test"}
        assert (frame.groupby("query_id")["split"].nunique() == 1).all()  # a query never straddles splits
        share = confirmed_share(frame).set_index("split")
        assert (share["pairs"] == share["person_confirmed"] + share["model_drafted"]).all()


def test_a_future_date_or_a_made_up_source_is_refused_with_row_and_field(tmp_path):
    path = tmp_path / "job_search.csv"
    lines = (POLICIES_DIR / "golden" / "job_search.csv").read_text().splitlines()
    lines += ["jsq-998,nurse jobs,li-263583866,3,ok,train,model-annotator,1,model-ann-01,2099-01-01,",
              "jsq-998,nurse jobs,li-3778723781,3,ok,train,annotator-team,1,model-ann-01,2026-11-22,"]
    path.write_text("\n".join(lines) + "\n")
    _, problems = load_golden(path, JobGoldenRow)
    found = {(p.row, p.field) for p in problems}
    assert (len(lines) - 2, "graded_on") in found and (len(lines) - 1, "source") in found


def test_planted_leaks_fail_the_blocking_checks_and_name_the_rows(tmp_path):
    from assets.synthetic import synthetic_grades_disjoint_from_golden, synthetic_queries_disjoint_from_golden

    golden = _golden()
    dev = golden[golden["split"] == "dev"].iloc[0]
    queries = pd.DataFrame({"query_id": ["sq-000001", "sq-000002"],
                            "query": [f"  {dev['query'].upper()}!", "a query nobody graded"]})
    assert query_leaks(queries, golden, "synthetic query") == [
        f"synthetic query sq-000001 ({queries['query'][0]!r}) is golden query {dev['query_id']}"]

    warehouse = Warehouse(path=str(tmp_path / "warehouse.duckdb"))
    warehouse.write_table("golden_job_search", golden)
    warehouse.write_table("synthetic_queries", queries)
    result = synthetic_queries_disjoint_from_golden(warehouse=warehouse)
    assert isinstance(result, dg.AssetCheckResult) and not result.passed
    assert "sq-000001" in result.description and dev["query_id"] in result.description

    warehouse.write_table("synthetic_queries", queries.iloc[1:])
    assert synthetic_queries_disjoint_from_golden(warehouse=warehouse).passed

    test = golden[golden["split"] == "test"]
    if len(test):  # a golden test pair used as a training pair
        row = test.iloc[0]
        grades = pd.DataFrame({"query_id": ["sq-1"], "query": [row["query"]], "posting_id": [row["posting_id"]]})
        assert pair_leaks(grades, golden, "graded")
        warehouse.write_table("synthetic_grades", grades)
        assert not synthetic_grades_disjoint_from_golden(warehouse=warehouse).passed


def test_two_reads_make_a_label_and_their_agreement_is_the_ceiling():
    assert [final_grade(g) for g in ([4, 4], [3, 4], [0, 2, 1], [0, 4, 4])] == [4, 3, 1, 4]
    reads = pd.DataFrame({"query_id": ["q"] * 8, "item_id": ["a", "a", "b", "b", "c", "c", "d", "d"],
                          "read": [1, 2] * 4, "grade": [4, 4, 3, 2, 0, 0, 1, 3]})
    agreement = read_agreement(pd.concat([reads, pd.DataFrame({"query_id": ["q"], "item_id": ["d"], "read": [3],
                                                               "grade": [2]})]))
    assert agreement["pairs"] == 4 and agreement["accuracy"] == 0.5 and agreement["adjudicated"] == 1
    assert 0.5 < agreement["qwk"] < 1.0


def test_docstring_examples_of_the_measurement_code_run():
    import doctest

    from jobsearch.labels import golden, pooling
    from jobsearch.query import network
    from jobsearch.ranking import metrics

    for module in (golden, pooling, network, metrics):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
