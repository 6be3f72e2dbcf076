"""Verification against the registry: the local database and another OpenBeian's API over real HTTP."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import uvicorn
from sqlalchemy import update

from openbeian.config import load_settings
from openbeian.domain.domains import parse_domain
from openbeian.domain.orders import FilingOrder
from openbeian.scanner.extract import extract
from openbeian.scanner.findings import Finding
from openbeian.scanner.registry import LocalRegistry, Registry, RemoteRegistry, verify
from openbeian.services.context import Context
from openbeian.store.schema import registry_sites
from openbeian.web.app import create_app

from .fixture_pages import footer_page

if TYPE_CHECKING:
    from conftest import Filings


def website(order: FilingOrder) -> tuple[str, str]:
    """(site number, ascii domain) of the order's first website."""
    assert order.issued is not None
    for i, site in enumerate(order.sites):
        if site.domain_names:
            return order.issued.site_numbers[i], parse_domain(site.domain_names[0]).ascii
    raise AssertionError("no website in the order")


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def check(registry: Registry | str, html: str, domain: str | None, ctx: Context, days: int = 0) -> list[str]:
    """The finding codes of a page; `registry` is a registry, or the base URL of a remote OpenBeian."""
    now = ctx.clock.now() + timedelta(days=days)

    async def go() -> list[Finding]:
        if not isinstance(registry, str):
            return await verify(extract(html), domain, registry, now)
        remote = RemoteRegistry(registry)
        try:
            return await verify(extract(html), domain, remote, now)
        finally:
            await remote.aclose()

    return codes(asyncio.run(go()))


@pytest.fixture
def filed(filings: Filings) -> tuple[str, str]:
    _, order = filings.approved()
    return website(order)


@pytest.fixture
def remote(ctx: Context) -> Iterator[str]:
    """Another OpenBeian serving the same registry over HTTP (a real uvicorn on 127.0.0.1)."""
    app = create_app(load_settings(env={}, dotenv=None, database_url=ctx.db.url), clock=ctx.clock, db=ctx.db)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the registry server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_filed_number_shown_on_its_own_domain_passes(ctx: Context, filed: tuple[str, str]) -> None:
    number, domain = filed
    assert check(LocalRegistry(ctx), footer_page(icp=number), domain, ctx) == []
    assert check(LocalRegistry(ctx), footer_page(icp=number), f"www.{domain}", ctx) == []


def test_the_subject_number_without_suffix_passes_too(ctx: Context, filed: tuple[str, str]) -> None:
    number, domain = filed
    assert check(LocalRegistry(ctx), footer_page(icp=number.rsplit("-", 1)[0]), domain, ctx) == []


def test_a_copied_number_on_another_domain_is_caught(ctx: Context, filed: tuple[str, str]) -> None:
    number, _ = filed
    assert check(LocalRegistry(ctx), footer_page(icp=number), "phishing-copy.cn", ctx) == ["not_for_domain"]


def test_a_number_the_registry_does_not_have_is_caught(ctx: Context, filed: tuple[str, str]) -> None:
    _, domain = filed
    assert check(LocalRegistry(ctx), footer_page(icp="京ICP备2025999999号-1"), domain, ctx) == ["not_in_registry"]


def test_a_cancelled_filing_is_not_active(ctx: Context, filed: tuple[str, str]) -> None:
    number, domain = filed
    with ctx.db.engine.begin() as conn:
        conn.execute(update(registry_sites).where(registry_sites.c.site_number == number).values(status="cancelled"))
    assert check(LocalRegistry(ctx), footer_page(icp=number), domain, ctx) == ["not_active"]


def test_the_police_number_is_due_30_days_after_approval(ctx: Context, filed: tuple[str, str]) -> None:
    number, domain = filed
    page = footer_page(icp=number, police=None)
    assert check(LocalRegistry(ctx), page, domain, ctx, days=10) == ["police_due"]
    assert check(LocalRegistry(ctx), page, domain, ctx, days=31) == ["police_missing"]
    assert check(LocalRegistry(ctx), footer_page(icp=number), domain, ctx, days=31) == []


def test_a_remote_openbeian_answers_like_the_local_database(ctx: Context, filed: tuple[str, str], remote: str) -> None:
    number, domain = filed
    assert check(remote, footer_page(icp=number), domain, ctx) == []
    assert check(remote, footer_page(icp=number), "phishing-copy.cn", ctx) == ["not_for_domain"]
    assert check(remote, footer_page(icp="京ICP备2025999999号-1"), domain, ctx) == ["not_in_registry"]
    assert check(remote, footer_page(icp=number, police=None), domain, ctx, days=31) == ["police_missing"]


def test_an_unreachable_registry_is_a_warning_not_a_verdict(ctx: Context, closed_port: int) -> None:
    assert check(f"http://127.0.0.1:{closed_port}", footer_page(), "example.cn", ctx) == ["registry_unavailable"]
