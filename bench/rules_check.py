"""Benchmark: the rules engine on a typical facts document, and POST /api/v1/eligibility on a real uvicorn.

In-process figures are checks per second, each as a ratio against a baseline measured in the same run:
bare `json.loads` of the document, and a no-rule check (decode + parse the facts, evaluate nothing).
HTTP figures are latency percentiles of sequential keep-alive requests; the baseline is GET of the facts
JSON Schema (a constant answer) on the same server in the same run.

    .venv/bin/python bench/rules_check.py [--seconds 3] [--requests 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from openbeian.rules import eligibility, load_facts, report
from openbeian.rules.engine import run

DAY = date(2026, 3, 10)

# A company with two sites and three domains, every fact given: what an order form would send.
TYPICAL = {
    "province": "京",
    "licence": "filing",
    "hosting": {"region": "mainland", "provider_chinese": True},
    "subject": {
        "kind": "enterprise",
        "name": "北京示例科技有限公司",
        "nationality": "CN",
        "documents": [{"type": "business_license", "number": "91110105MA01ABCDEB", "issued_in": "110000"}],
        "foreign_ownership_percent": 0,
        "leader": {"mobile": "+8613800138000", "is_legal_representative": True},
    },
    "sites": [
        {
            "name": "示例科技官网",
            "kind": "website",
            "domains": [
                {
                    "name": "example.cn",
                    "real_name_verified": True,
                    "holder": "北京示例科技有限公司",
                    "expires": "2027-06-30",
                },
                {
                    "name": "example.com",
                    "real_name_verified": True,
                    "holder": "北京示例科技有限公司",
                    "expires": "2027-06-30",
                },
            ],
            "content": ["company"],
        },
        {
            "name": "示例科技用户论坛",
            "kind": "website",
            "domains": [
                {
                    "name": "示例.中国",
                    "real_name_verified": True,
                    "holder": "北京示例科技有限公司",
                    "expires": "2027-06-30",
                }
            ],
            "content": ["forum"],
            "pre_approvals": [{"category": "forum", "document_number": "京通信管BBS[2026]001号"}],
        },
    ],
}


def rate(func: Callable[[], object], seconds: float) -> float:
    """Calls per second over about `seconds` (after a warm-up)."""
    for _ in range(50):
        func()
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(100):
            func()
        calls += 100
    return calls / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


SERVER = """
import sys, uvicorn
from openbeian.config import load_settings
from openbeian.web.app import create_app
settings = load_settings(env={}, dotenv=None, database_url=sys.argv[1])
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def latencies(client: httpx.Client, method: str, url: str, body: bytes | None, count: int) -> list[float]:
    out = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.request(method, url, content=body, headers={"Content-Type": "application/json"})
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return out


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def http_figures(requests: int) -> dict[str, dict[str, float]]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        server = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port)])
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=10) as client:
                for _ in range(100):
                    try:
                        client.get("/api/v1/schemas/facts.json")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                body = json.dumps(TYPICAL, ensure_ascii=False).encode()
                latencies(client, "POST", "/api/v1/eligibility", body, 100)  # warm-up
                schema = latencies(client, "GET", "/api/v1/schemas/facts.json", None, requests)
                check = latencies(client, "POST", "/api/v1/eligibility", body, requests)
        finally:
            server.terminate()
            server.wait(10)
    return {
        name: {"p50": percentile(values, 50), "p99": percentile(values, 99)}
        for name, values in (("schema", schema), ("eligibility", check))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per in-process measurement")
    parser.add_argument("--requests", type=int, default=2000, help="HTTP requests per endpoint")
    args = parser.parse_args()

    text = json.dumps(TYPICAL, ensure_ascii=False).encode()
    assert report(load_facts(text), DAY)["ok"] is True
    figures = {
        "json.loads": rate(lambda: json.loads(text), args.seconds),
        "no-rule check (decode + parse facts)": rate(lambda: list(run((), load_facts(text), DAY)), args.seconds),
        "rules check (all rules)": rate(lambda: report(load_facts(text), DAY), args.seconds),
        "eligibility (all rules + recommendations)": rate(lambda: eligibility(load_facts(text), DAY), args.seconds),
    }
    print(
        f"{datetime.now(UTC):%Y-%m-%d} {platform.machine()} {os.cpu_count()} cores Python {platform.python_version()}"
    )
    loads, bare = figures["json.loads"], figures["no-rule check (decode + parse facts)"]
    print("| path | checks/s | ratio to json.loads | ratio to no-rule check |")
    print("|---|---|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value:,.0f} | {value / loads:.4f} | {value / bare:.3f} |")
    http = http_figures(args.requests)
    print(f"\nHTTP, {args.requests} sequential keep-alive requests each, uvicorn on 127.0.0.1")
    print("| endpoint | p50 ms | p99 ms | p99 ratio to schema GET |")
    print("|---|---|---|---|")
    for name, label in (("schema", "GET /api/v1/schemas/facts.json"), ("eligibility", "POST /api/v1/eligibility")):
        p = http[name]
        print(f"| {label} | {p['p50']:.2f} | {p['p99']:.2f} | {p['p99'] / http['schema']['p99']:.2f} |")


if __name__ == "__main__":
    main()
