"""Several API processes on one PostgreSQL: `openbeian serve --workers 2` as a real process, reads answered by both
workers, and concurrent writes through the API (tokens, instances and their service numbers) from both workers
at once, without an error and without a number issued twice, while the supervisor alone runs the timers.

Needs OPENBEIAN_TEST_DATABASE_URL; the test works in a fresh schema (see tests/conftest.py).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from openbeian.clock import CHINA_TZ, FixedClock
from openbeian.services.context import Context
from openbeian.simulate.demo import APPLICANT, REVIEWER, seed_demo
from openbeian.store.schema import instances, registry_domains, service_numbers
from openbeian.store.uow import Database
from served import Answer, serving

pytestmark = pytest.mark.postgres

WRITES = 48  # at least; more until each worker has taken some


@pytest.fixture
def demo_pg(pg_schema_url: str) -> str:
    db = Database(pg_schema_url)
    seed_demo(Context(db, clock=FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ))), approved_orders=3)
    db.dispose()
    return pg_schema_url


def test_two_workers_on_one_postgresql_answer_reads_and_take_concurrent_writes(demo_pg: str, tmp_path: Path) -> None:
    db = Database(demo_pg, migrate=False)
    with db.engine.connect() as conn:
        domains = [d for (d,) in conn.execute(select(registry_domains.c.domain))]
        instances_before = conn.execute(select(func.count()).select_from(instances)).scalar_one()
    timers = ("--tick-every", "0.5", "--log-level", "debug")
    with serving(demo_pg, tmp_path / "serve.log", *timers, workers=2) as served:
        workers = set(served.workers())
        token = served.post_json("/api/v1/auth/token", {"username": REVIEWER[0], "password": REVIEWER[1]})
        assert token.status == 200, token.body
        bearer = {"Authorization": f"Bearer {token.body['token']}"}

        def write(i: int) -> Answer:
            """A reviewer records an instance sold to the applicant, with two service numbers; every fourth
            write is a new login token instead."""
            if i % 4 == 3:
                return served.post_json("/api/v1/auth/token", {"username": APPLICANT[0], "password": APPLICANT[1]})
            body = {"customer": APPLICANT[0], "ips": [f"47.95.{i // 250}.{i % 250 + 1}"], "service_numbers": 2}
            return served.post_json("/api/v1/instances", body, bearer)

        def read(i: int) -> Answer:
            return served.get(f"/api/v1/registry?domain={quote('www.' + domains[i % len(domains)])}")

        writes: list[Answer] = []
        reads: list[Answer] = []
        with ThreadPoolExecutor(8) as pool:
            while len(writes) < 400 and (len(writes) < WRITES or {w.worker for w in writes} != workers):
                start = len(writes)
                writes += pool.map(write, range(start, start + 8))
                reads += pool.map(read, range(start, start + 8))
        log = served.log_text()
    assert {w.worker for w in writes} == workers and {r.worker for r in reads} <= workers
    assert all(w.status in (200, 201) for w in writes), [w.body for w in writes if w.status not in (200, 201)]
    assert all(r.status == 200 and len(r.body["records"]) == 1 for r in reads)
    assert "Traceback" not in log and "ERROR" not in log, log
    assert set(re.findall(r"\[(\d+)\] DEBUG openbeian: timers ran", log)) <= {str(served.process.pid)}

    created = [w for w in writes if w.status == 201]
    codes = [n["code"] for w in created for n in w.body["service_numbers"]]
    with db.engine.connect() as conn:
        instances_after = conn.execute(select(func.count()).select_from(instances)).scalar_one()
        stored = [c for (c,) in conn.execute(select(service_numbers.c.code).where(service_numbers.c.code.in_(codes)))]
    db.dispose()
    assert instances_after - instances_before == len(created)
    assert len(codes) == 2 * len(created) == len(set(codes)) == len(stored)
