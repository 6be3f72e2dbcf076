"""Write registry rows straight into the tables, as a bulk import does (the search index follows by its triggers /
indexes), for tests that need many subjects with chosen names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from openbeian.domain.numbers import ServiceType, format_site_number, format_subject_number
from openbeian.domain.provinces import by_code
from openbeian.store.schema import new_id, registry_changes, registry_domains, registry_sites, registry_subjects
from openbeian.store.uow import Database

APPROVED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    subject_number: str
    site_numbers: tuple[str, ...]
    name: str
    kind: str


def seed_subjects(
    db: Database,
    names: Sequence[str],
    sites_each: int = 1,
    kind: str = "enterprise",
    first_serial: int = 1,
    domain_prefix: str = "seeded",
) -> list[Seeded]:
    """One subject per name (Beijing, 2025, consecutive serials), each with `sites_each` websites of one domain."""
    province = by_code("110000")
    seeded: list[Seeded] = []
    with db.engine.begin() as conn:
        for offset, name in enumerate(names):
            serial = first_serial + offset
            number = format_subject_number(province, 2025, serial)
            subject_id = new_id(
                conn.execute(
                    registry_subjects.insert().values(
                        subject_number=number,
                        province_code=province.code,
                        year=2025,
                        serial=serial,
                        name=name,
                        kind=kind,
                        document_key=f"seed-{domain_prefix}-{serial}",
                        next_site_seq=sites_each + 1,
                        status="active",
                        approved_at=APPROVED,
                    )
                )
            )
            site_numbers = []
            for seq in range(1, sites_each + 1):
                site_number = format_site_number(number, seq, ServiceType.WEBSITE)
                site_id = new_id(
                    conn.execute(
                        registry_sites.insert().values(
                            site_number=site_number,
                            subject_id=subject_id,
                            seq=seq,
                            name=f"网站{serial}-{seq}",
                            service_type="website",
                            status="active",
                            provider_ids="[]",
                            approved_at=APPROVED,
                        )
                    )
                )
                conn.execute(
                    registry_domains.insert().values(domain=f"{domain_prefix}{serial}-{seq}.cn", site_id=site_id)
                )
                site_numbers.append(site_number)
            seeded.append(Seeded(number, tuple(site_numbers), name, kind))
        conn.execute(
            registry_changes.insert().values(
                at=APPROVED, action="import", subject_number=seeded[-1].subject_number, site_number=None, payload="{}"
            )
        )
    return seeded
