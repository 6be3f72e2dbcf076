"""Debian's nginx with the map `openbeian gate export --format nginx-map` writes (no auth hop): filed hosts and
their subdomains reach the upstream, every other kind of host gets 403 and the block page (error_page)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from openbeian.store.uow import Database

from .edge_support import (
    BLOCK_PAGE,
    PROVIDER,
    Hosts,
    free_port,
    get,
    nginx,
    nginx_map_server,
    openbeian,
    registry_file,
    upstream,
)

if TYPE_CHECKING:
    from conftest import Filings


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Filings, Hosts]]:
    """Built once: the tests here only read it."""
    with registry_file(tmp_path_factory.mktemp("registry")) as built:
        yield built


def exported_map(database_url: str, tmp_path: Path, *provider: str) -> Path:
    out = tmp_path / "openbeian-gate.conf"
    done = openbeian(
        "--database", database_url, "gate", "export", "--format", "nginx-map", "--out", str(out), *provider
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def block_root(tmp_path: Path) -> Path:
    root = tmp_path / "html"
    root.mkdir()
    (root / "openbeian-blocked.html").write_text(BLOCK_PAGE, encoding="utf-8")
    return root


def test_nginx_with_the_exported_map_serves_filed_hosts_and_blocks_the_rest(
    registry: tuple[Filings, Hosts], tmp_path: Path
) -> None:
    filings, hosts = registry
    map_file = exported_map(str(filings.ctx.db.engine.url), tmp_path, "--provider", PROVIDER)
    port = free_port()
    with (
        upstream() as upstream_port,
        nginx(tmp_path, nginx_map_server(port, upstream_port, map_file, block_root(tmp_path)), port),
    ):
        for host in (*hosts.allowed, hosts.idn, "www." + hosts.idn):
            reply = get(port, host)
            assert (reply.status, reply.body.split(" ")[0]) == (200, "upstream"), host
        for host in hosts.blocked:
            reply = get(port, host)
            assert reply.status == 403, host
            assert "未备案" in reply.body and "not filed" in reply.body, host


def test_without_a_provider_nginx_serves_what_any_provider_filed(
    registry: tuple[Filings, Hosts], tmp_path: Path
) -> None:
    filings, hosts = registry
    map_file = exported_map(str(filings.ctx.db.engine.url), tmp_path)
    port = free_port()
    with (
        upstream() as upstream_port,
        nginx(tmp_path, nginx_map_server(port, upstream_port, map_file, block_root(tmp_path)), port),
    ):
        for host in (hosts.filed, hosts.elsewhere, hosts.elsewhere_under_filed, "x." + hosts.elsewhere):
            assert get(port, host).status == 200, host
        for host in (hosts.unfiled, hosts.pending, hosts.cancelled):
            assert get(port, host).status == 403, host


def test_nginx_accepts_an_empty_map_and_blocks_everything(sqlite_db: Database, tmp_path: Path) -> None:
    map_file = exported_map(str(sqlite_db.engine.url), tmp_path)
    assert "default 0;" in map_file.read_text()
    port = free_port()
    with (
        upstream() as upstream_port,
        nginx(tmp_path, nginx_map_server(port, upstream_port, map_file, block_root(tmp_path)), port),
    ):
        assert get(port, "anything.cn").status == 403
