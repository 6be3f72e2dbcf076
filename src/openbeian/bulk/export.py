"""Export the registry as a file in formats.COLUMNS: every filed site, cancelled ones included, in the order they
were filed (site id), streamed from the database (constant memory).

A file made by `generate` and imported into an empty registry comes back byte for byte: domains are written in
their unicode form and sorted, provider names sorted, times in Beijing time to the second, an organisation by
its credit code (or by its document key when the registry has no credit code: it was filed through an order)
and an individual by the key of their document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any

import idna
from sqlalchemy import ColumnElement, Engine, Select, func, select

from openbeian.bulk.formats import SEPARATOR, FileFormat, RowSink
from openbeian.domain.ministry import format_limit_access, format_record_time, nature_name
from openbeian.store.schema import providers, registry_domains, registry_site_providers, registry_sites
from openbeian.store.schema import registry_subjects as subjects

_JOINER = "\n"  # neither a domain nor a provider name (checked on import) holds a line break


def _aggregate(engine: Engine, column: ColumnElement[Any]) -> ColumnElement[Any]:
    if engine.dialect.name == "postgresql":
        return func.string_agg(column, _JOINER)
    return func.group_concat(column, _JOINER)


def _query(engine: Engine) -> Select[Any]:
    sites = registry_sites
    domains = (
        select(_aggregate(engine, registry_domains.c.domain))
        .where(registry_domains.c.site_id == sites.c.id)
        .scalar_subquery()
    )
    names = (
        select(_aggregate(engine, providers.c.name))
        .select_from(registry_site_providers.join(providers, providers.c.id == registry_site_providers.c.provider_id))
        .where(registry_site_providers.c.site_id == sites.c.id)
        .scalar_subquery()
    )
    return (
        select(
            subjects.c.name,
            subjects.c.kind,
            subjects.c.subject_number,
            sites.c.site_number,
            sites.c.name,
            domains,
            sites.c.home_url,
            sites.c.content_types,
            sites.c.leader_name,
            sites.c.limit_access,
            sites.c.approved_at,
            subjects.c.credit_code,
            subjects.c.document_key,
            sites.c.app_id,
            names,
            sites.c.police_number,
            sites.c.status,
            sites.c.cancelled_at,
            subjects.c.status,
        )
        .join_from(sites, subjects, subjects.c.id == sites.c.subject_id)
        .order_by(sites.c.id)
    )


def export_rows(engine: Engine) -> Iterator[tuple[str, ...]]:
    """Every filed site as a row of the file, in filing order."""
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=5_000).execute(_query(engine))
        for r in result:
            (unit, kind, main, number, name, domains, home, content, leader, limited, approved, credit, key, app,
             names, police, status, cancelled, main_status) = r  # fmt: skip
            yield (
                unit,
                nature_name(kind),
                main,
                number,
                name,
                SEPARATOR.join(sorted(_unicode(d) for d in domains.split(_JOINER))) if domains else "",
                home or "",
                content or "",
                leader or "",
                format_limit_access(limited),
                _time(approved),
                credit or "",
                "" if credit else key,  # individuals, and organisations filed through orders: by the key
                app or "",
                SEPARATOR.join(sorted(names.split(_JOINER))) if names else "",
                police or "",
                status,
                _time(cancelled) if cancelled is not None else "",
                main_status,
            )


def _unicode(domain: str) -> str:
    return idna.decode(domain) if "xn--" in domain else domain


def _time(at: datetime) -> str:
    return format_record_time(at)


def export_registry(
    engine: Engine, out: IO[str], file_format: FileFormat, progress: Callable[[int], None] | None = None
) -> int:
    """Write the registry to `out`; returns the number of sites written."""
    sink = RowSink(out, file_format)
    count = 0
    for row in export_rows(engine):
        sink.write(row)
        count += 1
        if progress is not None and count % 10_000 == 0:
            progress(count)
    return count


def count_sites(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(registry_sites)).scalar_one())
