"""Benchmark: crawl throughput of the footer scanner (openbeian.scanner.scan: fetch, extract, judge; no registry)
against a local server with 10,000 pages, as a ratio against bare httpx GETs of the same pages with the same
concurrency in the same run.

The server is uvicorn with a bare ASGI app in another process (so it does not share the crawler's core): page i
is one of 32 pre-built homepages with a footer naming serial i.

    .venv/bin/python bench/scan_crawl.py [--pages 10000] [--concurrency 50] [--page-kb 30]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import platform
import random
import socket
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx

from openbeian.scanner.fetch import FetchOptions
from openbeian.scanner.scan import ScanTarget, scan
from scan_extract import homepage


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(port: int, page_kb: int) -> None:
    import uvicorn

    rng = random.Random(7)
    templates = [homepage(rng, page_kb * 1000).encode() for _ in range(32)]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        index = int(scope["path"].strip("/") or 0)
        body = templates[index % len(templates)]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False, lifespan="off")


async def bare(urls: list[str], concurrency: int) -> tuple[float, int]:
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def get(url: str) -> int:
            async with gate:
                response = await client.get(url)
                return len(response.content)

        started = time.perf_counter()
        sizes = await asyncio.gather(*(get(u) for u in urls))
        return time.perf_counter() - started, sum(sizes)


async def scanner(urls: list[str], concurrency: int) -> tuple[float, Counter[str], int]:
    targets = [ScanTarget(source=u, url=u) for u in urls]
    statuses: Counter[str] = Counter()
    numbers = 0
    started = time.perf_counter()
    options = FetchOptions(timeout=30, retries=0)
    async for report in scan(targets, now=datetime.now(UTC), options=options, concurrency=concurrency):
        statuses[report.status.value] += 1
        numbers += len(report.numbers)
    return time.perf_counter() - started, statuses, numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--page-kb", type=int, default=30)
    args = parser.parse_args()
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(port, args.page_kb), daemon=True)
    server.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/0", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise SystemExit("the benchmark server did not start") from None
            time.sleep(0.2)
    urls = [f"http://127.0.0.1:{port}/{i}" for i in range(args.pages)]
    try:
        asyncio.run(bare(urls[:200], args.concurrency))  # warm up both sides
        base_s, size = asyncio.run(bare(urls, args.concurrency))
        scan_s, statuses, numbers = asyncio.run(scanner(urls, args.concurrency))
        base2_s, _ = asyncio.run(bare(urls, args.concurrency))
    finally:
        server.terminate()
        server.join(5)
    base_s = min(base_s, base2_s)
    print(
        f"{args.pages} pages of {size / args.pages / 1000:.1f} KB, concurrency {args.concurrency}, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    print(f"{'path':<44} {'pages/s':>9} {'MB/s':>7} {'ratio':>6}")
    for name, seconds in (("bare httpx GET (baseline)", base_s), ("scanner: fetch + extract + judge", scan_s)):
        rate = args.pages / seconds
        print(f"{name:<44} {rate:>9,.0f} {size / seconds / 1e6:>7.1f} {base_s / seconds:>6.2f}")
    print(f"statuses: {dict(statuses)}; numbers found: {numbers}")


if __name__ == "__main__":
    main()
