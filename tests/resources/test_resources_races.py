"""Races on PostgreSQL, their interleaving forced by an open transaction that holds the conflicting row: a second
authorisation of one number, and a second free hosting credit for one instance, are refused by the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Connection, Engine, text

from openbeian.clock import FixedClock
from openbeian.domain.workflow import Stage
from openbeian.errors import Conflict
from openbeian.services.accounts import AccountService
from openbeian.services.resources import ResourceService
from openbeian.store.schema import hosting_credits, service_number_grants
from openbeian.store.uow import Database

if TYPE_CHECKING:
    from conftest import Filings

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(pg_db: Database) -> Database:
    return pg_db


class Worker(threading.Thread):
    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as exc:
            self.error = exc


@pytest.fixture
def joined() -> Iterator[list[Worker]]:
    workers: list[Worker] = []
    yield workers
    for worker in workers:
        worker.join(timeout=60)


def wait_until_blocked_by(admin: Engine, conn: Connection, timeout: float = 20.0) -> None:
    pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with admin.connect() as probe:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
            if probe.execute(query, {"pid": pid}).scalar_one():
                return
        time.sleep(0.02)
    raise AssertionError(f"no session waited for backend {pid} within {timeout} s")


def username(filings: Filings, account_id: int | None) -> str:
    account = AccountService(filings.ctx).by_id(account_id or 0)
    assert account is not None
    return account.username


def test_a_number_authorised_meanwhile_by_a_concurrent_request_is_refused(
    filings: Filings, pg_admin: Engine, joined: list[Worker], clock: FixedClock
) -> None:
    owner, first, second = filings.applicant(), filings.applicant(), filings.applicant()
    code = filings.service_number(owner)
    with filings.ctx.db.engine.connect() as other:
        other.execute(
            service_number_grants.insert().values(code=code, grantee_id=first.account_id, granted_at=clock.now())
        )
        worker = Worker(lambda: ResourceService(filings.ctx).grant(owner, code, username(filings, second.account_id)))
        joined.append(worker)
        worker.start()
        wait_until_blocked_by(pg_admin, other)
        other.commit()
    worker.join(timeout=60)
    assert isinstance(worker.error, Conflict), worker.result
    assert [n.granted_to for n in ResourceService(filings.ctx).usable_numbers(owner)] == [first.account_id]


def test_a_second_credit_for_one_instance_racing_the_first_is_refused(
    filings: Filings, pg_admin: Engine, joined: list[Worker], clock: FixedClock
) -> None:
    applicant, order = filings.draft(filings.form())
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    assert order.id is not None
    clock.advance(timedelta(days=4))
    with filings.ctx.db.unit_of_work(readonly=True) as uow:
        number = uow.resources.service_number(order.service_number)
    assert number is not None
    expires = number.instance.expires_at

    def credit() -> object:
        with filings.ctx.db.unit_of_work() as uow:
            result = ResourceService.credit_free_hosting(uow, order, clock.now())
            uow.commit()
        return result

    with filings.ctx.db.engine.connect() as other:
        other.execute(
            hosting_credits.insert().values(
                instance_id=number.instance.id,
                order_id=order.id,
                days=4,
                submitted_at=clock.now() - timedelta(days=4),
                approved_at=clock.now(),
                expires_before=expires,
                expires_after=expires + timedelta(days=4),
            )
        )
        worker = Worker(credit)
        joined.append(worker)
        worker.start()
        wait_until_blocked_by(pg_admin, other)
        other.commit()
    worker.join(timeout=60)
    assert worker.error is None and worker.result is None
    _, _, stored = ResourceService(filings.ctx).instance(applicant, number.instance.id)
    assert stored is not None and stored.days == 4
    assert ResourceService(filings.ctx).instance(applicant, number.instance.id)[0].expires_at == expires
