"""Benchmark: registry lookup by domain through the service layer on a 1,000,000-site SQLite registry,
as a ratio against raw `sqlite3` point lookups (domain -> site -> subject) on the same file in the same run.

    .venv/bin/python bench/registry_lookup.py [--sites 1000000] [--lookups 20000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from openbeian.domain.numbers import ServiceType, format_site_number, format_subject_number
from openbeian.domain.provinces import all_provinces
from openbeian.services.context import Context
from openbeian.services.registry import RegistryService
from openbeian.store.uow import Database

TLDS = ("cn", "com", "net", "com.cn", "top")


def domain_of(i: int) -> str:
    return f"site{i:07d}x.{TLDS[i % len(TLDS)]}"


def build(path: Path, sites: int) -> None:
    Database(f"sqlite:///{path}").dispose()  # create and migrate the schema
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    provinces = all_provinces()
    now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None).isoformat(" ")
    started = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO registry_subjects (id, subject_number, province_code, year, serial, name, kind, document_key,"
            " next_site_seq, status, approved_at) VALUES (?,?,?,?,?,?,?,?,2,'active',?)",
            (
                (
                    i + 1,
                    format_subject_number(provinces[i % 31], 2026, i // 31 + 1),
                    provinces[i % 31].code,
                    2026,
                    i // 31 + 1,
                    f"模拟单位{i}有限公司",
                    "enterprise",
                    f"{i:064x}",
                    now,
                )
                for i in range(sites)
            ),
        )
        conn.executemany(
            "INSERT INTO registry_sites (id, site_number, subject_id, seq, name, service_type, status, provider_ids,"
            " approved_at) VALUES (?,?,?,1,?,'website','active','[1]',?)",
            (
                (
                    i + 1,
                    format_site_number(
                        format_subject_number(provinces[i % 31], 2026, i // 31 + 1), 1, ServiceType.WEBSITE
                    ),
                    i + 1,
                    f"模拟网站{i}",
                    now,
                )
                for i in range(sites)
            ),
        )
        conn.executemany(
            "INSERT INTO registry_domains (domain, site_id) VALUES (?, ?)",
            ((domain_of(i), i + 1) for i in range(sites)),
        )
    conn.execute("ANALYZE")
    conn.close()
    print(f"built {sites} sites in {time.perf_counter() - started:.1f} s")


RAW = (
    "SELECT s.site_number, s.name, s.service_type, s.status, s.approved_at, s.provider_ids, j.subject_number,"
    " j.name, j.kind, j.province_code FROM registry_domains d JOIN registry_sites s ON s.id = d.site_id"
    " JOIN registry_subjects j ON j.id = s.subject_id WHERE d.domain = ?"
)


def raw_lookups(path: Path, keys: list[str]) -> float:
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    for key in keys:
        row = conn.execute(RAW, (key,)).fetchone()
        assert row is not None
    seconds = time.perf_counter() - started
    conn.close()
    return len(keys) / seconds


def service_lookups(path: Path, keys: list[str]) -> float:
    registry = RegistryService(Context(Database(f"sqlite:///{path}")))
    started = time.perf_counter()
    for key in keys:
        assert registry.by_domain(key)
    return len(keys) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="reuse or keep the registry file here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "registry.db"
        if not path.exists():
            build(path, args.sites)
        rng = random.Random(7)
        keys = [domain_of(rng.randrange(args.sites)) for _ in range(args.lookups)]
        sub_keys = ["www." + k for k in keys]
        raw_lookups(path, keys[:1000])  # warm the page cache
        raw = raw_lookups(path, keys)
        service = service_lookups(path, keys)
        service_sub = service_lookups(path, sub_keys)
        print(
            json.dumps(
                {
                    "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()},"
                    f" SQLite {sqlite3.sqlite_version}",
                    "sites": args.sites,
                    "lookups": args.lookups,
                    "raw_sqlite3_per_s": round(raw),
                    "service_per_s": round(service),
                    "service_subdomain_per_s": round(service_sub),
                    "ratio_service_to_raw": round(service / raw, 3),
                    "ratio_subdomain_to_raw": round(service_sub / raw, 3),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
