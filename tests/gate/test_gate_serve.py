"""`gate serve` and `gate check` as a provider runs them: the authorisation endpoint's answers for nginx
auth_request, Envoy ext_authz and Traefik forwardAuth headers, the block page in both languages, a `gate serve
--follow` process that sees an approval and then a cancellation made through a real API server at once,
and the exit codes of `gate check`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from openbeian.clock import CHINA_TZ, FixedClock
from openbeian.gate.asgi import GateApp
from openbeian.gate.follow import DatabaseFollower
from openbeian.services.context import Context
from openbeian.simulate.demo import seed_demo
from openbeian.store.uow import Database

from .gatehelpers import ApiFiler, api_app, file_site, served_app

if TYPE_CHECKING:
    from conftest import Filings

OPENBEIAN = Path(sys.executable).with_name("openbeian")
PROPAGATION_BOUND = 3.0  # seconds


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@contextmanager
def gate_client(filings: Filings, provider: int | None = None, name: str | None = None) -> Iterator[httpx.Client]:
    follower = DatabaseFollower(filings.ctx.db.engine)
    app = GateApp(follower, provider, filing_url="https://example.cn/file", provider_name=name)
    with served_app(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_the_auth_endpoint_answers_204_or_403_with_the_decision_in_headers(filings: Filings) -> None:
    file_site(filings, "serve-filed.cn")
    with gate_client(filings, name=str(filings.cast.reviewer.provider_id)) as client:  # resolved at startup
        nginx = client.get("/auth", headers={"X-Original-Host": "www.serve-filed.cn", "Host": "gate"})
        assert nginx.status_code == 204 and nginx.content == b""
        assert nginx.headers["x-openbeian-decision"] == "allowed" and nginx.headers["x-openbeian-reason"] == "filed"
        traefik = client.get("/", headers={"X-Forwarded-Host": "serve-filed.cn, proxy.example", "Host": "gate"})
        assert traefik.status_code == 204
        envoy = client.get("/any/original/path?q=1", headers={"Host": "SERVE-FILED.cn:443"})
        assert envoy.status_code == 204
        blocked = client.get("/auth", headers={"X-Original-Host": "serve-unfiled.cn"})
        assert blocked.status_code == 403
        assert (blocked.headers["x-openbeian-decision"], blocked.headers["x-openbeian-reason"]) == (
            "unknown",
            "not_filed",
        )
        ip = client.get("/auth", headers={"X-Original-Host": "47.95.1.2"})
        assert (ip.status_code, ip.headers["x-openbeian-reason"]) == (403, "ip_literal")
        health = client.get("/_openbeian/health").json()
        assert health["ready"] is True and health["domains"] >= 1


def test_the_block_page_is_bilingual_chinese_first_and_shows_no_codes(filings: Filings) -> None:
    file_site(filings, "serve-page.cn")
    with gate_client(filings, filings.cast.other_reviewer.provider_id) as client:
        zh = client.get("/_openbeian/blocked", headers={"X-Original-Host": "serve-nothing.cn"})
        assert zh.status_code == 403 and zh.headers["content-language"] == "zh-CN"
        page = zh.text
        assert page.index("网站暂时无法访问") < page.index("temporarily unavailable")
        assert "未按照" in page and "备案" in page and 'href="https://example.cn/file"' in page
        assert "serve-nothing.cn" in page
        for code in ("not_filed", "unknown", "filed_elsewhere", "X-OpenBeian"):
            assert code not in page
        en = client.get(
            "/_openbeian/blocked", headers={"X-Original-Host": "serve-page.cn", "Accept-Language": "en-US,en;q=0.9"}
        )
        assert en.headers["content-language"] == "en"
        assert en.text.index("not with this hosting provider") < en.text.index("未在本服务商处办理接入备案")
        assert "add-access" in en.text and "filed_elsewhere" not in en.text


def test_an_approval_and_a_cancellation_through_the_api_reach_a_following_gate_serve_in_moments(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'registry.db'}")
    seed_demo(Context(db, clock=FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ))), approved_orders=1)
    with served_app(api_app(db)) as api_url, httpx.Client(base_url=api_url, timeout=60) as api, ExitStack() as stack:
        port = _free_port()
        log = tmp_path / "gate.log"
        command = [str(OPENBEIAN), "gate", "serve", "--port", str(port), "--follow", api_url, "--log-level", "info"]
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ})
        try:
            gate = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
            stack.callback(gate.close)
            _wait_ready(gate, process, log)

            def decision() -> str:
                return gate.get("/auth", headers={"X-Original-Host": "www.serve-e2e.cn"}).headers[
                    "x-openbeian-decision"
                ]

            filer = ApiFiler(api)
            order = filer.file("serve-e2e.cn")
            assert decision() == "pending"
            filer.approve(order)
            # The bound is 1 s (bench/gate_http.py measures p50/max: tens of ms). The test allows
            # PROPAGATION_BOUND so that a loaded CI machine pausing a process for a moment does not fail it.
            assert _seconds_until(decision, "allowed") < PROPAGATION_BOUND
            [site_number] = [
                s["number"]
                for s in filer.client.get(f"/api/v1/orders/{order['id']}", headers=filer.applicant).json()["sites"]
            ]
            cancellation = filer.cancel(site_number)
            filer.approve(cancellation)
            assert _seconds_until(decision, "suspended") < PROPAGATION_BOUND
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    db.dispose()


def test_gate_check_exits_0_when_allowed_1_otherwise_and_2_on_bad_input(filings: Filings) -> None:
    file_site(filings, "check-filed.cn")
    url = filings.ctx.db.url

    def check(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(OPENBEIAN), "--database", url, "gate", "check", *args], capture_output=True, text=True, timeout=120
        )

    allowed = check("--host", "WWW.check-filed.cn.:443", "--json")
    assert allowed.returncode == 0, allowed.stderr
    found = json.loads(allowed.stdout)
    assert {k: found[k] for k in ("host", "decision", "reason", "provider")} == {
        "host": "www.check-filed.cn",
        "decision": "allowed",
        "reason": "filed",
        "provider": None,
    }
    assert found["site_number"].startswith("京ICP备")
    other = filings.cast.other_reviewer.provider_id
    elsewhere = check("--host", "check-filed.cn", "--provider", str(other), "--json")
    assert elsewhere.returncode == 1 and json.loads(elsewhere.stdout)["reason"] == "filed_elsewhere"
    plain = check("--host", "check-unfiled.cn")
    assert plain.returncode == 1 and plain.stdout.startswith("unknown")
    for bad in (["--host", "not a host"], ["--host", "check-filed.cn", "--provider", "no-such-provider"]):
        refused = check(*bad)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr


def _seconds_until(probe: object, wanted: str) -> float:
    """How long until `probe()` answers `wanted` (polled every 10 ms; gives up after 30 s)."""
    assert callable(probe)
    started = time.monotonic()
    while probe() != wanted:
        assert time.monotonic() - started < 30, f"never became {wanted}"
        time.sleep(0.01)
    return time.monotonic() - started


def _wait_ready(client: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if client.get("/_openbeian/health").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"gate serve did not start:\n{log.read_text()}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_gate_sni_proxy_refuses_a_bad_address_in_one_line(filings: Filings) -> None:
    refused = subprocess.run(
        [
            str(OPENBEIAN),
            "--database",
            filings.ctx.db.url,
            "gate",
            "sni-proxy",
            "--listen",
            "nowhere",
            "--upstream",
            "x",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "HOST:PORT" in refused.stderr
