"""Browser tests: a real uvicorn server on a seeded SQLite file, driven by Debian's chromium via Playwright.

Without /usr/bin/chromium the browser tests are skipped with the reason, except in CI (OPENBEIAN_CI=1),
where they must run and fail instead.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from openbeian.config import load_settings
from openbeian.domain.orders import SYSTEM
from openbeian.domain.workflow import Stage
from openbeian.services.context import Context
from openbeian.services.orders import OrderService
from openbeian.simulate.demo import seed_demo
from openbeian.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class ShiftedClock:
    """The system time, moved forward when a test asks: pages that depend on time passing (a deadline missed,
    a minute before a new SMS code) without waiting for it. Time only ever moves forward, as for the other tests."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def advance(self, delta: timedelta) -> None:
        self.shift += delta


@dataclass(frozen=True)
class Server:
    base_url: str
    demo_domain: str  # of an approved demo site: what a visitor can look up in the registry
    demo_site_number: str
    ctx: Context  # the server's own services, for tests that set up a state the pages then show
    clock: ShiftedClock


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (make chromium) to run the browser tests"
        if os.environ.get("OPENBEIAN_CI") == "1":
            pytest.fail(reason + " (required in CI: OPENBEIAN_CI=1)")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("browser") / "openbeian.db"
    clock = ShiftedClock()
    app = create_app(load_settings(env={}, dotenv=None, database_url=f"sqlite:///{database}"), clock=clock)
    ctx = app.state.ctx
    seed_demo(ctx, approved_orders=10)
    orders = OrderService(ctx)
    approved = orders.get(SYSTEM, orders.find(SYSTEM, (Stage.APPROVED,))[0].id)
    assert approved.issued is not None

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, ws="none", lifespan="off", log_level="warning")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Server(
            f"http://127.0.0.1:{port}", approved.sites[0].domain_names[0], approved.issued.site_numbers[0], ctx, clock
        )
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)
        ctx.db.dispose()


# Per module, not per session: Playwright's sync API keeps an event loop running in the main thread while it is
# open, and later tests that call asyncio.run() (the scanner's) would fail.
@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class PageFactory(Protocol):
    def __call__(self, locale: str = "en-US") -> Page: ...


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[PageFactory]:
    """A factory of pages, each in its own browser context (its own cookies: one user per context)."""
    contexts: list[BrowserContext] = []

    def make(locale: str = "en-US") -> Page:
        context = browser.new_context(base_url=server.base_url, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    return new_page()


@pytest.fixture
def demo_domain(server: Server) -> str:
    return server.demo_domain


@pytest.fixture
def demo_site_number(server: Server) -> str:
    return server.demo_site_number


@pytest.fixture
def server_ctx(server: Server) -> Context:
    """The running server's services: for a test that sets up a state the pages then show."""
    return server.ctx


@pytest.fixture
def server_clock(server: Server) -> ShiftedClock:
    return server.clock
