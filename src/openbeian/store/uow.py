"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

import threading
from types import TracebackType

from sqlalchemy import Connection, Engine

from openbeian.store.accounts import AccountRepository
from openbeian.store.database import create_db_engine, upgrade
from openbeian.store.lifecycle import LifecycleRepository
from openbeian.store.orders import OrderRepository
from openbeian.store.reader import RegistryReader
from openbeian.store.registry import RegistryRepository
from openbeian.store.resources import ResourceRepository


class UnitOfWork:
    orders: OrderRepository
    registry: RegistryRepository
    accounts: AccountRepository
    resources: ResourceRepository
    lifecycle: LifecycleRepository

    def __init__(self, engine: Engine, readonly: bool = False) -> None:
        self._engine = engine
        self._readonly = readonly
        self._conn: Connection | None = None
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        conn = self._engine.connect()
        if self._readonly:
            conn = conn.execution_options(readonly=True)
        conn.begin()
        self._conn = conn
        self.orders = OrderRepository(conn)
        self.registry = RegistryRepository(conn)
        self.accounts = AccountRepository(conn)
        self.resources = ResourceRepository(conn)
        self.lifecycle = LifecycleRepository(conn)
        return self

    def commit(self) -> None:
        assert self._conn is not None
        self._conn.commit()
        self._committed = True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._conn is not None
        if not self._committed:
            self._conn.rollback()
        self._conn.close()
        self._conn = None


_READER_LOCK = threading.Lock()


class Database:
    """The engine and the way to open units of work on it."""

    def __init__(self, url: str, migrate: bool = True) -> None:
        self.engine = create_db_engine(url)
        self.url = url
        self._reader: RegistryReader | None = None
        if migrate:
            upgrade(self.engine)

    def unit_of_work(self, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, readonly)

    @property
    def reader(self) -> RegistryReader:
        """The registry's read path (store/reader.py), opened on first use, one per process and database."""
        reader = self._reader
        if reader is None:
            with _READER_LOCK:
                if self._reader is None:
                    self._reader = RegistryReader(self.engine)
                reader = self._reader
        return reader

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self.engine.dispose()
