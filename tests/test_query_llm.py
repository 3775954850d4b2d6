"""The LLM query backend: the real packaged SmolLM2 on the CPU, and a scripted language model (the one
thing replaced, to control what the model says) for validation, fallbacks and the timeout."""

from __future__ import annotations

import json
import time

import pytest

from jobsearch import SHIPPED_DATA
from jobsearch.corpus.schemas import RemoteMode, Seniority, WorkType
from jobsearch.labels.llm import SMOLLM2, TransformersLM, first_json_object
from jobsearch.query.engine import QueryError, query_engine
from jobsearch.query.llm_backend import LLMQueryParser, output_schema, query_prompt
from jobsearch.query.parsed import Intent, ParsedQuery, Route, Target


class ScriptedLM:
    """A `LanguageModel` that answers every prompt with the same text (a dict is sent as JSON), or
    raises the exception it was given, after `delay_s`."""

    def __init__(self, answer, delay_s: float = 0.0) -> None:
        self.name = "scripted"
        self.answer = answer
        self.delay_s = delay_s
        self.calls: list[dict] = []

    def generate(self, prompts, max_tokens=32, temperature=0.7, json_schema=None, max_time_s=None):
        self.calls.append({"prompts": list(prompts), "max_tokens": max_tokens, "temperature": temperature,
                           "json_schema": json_schema, "max_time_s": max_time_s})
        time.sleep(self.delay_s)
        if isinstance(self.answer, Exception):
            raise self.answer
        return [self.answer if isinstance(self.answer, str) else json.dumps(self.answer)] * len(prompts)


@pytest.fixture(scope="module")
def rules():
    return query_engine(str(SHIPPED_DATA))


def scripted(rules, answer, **kwargs) -> LLMQueryParser:
    return LLMQueryParser(ScriptedLM(answer), rules, **kwargs)


# ---------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def smollm(llm_cache):
    return TransformersLM(SMOLLM2, cache_dir=llm_cache)


def test_packaged_smollm2_always_returns_a_valid_parse_within_the_timeout(smollm, rules):
    timeout_s = 15.0
    parser = LLMQueryParser(smollm, rules, timeout_s=timeout_s)
    assert parser.backend == "llm:transformers:smollm2-135m-instruct"
    markers = []
    for text in ["registered nurse jobs in Chicago", "remote python developer jobs, direct employers only",
                 "data scientists in seattle"]:
        rules.parse(text)  # the rule engine builds its indexes once: not the model's time
        start = time.perf_counter()
        parsed = parser.parse(text)
        elapsed = time.perf_counter() - start
        assert elapsed < timeout_s + 3.0, f"{text!r} took {elapsed:.1f} s"
        assert isinstance(parsed, ParsedQuery) and parsed.text == text
        assert parsed.backend in {parser.backend, f"{parser.backend}+rules"}
        assert ParsedQuery.model_validate(parsed.model_dump()) == parsed
        markers.append(parsed.backend.endswith("+rules"))
    assert sum(parser.fallbacks.values()) == sum(markers)  # every fallback is counted with its reason


# ---------------------------------------------------------------- the prompt and the schema


def test_prompt_lists_the_enum_values_and_ends_with_the_query():
    prompt = query_prompt("nurse jobs in Ohio")
    assert prompt.rstrip().endswith("nurse jobs in Ohio =>")
    for value in ["MID_SENIOR", "PART_TIME", "mostly_remote", "lexical"]:
        assert value in prompt
    schema = output_schema()
    assert schema["additionalProperties"] is False
    assert "SENIOR" not in schema["properties"]["seniority"]["items"]["enum"]
    assert schema["properties"]["remote_mode"]["enum"] == ["remote", "hybrid", "on_site", "mostly_remote"]


def test_the_model_is_asked_greedily_for_the_schema_with_the_timeout(rules):
    parser = scripted(rules, {"title": "nurse"}, timeout_s=3.0)
    parser.parse("nurse jobs")
    call = parser.lm.calls[0]
    assert call["temperature"] == 0.0 and call["max_time_s"] == 3.0
    assert call["json_schema"] == output_schema()
    assert call["prompts"][0] == query_prompt("nurse jobs")


def test_first_json_object_is_extracted_from_chatter():
    assert first_json_object('Sure! {"title": "a } b", "places": ["X"]} and {"z": 1}') == {
        "title": "a } b", "places": ["X"]}
    assert first_json_object('{"title": "nurse"') is None
    assert first_json_object("no json") is None


# ---------------------------------------------------------------- validation


def test_valid_values_come_through_with_the_ids_the_rule_engine_uses(rules):
    text = "senior software engineer jobs in Seattle, WA at Google, full-time, hybrid, over $150k, posted this week"
    answer = {"title": "software engineer", "places": ["Seattle, WA"], "companies": ["google"],
              "seniority": ["SENIOR"], "work_types": ["full-time"], "remote_mode": "Hybrid",
              "min_pay_usd": 150000, "posted_within_days": 7}
    parser = scripted(rules, answer)
    parsed = parser.parse(text)
    expected = rules.parse(text)
    assert parsed.backend == "llm:scripted"
    assert parsed.occupation.onet_codes == expected.occupation.onet_codes == ["15-1252.00"]
    assert [(p.level, p.id, p.metro_id) for p in parsed.places] == [(p.level, p.id, p.metro_id) for p in expected.places]
    assert parsed.companies == expected.companies == ["Google"]
    assert parsed.seniority == [Seniority.MID_SENIOR]
    assert parsed.work_types == [WorkType.FULL_TIME]
    assert parsed.remote_mode is RemoteMode.HYBRID
    assert parsed.pay.min_usd == 150000 and parsed.posted_within_days == 7
    assert parsed.intent is Intent.JOBS and parsed.target is Target.POSTINGS and parsed.route is Route.SEMANTIC
    assert parsed.unresolved == [] and not parser.rejected and not parser.fallbacks


def test_invented_and_invalid_values_land_in_unresolved(rules):
    text = "quantum flux tinkerer jobs in Atlantis, ZZ at Zorblax Corp, galactic level, paying $5"
    answer = {"title": "quantum flux tinkerer", "places": ["Atlantis, ZZ"], "companies": ["Zorblax Corp"],
              "seniority": ["GALACTIC", "UNKNOWN"], "work_types": ["FULL_TIME", "forever"], "remote_mode": "moon",
              "min_pay_usd": 5, "posted_within_days": 0, "network_degree": 7}
    parsed = scripted(rules, answer).parse(text)
    assert parsed.backend == "llm:scripted"
    assert parsed.occupation is None and parsed.places == [] and parsed.companies == []
    assert parsed.seniority == [] and parsed.remote_mode is None
    assert parsed.work_types == [WorkType.FULL_TIME]  # the valid value of the list stays
    assert parsed.pay.min_usd is None and parsed.posted_within_days is None and parsed.network.max_degree is None
    assert set(parsed.unresolved) == {
        "quantum flux tinkerer", "atlantis, zz", "zorblax corp", "seniority: galactic", "seniority: unknown",
        "work_types: forever", "remote_mode: moon", "min_pay_usd: 5", "posted_within_days: 0", "network_degree: 7"}


def test_values_the_query_never_mentions_are_rejected_not_applied(rules):
    # SmolLM2 copies its examples: "Austin, TX" and "pytorch" for a query about Chicago
    parser = scripted(rules, {"title": "nurse", "places": ["Austin, TX", "Chicago, IL"], "skills": ["pytorch"],
                              "companies": ["Google"]})
    parsed = parser.parse("nurse jobs in Chicago")
    assert [p.key for p in parsed.places] == ["Chicago, IL"]
    assert parsed.skills == [] and parsed.companies == [] and parsed.unresolved == []
    assert parser.rejected == {"places": 1, "skills": 1, "companies": 1}


def test_places_regions_abbreviations_abroad_and_exclusions(rules):
    parsed = scripted(rules, {"title": "software engineer", "places": ["Pacific Northwest", "San Francisco, CA", "London"],
                              "exclude_places": ["Texas"]}).parse(
        "software engineer jobs in the Pacific Northwest, sf or London, not in Texas")
    assert [p.id for p in parsed.places][:3] == ["WA", "OR", "ID"]
    assert parsed.places[3].key == "San Francisco, CA"
    assert [p.id for p in parsed.exclude_places] == ["TX"]
    assert parsed.unresolved == ["london"]


def test_people_and_lexical_intents_pick_their_target(rules):
    people = scripted(rules, {"intent": "people", "title": "data scientist", "skills": ["Python", "basket weaving"]})
    parsed = people.parse("data scientists who know python and basket weaving")
    assert parsed.target is Target.PROFILES and parsed.skills == ["python"]
    assert "basket weaving" in parsed.soft_text and parsed.unresolved == []  # an unknown skill is soft text
    posting = scripted(rules, {"intent": "lexical", "route": "lexical", "lexical_terms": ["3904817152"]}).parse("job 3904817152")
    assert (posting.intent, posting.target, posting.route) == (Intent.LEXICAL, Target.POSTINGS, Route.LEXICAL)
    assert posting.lexical_terms == ["3904817152"]


# ---------------------------------------------------------------- fallbacks


@pytest.mark.parametrize("answer, reason", [
    ("I am not sure what you mean.", "no_json"),
    ('{"title": "nurse", "places": ["Chicago, IL"]', "no_json"),  # truncated
    ('{"intent": "robots"}', "schema"),
    ('{"title": "nurse", "salary": 100000}', "schema"),  # a key the schema lacks
    ('{"places": "Chicago"}', "schema"),
    (RuntimeError("CUDA out of memory"), "error"),
])
def test_failures_fall_back_to_the_rule_parse(rules, answer, reason):
    parser = scripted(rules, answer)
    text = "nurse jobs in Chicago"
    parsed = parser.parse(text, member_id="m000001")
    assert parsed.backend == "llm:scripted+rules"
    assert parsed.model_dump(exclude={"backend"}) == rules.parse(text, "m000001").model_dump(exclude={"backend"})
    assert parser.fallbacks == {reason: 1}


def test_a_slow_model_falls_back_within_the_timeout(rules):
    parser = LLMQueryParser(ScriptedLM({"title": "nurse"}, delay_s=1.5), rules, timeout_s=0.2)
    start = time.perf_counter()
    parsed = parser.parse("nurse jobs in Chicago")
    assert time.perf_counter() - start < 1.0
    assert parsed.backend == "llm:scripted+rules" and parser.fallbacks == {"timeout": 1}
    assert parser.lm.calls[0]["max_time_s"] == 0.2


def test_bad_input_is_the_callers_error_not_a_fallback(rules):
    with pytest.raises(QueryError):
        scripted(rules, {"title": "nurse"}).parse("   ")
