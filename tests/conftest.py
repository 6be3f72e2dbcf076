"""Shared fixtures: a fixed clock, real databases (SQLite file, PostgreSQL schema), and a helper that files
orders through the same services and simulation driver the CLI uses.

PostgreSQL tests read OPENBEIAN_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).
Each test gets a schema of its own (selected through the connection's search_path), migrated by Alembic and
dropped afterwards, so parallel runs on one database do not meet. Without the variable the PostgreSQL tests
skip with a reason; with OPENBEIAN_CI=1 they fail instead, because CI must run them.
"""

from __future__ import annotations

import itertools
import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from openbeian.clock import CHINA_TZ, FixedClock
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.provinces import by_code
from openbeian.domain.workflow import Role, Stage
from openbeian.services.accounts import AccountService, actor_of
from openbeian.services.context import Context
from openbeian.services.orders import OrderService
from openbeian.services.registry import RegistryService
from openbeian.services.resources import ResourceService
from openbeian.simulate import synth
from openbeian.simulate.driver import Cast, drive, ensure_cast, new_applicant_order
from openbeian.store.database import normalise_url
from openbeian.store.uow import Database

# A Tuesday morning in Beijing, an ordinary working day (2026-03-10 09:00 CST = 01:00 UTC).
BEIJING_MORNING = datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ)
SEED = 20260310
PG_URL_VARIABLE = "OPENBEIAN_TEST_DATABASE_URL"

# Property tests check results, not speed: on a loaded 2-core machine an example may take longer than
# hypothesis' default 200 ms deadline, which would fail a correct test.
settings.register_profile("openbeian", deadline=None)
settings.load_profile("openbeian")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(BEIJING_MORNING)


# -- databases -------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in a temporary file."""
    db = Database(f"sqlite:///{tmp_path / 'openbeian.db'}")
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get(PG_URL_VARIABLE, "").strip()
    if not url:
        if os.environ.get("OPENBEIAN_CI") == "1":
            pytest.fail(f"{PG_URL_VARIABLE} not set but OPENBEIAN_CI=1: CI must run the PostgreSQL tests")
        pytest.skip(f"{PG_URL_VARIABLE} not set: PostgreSQL tests skipped")
    return normalise_url(url)


@pytest.fixture(scope="session")
def pg_admin(pg_url: str) -> Iterator[Engine]:
    """An engine on the test database's default schema, to create and drop the per-test schemas."""
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()


def url_with_schema(url: str, schema: str) -> str:
    """The URL whose connections put `schema` first on the search_path (tables, alembic_version and all)."""
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture
def pg_schema_url(pg_url: str, pg_admin: Engine) -> Iterator[str]:
    """A fresh, empty schema of its own; the URL selects it. Dropped after the test."""
    schema = f"obtest_{uuid.uuid4().hex[:12]}"
    with pg_admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url_with_schema(pg_url, schema)
    finally:
        with pg_admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def pg_db(pg_schema_url: str) -> Iterator[Database]:
    """A migrated PostgreSQL database in a fresh schema."""
    db = Database(pg_schema_url)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL (the latter skips without OPENBEIAN_TEST_DATABASE_URL)."""
    database: Database = request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")
    return database


@pytest.fixture
def ctx(db: Database, clock: FixedClock) -> Context:
    return Context(db, clock=clock)


# -- filing helpers --------------------------------------------------------------------------------


@pytest.fixture
def cast(ctx: Context) -> Cast:
    """The provider's reviewer and one officer per province (openbeian.simulate.driver.ensure_cast)."""
    return ensure_cast(ctx)


@dataclass
class Filings:
    """Applicants, drafts and approvals through the services, with synthetic but valid identities."""

    ctx: Context
    cast: Cast
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    _counter: Iterator[int] = field(default_factory=itertools.count)

    @property
    def orders(self) -> OrderService:
        return OrderService(self.ctx)

    @property
    def registry(self) -> RegistryService:
        return RegistryService(self.ctx)

    def unique(self) -> str:
        return f"t{next(self._counter)}"

    def applicant_order(
        self, province: str = "110000", kind: str = "enterprise", applicant: Actor | None = None
    ) -> tuple[Actor, FilingOrder]:
        """A new applicant (unless given) with a server, a service number and a synthetic draft."""
        return new_applicant_order(self.ctx, self.cast, self.rng, self.unique(), by_code(province), kind, applicant)

    def applicant(self) -> Actor:
        name = f"applicant-{self.unique()}"
        return actor_of(AccountService(self.ctx).create_user(name, None, Role.APPLICANT, name))

    def service_number(self, applicant: Actor, reviewer: Actor | None = None) -> str:
        """A fresh service number on a new instance sold to `applicant` (by the simulation's provider)."""
        account = AccountService(self.ctx).by_id(applicant.account_id or 0)
        assert account is not None
        _, numbers = ResourceService(self.ctx).add_instance(
            reviewer or self.cast.reviewer, account.username, ["47.95.1.2"]
        )
        return numbers[0].code

    def form(
        self,
        province: str = "110000",
        kind: str = "enterprise",
        sites: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A synthetic order form; `sites` replaces the generated sites when given."""
        form = synth.applicant(self.rng, self.unique(), by_code(province), kind).form
        if sites is not None:
            form["sites"] = sites
        return form

    def draft(self, form: dict[str, Any], applicant: Actor | None = None) -> tuple[Actor, FilingOrder]:
        """A draft of this form by `applicant` (a new one unless given), on a fresh service number."""
        applicant = applicant or self.applicant()
        number = self.service_number(applicant)
        return applicant, self.orders.create(applicant, {**form, "service_number": number})

    def drive(self, applicant: Actor, order: FilingOrder, until: Stage = Stage.APPROVED) -> FilingOrder:
        return drive(self.ctx, self.cast, applicant, order, until)

    def approved(self, province: str = "110000", kind: str = "enterprise") -> tuple[Actor, FilingOrder]:
        applicant, order = self.applicant_order(province, kind)
        return applicant, self.drive(applicant, order)


@pytest.fixture
def filings(ctx: Context, cast: Cast) -> Filings:
    return Filings(ctx, cast)


@pytest.fixture
def applicant_order(filings: Filings) -> Any:
    """Factory: applicant_order(province="110000", kind="enterprise") -> (applicant, draft order)."""
    return filings.applicant_order
