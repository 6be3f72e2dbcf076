"""The rules engine: who may file, where, with which domains, site names, content and documents.

Rules are pure functions with stable ids (see `engine`), reading versioned data (`data/*.json`); each has a
case file (`cases/<RULE-ID>.json`). Faces call `report` (CLI `rules check`) or `eligibility` (the API).

    >>> from datetime import date
    >>> report(parse_facts({"hosting": {"region": "hong_kong"}}), date(2026, 3, 10))["ok"]
    False
"""

from __future__ import annotations

from datetime import date
from typing import Any

from openbeian.rules.engine import Finding, Rule, Severity, all_rules, evaluate, is_ok, rules_at
from openbeian.rules.facts import Facts, facts_json_schema, load_facts, parse_facts
from openbeian.rules.recommend import checklist, provinces_for

__all__ = [
    "Facts",
    "Finding",
    "Rule",
    "Severity",
    "all_rules",
    "eligibility",
    "evaluate",
    "facts_json_schema",
    "is_ok",
    "load_facts",
    "parse_facts",
    "report",
    "rules_at",
]


def report(facts: Facts, at: date) -> dict[str, Any]:
    """{"ok", "findings"}: ok is false exactly when a finding blocks."""
    findings = evaluate(facts, at)
    return {"ok": is_ok(findings), "findings": [f.to_dict() for f in findings]}


def eligibility(facts: Facts, at: date) -> dict[str, Any]:
    """The report plus recommendations: provinces where the subject could file, documents to prepare."""
    findings = evaluate(facts, at)
    return {
        "ok": is_ok(findings),
        "findings": [f.to_dict() for f in findings],
        "recommendations": {
            "provinces": provinces_for(facts, at, findings),
            "documents": [item.to_dict() for item in checklist(facts, at)],
        },
    }
