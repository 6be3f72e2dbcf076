"""The registry read path (store/reader.py) on real SQLite and PostgreSQL: what it finds, that it sees new filings
at once, domain precedence, paging by subject number, cursors and as_of."""

from __future__ import annotations

import base64
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from openbeian.errors import ValidationError
from openbeian.services.context import Context
from openbeian.services.registry import RegistryService
from openbeian.store.reader import RegistryReader
from openbeian.store.schema import registry_domains
from openbeian.store.uow import Database
from registry.seed import APPROVED, seed_subjects

if TYPE_CHECKING:
    from conftest import Filings


def test_a_filing_approved_through_the_order_service_is_found_by_the_reader_right_after(filings: Filings) -> None:
    registry = filings.registry
    before = registry.as_of()
    assert registry.by_domain("fresh-filing.cn") == []  # the reader's connection is open before the approval
    applicant, order = filings.draft(
        filings.form(
            "110000", "enterprise", [{"name": "新鲜网站", "service_type": "website", "domains": ["fresh-filing.cn"]}]
        )
    )
    order = filings.drive(applicant, order)
    assert order.issued is not None
    assert [r.site_number for r in registry.by_domain("fresh-filing.cn")] == [order.issued.site_numbers[0]]
    assert [r.site_number for r in registry.by_number(order.issued.site_numbers[0])] == [order.issued.site_numbers[0]]
    assert registry.by_subject(order.subject.name)[0].subject_number == order.issued.subject_number
    assert registry.as_of() >= before


def test_the_exact_name_is_found_before_its_registrable_domain(db: Database) -> None:
    parent, child = seed_subjects(db, ["父域名有限公司", "子域名有限公司"])
    with db.engine.begin() as conn:
        site_of = {r.domain: r.site_id for r in conn.execute(registry_domains.select())}
        conn.execute(registry_domains.insert().values(domain="twin.cn", site_id=site_of["seeded1-1.cn"]))
        conn.execute(registry_domains.insert().values(domain="www.twin.cn", site_id=site_of["seeded2-1.cn"]))
    reader = db.reader
    assert [r.site_number for r in reader.by_domains(["www.twin.cn", "twin.cn"])] == list(child.site_numbers)
    assert [r.site_number for r in reader.by_domains(["blog.twin.cn", "twin.cn"])] == list(parent.site_numbers)
    assert [r.site_number for r in reader.by_domains(["twin.cn", "www.twin.cn"])] == list(parent.site_numbers)
    assert reader.by_domains(["a.cn", "b.cn", "www.twin.cn"])[0].site_number == child.site_numbers[0]
    registry = RegistryService(Context(db))
    assert [r.site_number for r in registry.by_domain("https://WWW.Twin.cn/about")] == list(child.site_numbers)
    assert [r.site_number for r in registry.by_domain("shop.twin.cn")] == list(parent.site_numbers)
    record = reader.by_domains(["twin.cn"])[0]
    assert record.domains == ("seeded1-1.cn", "twin.cn")
    assert record.approved_at == APPROVED


def test_the_reader_serves_several_threads_each_on_its_own_connection(db: Database) -> None:
    seeded = seed_subjects(db, [f"线程测试{i}有限公司" for i in range(20)])
    reader = db.reader

    def look_up(i: int) -> str:
        return reader.by_domains([f"seeded{i % 20 + 1}-1.cn"])[0].site_number

    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(look_up, range(200)))
    assert found == [seeded[i % 20].site_numbers[0] for i in range(200)]


def test_a_disposed_database_opens_a_new_reader_when_read_again(db: Database) -> None:
    seed_subjects(db, ["重开有限公司"])
    assert db.reader.by_domains(["seeded1-1.cn"])
    first = db.reader
    db.dispose()
    assert db.reader is not first
    assert db.reader.by_domains(["seeded1-1.cn"])


def test_a_subject_number_pages_through_its_sites_with_the_cursor(ctx: Context) -> None:
    (subject,) = seed_subjects(ctx.db, ["多站点有限公司"], sites_each=5)
    registry = RegistryService(ctx)
    pages = []
    cursor = None
    while True:
        page = registry.query_page(number=subject.subject_number, cursor=cursor, limit=2)
        pages.append([r.site_number for r in page.records])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == [list(subject.site_numbers[0:2]), list(subject.site_numbers[2:4]), [subject.site_numbers[4]]]
    one = registry.query_page(number=subject.site_numbers[3])
    assert [r.site_number for r in one.records] == [subject.site_numbers[3]] and one.next_cursor is None


def test_a_page_says_as_of_the_newest_registry_change(ctx: Context) -> None:
    seed_subjects(ctx.db, ["时间有限公司"])
    page = RegistryService(ctx).query_page(domain="seeded1-1.cn")
    assert page.as_of == APPROVED.isoformat()
    assert page.next_cursor is None and len(page.records) == 1


def test_an_empty_registry_is_as_of_now(ctx: Context) -> None:
    assert RegistryService(ctx).query_page(domain="nothing-here.cn").as_of == ctx.clock.now().isoformat()


def _encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor", ["not a cursor", "!!!", _encoded("subject:1"), _encoded("subject:x:1"), _encoded("number:1:1"), "é"]
)
def test_a_bad_cursor_is_refused_on_the_cursor_field(ctx: Context, cursor: str) -> None:
    seed_subjects(ctx.db, ["游标有限公司"])
    with pytest.raises(ValidationError) as caught:
        RegistryService(ctx).query_page(subject="游标", cursor=cursor)
    assert set(caught.value.fields) == {"cursor"}


@pytest.mark.parametrize("limit", [0, -1, 201])
def test_a_page_size_out_of_range_is_refused_on_the_limit_field(ctx: Context, limit: int) -> None:
    with pytest.raises(ValidationError) as caught:
        RegistryService(ctx).query_page(subject="游标", limit=limit)
    assert set(caught.value.fields) == {"limit"}


def test_a_page_takes_exactly_one_query(ctx: Context) -> None:
    with pytest.raises(ValidationError) as caught:
        RegistryService(ctx).query_page(domain="a.cn", subject="游标")
    assert set(caught.value.fields) == {"query"}


def test_a_forked_worker_reads_on_its_own_connection_and_leaves_the_parents_alone(db: Database) -> None:
    (subject,) = seed_subjects(db, ["分叉进程有限公司"])
    reader = db.reader
    assert reader.by_domains(["seeded1-1.cn"])  # the parent's connection is open before the fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer through a connection of its own, then leave without cleaning up
        try:
            os.write(write_end, reader.by_domains(["seeded1-1.cn"])[0].site_number.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    answer = os.read(read_end, 200).decode()
    os.close(read_end)
    assert status == 0 and answer == subject.site_numbers[0]
    assert reader.by_domains(["seeded1-1.cn"])[0].site_number == subject.site_numbers[0]


@pytest.mark.postgres
def test_postgresql_lookups_from_many_threads_share_a_few_connections(pg_db: Database) -> None:
    seed_subjects(pg_db, ["连接池有限公司"])
    reader = RegistryReader(pg_db.engine, pg_connections=3)
    try:
        with ThreadPoolExecutor(12) as pool:
            found = list(pool.map(lambda _: reader.by_domains(["seeded1-1.cn"]), range(300)))
        assert all(len(f) == 1 for f in found)
        assert 1 <= len(reader._open) <= 3
    finally:
        reader.close()
