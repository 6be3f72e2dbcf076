"""The `openbeian` command: the interfaces scripts rely on, and bad input (exit 2, one line, no traceback)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from openbeian.cli import main

NUMBER_KEYS = {
    "input",
    "valid",
    "kind",
    "canonical",
    "province_code",
    "province_abbr",
    "serial",
    "service_seq",
    "service_type",
    "category",
    "error",
}


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_number_parse_prints_one_json_object_per_input_and_exits_1_when_any_is_invalid() -> None:
    code, out, _ = run("number", "parse", "--json", "京ICP备2023007649号-2A", "粤B2-20090059", "川ICP备1XXXXXX1号")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [set(line) for line in lines] == [NUMBER_KEYS] * 3
    assert lines[0]["canonical"] == "京ICP备2023007649号-2A"
    assert lines[0]["province_code"] == "110000" and lines[0]["service_type"] == "app" and lines[0]["service_seq"] == 2
    assert lines[1]["kind"] == "telecom_licence" and lines[1]["category"] == "B2"
    assert lines[2]["valid"] is False and lines[2]["kind"] is None and lines[2]["error"]


def test_number_parse_exits_0_when_all_are_valid() -> None:
    code, out, _ = run("number", "parse", "--json", "京公网安备 11010802020134号")
    assert code == 0
    assert json.loads(out)["kind"] == "police_filing"


def test_simulate_approves_every_order_with_distinct_numbers_and_the_registry_finds_them(database: str) -> None:
    code, out, _ = run(
        "--database", database, "simulate", "--orders", "25", "--seed", "7", "--kinds", "first_filing", "--json"
    )
    report = json.loads(out)
    assert code == 0
    assert report["orders"] == 25 and report["approved"] == 25 and report["by_stage"] == {"approved": 25}
    assert report["seconds"] > 0
    numbers = [e["site_number"] for e in report["examples"]]
    assert len(numbers) == 20 and len(set(numbers)) == 20

    example = report["examples"][0]
    code, out, _ = run("--database", database, "registry", "query", "--domain", example["domain"], "--json")
    result = json.loads(out)
    assert code == 0
    assert result["query"] == {"domain": example["domain"]}
    record = result["records"][0]
    assert record["site_number"] == example["site_number"]
    assert record["subject_number"] == example["subject_number"]
    assert {
        "subject_name",
        "subject_kind",
        "site_name",
        "site_type",
        "domains",
        "province_code",
        "approved_at",
        "status",
    } <= set(record)


ALL_KINDS = {
    "first_filing",
    "add_site",
    "add_access",
    "change_subject",
    "change_site",
    "change_access",
    "cancel_subject",
    "cancel_site",
    "cancel_access",
}


def test_simulate_all_kinds_ends_every_kind_as_designed_and_the_registry_shows_it(database: str) -> None:
    code, out, _ = run("--database", database, "simulate", "--orders", "30", "--seed", "5", "--kinds", "all", "--json")
    report = json.loads(out)
    assert code == 0
    assert set(report["by_kind"]) == ALL_KINDS
    assert all(c["approved"] == c["orders"] >= 1 for c in report["by_kind"].values()), report["by_kind"]
    assert sum(c["orders"] for c in report["by_kind"].values()) == report["orders"] == 30

    with sqlite3.connect(database.removeprefix("sqlite:///")) as conn:
        cancelled_domain = conn.execute(
            "SELECT d.domain FROM registry_domains d JOIN registry_sites s ON s.id = d.site_id"
            " WHERE s.status = 'cancelled' LIMIT 1"
        ).fetchone()[0]
        shared_domain = conn.execute(
            "SELECT d.domain FROM registry_domains d JOIN registry_sites s ON s.id = d.site_id"
            " WHERE s.provider_ids LIKE '[%,%]' LIMIT 1"
        ).fetchone()[0]
    _, out, _ = run("--database", database, "registry", "query", "--domain", cancelled_domain, "--json")
    assert [r["status"] for r in json.loads(out)["records"]] == ["cancelled"]
    _, out, _ = run("--database", database, "registry", "query", "--domain", shared_domain, "--json")
    [record] = json.loads(out)["records"]
    assert record["status"] == "active" and len(record["providers"]) == 2


def test_simulate_refuses_an_unknown_kind_with_one_line() -> None:
    code, _, err = run("simulate", "--orders", "2", "--kinds", "first_filing,renewal")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "renewal" in err


def test_registry_query_without_a_match_prints_empty_records_and_exits_0(database: str) -> None:
    code, out, _ = run("--database", database, "registry", "query", "--number", "京ICP备2026999999号", "--json")
    assert code == 0
    assert json.loads(out) == {"query": {"number": "京ICP备2026999999号"}, "records": []}


@pytest.mark.parametrize(
    "args",
    [
        ("registry", "query", "--domain", "not a domain", "--json"),
        ("registry", "query", "--domain", "a.cn", "--subject", "x"),
        ("registry", "query", "--number", "港ICP备12345678号"),
        ("users", "create", "bob", "--role", "officer", "--password", "long-enough"),
        ("users", "create", "x", "--role", "applicant", "--password", "longpassword"),
        ("tokens", "create", "nobody"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(database: str, args: tuple[str, ...]) -> None:
    code, out, err = run("--database", database, *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_users_and_tokens_are_created_and_the_token_is_json(database: str) -> None:
    code, out, _ = run(
        "--database",
        database,
        "users",
        "create",
        "li.si",
        "--role",
        "officer",
        "--password",
        "long-enough",
        "--province",
        "沪",
        "--json",
    )
    assert code == 0 and json.loads(out)["province_code"] == "310000"
    code, out, _ = run("--database", database, "tokens", "create", "li.si", "--json")
    assert code == 0 and json.loads(out)["token"].startswith("obk_")


def test_an_unsupported_database_url_is_one_line_through_the_real_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "openbeian"
    env = {**os.environ, "OPENBEIAN_DATABASE_URL": "mysql://root@localhost/x"}
    result = subprocess.run([str(script), "db", "upgrade"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("openbeian: error: unsupported database") and "Traceback" not in result.stderr


def test_db_upgrade_creates_the_default_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "openbeian"
    env = {k: v for k, v in os.environ.items() if k != "OPENBEIAN_DATABASE_URL"}
    result = subprocess.run([str(script), "db", "upgrade"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "openbeian.db").is_file()


def test_tick_reports_what_it_moved_and_a_second_run_moves_nothing(database: str) -> None:
    code, _, _ = run("--database", database, "simulate", "--orders", "12", "--seed", "3", "--json")
    assert code == 0
    code, out, _ = run("--database", database, "tick", "--at", "2099-01-01T09:00", "--json")
    first = json.loads(out)
    assert code == 0 and first["at"] == "2099-01-01T01:00:00+00:00"
    assert first["police_reminders"], first  # every website is long past its police filing deadline
    _, out, _ = run("--database", database, "tick", "--at", "2099-01-01T09:00", "--json")
    second = json.loads(out)
    assert second["police_reminders"] == [] and second["sms_expired"] == [] and second["overdue_notified"] == []


def test_tick_with_a_bad_time_exits_2_with_one_line(database: str) -> None:
    code, _, err = run("--database", database, "tick", "--at", "next tuesday")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--at" in err
