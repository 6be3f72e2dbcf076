"""`openbeian instances`: record, list and show instances; bad input exits 2 with one line, in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from openbeian.cli import main
from openbeian.domain.workflow import Role
from openbeian.services.accounts import AccountService
from openbeian.services.context import Context
from openbeian.simulate.driver import ensure_cast
from openbeian.store.uow import Database


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A database with the simulation's providers and one applicant, alice."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    ctx = Context(db)
    ensure_cast(ctx)
    AccountService(ctx).create_user("alice", None, Role.APPLICANT, "Alice")
    db.dispose()
    return url


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_an_instance_is_recorded_listed_and_shown(database: str) -> None:
    code, out, _ = run(
        "--database", database, "instances", "create", "alice", "--ip", "47.93.10.20", "--region", "cn-shanghai",
        "--service-numbers", "2", "--json",
    )  # fmt: skip
    assert code == 0
    created = json.loads(out)
    instance = created["instance"]
    assert instance["eligible"] is True and instance["region"] == "cn-shanghai"
    assert len(created["service_numbers"]) == 2

    code, out, _ = run("--database", database, "instances", "list", "--json")
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == [instance["id"]]
    code, out, _ = run("--database", database, "instances", "show", str(instance["id"]), "--json")
    shown = json.loads(out)
    assert code == 0 and [n["state"] for n in shown["service_numbers"]] == ["free", "free"]
    assert shown["hosting_credit"] is None
    code, out, _ = run("--database", database, "instances", "show", str(instance["id"]))
    assert code == 0 and created["service_numbers"][0]["code"] in out


def test_an_ineligible_instance_gets_no_numbers_but_may_be_recorded(database: str) -> None:
    args = ["--database", database, "instances", "create", "alice", "--ip", "47.93.10.20", "--billing", "按量付费"]
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "pay-as-you-go" in err and "Traceback" not in err
    code, out, _ = run(*args, "--service-numbers", "0", "--json")
    assert code == 0 and json.loads(out)["instance"]["refusals"][0]["rule"] == "resource.subscription"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["create", "alice", "--ip", "47.93.10.20", "--region", "cn-hongkong"], "不在中国内地"),
        (["create", "alice", "--ip", "10.0.0.1"], "不是公网地址"),
        (["create", "nobody", "--ip", "47.93.10.20"], "没有申请人"),
        (["create", "alice", "--ip", "47.93.10.20", "--service-numbers", "6"], "最多 5 个"),
        (["create", "alice", "--ip", "47.93.10.20", "--provider", "none-such"], "没有接入商"),
        (["show", "999"], "未找到实例"),
    ],
)
def test_bad_input_exits_2_with_one_chinese_line(database: str, args: list[str], expected: str) -> None:
    code, _, err = run("--database", database, "instances", *args, env={"OPENBEIAN_LANG": "zh-CN"})
    assert code == 2 and len(err.splitlines()) == 1 and expected in err


def test_a_bad_bought_date_exits_2(database: str) -> None:
    code, _, err = run("--database", database, "instances", "create", "alice", "--bought-at", "yesterday")
    assert code == 2 and "--bought-at" in err and len(err.splitlines()) == 1
