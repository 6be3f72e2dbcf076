"""`openbeian rules`: check a facts document against the filing rules, list the rules, run their case files."""

from __future__ import annotations

import sys
from datetime import date

import click
from rich.table import Table

from openbeian.clisupport import console, emit_json, fail, handles_errors, lang
from openbeian.clock import CHINA_TZ, SystemClock
from openbeian.errors import ValidationError


def _day(text: str | None) -> date:
    if text is None:
        return SystemClock().now().astimezone(CHINA_TZ).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--at: {text!r} is not a date written YYYY-MM-DD")
        raise AssertionError from None  # fail() exits


def _one_line(exc: ValidationError, language: str) -> str:
    parts = [f"{path or '(document)'}: {text.get(language)}" for path, text in exc.fields.items()]
    head = exc.text.get(language)
    return f"{head}: {'; '.join(parts)}" if parts else head


@click.group("rules")
def rules() -> None:
    """Filing rules: who may file, province, hosting, domains, site names, content and pre-approvals, documents.

    Rules and their data are dated: --at checks as on another day.
    """


@rules.command("check")
@click.argument("facts_file", metavar="FACTS.json", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--at", "at", metavar="YYYY-MM-DD", help="Check as on this day [default: today, China time].")
@click.option("--json", "as_json", is_flag=True, help='Print {"ok", "findings"} as JSON.')
def check(facts_file: str, at: str | None, as_json: bool) -> None:
    """Check FACTS.json ('-' for stdin). Exit 0 when it can be filed, 1 when a rule blocks, 2 on unreadable input."""
    from openbeian.rules import load_facts, report

    day = _day(at)
    language = lang()
    try:
        with click.open_file(facts_file, "rb") as stream:
            raw = stream.read()
    except OSError as exc:
        fail(f"cannot read {facts_file}: {exc.strerror or exc}")
    try:
        facts = load_facts(raw)
    except ValidationError as exc:
        fail(_one_line(exc, language))
    result = report(facts, day)
    if as_json:
        emit_json(result)
    else:
        _print_findings(result, day, language)
    sys.exit(0 if result["ok"] else 1)


def _print_findings(result: dict[str, object], day: date, language: str) -> None:
    key = "zh" if language.startswith("zh") else "en"
    findings = result["findings"]
    assert isinstance(findings, list)
    table = Table("severity", "rule", "path", "message", show_lines=False)
    for f in findings:
        table.add_row(f["severity"], f["rule"], f["path"], f["message"][key])
    console.print(table)
    if result["ok"]:
        verdict = "可以备案（没有阻止性问题）" if key == "zh" else "can be filed (nothing blocks)"
    else:
        verdict = "无法备案（见 block 项）" if key == "zh" else "cannot be filed (see the block findings)"
    console.print(f"{day}: {verdict}")


@rules.command("list")
@click.option("--at", "at", metavar="YYYY-MM-DD", help="Only rules in force on this day [default: all rules].")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@handles_errors
def list_rules(at: str | None, as_json: bool) -> None:
    """List the rules: id, family, severity, source and valid period."""
    from openbeian.rules import all_rules, rules_at

    selected = rules_at(_day(at)) if at else all_rules()
    if as_json:
        emit_json([r.to_dict() for r in selected])
        return
    key = "zh" if lang().startswith("zh") else "en"
    table = Table("id", "family", "severity", "valid", "title", "source")
    for r in selected:
        valid = f"{r.valid_from} – {r.valid_to or ''}"
        table.add_row(r.id, r.family.value, r.severity.value, valid, getattr(r.title, key), r.source)
    console.print(table)


@rules.command("test")
@handles_errors
def test_cases() -> None:
    """Run every rule's case file; exit 1 when a case fails."""
    from openbeian.rules.cases import run_all
    from openbeian.rules.engine import all_rules

    results = list(run_all())
    failed = [r for r in results if not r.passed]
    for r in failed:
        click.echo(f"FAIL {r.rule}: {r.name}: {r.problem}")
    covered = {r.rule for r in results}
    uncovered = [r.id for r in all_rules() if r.id not in covered]
    for rule_id in uncovered:
        click.echo(f"FAIL {rule_id}: no case file")
    click.echo(f"{len(results) - len(failed)} of {len(results)} cases passed, {len(covered)} rules covered")
    sys.exit(1 if failed or uncovered else 0)
