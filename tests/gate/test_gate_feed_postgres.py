"""The change feed on PostgreSQL: the same registry as the SQLite test, followed by replay, by snapshot and read
whole, decides alike; a long-poll through a real API server answers when a change commits."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from openbeian.gate.follow import index_from_snapshot
from openbeian.gate.index import GateIndex
from openbeian.gate.source import apply_feed_change, load_index, read_changes, snapshot_lines
from openbeian.services.cleanup import CleanupService
from openbeian.store.uow import Database

from .gatehelpers import api_app, served_app
from .test_gate_feed import decisions, registry_with_every_kind_of_change

if TYPE_CHECKING:
    from conftest import Filings

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(pg_db: Database) -> Database:
    return pg_db


def test_on_postgresql_the_feed_replay_the_snapshot_and_the_database_decide_alike(filings: Filings) -> None:
    registry_with_every_kind_of_change(filings)
    engine = filings.ctx.db.engine
    newest, changes = read_changes(engine, 0, 1000)
    replica = GateIndex()
    for change in changes:
        apply_feed_change(replica, change)
    from_db = load_index(engine)
    from_snapshot = index_from_snapshot(snapshot_lines(engine))
    assert replica.seq == from_db.seq == from_snapshot.seq == newest
    assert decisions(replica, filings) == decisions(from_db, filings) == decisions(from_snapshot, filings)


def test_on_postgresql_a_long_poll_answers_when_a_change_commits(filings: Filings) -> None:
    officer = filings.cast.officers["110000"]
    with served_app(api_app(filings.ctx.db)) as url, httpx.Client(base_url=url, timeout=60) as client:
        newest = client.get("/api/v1/registry/changes", params={"since": 0}).json()["newest"]

        def later() -> None:
            time.sleep(0.3)
            CleanupService(filings.ctx).blacklist_domain(officer, "pg-late.cn", "仿冒网站")

        writer = threading.Thread(target=later)
        writer.start()
        answer = client.get("/api/v1/registry/changes", params={"since": newest, "wait": 30}).json()
        writer.join()
        assert [c["action"] for c in answer["changes"]] == ["blacklisted"]
