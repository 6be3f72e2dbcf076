"""`openbeian rules`: check (exit 0 ok / 1 blocked / 2 unreadable), list, test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from openbeian.cli import main
from openbeian.rules.engine import all_rules


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, data: Any, name: str = "facts.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def test_check_exits_0_and_prints_ok_when_nothing_blocks(tmp_path: Path, company: dict[str, Any]) -> None:
    code, out, err = run("rules", "check", write(tmp_path, company), "--at", "2026-03-10", "--json")
    result = json.loads(out)
    assert code == 0 and err == ""
    assert result["ok"] is True and set(result) == {"ok", "findings"}
    assert set(result["findings"][0]) == {"rule", "severity", "path", "message", "source"}
    assert set(result["findings"][0]["message"]) == {"en", "zh"}


def test_check_exits_1_when_a_rule_blocks(tmp_path: Path, company: dict[str, Any]) -> None:
    company["hosting"]["region"] = "hong_kong"
    code, out, _ = run("rules", "check", write(tmp_path, company), "--at", "2026-03-10", "--json")
    result = json.loads(out)
    assert code == 1 and result["ok"] is False
    assert result["findings"][0]["rule"] == "HOST-MAINLAND" and result["findings"][0]["severity"] == "block"


def test_check_answers_differently_at_two_dates(tmp_path: Path, company: dict[str, Any]) -> None:
    company["licence"] = "commercial"
    company["subject"]["foreign_ownership_percent"] = 60
    path = write(tmp_path, company)
    assert run("rules", "check", path, "--at", "2024-01-15", "--json")[0] == 1
    assert run("rules", "check", path, "--at", "2025-03-01", "--json")[0] == 0


def test_check_prints_a_table_for_people_in_the_chosen_language(tmp_path: Path, person: dict[str, Any]) -> None:
    person["sites"][0]["content"] = ["forum"]
    code, out, _ = run("rules", "check", write(tmp_path, person), "--at", "2026-03-10", env={"OPENBEIAN_LANG": "zh"})
    assert code == 1
    assert "CONTENT-INDIVIDUAL-PRE-APPROVAL" in out and "无法备案" in out


def test_unreadable_input_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    cases = [
        (str(tmp_path / "missing.json"), "cannot read"),
        (write(tmp_path, "{not json", "a.json"), "not valid JSON"),
        (
            write(tmp_path, {"province": "火星", "subject": {"kind": "robot"}}, "b.json"),
            "subject.kind: 'robot' is not one",
        ),
        (write(tmp_path, {"extra": 1}, "c.json"), "extra: is not a known field"),
    ]
    for path, expected in cases:
        code, out, err = run("rules", "check", path, "--json")
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and expected in err and "Traceback" not in err


def test_bad_input_is_explained_in_chinese_when_asked(tmp_path: Path) -> None:
    code, _, err = run("rules", "check", write(tmp_path, {"licence": "gold"}), env={"OPENBEIAN_LANG": "zh_CN.UTF-8"})
    assert code == 2 and "事实文档中有 1 处问题" in err and "不是可选值" in err


def test_a_bad_date_exits_2(tmp_path: Path, company: dict[str, Any]) -> None:
    code, _, err = run("rules", "check", write(tmp_path, company), "--at", "2026-02-30")
    assert code == 2 and "YYYY-MM-DD" in err


def test_check_reads_stdin() -> None:
    result = CliRunner().invoke(main, ["rules", "check", "-", "--json"], input='{"hosting": {"region": "overseas"}}')
    assert result.exit_code == 1 and json.loads(result.stdout)["ok"] is False


def test_list_shows_every_rule_with_family_severity_source_and_period() -> None:
    code, out, _ = run("rules", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == len(all_rules())
    assert set(rows[0]) == {"id", "family", "severity", "title", "source", "valid_from", "valid_to"}
    assert run("rules", "list", "--json", "--at", "1999-01-01")[1].strip() == "[]"
    code, out, _ = run("rules", "list")
    assert code == 0 and "HOST-MAINLAND" in out


def test_rules_test_runs_every_case_file() -> None:
    code, out, _ = run("rules", "test")
    assert code == 0 and f"{len(all_rules())} rules covered" in out


def test_the_installed_command_runs_as_a_process(tmp_path: Path, company: dict[str, Any]) -> None:
    company["sites"][0]["domains"] = ["example.io"]
    proc = subprocess.run(
        [sys.executable, "-m", "openbeian", "rules", "check", write(tmp_path, company), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "DOMAIN-TLD-NOT-FILEABLE" in {f["rule"] for f in json.loads(proc.stdout)["findings"]}
