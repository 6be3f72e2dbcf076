"""Tables (SQLAlchemy Core). Alembic migrations in migrations/versions must create exactly this schema;
tests/integration/test_migrations.py compares the two.

Order content (subject, sites, access) is a JSON document in `orders.payload`; what is queried or
constrained has a column of its own. Registry rows are never deleted, so numbers are never reused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.types import DateTime, TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (naive storage) and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


providers = Table(
    "providers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("name_en", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(200)),  # null: cannot log in (simulated applicants)
    Column("role", String(20), nullable=False),
    Column("provider_id", Integer, ForeignKey("providers.id")),
    Column("province_code", String(6)),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

instances = Table(
    "instances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("provider_id", Integer, ForeignKey("providers.id"), nullable=False),
    Column("owner_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("region", String(40), nullable=False),
    Column("ips", Text, nullable=False),  # JSON list
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),  # extended by renewals and free hosting credits
    Column("billing_mode", String(20), nullable=False, server_default="subscription"),  # | pay_as_you_go
    Column("bought_at", UTCDateTime()),  # always written; null only in rows older than the column: created_at
)

service_numbers = Table(
    "service_numbers",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("instance_id", Integer, ForeignKey("instances.id"), nullable=False, index=True),
    Column("owner_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("order_id", Integer),  # the order that uses it, if any (kept once consumed)
    Column("created_at", UTCDateTime(), nullable=False),
    Column("state", String(20), nullable=False, server_default="free"),  # free | bound | consumed
)

# The owner of a service number authorises another account to use it (cross-account use); revoked while unused.
service_number_grants = Table(
    "service_number_grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), ForeignKey("service_numbers.code"), nullable=False),
    Column("grantee_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("granted_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
    # One standing authorisation per number.
    Index(
        "uq_service_number_grants_active",
        "code",
        unique=True,
        sqlite_where=text("revoked_at IS NULL"),
        postgresql_where=text("revoked_at IS NULL"),
    ),
)

# Free hosting during review (用时多久送多久): once per instance, so the instance id is unique.
hosting_credits = Table(
    "hosting_credits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instance_id", Integer, ForeignKey("instances.id"), nullable=False, unique=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False, index=True),
    Column("days", Integer, nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=False),
    Column("approved_at", UTCDateTime(), nullable=False),
    Column("expires_before", UTCDateTime(), nullable=False),
    Column("expires_after", UTCDateTime(), nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("stage", String(30), nullable=False),
    Column("applicant_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("provider_id", Integer, ForeignKey("providers.id"), nullable=False),
    Column("province_code", String(6), nullable=False),
    Column("service_number", String(40), nullable=False),
    Column("subject_name", String(100), nullable=False),
    Column("subject_key", String(64), nullable=False),  # sha256 of the subject's document type + number
    Column("payload", Text, nullable=False),  # JSON: subject, sites, access, targets, verification
    Column("sms", Text),  # JSON: the open SMS challenge
    Column("issued", Text),  # JSON: numbers issued on approval
    Column("review_days", Integer, nullable=False),
    Column("deadline", UTCDateTime()),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index(None, "provider_id", "stage"),
    Index(None, "province_code", "stage"),
    # One order in flight per subject, across all providers, also when two are created at once.
    Index(
        "uq_orders_subject_in_flight",
        "subject_key",
        unique=True,
        sqlite_where=text("stage NOT IN ('approved', 'withdrawn', 'abandoned')"),
        postgresql_where=text("stage NOT IN ('approved', 'withdrawn', 'abandoned')"),
    ),
)

# The domains of orders in flight: one order at a time per domain (rows go when the order ends).
order_domains = Table(
    "order_domains",
    metadata,
    Column("domain", String(253), primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False, index=True),
)

# Uploaded verification material (the files live outside the web root, named by digest).
order_files = Table(
    "order_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False, index=True),
    Column("purpose", String(20), nullable=False),  # photo | letter
    Column("digest", String(64), nullable=False),
    Column("content_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("problems", Text, nullable=False),  # JSON list of the automatic check's reasons
    Column("uploaded_by", Integer, nullable=False),
    Column("uploaded_at", UTCDateTime(), nullable=False),
)

order_history = Table(
    "order_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer),
    Column("actor_role", String(20), nullable=False),
    Column("trigger", String(30), nullable=False),
    Column("source", String(30), nullable=False),
    Column("target", String(30), nullable=False),
    Column("note", Text, nullable=False),
)

registry_subjects = Table(
    "registry_subjects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subject_number", String(40), nullable=False, unique=True),
    Column("province_code", String(6), nullable=False),
    Column("year", Integer, nullable=False),
    Column("serial", Integer, nullable=False),
    Column("name", String(100), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("document_key", String(64), nullable=False),  # sha256 of type + number
    Column("next_site_seq", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("approved_at", UTCDateTime(), nullable=False),
    Column("order_id", Integer, ForeignKey("orders.id")),  # the latest approved order with its content
    Column("cancelled_at", UTCDateTime()),
    Column("credit_code", String(18)),  # organisations: the public unified social credit code (bulk import)
    UniqueConstraint("province_code", "year", "serial"),
    # One active filing per subject document, also when two approvals race.
    Index(
        "uq_registry_subjects_active_document",
        "document_key",
        unique=True,
        sqlite_where=text("status = 'active'"),
        postgresql_where=text("status = 'active'"),
    ),
)

registry_sites = Table(
    "registry_sites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_number", String(48), nullable=False, unique=True),
    Column("subject_id", Integer, ForeignKey("registry_subjects.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("name", String(100), nullable=False),
    Column("service_type", String(20), nullable=False),
    Column("app_id", String(128)),
    Column("status", String(20), nullable=False),
    Column("provider_ids", Text, nullable=False),  # JSON list: the access providers
    Column("approved_at", UTCDateTime(), nullable=False),
    Column("order_id", Integer, ForeignKey("orders.id")),  # the latest approved order with its content
    Column("applicant_id", Integer),  # the account that filed it (police filing, changes, cancellation)
    Column("police_number", String(40)),  # 公安备案号, due within 30 days of approval
    Column("police_recorded_at", UTCDateTime()),
    Column("cancelled_at", UTCDateTime()),
    # What the ministry's public query shows beyond the above (filled by bulk import; see openbeian.bulk).
    Column("home_url", String(300)),
    Column("content_types", String(200)),  # pre-approval categories, ";"-joined
    Column("leader_name", String(40)),
    Column("limit_access", Boolean()),
    UniqueConstraint("subject_id", "seq"),
)

# Which access providers host each filed site (接入), with the server addresses of that access record. The
# site's `provider_ids` column is a denormalised copy kept equal to these rows by RegistryRepository, so one row
# answers a registry lookup; every query *by provider* goes through this table and its index.
registry_site_providers = Table(
    "registry_site_providers",
    metadata,
    Column("site_id", Integer, ForeignKey("registry_sites.id"), primary_key=True),
    Column("provider_id", Integer, ForeignKey("providers.id"), primary_key=True),
    Column("ips", Text, nullable=False),  # JSON list of the access record's public IPs (may be empty)
    Index(None, "provider_id", "site_id"),
)

registry_domains = Table(
    "registry_domains",
    metadata,
    Column("domain", String(253), primary_key=True),  # ascii (A-label) form
    Column("site_id", Integer, ForeignKey("registry_sites.id"), nullable=False, index=True),
)

# Every registry change, with a monotonic sequence number: what an enforcement gate follows.
registry_changes = Table(
    "registry_changes",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("action", String(30), nullable=False),
    Column("subject_number", String(40), nullable=False),
    Column("site_number", String(48)),
    Column("payload", Text, nullable=False),  # JSON
)

# The regulator's cleanup (空壳清理): a notice on an empty subject or site, cancelled when it runs out.
cleanup_notices = Table(
    "cleanup_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(48), nullable=False, unique=True),  # subject or site number
    Column("reason", String(20), nullable=False),  # empty_subject | empty_site
    Column("noticed_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("resolved", String(20)),  # cancelled | cured (it got a site / an access again)
    Column("resolved_at", UTCDateTime()),
)

# Subjects (by document key) and domains that may not file (黑名单).
blacklist = Table(
    "blacklist",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # subject | domain
    Column("value", String(253), nullable=False),  # document key or ascii domain
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("kind", "value"),
)

# Every notification sent (e-mail), so that a timer firing twice sends nothing twice.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),  # what it is about, e.g. police-due:<site>
    Column("recipient", String(200), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent", String(10), nullable=False),  # yes | no (no SMTP configured) | failed
)

sms_outbox = Table(
    "sms_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("phone", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("order_id", Integer, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
)


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# Footer-scanner compliance results of a provider's filed domains: one row per domain per run (scanner/compliance.py).
scan_results = Table(
    "scan_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(32), nullable=False, index=True),
    Column("provider_id", Integer, ForeignKey("providers.id"), nullable=False),
    Column("domain", String(253), nullable=False),  # ascii (A-label) form
    Column("site_number", String(48)),
    Column("url", Text, nullable=False),
    Column("fetch_status", String(30), nullable=False),
    Column("outcome", String(20), nullable=False),  # compliant | non_compliant | unreachable
    Column("dns_status", String(20)),  # resolves | empty_shell | no_address | dns_error | not_checked
    Column("numbers", Text, nullable=False),  # JSON list
    Column("findings", Text, nullable=False),  # JSON list
    Column("scanned_at", UTCDateTime(), nullable=False),
    Index(None, "provider_id", "scanned_at"),
)
