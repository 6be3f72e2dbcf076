"""Debian's HAProxy with the exported map and its stats socket, kept current by `openbeian gate haproxy-sync`
(a process following the local database, or another OpenBeian's change feed): approvals and cancellations made
through the services reach HAProxy without a reload (same process, same pid, uptime never reset)."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from openbeian.gate.haproxy import MapSync, RuntimeAPI
from openbeian.gate.index import GateIndex, SiteState
from openbeian.store.uow import Database
from served import serving

from .edge_support import (
    BLOCK_PAGE,
    OPENBEIAN,
    PROVIDER,
    build_registry,
    eventually,
    file_elsewhere,
    free_port,
    get,
    haproxy,
    haproxy_conf,
    openbeian,
    upstream,
)
from .gatehelpers import cancel_site, file_site

if TYPE_CHECKING:
    from conftest import Filings


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@contextmanager
def syncing(url: str, socket_path: Path, map_file: Path, log: Path, *source: str) -> Iterator[subprocess.Popen[bytes]]:
    command = [str(OPENBEIAN), "--database", url, "gate", "haproxy-sync", "--socket", str(socket_path)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--map", str(map_file), "--provider", PROVIDER, *source], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        eventually(lambda: "entries at seq" in log.read_text() or process.poll() is not None, "the first full sync")
        assert process.poll() is None, log.read_text()
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()


def allowed(port: int, host: str) -> bool:
    reply = get(port, host)
    if reply.status == 200:
        assert reply.body.startswith("upstream served"), reply.body
        return True
    assert reply.status == 403 and "未备案" in reply.body, (host, reply)
    return False


@pytest.mark.parametrize("source", ["database", "feed"])
def test_approvals_and_cancellations_reach_haproxy_without_a_reload(
    filings: Filings, tmp_path: Path, source: str
) -> None:
    hosts = build_registry(filings)
    url = str(filings.ctx.db.engine.url)
    map_file, socket_path, block = tmp_path / "openbeian.map", tmp_path / "admin.sock", tmp_path / "blocked.html"
    block.write_text(BLOCK_PAGE, encoding="utf-8")
    done = openbeian(
        "--database", url, "gate", "export", "--format", "haproxy-map", "--provider", PROVIDER, "--out", str(map_file)
    )
    assert done.returncode == 0, done.stderr
    port = free_port()
    with (
        upstream() as upstream_port,
        haproxy(haproxy_conf(tmp_path, port, upstream_port, map_file, socket_path, block), port) as proxy,
    ):
        api = RuntimeAPI(str(socket_path))
        pid = api.pid()
        for host in (*hosts.allowed, hosts.idn):
            assert allowed(port, host), host
        for host in hosts.blocked:
            assert not allowed(port, host), host

        with serving(url, tmp_path / "serve.log") if source == "feed" else nullcontext_served() as served:
            follow = ("--follow", f"http://127.0.0.1:{served.port}") if served is not None else ()
            with syncing(url, socket_path, map_file, tmp_path / "sync.log", *follow):
                # an approval
                applicant, order, _ = file_site(filings, "edge-approved.cn")
                eventually(lambda: allowed(port, "www.edge-approved.cn"), "the approval reaches HAProxy")
                # a domain filed above a subdomain filed with another provider: the subdomain stays blocked
                file_elsewhere(filings, "shop.edge-parent.cn")
                file_site(filings, "edge-parent.cn")
                eventually(lambda: allowed(port, "edge-parent.cn"), "the parent's approval reaches HAProxy")
                assert not allowed(port, "shop.edge-parent.cn") and not allowed(port, "a.shop.edge-parent.cn")
                assert allowed(port, "www.edge-parent.cn")
                # a cancellation
                assert order.issued is not None
                cancel_site(filings, applicant, order.issued.site_numbers[0])
                eventually(lambda: not allowed(port, "edge-approved.cn"), "the cancellation reaches HAProxy")
                assert not allowed(port, "www.edge-approved.cn")
                assert allowed(port, hosts.filed) and not allowed(port, hosts.pending)

        assert proxy.poll() is None and api.pid() == pid  # the same HAProxy process throughout: no reload
        entries = dict(line.split(" ", 1) for line in map_file.read_text().splitlines() if not line.startswith("#"))
        assert entries.get("edge-parent.cn") == "1" and entries.get("shop.edge-parent.cn") == "0"


@contextmanager
def nullcontext_served() -> Iterator[None]:
    yield None


def test_once_replaces_the_whole_map_and_rewrites_the_file(filings: Filings, tmp_path: Path) -> None:
    hosts = build_registry(filings)
    url = str(filings.ctx.db.engine.url)
    map_file, socket_path, block = tmp_path / "openbeian.map", tmp_path / "admin.sock", tmp_path / "blocked.html"
    block.write_text(BLOCK_PAGE, encoding="utf-8")
    map_file.write_text("# nothing yet\n")  # HAProxy starts with an empty map: everything blocked
    port = free_port()
    with (
        upstream() as upstream_port,
        haproxy(haproxy_conf(tmp_path, port, upstream_port, map_file, socket_path, block), port),
    ):
        assert not allowed(port, hosts.filed)
        done = openbeian(
            "--database",
            url,
            "gate",
            "haproxy-sync",
            "--socket",
            str(socket_path),
            "--map",
            str(map_file),
            "--provider",
            PROVIDER,
            "--once",
        )
        assert done.returncode == 0, done.stderr
        assert allowed(port, hosts.subdomain) and not allowed(port, hosts.elsewhere_under_filed)
        assert f"{hosts.filed} 1" in map_file.read_text().splitlines()


def test_an_unreachable_socket_exits_2_with_one_line(filings: Filings, tmp_path: Path) -> None:
    url = str(filings.ctx.db.engine.url)
    done = openbeian(
        "--database",
        url,
        "gate",
        "haproxy-sync",
        "--socket",
        str(tmp_path / "none.sock"),
        "--map",
        str(tmp_path / "m.map"),
        "--once",
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "none.sock" in done.stderr


def test_a_restarted_haproxy_gets_the_whole_map_again(filings: Filings, tmp_path: Path) -> None:
    build_registry(filings)
    url = str(filings.ctx.db.engine.url)
    map_file, socket_path, block = tmp_path / "openbeian.map", tmp_path / "admin.sock", tmp_path / "blocked.html"
    block.write_text(BLOCK_PAGE, encoding="utf-8")
    done = openbeian(
        "--database", url, "gate", "export", "--format", "haproxy-map", "--provider", PROVIDER, "--out", str(map_file)
    )
    assert done.returncode == 0, done.stderr
    stale = map_file.read_text()
    port = free_port()
    with upstream() as upstream_port, ExitStack() as first:
        conf = haproxy_conf(tmp_path, port, upstream_port, map_file, socket_path, block)
        first.enter_context(haproxy(conf, port))
        with syncing(url, socket_path, map_file, tmp_path / "sync.log"):
            file_site(filings, "edge-restart.cn")
            eventually(lambda: allowed(port, "edge-restart.cn"), "the approval reaches HAProxy")
            map_file.write_text(stale)  # the file a restart loads, older than the approval
            first.close()  # HAProxy stops, and starts again on its old map file
            with haproxy(conf, port):
                eventually(lambda: allowed(port, "edge-restart.cn"), "the sync refills the restarted HAProxy")
        assert "edge-restart.cn 1" in map_file.read_text().splitlines()  # and left the file current


def test_a_map_larger_than_haproxys_command_buffer_is_replaced_whole(tmp_path: Path) -> None:
    """5,000 filed domains (about 120 KB of entries: HAProxy reads a command into a 16 KB buffer)."""
    index = GateIndex()
    word = index.pack(SiteState("京ICP备2026000001号-1", "active", (), {1: ()}))
    names = [f"bulk{i:05d}.cn" for i in range(5000)]
    index.load(names, ((name, word) for name in names))
    map_file, socket_path, block = tmp_path / "openbeian.map", tmp_path / "admin.sock", tmp_path / "blocked.html"
    block.write_text(BLOCK_PAGE, encoding="utf-8")
    map_file.write_text("")
    port = free_port()
    with (
        upstream() as upstream_port,
        haproxy(haproxy_conf(tmp_path, port, upstream_port, map_file, socket_path, block), port),
    ):
        sync = MapSync(RuntimeAPI(str(socket_path), timeout=60), str(map_file))
        sync.load(index)
        assert sync.replace_all() == 5000
        assert allowed(port, "www.bulk00000.cn") and allowed(port, "bulk04999.cn")
        assert not allowed(port, "bulk05000.cn")
        assert len(RuntimeAPI(str(socket_path)).run(f"show map {map_file}").splitlines()) == 5000
