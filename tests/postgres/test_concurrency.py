"""PostgreSQL under concurrency: several OS processes filing at once, racing approvals, and races whose
interleaving is forced by holding a row lock in an open transaction (so the outcome does not depend on luck).

Needs OPENBEIAN_TEST_DATABASE_URL; each test works in a fresh schema (see tests/conftest.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Connection, Engine, func, select, text

from openbeian.clock import FixedClock
from openbeian.domain.workflow import Stage, Trigger
from openbeian.errors import Conflict, ValidationError
from openbeian.services.context import Context
from openbeian.simulate.driver import PROVIDER_NAME, PROVIDER_NAME_EN, ensure_cast
from openbeian.store.schema import (
    orders,
    providers,
    registry_changes,
    registry_sites,
    registry_subjects,
    service_numbers,
)
from openbeian.store.uow import Database

if TYPE_CHECKING:
    from conftest import Filings

pytestmark = pytest.mark.postgres

PROCESSES = 4
ORDERS_PER_PROCESS = 60
SIMULATE = """
import json, sys
from openbeian.domain.kinds import OrderKind
from openbeian.services.context import Context
from openbeian.simulate.scenarios import simulate
from openbeian.store.uow import Database

db = Database(sys.argv[1])
report = simulate(Context(db), int(sys.argv[2]), seed=int(sys.argv[3]), kinds=[OrderKind.FIRST_FILING])
db.dispose()
print(json.dumps({k: report[k] for k in ("orders", "approved", "by_stage", "database")}))
"""


@pytest.fixture
def db(pg_db: Database) -> Database:
    """Every test here runs on PostgreSQL only."""
    return pg_db


class Worker(threading.Thread):
    """Runs `call` in a thread and keeps its result or exception for the test to inspect."""

    def __init__(self, call: Callable[[], Any], barrier: threading.Barrier | None = None) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.barrier = barrier
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            if self.barrier is not None:
                self.barrier.wait(timeout=30)
            self.result = self.call()
        except BaseException as exc:
            self.error = exc


def backend_pid(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def wait_until_blocked_by(admin: Engine, pid: int, timeout: float = 20.0) -> None:
    """Wait until some session waits for a lock held by backend `pid`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with admin.connect() as conn:
            waiting = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"), {"pid": pid}
            ).scalar_one()
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError(f"no session waited for backend {pid} within {timeout} s")


@pytest.fixture
def joined() -> Iterator[list[Worker]]:
    """Workers to join before the schema is dropped, whatever the test's outcome."""
    workers: list[Worker] = []
    yield workers
    for worker in workers:
        worker.join(timeout=60)


# -- many processes ------------------------------------------------------------------------------


def test_four_processes_filing_at_once_issue_every_number_once_and_without_gaps(
    pg_db: Database, pg_schema_url: str
) -> None:
    # The pg_db fixture migrated the schema; the processes race for everything else, the cast included.
    started = [
        subprocess.Popen(
            [sys.executable, "-c", SIMULATE, pg_schema_url, str(ORDERS_PER_PROCESS), str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(PROCESSES)
    ]
    reports = []
    for process in started:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        reports.append(json.loads(out))
    assert [r["approved"] for r in reports] == [ORDERS_PER_PROCESS] * PROCESSES
    assert {r["database"] for r in reports} == {"postgresql"}

    with pg_db.engine.connect() as conn:
        stages = dict(conn.execute(select(orders.c.stage, func.count()).group_by(orders.c.stage)).all())
        assert stages == {Stage.APPROVED.value: PROCESSES * ORDERS_PER_PROCESS}

        issued = [json.loads(row.issued) for row in conn.execute(select(orders.c.issued))]
        subject_numbers = [i["subject_number"] for i in issued]
        site_numbers = [n for i in issued for n in i["site_numbers"]]
        assert len(set(subject_numbers)) == len(subject_numbers) == PROCESSES * ORDERS_PER_PROCESS
        assert len(set(site_numbers)) == len(site_numbers)

        registered = set(conn.execute(select(registry_sites.c.site_number)).scalars())
        assert registered == set(site_numbers)
        assert set(conn.execute(select(registry_subjects.c.subject_number)).scalars()) == set(subject_numbers)

        serials: dict[tuple[str, int], list[int]] = defaultdict(list)
        for province, year, serial in conn.execute(
            select(registry_subjects.c.province_code, registry_subjects.c.year, registry_subjects.c.serial)
        ):
            serials[(province, year)].append(serial)
        for key, found in serials.items():
            assert sorted(found) == list(range(1, len(found) + 1)), key

        # Orders entering and leaving review are logged too (for the gates); an approval is one change a site.
        approved = registry_changes.c.action == "site_approved"
        seqs = list(
            conn.execute(select(registry_changes.c.seq).where(approved).order_by(registry_changes.c.seq)).scalars()
        )
        assert len(seqs) == len(set(seqs)) == len(site_numbers)


# -- racing approvals ------------------------------------------------------------------------------


def test_two_officers_approving_one_order_at_once_issue_one_set_of_numbers(
    filings: Filings, joined: list[Worker]
) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    officer = filings.cast.officers["110000"]
    barrier = threading.Barrier(2)
    joined += [Worker(lambda: filings.orders.act(officer, order.id or 0, Trigger.APPROVE), barrier) for _ in range(2)]
    for worker in joined:
        worker.start()
    for worker in joined:
        worker.join(timeout=60)
    winners = [w.result for w in joined if w.error is None]
    losers = [w.error for w in joined if w.error is not None]
    assert len(winners) == 1, losers
    assert len(losers) == 1 and isinstance(losers[0], Conflict), losers
    with filings.ctx.db.engine.connect() as conn:
        assert list(conn.execute(select(registry_subjects.c.subject_number)).scalars()) == [
            winners[0].issued.subject_number
        ]
        assert conn.execute(select(func.count()).select_from(registry_sites)).scalar_one() == len(order.sites)


def test_approvals_racing_in_one_province_take_consecutive_serials(filings: Filings, joined: list[Worker]) -> None:
    waiting = []
    for _ in range(6):
        applicant, order = filings.applicant_order("110000")
        waiting.append(filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW))
    officer = filings.cast.officers["110000"]
    barrier = threading.Barrier(len(waiting))
    for order in waiting:
        joined.append(
            Worker(lambda order_id=order.id: filings.orders.act(officer, order_id or 0, Trigger.APPROVE), barrier)
        )
    for worker in joined:
        worker.start()
    for worker in joined:
        worker.join(timeout=60)
    assert [w.error for w in joined] == [None] * len(waiting)
    numbers = sorted(w.result.issued.subject_number for w in joined)
    assert numbers == [f"京ICP备2026{serial:06d}号" for serial in range(1, len(waiting) + 1)]


# -- races forced by a held lock -------------------------------------------------------------------


def test_setting_up_the_simulation_cast_while_another_process_does_succeeds(
    pg_db: Database, pg_admin: Engine, clock: FixedClock, joined: list[Worker]
) -> None:
    ctx = Context(pg_db, clock=clock)
    with pg_db.engine.connect() as other:
        # Another process is creating the provider right now and has not committed yet.
        other.execute(providers.insert().values(name=PROVIDER_NAME, name_en=PROVIDER_NAME_EN, created_at=clock.now()))
        worker = Worker(lambda: ensure_cast(ctx))
        joined.append(worker)
        worker.start()
        wait_until_blocked_by(pg_admin, backend_pid(other))
        other.commit()
    worker.join(timeout=60)
    assert worker.error is None, repr(worker.error)
    assert len(worker.result.officers) == 31


def test_a_service_number_bound_by_a_concurrent_draft_is_refused(
    filings: Filings, pg_admin: Engine, joined: list[Worker]
) -> None:
    applicant = filings.applicant()
    number = filings.service_number(applicant)
    form = {**filings.form(), "service_number": number}
    with filings.ctx.db.engine.connect() as other:
        # A concurrent create has bound the number to its order and not committed yet.
        other.execute(service_numbers.update().where(service_numbers.c.code == number).values(order_id=999_999))
        worker = Worker(lambda: filings.orders.create(applicant, form))
        joined.append(worker)
        worker.start()
        wait_until_blocked_by(pg_admin, backend_pid(other))
        other.commit()
    worker.join(timeout=60)
    assert isinstance(worker.error, ValidationError), f"created order {getattr(worker.result, 'id', None)}"
    assert list(worker.error.fields) == ["service_number"]


def test_a_reader_following_the_change_log_misses_no_change(
    pg_db: Database, clock: FixedClock, joined: list[Worker]
) -> None:
    now = clock.now()

    def second_approval() -> None:
        with pg_db.unit_of_work() as uow:
            uow.registry.record_change(now, "site_approved", "京ICP备2026000002号", "京ICP备2026000002号-1", {})
            uow.commit()

    seen: list[dict[str, object]] = []
    with pg_db.unit_of_work() as first:
        first.registry.record_change(now, "site_approved", "京ICP备2026000001号", "京ICP备2026000001号-1", {})
        worker = Worker(second_approval)
        joined.append(worker)
        worker.start()
        worker.join(timeout=2)  # a fix that orders commits makes the second approval wait for the first
        with pg_db.unit_of_work(readonly=True) as reader:
            seen += reader.registry.changes_since(0)
        first.commit()
    worker.join(timeout=60)
    assert worker.error is None
    cursor = max((int(str(c["seq"])) for c in seen), default=0)
    with pg_db.unit_of_work(readonly=True) as reader:
        seen += reader.registry.changes_since(cursor)
    assert sorted(str(c["site_number"]) for c in seen) == ["京ICP备2026000001号-1", "京ICP备2026000002号-1"]
