"""Helpers of the bulk tests: a generated registry file, rows edited into it, and table counts."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import text

from openbeian.bulk.formats import COLUMNS, FileFormat, open_output
from openbeian.bulk.generate import generate
from openbeian.store.uow import Database

REGISTRY_TABLES = (
    "providers",
    "registry_subjects",
    "registry_sites",
    "registry_site_providers",
    "registry_domains",
    "registry_changes",
)


def generated(path: Path, sites: int = 300, seed: int = 5) -> Path:
    file_format = FileFormat.of(path)
    with open_output(path) as out:
        generate(out, sites, seed, file_format)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with open_output(path) as out:
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in REGISTRY_TABLES}
