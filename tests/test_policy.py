"""Policies parse; a malformed policy fails with a message naming the file, line and field."""

from __future__ import annotations

import shutil

import pytest

from jobsearch import POLICIES_DIR
from jobsearch.labels.policy import PolicyError, load_policy


@pytest.mark.parametrize("name", ["job_search", "people_search"])
def test_shipped_policies_parse(name):
    policy = load_policy(POLICIES_DIR / f"{name}.md")
    assert policy.name == name
    assert sorted(e.grade for e in policy.scale) == [0, 1, 2, 3, 4]
    assert abs(sum(d.weight for d in policy.dimensions) - 1) < 1e-6
    assert len(policy.cases) >= 25
    assert {c.grade for c in policy.cases} == {0, 1, 2, 3, 4}
    assert len(policy.sha256) == 64


def test_job_policy_has_the_dimensions_the_rubric_grades():
    policy = load_policy(POLICIES_DIR / "job_search.md")
    assert [d.key for d in policy.dimensions] == [
        "occupation", "skills", "location", "seniority", "work_type", "pay", "company", "recency"]
    assert policy.dimension("location").score_of("remote_for_place") == 0.8


def _copy(tmp_path):
    target = tmp_path / "job_search.md"
    shutil.copy(POLICIES_DIR / "job_search.md", target)
    return target


def test_bad_weight_names_file_line_and_field(tmp_path):
    path = _copy(tmp_path)
    text = path.read_text()
    path.write_text(text.replace("    weight: 0.35", "    weight: 0.95", 1))
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    message = str(err.value)
    assert str(path) in message and "field 'dimensions'" in message and "sum to 1.0" in message
    line = int(message.split(":")[1])
    assert path.read_text().splitlines()[line - 1].startswith("dimensions:")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _copy(tmp_path)
    lines = path.read_text().splitlines()
    lines[2] = "version: [1"  # unclosed flow sequence on line 3
    path.write_text("\n".join(lines))
    with pytest.raises(PolicyError, match=r"job_search\.md:\d+: YAML front matter does not parse"):
        load_policy(path)


def test_missing_grade_and_missing_front_matter(tmp_path):
    path = _copy(tmp_path)
    text = path.read_text()
    start = text.index("  - {grade: 0,")
    end = text.index("\n", start)
    path.write_text(text[:start] + text[end + 1:])
    with pytest.raises(PolicyError, match=r"field 'scale'.*grades 0-4 exactly once"):
        load_policy(path)
    path.write_text("# just a heading\n")
    with pytest.raises(PolicyError, match=r":1: the file must start with a '---' line"):
        load_policy(path)
