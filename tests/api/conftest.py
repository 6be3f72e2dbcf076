from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openbeian.clock import CHINA_TZ, FixedClock
from openbeian.config import load_settings
from openbeian.services.context import Context
from openbeian.simulate.demo import seed_demo
from openbeian.store.uow import Database
from openbeian.web.app import create_app


@pytest.fixture
def api_clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, seeded once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database(f"sqlite:///{path}")
    seed_demo(Context(db, clock=FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ))), approved_orders=5)
    db.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path) -> Iterator[Database]:
    path = tmp_path / "api.db"
    shutil.copyfile(demo_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def client(demo_db: Database, api_clock: FixedClock) -> Iterator[TestClient]:
    settings = load_settings(env={}, dotenv=None, database_url=demo_db.url)
    with TestClient(create_app(settings, clock=api_clock, db=demo_db)) as test_client:
        yield test_client


def token_for(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
