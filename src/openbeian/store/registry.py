"""Registry repository: issued subjects and sites, their domains, the change log, number allocation."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, bindparam, func, literal, select, text
from sqlalchemy.exc import IntegrityError

from openbeian.domain.numbers import ServiceType, format_site_number, format_subject_number
from openbeian.domain.provinces import by_code
from openbeian.errors import Conflict, Text
from openbeian.store.schema import (
    new_id,
    notifications,
    registry_changes,
    registry_domains,
    registry_site_providers,
    registry_sites,
    registry_subjects,
)

ISSUE_RETRIES = 20
_CHANGE_LOG_LOCK = 7_411_043  # pg_advisory_xact_lock key


@dataclass(frozen=True, slots=True)
class RegistryRecord:
    """One filed site with its subject, as stored (personal data is masked by the service layer)."""

    subject_name: str
    subject_kind: str
    subject_number: str
    site_number: str
    site_name: str
    site_type: str
    domains: tuple[str, ...]  # ascii
    province_code: str
    approved_at: datetime
    status: str
    provider_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class IssuedSubject:
    id: int
    number: str


@dataclass(frozen=True, slots=True)
class FiledSubject:
    id: int
    number: str
    name: str
    kind: str
    province_code: str
    document_key: str
    status: str
    order_id: int | None

    @property
    def issued(self) -> IssuedSubject:
        return IssuedSubject(self.id, self.number)


@dataclass(frozen=True, slots=True)
class FiledSite:
    id: int
    number: str
    subject_id: int
    subject_number: str
    name: str
    service_type: str
    status: str
    provider_ids: tuple[int, ...]
    domains: tuple[str, ...]
    order_id: int | None
    applicant_id: int | None
    approved_at: datetime
    police_number: str | None


class RegistryRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- writing -----------------------------------------------------------------------------------
    def subject_for_document(self, document_key: str) -> str | None:
        row = self.conn.execute(
            select(registry_subjects.c.subject_number).where(
                and_(registry_subjects.c.document_key == document_key, registry_subjects.c.status == "active")
            )
        ).first()
        return None if row is None else str(row[0])

    def filed_domains(self, domains: Iterable[str]) -> dict[str, str]:
        """Which of these ascii domains are already filed: domain -> site number."""
        wanted = list(domains)
        if not wanted:
            return {}
        rows = self.conn.execute(
            select(registry_domains.c.domain, registry_sites.c.site_number)
            .join(registry_sites, registry_sites.c.id == registry_domains.c.site_id)
            .where(and_(registry_domains.c.domain.in_(wanted), registry_sites.c.status == "active"))
        )
        return {d: n for d, n in rows}

    def subject_by_document(self, document_key: str) -> FiledSubject | None:
        return self._subject(
            and_(registry_subjects.c.document_key == document_key, registry_subjects.c.status == "active")
        )

    def subject_by_number(self, number: str) -> FiledSubject | None:
        return self._subject(registry_subjects.c.subject_number == number)

    def _subject(self, condition: ColumnElement[bool]) -> FiledSubject | None:
        row = self.conn.execute(select(registry_subjects).where(condition)).first()
        return None if row is None else _filed_subject(row)

    def site_by_number(self, number: str) -> FiledSite | None:
        sites = self._sites(registry_sites.c.site_number == number)
        return sites[0] if sites else None

    def sites_of_subject(self, subject_id: int, active_only: bool = True) -> list[FiledSite]:
        condition = registry_sites.c.subject_id == subject_id
        if active_only:
            condition = and_(condition, registry_sites.c.status == "active")
        return self._sites(condition)

    def sites_of_applicant(self, applicant_id: int) -> list[FiledSite]:
        """Every site an account filed, cancelled ones included."""
        return self._sites(registry_sites.c.applicant_id == applicant_id)

    def site_of_domain(self, domain: str) -> FiledSite | None:
        """The active site holding an ascii domain."""
        site_id = self.conn.execute(_SITE_OF_DOMAIN, {"domain": domain}).scalar()
        if site_id is None:
            return None
        sites = self._sites(and_(registry_sites.c.id == site_id, registry_sites.c.status == "active"))
        return sites[0] if sites else None

    def _sites(self, condition: ColumnElement[bool], limit: int = 10_000) -> list[FiledSite]:
        rows = self.conn.execute(
            select(registry_sites, registry_subjects.c.subject_number)
            .join(registry_subjects, registry_subjects.c.id == registry_sites.c.subject_id)
            .where(condition)
            .order_by(registry_sites.c.id)
            .limit(limit)
        ).all()
        domains: dict[int, list[str]] = {}
        if rows:
            found = self.conn.execute(_DOMAINS_OF_SITES, {"site_ids": [r.id for r in rows]})
            for site_id, domain in found:
                domains.setdefault(site_id, []).append(domain)
        return [
            FiledSite(
                r.id,
                r.site_number,
                r.subject_id,
                r.subject_number,
                r.name,
                r.service_type,
                r.status,
                tuple(json.loads(r.provider_ids)),
                tuple(domains.get(r.id, ())),
                r.order_id,
                r.applicant_id,
                r.approved_at,
                r.police_number,
            )
            for r in rows
        ]

    # -- changes to filed subjects and sites --------------------------------------------------------
    def update_subject(self, subject_id: int, name: str, kind: str, document_key: str, order_id: int) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    registry_subjects.update()
                    .where(registry_subjects.c.id == subject_id)
                    .values(name=name, kind=kind, document_key=document_key, order_id=order_id)
                )
        except IntegrityError:  # uq_registry_subjects_active_document: the new document was filed meanwhile
            raise Conflict(
                Text("this document is already filed as another subject", "该证件已备案为其他主体"),
                {"subject.document.number": Text("already filed", "已备案")},
            ) from None

    def update_site(self, site_id: int, name: str, keep_domains: Sequence[str], order_id: int) -> list[str]:
        """Rename a site and drop the domains not kept (a change may only remove); returns those dropped."""
        current = [
            d
            for (d,) in self.conn.execute(
                select(registry_domains.c.domain).where(registry_domains.c.site_id == site_id)
            )
        ]
        dropped = [d for d in current if d not in keep_domains]
        if dropped:
            self.conn.execute(registry_domains.delete().where(registry_domains.c.domain.in_(dropped)))
        self.conn.execute(
            registry_sites.update().where(registry_sites.c.id == site_id).values(name=name, order_id=order_id)
        )
        return dropped

    def add_access(self, site_id: int, provider_id: int, ips: Sequence[str], order_id: int | None = None) -> None:
        """The provider hosts the site from now on (its access record's IPs replace any earlier ones)."""
        self.conn.execute(
            registry_site_providers.delete().where(
                and_(
                    registry_site_providers.c.site_id == site_id,
                    registry_site_providers.c.provider_id == provider_id,
                )
            )
        )
        self.conn.execute(
            registry_site_providers.insert().values(site_id=site_id, provider_id=provider_id, ips=json.dumps(list(ips)))
        )
        self._sync_provider_ids(site_id, order_id)

    def drop_access(self, site_id: int, provider_id: int) -> None:
        self.conn.execute(
            registry_site_providers.delete().where(
                and_(
                    registry_site_providers.c.site_id == site_id,
                    registry_site_providers.c.provider_id == provider_id,
                )
            )
        )
        self._sync_provider_ids(site_id)

    def _sync_provider_ids(self, site_id: int, order_id: int | None = None) -> None:
        """Keep the site's denormalised `provider_ids` equal to its rows in registry_site_providers."""
        ids = sorted(
            int(p)
            for (p,) in self.conn.execute(
                select(registry_site_providers.c.provider_id).where(registry_site_providers.c.site_id == site_id)
            )
        )
        values: dict[str, object] = {"provider_ids": json.dumps(ids)}
        if order_id is not None:
            values["order_id"] = order_id
        self.conn.execute(registry_sites.update().where(registry_sites.c.id == site_id).values(**values))

    def cancel_site(self, site_id: int, at: datetime) -> None:
        """A cancelled number is never restored; its domains stay pointing at it until filed again."""
        self.conn.execute(
            registry_sites.update()
            .where(and_(registry_sites.c.id == site_id, registry_sites.c.status == "active"))
            .values(status="cancelled", cancelled_at=at)
        )

    def cancel_subject(self, subject_id: int, at: datetime) -> None:
        self.conn.execute(
            registry_subjects.update()
            .where(and_(registry_subjects.c.id == subject_id, registry_subjects.c.status == "active"))
            .values(status="cancelled", cancelled_at=at)
        )

    def set_police_number(self, site_id: int, number: str, at: datetime) -> None:
        self.conn.execute(
            registry_sites.update()
            .where(registry_sites.c.id == site_id)
            .values(police_number=number, police_recorded_at=at)
        )

    # -- the regulator's lists ------------------------------------------------------------------------
    def empty_subjects(
        self, province_code: str | None = None, number: str | None = None, limit: int = 1000
    ) -> list[FiledSubject]:
        """Active subjects without any active site (空壳主体), of a province or with a number when given."""
        has_site = (
            select(registry_sites.c.id)
            .where(and_(registry_sites.c.subject_id == registry_subjects.c.id, registry_sites.c.status == "active"))
            .exists()
        )
        query = select(registry_subjects).where(and_(registry_subjects.c.status == "active", ~has_site))
        if province_code is not None:
            query = query.where(registry_subjects.c.province_code == province_code)
        if number is not None:
            query = query.where(registry_subjects.c.subject_number == number)
        rows = self.conn.execute(query.order_by(registry_subjects.c.id).limit(limit))
        return [_filed_subject(r) for r in rows]

    def empty_sites(
        self, province_code: str | None = None, number: str | None = None, limit: int = 1000
    ) -> list[FiledSite]:
        """Active sites that no provider gives access any more (空壳网站), of a province or with a number."""
        condition = and_(registry_sites.c.status == "active", registry_sites.c.provider_ids == "[]")
        if province_code is not None:
            condition = and_(condition, registry_subjects.c.province_code == province_code)
        if number is not None:
            condition = and_(condition, registry_sites.c.site_number == number)
        return self._sites(condition, limit)

    def is_empty_shell(self, number: str, reason: str) -> bool:
        if reason == "empty_subject":
            return bool(self.empty_subjects(number=number, limit=1))
        return bool(self.empty_sites(number=number, limit=1))

    def sites_without_police_number(
        self,
        approved_before: datetime,
        approved_after: datetime | None = None,
        applicant_id: int | None = None,
        province_code: str | None = None,
        provider_id: int | None = None,
        not_told: str | None = None,
        limit: int = 1000,
    ) -> list[FiledSite]:
        """Active websites approved in the window without a police number; narrowed to an applicant, a province
        or a provider, and (`not_told`: a notification key suffix) to those not yet told about it."""
        condition = and_(
            registry_sites.c.status == "active",
            registry_sites.c.police_number.is_(None),
            registry_sites.c.service_type == "website",
            registry_sites.c.approved_at <= approved_before,
        )
        if approved_after is not None:
            condition = and_(condition, registry_sites.c.approved_at > approved_after)
        if applicant_id is not None:
            condition = and_(condition, registry_sites.c.applicant_id == applicant_id)
        if province_code is not None:
            condition = and_(condition, registry_subjects.c.province_code == province_code)
        if provider_id is not None:
            hosted = select(registry_site_providers.c.site_id).where(
                and_(
                    registry_site_providers.c.site_id == registry_sites.c.id,
                    registry_site_providers.c.provider_id == provider_id,
                )
            )
            condition = and_(condition, hosted.exists())
        if not_told is not None:
            key = literal("police:") + registry_sites.c.site_number + literal(not_told)
            told = select(notifications.c.id).where(notifications.c.key == key).exists()
            condition = and_(condition, ~told)
        return self._sites(condition, limit)

    def issue_subject(
        self,
        province_code: str,
        year: int,
        name: str,
        kind: str,
        document_key: str,
        at: datetime,
        order_id: int,
    ) -> IssuedSubject:
        """Allocate the next serial of the province and year. The unique constraint on (province, year,
        serial) is the guarantee; when a concurrent approval took the serial first, retry with the next."""
        province = by_code(province_code)
        for _ in range(ISSUE_RETRIES):
            serial = 1 + int(
                self.conn.execute(_LAST_SERIAL, {"province_code": province_code, "year": year}).scalar_one()
            )
            number = format_subject_number(province, year, serial)
            try:
                with self.conn.begin_nested():
                    result = self.conn.execute(
                        _INSERT_SUBJECT,
                        {
                            "subject_number": number,
                            "province_code": province_code,
                            "year": year,
                            "serial": serial,
                            "name": name,
                            "kind": kind,
                            "document_key": document_key,
                            "next_site_seq": 1,
                            "status": "active",
                            "approved_at": at,
                            "order_id": order_id,
                        },
                    )
            except IntegrityError:
                existing = self.subject_for_document(document_key)
                if existing is not None:  # a concurrent approval filed the same subject first
                    raise Conflict(
                        Text(f"this subject was just filed as {existing}", f"该主体刚刚已备案：{existing}")
                    ) from None
                continue  # a concurrent approval took the serial: try the next one
            return IssuedSubject(new_id(result), number)
        raise Conflict(Text("could not allocate a filing number; try again", "备案号分配冲突，请重试"))

    def add_site(
        self,
        subject: IssuedSubject,
        name: str,
        service_type: ServiceType,
        app_id: str | None,
        domains: Sequence[str],
        provider_id: int,
        ips: Sequence[str],
        at: datetime,
        order_id: int,
        applicant_id: int | None = None,
    ) -> str:
        """File one site under a subject, hosted by one provider from the given IPs: the next `-n` of the subject
        (shared by all kinds)."""
        seq = int(self.conn.execute(_NEXT_SITE_SEQ, {"subject_id": subject.id}).scalar_one())
        self.conn.execute(_SET_NEXT_SITE_SEQ, {"b_id": subject.id, "next_site_seq": seq + 1})
        number = format_site_number(subject.number, seq, service_type)
        site_id = new_id(
            self.conn.execute(
                _INSERT_SITE,
                {
                    "site_number": number,
                    "subject_id": subject.id,
                    "seq": seq,
                    "name": name,
                    "service_type": service_type.value,
                    "app_id": app_id,
                    "status": "active",
                    "provider_ids": json.dumps([provider_id]),
                    "approved_at": at,
                    "order_id": order_id,
                    "applicant_id": applicant_id,
                },
            )
        )
        self.conn.execute(
            _INSERT_ACCESS, {"site_id": site_id, "provider_id": provider_id, "ips": json.dumps(list(ips))}
        )
        if domains:
            # A domain of a cancelled site may be filed again: it then points at the new site.
            self.conn.execute(_RELEASE_CANCELLED_DOMAINS, {"domains": list(domains)})
            try:
                with self.conn.begin_nested():
                    self.conn.execute(_INSERT_DOMAIN, [{"domain": d, "site_id": site_id} for d in domains])
            except IntegrityError:
                raise Conflict(
                    Text(
                        "a domain of this site is already filed (domain conflict)",
                        "网站域名已备案（域名冲突）",
                    )
                ) from None
        return number

    def record_change(
        self,
        at: datetime,
        action: str,
        subject_number: str,
        site_number: str | None,
        payload: dict[str, object],
    ) -> int:
        if self.conn.dialect.name == "postgresql":
            # Sequence numbers are taken at insert, not at commit: serialise writers of the change log so a
            # reader following it by sequence number never skips a change that commits late.
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGE_LOG_LOCK})
        result = self.conn.execute(
            _INSERT_CHANGE,
            {
                "at": at,
                "action": action,
                "subject_number": subject_number,
                "site_number": site_number,
                "payload": json.dumps(payload, ensure_ascii=False),
            },
        )
        return int(new_id(result))

    def changes_since(self, seq: int, limit: int = 1000) -> list[dict[str, object]]:
        rows = self.conn.execute(
            select(registry_changes).where(registry_changes.c.seq > seq).order_by(registry_changes.c.seq).limit(limit)
        )
        return [
            {
                "seq": r.seq,
                "at": r.at,
                "action": r.action,
                "subject_number": r.subject_number,
                "site_number": r.site_number,
                "payload": json.loads(r.payload),
            }
            for r in rows
        ]

    # -- reading -----------------------------------------------------------------------------------
    def by_domains(self, candidates: Sequence[str]) -> list[RegistryRecord]:
        """Sites filed under the first candidate that is filed (exact name before registrable domain)."""
        for domain in candidates:
            site_id = self.conn.execute(_SITE_OF_DOMAIN, {"domain": domain}).scalar()
            if site_id is not None:
                return self._records(_BY_SITE_ID, {"site_id": site_id})
        return []

    def by_subject_number(self, number: str) -> list[RegistryRecord]:
        return self._records(_BY_SUBJECT_NUMBER, {"number": number})

    def by_site_number(self, number: str) -> list[RegistryRecord]:
        return self._records(_BY_SITE_NUMBER, {"number": number})

    def by_subject_name(self, name: str, limit: int = 50) -> list[RegistryRecord]:
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._records(
            registry_subjects.c.name.ilike(bindparam("pattern"), escape="\\"), {"pattern": f"%{escaped}%"}, limit
        )

    def count_sites(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(registry_sites)).scalar_one())

    def _records(
        self, condition: ColumnElement[bool], params: dict[str, object], limit: int = 200
    ) -> list[RegistryRecord]:
        rows = self.conn.execute(_RECORDS.where(condition).limit(limit), params).all()
        if not rows:
            return []
        domains: dict[int, list[str]] = {}
        if len(rows) == 1:
            found = self.conn.execute(_DOMAINS_OF_SITE, {"site_id": rows[0].id})
        else:
            found = self.conn.execute(_DOMAINS_OF_SITES, {"site_ids": [r.id for r in rows]})
        for site_id, domain in found:
            domains.setdefault(site_id, []).append(domain)
        return [
            RegistryRecord(
                subject_name=r.subject_name,
                subject_kind=r.kind,
                subject_number=r.subject_number,
                site_number=r.site_number,
                site_name=r.site_name,
                site_type=r.service_type,
                domains=tuple(domains.get(r.id, ())),
                province_code=r.province_code,
                approved_at=r.approved_at,
                status=r.status,
                provider_ids=tuple(json.loads(r.provider_ids)),
            )
            for r in rows
        ]


def _filed_subject(r: Row[Any]) -> FiledSubject:
    return FiledSubject(r.id, r.subject_number, r.name, r.kind, r.province_code, r.document_key, r.status, r.order_id)


# Statements built once: the registry lookups are the hot path of every query and of the gate, and the writes
# below run at every approval.
_LAST_SERIAL = select(func.coalesce(func.max(registry_subjects.c.serial), 0)).where(
    and_(
        registry_subjects.c.province_code == bindparam("province_code"),
        registry_subjects.c.year == bindparam("year"),
    )
)
_INSERT_SUBJECT = registry_subjects.insert()
_NEXT_SITE_SEQ = (
    select(registry_subjects.c.next_site_seq).where(registry_subjects.c.id == bindparam("subject_id")).with_for_update()
)
_SET_NEXT_SITE_SEQ = registry_subjects.update().where(registry_subjects.c.id == bindparam("b_id"))
_INSERT_SITE = registry_sites.insert()
_INSERT_ACCESS = registry_site_providers.insert()
_INSERT_DOMAIN = registry_domains.insert()
_INSERT_CHANGE = registry_changes.insert()
# Per domain, not per cancelled site: `site_id IN (SELECT ... WHERE status != 'active')` would read every
# cancelled site of the registry at each approval.
_RELEASE_CANCELLED_DOMAINS = registry_domains.delete().where(
    and_(
        registry_domains.c.domain.in_(bindparam("domains", expanding=True)),
        select(registry_sites.c.id)
        .where(and_(registry_sites.c.id == registry_domains.c.site_id, registry_sites.c.status != "active"))
        .exists(),
    )
)
_RECORDS: Select[tuple[object, ...]] = (
    select(
        registry_sites.c.id,
        registry_subjects.c.name.label("subject_name"),
        registry_subjects.c.kind,
        registry_subjects.c.subject_number,
        registry_subjects.c.province_code,
        registry_sites.c.site_number,
        registry_sites.c.name.label("site_name"),
        registry_sites.c.service_type,
        registry_sites.c.approved_at,
        registry_sites.c.status,
        registry_sites.c.provider_ids,
    )
    .join(registry_subjects, registry_subjects.c.id == registry_sites.c.subject_id)
    .order_by(registry_subjects.c.subject_number, registry_sites.c.seq)
)
_SITE_OF_DOMAIN = select(registry_domains.c.site_id).where(registry_domains.c.domain == bindparam("domain"))
_DOMAINS_OF_SITE = (
    select(registry_domains.c.site_id, registry_domains.c.domain)
    .where(registry_domains.c.site_id == bindparam("site_id"))
    .order_by(registry_domains.c.domain)
)
_DOMAINS_OF_SITES = (
    select(registry_domains.c.site_id, registry_domains.c.domain)
    .where(registry_domains.c.site_id.in_(bindparam("site_ids", expanding=True)))
    .order_by(registry_domains.c.domain)
)
_BY_SITE_ID = registry_sites.c.id == bindparam("site_id")
_BY_SUBJECT_NUMBER = registry_subjects.c.subject_number == bindparam("number")
_BY_SITE_NUMBER = registry_sites.c.site_number == bindparam("number")
