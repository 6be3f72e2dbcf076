"""Case files: one per rule id, packaged in rules/cases/, each holding facts in and the rule's findings out.

    {"rule": "HOST-MAINLAND",
     "cases": [{"name": "...", "at": "2026-03-10", "facts": {...},
                "expect": [{"severity": "block", "path": "hosting.region"}], "ok": false}]}

`expect` lists the findings of that rule (severity and path; order does not matter). `ok`, when present, is the
verdict of all rules together (the seed guide's situations state it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from openbeian.rules.engine import all_rules, evaluate, is_ok, run
from openbeian.rules.facts import parse_facts


@dataclass(frozen=True, slots=True)
class CaseResult:
    rule: str
    name: str
    passed: bool
    problem: str = ""


def case_files() -> list[Traversable]:
    folder = resources.files("openbeian.rules").joinpath("cases")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


def load(file: Traversable) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    return loaded


def run_case(rule_id: str, case: dict[str, Any]) -> CaseResult:
    rules = {r.id: r for r in all_rules()}
    name = case["name"]
    if rule_id not in rules:
        return CaseResult(rule_id, name, False, f"no rule has the id {rule_id}")
    at = date.fromisoformat(case["at"])
    facts = parse_facts(case["facts"])
    got = sorted((f.severity.value, f.path) for f in run([rules[rule_id]], facts, at))
    want = sorted((e["severity"], e["path"]) for e in case["expect"])
    if got != want:
        return CaseResult(rule_id, name, False, f"expected {want}, got {got}")
    if "ok" in case and is_ok(evaluate(facts, at)) is not case["ok"]:
        blocks = [f.rule for f in evaluate(facts, at) if f.severity.value == "block"]
        return CaseResult(rule_id, name, False, f"expected ok={case['ok']}, blocked by {blocks}")
    return CaseResult(rule_id, name, True)


def run_all() -> Iterator[CaseResult]:
    for file in case_files():
        data = load(file)
        if file.name != f"{data['rule']}.json":
            yield CaseResult(data["rule"], file.name, False, "the file name must be the rule id")
        for case in data["cases"]:
            yield run_case(data["rule"], case)
