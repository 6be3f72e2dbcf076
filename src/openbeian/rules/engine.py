"""The rules engine: rules are small pure functions with a stable id, evaluated against facts on a date.

A rule reads its parameters from the versioned data in force on the evaluation day (`Tables`) and yields
`Hit`s; the engine turns them into `Finding`s carrying the rule id and the source. Severity: `block` (the
filing cannot go through), `warn` (it can, but expect trouble), `info` (something to know, or a missing fact).
The verdict is ok exactly when no finding blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from openbeian.errors import Text
from openbeian.rules.data import Tables, tables_at
from openbeian.rules.facts import Facts


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}


class Family(StrEnum):
    WHO = "who"
    LICENCE = "licence"
    PROVINCE = "province"
    HOSTING = "hosting"
    DOMAINS = "domains"
    NAMES = "names"
    CONTENT = "content"
    DOCUMENTS = "documents"

    @property
    def label(self) -> Text:
        return _FAMILY_LABELS[self]


_FAMILY_LABELS = {
    Family.WHO: Text("Who may file", "备案主体资格"),
    Family.LICENCE: Text("Commercial licence", "经营许可证"),
    Family.PROVINCE: Text("Province", "省管局要求"),
    Family.HOSTING: Text("Hosting", "服务器"),
    Family.DOMAINS: Text("Domains", "域名"),
    Family.NAMES: Text("Site names", "网站名称"),
    Family.CONTENT: Text("Content and pre-approval", "服务内容与前置审批"),
    Family.DOCUMENTS: Text("Documents", "证件与联系方式"),
}


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule found; the engine adds the rule id and, unless given, the rule's source."""

    severity: Severity
    path: str
    message: Text
    source: str | None = None


def block(path: str, en: str, zh: str, source: str | None = None) -> Hit:
    return Hit(Severity.BLOCK, path, Text(en, zh), source)


def warn(path: str, en: str, zh: str, source: str | None = None) -> Hit:
    return Hit(Severity.WARN, path, Text(en, zh), source)


def info(path: str, en: str, zh: str, source: str | None = None) -> Hit:
    return Hit(Severity.INFO, path, Text(en, zh), source)


def missing(path: str, en: str, zh: str) -> Hit:
    """A fact the rule needs is not given: say what it would check."""
    return Hit(Severity.INFO, path, Text(f"Not given, so not checked: {en}.", f"未填写，暂无法检查：{zh}。"))


Check = Callable[[Facts, Tables], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    family: Family
    severity: Severity
    """The most severe finding the rule can give."""
    title: Text
    source: str
    check: Check
    valid_from: date
    valid_to: date | None = None
    per_province: bool = False
    """The answer depends on the province filed in (recommendations try every province with these rules)."""

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family.value,
            "severity": self.severity.value,
            "title": {"en": self.title.en, "zh": self.title.zh},
            "source": self.source,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


def rule(
    id: str,
    family: Family,
    severity: Severity,
    title: tuple[str, str],
    source: str,
    valid_from: str = "2000-09-25",
    valid_to: str | None = None,
    per_province: bool = False,
) -> Callable[[Check], Rule]:
    """Declare a rule: decorates its check function. 2000-09-25 is State Council Order 292, the start of filing."""

    def make(check: Check) -> Rule:
        return Rule(
            id,
            family,
            severity,
            Text(*title),
            source,
            check,
            date.fromisoformat(valid_from),
            date.fromisoformat(valid_to) if valid_to else None,
            per_province,
        )

    return make


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    message: Text
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "path": self.path,
            "message": {"en": self.message.en, "zh": self.message.zh},
            "source": self.source,
        }


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, family by family."""
    from openbeian.rules import content, documents, domains, hosting, licence, province, who
    from openbeian.rules import names as site_names

    modules = (who, licence, province, hosting, domains, site_names, content, documents)
    rules = tuple(r for module in modules for r in module.RULES)
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    return rules


def rules_at(day: date) -> tuple[Rule, ...]:
    return tuple(r for r in all_rules() if r.in_force(day))


def run(rules: Iterable[Rule], facts: Facts, day: date) -> Iterator[Finding]:
    tables = tables_at(day)
    for r in rules:
        for hit in r.check(facts, tables):
            yield Finding(r.id, hit.severity, hit.path, hit.message, hit.source or r.source)


def evaluate(facts: Facts, at: date) -> list[Finding]:
    """Every finding of every rule in force on `at`, the blocking ones first."""
    return sorted(run(rules_at(at), facts, at), key=lambda f: f.severity.rank)


def is_ok(findings: Iterable[Finding]) -> bool:
    return not any(f.severity is Severity.BLOCK for f in findings)
