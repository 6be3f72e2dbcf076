"""Every case file: facts in, the rule's findings out (and the overall verdict where the case states it)."""

from __future__ import annotations

from typing import Any

import pytest

from openbeian.rules.cases import case_files, load, run_all, run_case

CASES = [(data["rule"], case) for data in (load(f) for f in case_files()) for case in data["cases"]]


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[f"{r}: {c['name']}" for r, c in CASES])
def test_case(rule: str, case: dict[str, Any]) -> None:
    result = run_case(rule, case)
    assert result.passed, result.problem


def test_each_rule_has_a_case_where_it_speaks_and_one_where_it_is_silent() -> None:
    for file in case_files():
        data = load(file)
        assert any(case["expect"] for case in data["cases"]), data["rule"]
        assert any(not case["expect"] for case in data["cases"]) or data["rule"] in {"PROV-POLICY"}, data["rule"]


def test_a_case_with_a_wrong_expectation_fails_and_says_why() -> None:
    case = {"name": "wrong", "at": "2026-03-10", "facts": {"hosting": {"region": "mainland"}}, "expect": []}
    assert run_case("HOST-MAINLAND", case).passed
    wrong = case | {"expect": [{"severity": "block", "path": "hosting.region"}]}
    result = run_case("HOST-MAINLAND", wrong)
    assert not result.passed and "expected" in result.problem
    assert not run_case("HOST-MAINLAND", case | {"ok": False}).passed
    assert not run_case("NO-SUCH-RULE", case).passed


def test_every_case_file_runs_and_passes() -> None:
    results = list(run_all())
    assert len(results) == len(CASES) and all(r.passed for r in results)


def test_the_seed_guides_situations_are_cases_with_a_verdict() -> None:
    guide = [(rule, case) for rule, case in CASES if "guide" in case]
    assert len(guide) >= 8 and all("ok" in case for _, case in guide)
