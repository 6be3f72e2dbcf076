"""Import and export on real databases (SQLite and PostgreSQL): byte-identical round trips, idempotency, bad rows
with their line numbers, the change log, and numbers the registry issues after an import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from openbeian.bulk.export import export_registry
from openbeian.bulk.formats import FileFormat, open_output
from openbeian.bulk.load import import_registry
from openbeian.clock import FixedClock
from openbeian.services.context import Context
from openbeian.services.registry import RegistryService
from openbeian.store.uow import Database

from .bulkfiles import counts, generated, read_csv, write_csv

if TYPE_CHECKING:
    from conftest import Filings


def load(db: Database, path: Path, clock: FixedClock, **options: object):  # type: ignore[no-untyped-def]
    return import_registry(db, path, FileFormat.of(path), clock.now(), **options)  # type: ignore[arg-type]


def exported(db: Database, path: Path) -> bytes:
    with open_output(path) as out:
        export_registry(db.engine, out, FileFormat.of(path))
    return path.read_bytes()


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
@pytest.mark.parametrize("suspend_search_above", [0, 10**9], ids=["index-rebuilt", "index-by-triggers"])
def test_generate_import_export_round_trips_byte_for_byte(
    db: Database, clock: FixedClock, tmp_path: Path, suffix: str, suspend_search_above: int
) -> None:
    source = generated(tmp_path / f"registry.{suffix}", sites=400)
    report = load(db, source, clock, suspend_search_above=suspend_search_above)
    assert report.committed and report.bad == [] and report.new_sites == 400
    assert exported(db, tmp_path / f"out.{suffix}") == source.read_bytes()


def test_importing_the_same_file_twice_changes_nothing(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    source = generated(tmp_path / "registry.csv")
    first = load(db, source, clock)
    before = counts(db)
    again = load(db, source, clock)
    assert first.new_sites == 300 and first.new_subjects > 0 and first.new_providers > 0
    assert (again.new_sites, again.new_subjects, again.new_providers, again.existing_sites) == (0, 0, 0, 300)
    assert again.committed and again.bad == []
    assert counts(db) == before


def bad_rows_file(tmp_path: Path) -> tuple[Path, dict[int, str]]:
    """A generated file with a bad number, a bad domain and a bad credit code; line -> what is wrong."""
    rows = read_csv(generated(tmp_path / "good.csv", sites=60))
    organisations = [i for i, r in enumerate(rows) if r["creditCode"]]
    websites = [i for i, r in enumerate(rows) if r["domain"] and i not in organisations[:1]]
    bad_number, bad_credit, bad_domain = 3, organisations[0], websites[-1]
    assert len({bad_number, bad_credit, bad_domain}) == 3
    rows[bad_number]["serviceLicence"] = rows[bad_number]["mainLicence"] + "-0"
    code = rows[bad_credit]["creditCode"]
    rows[bad_credit]["creditCode"] = code[:-1] + ("0" if code[-1] != "0" else "1")
    rows[bad_domain]["domain"] = "-bad-.com"
    # a row's line is its index + 2 (the header is line 1)
    lines = {bad_number + 2: "serviceLicence", bad_credit + 2: "creditCode", bad_domain + 2: "domain"}
    return write_csv(tmp_path / "bad.csv", rows), lines


def test_bad_rows_are_all_reported_with_their_lines_and_nothing_is_imported(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    source, lines = bad_rows_file(tmp_path)
    before = counts(db)
    report = load(db, source, clock)
    assert not report.committed
    found = {b.line: " ".join(b.reasons) for b in report.bad}
    assert set(found) >= set(lines)
    for line, column in lines.items():
        assert found[line].startswith(column), found[line]
    assert counts(db) == before


def test_skip_bad_imports_the_good_rows_and_reports_the_bad(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    source, lines = bad_rows_file(tmp_path)
    report = load(db, source, clock, skip_bad=True)
    assert report.committed
    assert {b.line for b in report.bad} >= set(lines)
    assert report.new_sites == 60 - len(report.bad)
    assert counts(db)["registry_sites"] == report.new_sites


def test_a_domain_already_filed_by_another_site_is_a_bad_row(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    rows = read_csv(generated(tmp_path / "a.csv", sites=20))
    load(db, tmp_path / "a.csv", clock)
    taken = next(r for r in rows if r["domain"] and r["status"] == "active")["domain"].split(";")[0]
    other = read_csv(generated(tmp_path / "b.csv", sites=5, seed=99))
    row = dict(other[0], domain=taken, serviceLicence=other[0]["mainLicence"] + "-1", appId="", status="active",
               cancelTime="", mainStatus="active")  # fmt: skip
    report = load(db, write_csv(tmp_path / "b2.csv", [row]), clock)
    assert not report.committed
    assert [b.line for b in report.bad] == [2]
    assert "already filed" in report.bad[0].reasons[0]


def test_imported_filings_are_found_by_the_registry_service_and_in_the_change_log(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    rows = read_csv(generated(tmp_path / "registry.csv", sites=200))
    report = load(db, tmp_path / "registry.csv", clock)
    assert report.committed
    service = RegistryService(Context(db, clock=clock))
    website = next(r for r in rows if r["domain"] and r["status"] == "active" and r["natureName"] == "企业")
    found = service.query(website["domain"].split(";")[0], None, None)
    assert [r.site_number for r in found] == [website["serviceLicence"]]
    assert found[0].subject_name == website["unitName"]
    by_number = service.query(None, website["serviceLicence"], None)
    assert by_number and by_number[0].status == "active"
    with db.engine.connect() as conn:
        changes = conn.execute(text("SELECT action, site_number, payload FROM registry_changes ORDER BY seq")).all()
    approved = {site: json.loads(payload) for action, site, payload in changes if action == "site_approved"}
    assert set(approved) == {r["serviceLicence"] for r in rows}
    assert approved[website["serviceLicence"]]["domains"]
    assert approved[website["serviceLicence"]]["provider_ids"]
    cancelled = {site for action, site, _ in changes if action == "site_cancelled"}
    assert cancelled == {r["serviceLicence"] for r in rows if r["status"] == "cancelled"}


def test_provider_ids_equal_the_join_table(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    load(db, generated(tmp_path / "registry.csv", sites=200), clock)
    with db.engine.connect() as conn:
        sites = conn.execute(text("SELECT id, provider_ids FROM registry_sites")).all()
        links = conn.execute(text("SELECT site_id, provider_id FROM registry_site_providers")).all()
    joined: dict[int, list[int]] = {}
    for site_id, provider_id in links:
        joined.setdefault(site_id, []).append(provider_id)
    assert {site_id: json.loads(ids) for site_id, ids in sites} == {
        site_id: sorted(joined.get(site_id, [])) for site_id, _ in sites
    }


def test_a_number_issued_after_an_import_continues_the_serials(
    db: Database, clock: FixedClock, tmp_path: Path, filings: Filings
) -> None:
    rows = read_csv(generated(tmp_path / "registry.csv", sites=5))
    row = dict(rows[0], mainLicence="京ICP备2026000123号", serviceLicence="京ICP备2026000123号-1", status="active",
               cancelTime="", mainStatus="active")  # fmt: skip
    assert load(db, write_csv(tmp_path / "one.csv", [row]), clock).committed
    _, order = filings.approved(province="110000")
    assert order.issued is not None
    assert order.issued.subject_number == "京ICP备2026000124号"


def test_a_site_added_to_an_imported_subject_takes_the_next_sequence(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    rows = read_csv(generated(tmp_path / "registry.csv", sites=40))
    load(db, tmp_path / "registry.csv", clock)
    with db.engine.connect() as conn:
        found = conn.execute(
            text("SELECT subject_number, next_site_seq FROM registry_subjects ORDER BY next_site_seq DESC")
        ).first()
    assert found is not None
    number, next_seq = found
    highest = max(int(r["serviceLicence"].rsplit("-", 1)[1].rstrip("AXK")) for r in rows if r["mainLicence"] == number)
    assert next_seq == highest + 1


def test_a_file_read_and_checked_by_the_helper_process_imports_the_same(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    source, lines = bad_rows_file(tmp_path)
    report = load(db, source, clock, skip_bad=True, parallel=True)
    assert report.committed and {b.line for b in report.bad} >= set(lines)
    again = load(db, tmp_path / "good.csv", clock, parallel=True)  # the file before its rows were spoilt
    assert (again.new_sites, again.existing_sites, again.bad) == (len(report.bad), 60 - len(report.bad), [])


def test_a_filed_number_given_to_another_subject_is_a_bad_row(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    rows = read_csv(generated(tmp_path / "registry.csv", sites=30))
    load(db, tmp_path / "registry.csv", clock)
    impostor = dict(rows[0], unitName="另一家公司有限公司")
    report = load(db, write_csv(tmp_path / "other.csv", [impostor]), clock)
    assert not report.committed
    assert [b.line for b in report.bad] == [2] and "unitName" in report.bad[0].reasons[0]


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "helper"])
def test_a_subject_listed_apart_and_a_site_listed_twice_across_batches(
    db: Database, clock: FixedClock, tmp_path: Path, parallel: bool
) -> None:
    rows = read_csv(generated(tmp_path / "registry.csv", sites=40))
    multi = next(r["mainLicence"] for r in rows if sum(x["mainLicence"] == r["mainLicence"] for x in rows) > 1)
    apart = [r for r in rows if r["mainLicence"] != multi] + [r for r in rows if r["mainLicence"] == multi]
    apart.insert(10, apart[3])  # the same site again, in another batch
    source = write_csv(tmp_path / "apart.csv", apart)
    report = load(db, source, clock, batch_size=3, parallel=parallel)
    assert report.committed and report.bad == []
    assert (report.new_sites, report.existing_sites) == (40, 1)
    assert report.new_subjects == len({r["mainLicence"] for r in rows})


def test_a_domain_of_a_cancelled_site_moves_to_the_active_site_filed_with_it(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    rows = read_csv(generated(tmp_path / "registry.csv", sites=300))
    load(db, tmp_path / "registry.csv", clock)
    freed = next(r for r in rows if r["domain"] and r["status"] == "cancelled")["domain"].split(";")[0]
    refiled = dict(rows[0], natureName="个人", creditCode="", documentKey="ab" * 32, mainLicence="京ICP备2026000999号",
                   serviceLicence="京ICP备2026000999号-1", domain=freed, appId="", status="active", cancelTime="",
                   mainStatus="active")  # fmt: skip
    report = load(db, write_csv(tmp_path / "refiled.csv", [refiled]), clock)
    assert report.committed and report.bad == [] and report.new_sites == 1
    found = RegistryService(Context(db, clock=clock)).query(freed, None, None)
    assert [r.site_number for r in found] == ["京ICP备2026000999号-1"]
