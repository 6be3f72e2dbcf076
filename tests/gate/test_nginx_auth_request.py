"""Debian's nginx in front of a trivial upstream, asking a real `openbeian gate serve` (a process on the same
SQLite registry) with auth_request: allowed hosts reach the upstream, blocked ones get 403 and the gate's bilingual
block page (error_page), saying why; the decision and reason headers come back on the auth subrequest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from openbeian.store.uow import Database

from .edge_support import (
    build_registry,
    eventually,
    free_port,
    gate_serve,
    get,
    nginx,
    nginx_auth_request_server,
    upstream,
)
from .gatehelpers import file_site

if TYPE_CHECKING:
    from conftest import Filings


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


# The block page says why, in both languages (Chinese first by default).
WHY = {
    "not_filed": "未按照",
    "elsewhere": "未在本服务商处办理接入备案",
    "pending": "正在审核中",
    "suspended": "已被注销或暂停",
}


def test_nginx_auth_request_to_gate_serve_allows_filed_hosts_and_blocks_the_rest(
    filings: Filings, tmp_path: Path
) -> None:
    hosts = build_registry(filings)
    gate_port, port = free_port(), free_port()
    url = str(filings.ctx.db.engine.url)
    with (
        upstream() as upstream_port,
        gate_serve(url, gate_port, tmp_path / "gate.log"),
        nginx(tmp_path, nginx_auth_request_server(port, upstream_port, gate_port), port),
    ):
        for host in (*hosts.allowed, hosts.idn, "www." + hosts.idn):
            reply = get(port, host)
            assert (reply.status, reply.body.split(" ")[0]) == (200, "upstream"), host
        expected = {
            hosts.unfiled: "not_filed",
            "www." + hosts.unfiled: "not_filed",
            hosts.pending: "pending",
            hosts.cancelled: "suspended",
            "www." + hosts.cancelled: "suspended",
            hosts.elsewhere: "elsewhere",
            hosts.elsewhere_under_filed: "elsewhere",
            "x." + hosts.elsewhere_under_filed: "elsewhere",
            "bad" + hosts.filed: "not_filed",
        }
        for host, case in expected.items():
            reply = get(port, host)
            assert reply.status == 403, host
            assert WHY[case] in reply.body, (host, case)
            assert "ICP" in reply.body and "<html" in reply.body.lower()
        english = get(port, hosts.unfiled, headers={"Accept-Language": "en-GB,en;q=0.9"})
        assert english.status == 403 and "no ICP filing" in english.body
        assert english.headers.get("content-language", "").startswith("en")
        for host in ("cn", "127.0.0.1", "[::1]"):
            assert get(port, host).status == 403, host
        for header in ("X-Forwarded-Host", "X-Original-Host"):  # a client cannot name another host to the gate
            spoofed = get(port, hosts.unfiled, headers={header: hosts.filed})
            assert spoofed.status == 403 and WHY["not_filed"] in spoofed.body, header


def test_the_auth_endpoint_answers_with_decision_and_reason_headers(filings: Filings, tmp_path: Path) -> None:
    hosts = build_registry(filings)
    gate_port = free_port()
    with gate_serve(str(filings.ctx.db.engine.url), gate_port, tmp_path / "gate.log"):
        allowed = get(gate_port, "gate.internal", "/auth", {"X-Original-Host": hosts.subdomain})
        assert allowed.status == 204
        assert (allowed.headers["x-openbeian-decision"], allowed.headers["x-openbeian-reason"]) == ("allowed", "filed")
        for host, decision, reason in (
            (hosts.pending, "pending", "in_review"),
            (hosts.cancelled, "suspended", "cancelled"),
            (hosts.elsewhere, "unknown", "filed_elsewhere"),
            (hosts.unfiled, "unknown", "not_filed"),
        ):
            reply = get(gate_port, "gate.internal", "/auth", {"X-Original-Host": host})
            assert reply.status == 403, host
            assert (reply.headers["x-openbeian-decision"], reply.headers["x-openbeian-reason"]) == (decision, reason)


def test_a_site_filed_while_nginx_runs_is_served_without_touching_nginx(filings: Filings, tmp_path: Path) -> None:
    build_registry(filings)
    gate_port, port = free_port(), free_port()
    with (
        upstream() as upstream_port,
        gate_serve(str(filings.ctx.db.engine.url), gate_port, tmp_path / "gate.log"),
        nginx(tmp_path, nginx_auth_request_server(port, upstream_port, gate_port), port),
    ):
        assert get(port, "edge-later.cn").status == 403
        file_site(filings, "edge-later.cn")
        eventually(lambda: get(port, "www.edge-later.cn").status == 200, "the new filing reaches the gate")
