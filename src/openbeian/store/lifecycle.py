"""What the lifecycle keeps beside orders and the registry: domains of orders in flight, uploaded
verification files, cleanup notices, blacklists, and the log of notifications sent."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from openbeian.domain.workflow import FINAL_STAGES as WORKFLOW_FINAL_STAGES
from openbeian.errors import Conflict, Text
from openbeian.store.schema import blacklist, cleanup_notices, new_id, notifications, order_domains, order_files, orders


@dataclass(frozen=True, slots=True)
class OrderFile:
    id: int
    order_id: int
    purpose: str
    digest: str
    content_type: str
    size: int
    name: str
    problems: tuple[str, ...]
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class CleanupNotice:
    id: int
    number: str
    reason: str
    noticed_at: datetime
    due_at: datetime
    resolved: str | None


@dataclass(frozen=True, slots=True)
class BlacklistEntry:
    id: int
    kind: str
    value: str
    reason: str
    created_at: datetime


FINAL_STAGES = tuple(stage.value for stage in WORKFLOW_FINAL_STAGES)


class LifecycleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- one order in flight per subject and per domain ------------------------------------------
    def order_in_flight_for_subject(self, subject_key: str, other_than: int | None = None) -> int | None:
        condition: ColumnElement[bool] = and_(orders.c.subject_key == subject_key, orders.c.stage.not_in(FINAL_STAGES))
        if other_than is not None:
            condition = and_(condition, orders.c.id != other_than)
        found = self.conn.execute(select(orders.c.id).where(condition).limit(1)).scalar()
        return None if found is None else int(found)

    def orders_in_flight_for_domains(self, domains: Iterable[str], other_than: int | None = None) -> dict[str, int]:
        wanted = list(domains)
        if not wanted:
            return {}
        condition: ColumnElement[bool] = order_domains.c.domain.in_(wanted)
        if other_than is not None:
            condition = and_(condition, order_domains.c.order_id != other_than)
        return {
            d: int(o)
            for d, o in self.conn.execute(select(order_domains.c.domain, order_domains.c.order_id).where(condition))
        }

    def claim_domains(self, order_id: int, domains: Iterable[str]) -> None:
        """Hold the order's domains while it is in flight; a concurrent order holding one is a domain conflict."""
        self.release_domains(order_id)
        rows = [{"domain": d, "order_id": order_id} for d in dict.fromkeys(domains)]
        if not rows:
            return
        try:
            with self.conn.begin_nested():
                self.conn.execute(order_domains.insert(), rows)
        except IntegrityError:
            raise Conflict(
                Text(
                    "another order in flight has one of these domains (domain conflict)",
                    "域名已在其他进行中的订单中（域名冲突）",
                )
            ) from None

    def release_domains(self, order_id: int) -> None:
        self.conn.execute(order_domains.delete().where(order_domains.c.order_id == order_id))

    # -- verification files ---------------------------------------------------------------------------
    def add_file(
        self,
        order_id: int,
        purpose: str,
        digest: str,
        content_type: str,
        size: int,
        name: str,
        problems: tuple[str, ...],
        uploaded_by: int,
        at: datetime,
    ) -> OrderFile:
        file_id = new_id(
            self.conn.execute(
                order_files.insert(),
                dict(
                    order_id=order_id,
                    purpose=purpose,
                    digest=digest,
                    content_type=content_type,
                    size=size,
                    name=name,
                    problems=json.dumps(list(problems), ensure_ascii=False),
                    uploaded_by=uploaded_by,
                    uploaded_at=at,
                ),
            )
        )
        return OrderFile(file_id, order_id, purpose, digest, content_type, size, name, problems, at)

    def files_of(self, order_id: int) -> list[OrderFile]:
        rows = self.conn.execute(
            select(order_files).where(order_files.c.order_id == order_id).order_by(order_files.c.id)
        )
        return [
            OrderFile(
                r.id,
                r.order_id,
                r.purpose,
                r.digest,
                r.content_type,
                r.size,
                r.name,
                tuple(json.loads(r.problems)),
                r.uploaded_at,
            )
            for r in rows
        ]

    # -- the regulator's cleanup ----------------------------------------------------------------------
    def add_notice(self, number: str, reason: str, at: datetime, due_at: datetime) -> CleanupNotice | None:
        """Notice an empty subject or site once; None when it already has an open notice."""
        existing = self.notice_for(number)
        if existing is not None and existing.resolved is None:
            return None
        if existing is not None:
            self.conn.execute(cleanup_notices.delete().where(cleanup_notices.c.id == existing.id))
        notice_id = new_id(
            self.conn.execute(
                cleanup_notices.insert(), dict(number=number, reason=reason, noticed_at=at, due_at=due_at)
            )
        )
        return CleanupNotice(notice_id, number, reason, at, due_at, None)

    def notice_for(self, number: str) -> CleanupNotice | None:
        r = self.conn.execute(select(cleanup_notices).where(cleanup_notices.c.number == number)).first()
        return None if r is None else CleanupNotice(r.id, r.number, r.reason, r.noticed_at, r.due_at, r.resolved)

    def open_notices(self, due_before: datetime | None = None) -> list[CleanupNotice]:
        condition: ColumnElement[bool] = cleanup_notices.c.resolved.is_(None)
        if due_before is not None:
            condition = and_(condition, cleanup_notices.c.due_at <= due_before)
        rows = self.conn.execute(select(cleanup_notices).where(condition).order_by(cleanup_notices.c.id))
        return [CleanupNotice(r.id, r.number, r.reason, r.noticed_at, r.due_at, r.resolved) for r in rows]

    def resolve_notice(self, notice_id: int, outcome: str, at: datetime) -> bool:
        result = self.conn.execute(
            cleanup_notices.update()
            .where(and_(cleanup_notices.c.id == notice_id, cleanup_notices.c.resolved.is_(None)))
            .values(resolved=outcome, resolved_at=at)
        )
        return result.rowcount == 1

    # -- blacklists -----------------------------------------------------------------------------------
    def blacklist_add(self, kind: str, value: str, reason: str, at: datetime) -> BlacklistEntry:
        try:
            with self.conn.begin_nested():
                entry_id = new_id(
                    self.conn.execute(blacklist.insert(), dict(kind=kind, value=value, reason=reason, created_at=at))
                )
        except IntegrityError:
            raise Conflict(Text("already on the blacklist", "已在黑名单中")) from None
        return BlacklistEntry(entry_id, kind, value, reason, at)

    def blacklist_remove(self, entry_id: int) -> bool:
        return self.conn.execute(blacklist.delete().where(blacklist.c.id == entry_id)).rowcount == 1

    def blacklisted(self, kind: str, values: Iterable[str]) -> dict[str, str]:
        wanted = list(values)
        if not wanted:
            return {}
        rows = self.conn.execute(
            select(blacklist.c.value, blacklist.c.reason).where(
                and_(blacklist.c.kind == kind, blacklist.c.value.in_(wanted))
            )
        )
        return {v: r for v, r in rows}

    def blacklist_entries(self) -> list[BlacklistEntry]:
        rows = self.conn.execute(select(blacklist).order_by(blacklist.c.id))
        return [BlacklistEntry(r.id, r.kind, r.value, r.reason, r.created_at) for r in rows]

    # -- notifications --------------------------------------------------------------------------------
    def claim_notification(self, key: str, recipient: str, subject: str, at: datetime) -> int | None:
        """Record a notification about `key` once; None when it was already recorded (timers fire twice)."""
        statement = _CLAIM_NOTIFICATION[self.conn.dialect.name == "postgresql"]
        found = self.conn.execute(
            statement, {"key": key, "recipient": recipient, "subject": subject, "created_at": at, "sent": "no"}
        ).scalar()
        return None if found is None else int(found)

    def mark_notification(self, notification_id: int, sent: str) -> None:
        self.conn.execute(notifications.update().where(notifications.c.id == notification_id).values(sent=sent))

    def notifications_about(self, prefix: str) -> list[str]:
        rows = self.conn.execute(
            select(notifications.c.key).where(notifications.c.key.startswith(prefix, autoescape=True))
        )
        return [k for (k,) in rows]


# One claim per order step: built once per dialect (index: is PostgreSQL).
_CLAIM_NOTIFICATION = tuple(
    insert(notifications).on_conflict_do_nothing(index_elements=["key"]).returning(notifications.c.id)
    for insert in (sqlite_insert, pg_insert)
)
