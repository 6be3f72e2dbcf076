"""`openbeian serve --workers N` as a real process on a SQLite file: requests are answered by every worker, a
session started at one worker holds at another, and the timers run in the supervisor only, once."""

from __future__ import annotations

import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from sqlalchemy import select

from openbeian.domain.workflow import Role
from openbeian.services.accounts import AccountService
from openbeian.services.context import Context
from openbeian.store.schema import registry_domains
from openbeian.store.uow import Database
from served import OPENBEIAN, Answer, Served, serving

if TYPE_CHECKING:
    from conftest import Filings

ROUNDS = 400  # requests at most before every worker must have answered one; in practice a few dozen suffice


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    """These tests run on SQLite only (tests/postgres/test_api_workers.py runs them on PostgreSQL)."""
    return sqlite_db


def filed_domains(filings: Filings, count: int) -> list[str]:
    for _ in range(count):
        filings.approved()
    with filings.ctx.db.engine.connect() as conn:
        return [d for (d,) in conn.execute(select(registry_domains.c.domain).order_by(registry_domains.c.domain))]


def spread(served: Served, paths: list[str], until_every_worker: bool = True) -> list[Answer]:
    """Each path requested on a new connection, eight at a time, going round the list until every worker has
    answered (or ROUNDS requests)."""
    answers: list[Answer] = []
    workers = set(served.workers())
    with ThreadPoolExecutor(8) as pool:
        while len(answers) < ROUNDS:
            batch = [paths[(len(answers) + i) % len(paths)] for i in range(8)]
            answers += pool.map(served.get, batch)
            if len(answers) >= len(paths) and (not until_every_worker or {a.worker for a in answers} == workers):
                break
    return answers


def test_two_workers_answer_registry_queries_from_one_sqlite_file(filings: Filings, tmp_path: Path) -> None:
    domains = filed_domains(filings, 3)
    paths = [f"/api/v1/registry?domain={quote('www.' + d)}" for d in domains] + ["/api/v1/registry?domain=absent.cn"]
    with serving(filings.ctx.db.url, tmp_path / "serve.log", "--tick-every", "0", workers=2) as served:
        workers = served.workers()
        assert len(workers) == 2 and served.process.pid not in workers
        answers = spread(served, paths * 25)
    assert {a.worker for a in answers} == set(workers)
    for answer in answers:
        assert answer.status == 200, answer.body
        domain = answer.body["query"]["domain"]
        assert len(answer.body["records"]) == (0 if domain == "absent.cn" else 1)


def test_a_login_at_one_worker_holds_at_the_other(db: Database, tmp_path: Path) -> None:
    """The supervisor hands its session key to every worker: the form (CSRF token in a signed session cookie)
    served by one worker is accepted by another, and the logged-in session is good at both."""
    AccountService(Context(db)).create_user("alice", "correct horse 42", Role.APPLICANT, "Alice")
    with serving(db.url, tmp_path / "serve.log", "--tick-every", "0", workers=2) as served:
        form = served.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.body)
        assert form.status == 200 and csrf is not None
        fields = {"csrf": csrf.group(1), "username": "alice", "password": "correct horse 42", "next": "/orders"}
        for _ in range(ROUNDS):  # until another worker than the form's takes the login
            login = served.post_form("/login", fields, {"Cookie": form.cookie()})
            if login.worker != form.worker:
                break
        assert login.worker != form.worker
        assert login.status == 303 and login.headers["location"] == "/orders", login.body
        pages = {}
        for _ in range(ROUNDS):
            page = served.get("/orders", {"Cookie": login.cookie()})
            pages[page.worker] = page
            if len(pages) == 2:
                break
    assert len(pages) == 2
    assert all(page.status == 200 and "alice" in page.body.lower() for page in pages.values())


def test_the_timers_run_in_the_supervisor_only_however_many_workers_serve(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'openbeian.db'}"
    options = ("--tick-every", "0.2", "--log-level", "debug")
    with serving(url, tmp_path / "serve.log", *options, workers=2) as served:
        workers = served.workers()
        deadline = time.monotonic() + 60
        while len(_timer_rounds(served)) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        rounds = _timer_rounds(served)
    assert len(rounds) >= 5, served.log_text()
    assert set(rounds) == {served.process.pid}
    assert not set(rounds) & set(workers)
    # the workers log through the same configuration: their start-up lines carry their process ids
    assert all(f"[{pid}]" in served.log_text() for pid in workers)


def _timer_rounds(served: Served) -> list[int]:
    return [int(pid) for pid in re.findall(r"\[(\d+)\] DEBUG openbeian: timers ran", served.log_text())]


def test_several_workers_on_an_in_memory_sqlite_database_are_refused_in_one_line() -> None:
    command = [str(OPENBEIAN), "--database", "sqlite:///:memory:", "serve", "--workers", "2", "--port", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--workers needs a database file or PostgreSQL" in done.stderr
