"""Search by part of a subject's name through its index (store/search_index.py), on SQLite and PostgreSQL: 2 and
3+ characters, Chinese and Latin, the same answers as a substring search, paging through every match with the
cursor, the index following changed names, and individuals masked as before."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import update

from openbeian.errors import ValidationError
from openbeian.services.context import Context
from openbeian.services.registry import RegistryService
from openbeian.store import search_index
from openbeian.store.schema import registry_subjects
from openbeian.store.uow import Database
from registry.seed import Seeded, seed_subjects

NAMES = [
    "深圳市腾讯计算机系统有限公司",
    "腾讯云计算（北京）有限责任公司",
    "北京OpenBeian科技有限公司",
    "杭州阿里巴巴网络技术有限公司",
    "上海openbeian信息服务工作室",
    "广州百分%之百贸易有限公司",
    "成都下划_线科技有限公司",
    "讯腾文化传媒有限公司",  # 讯腾, not 腾讯
    "Tencent Cloud Computing (Beijing) Co., Ltd.",
]


def site_numbers(seeded: list[Seeded], wanted: list[str]) -> list[str]:
    return [n for s in seeded if s.name in wanted for n in s.site_numbers]


def expected(seeded: list[Seeded], query: str) -> list[str]:
    """What `name LIKE '%query%'` answers (ASCII letters in any case), in filing order."""
    return [n for s in seeded if query.lower() in s.name.lower() for n in s.site_numbers]


def found(ctx: Context, query: str) -> list[str]:
    return [r.site_number for r in RegistryService(ctx).by_subject(query)]


@pytest.fixture
def seeded(ctx: Context) -> list[Seeded]:
    return seed_subjects(ctx.db, NAMES, sites_each=2)


@pytest.mark.parametrize(
    "query",
    [
        "腾讯",
        "讯腾",
        "有限",
        "腾讯云计",
        "（北京）",
        "OpenBeian",
        "openbeian",
        "OPENBEIAN科技",
        "en",
        "Tencent Cloud",
        "d.",
        "Co., Ltd",
    ],
)
def test_a_name_search_answers_what_a_substring_search_answers(ctx: Context, seeded: list[Seeded], query: str) -> None:
    assert found(ctx, query) == expected(seeded, query)
    assert found(ctx, query)


def test_two_chinese_characters_find_the_organisation(ctx: Context, seeded: list[Seeded]) -> None:
    assert found(ctx, "腾讯") == site_numbers(seeded, [NAMES[0], NAMES[1]])
    assert found(ctx, "巴巴") == site_numbers(seeded, [NAMES[3]])


def test_like_wildcards_and_backslashes_match_only_themselves(ctx: Context, seeded: list[Seeded]) -> None:
    assert found(ctx, "分%") == site_numbers(seeded, [NAMES[5]])
    assert found(ctx, "百分%之") == site_numbers(seeded, [NAMES[5]])
    assert found(ctx, "划_线") == site_numbers(seeded, [NAMES[6]])
    assert found(ctx, "%%") == []
    assert found(ctx, "__") == []
    assert found(ctx, "a%b") == []
    assert found(ctx, "腾_") == []
    assert found(ctx, "\\\\") == []


def test_a_query_of_one_character_is_refused_on_the_subject_field(ctx: Context) -> None:
    for query in ("腾", " 腾 ", "a  "):
        for search in (RegistryService(ctx).by_subject, lambda q: RegistryService(ctx).query_page(subject=q)):
            with pytest.raises(ValidationError) as caught:
                search(query)
            assert set(caught.value.fields) == {"subject"}


def test_spaces_in_a_query_are_collapsed_as_before(ctx: Context, seeded: list[Seeded]) -> None:
    assert found(ctx, "  Tencent   Cloud ") == site_numbers(seeded, [NAMES[8]])


@pytest.mark.parametrize("query", ["科技", "技有限", "Tech", "te"])
def test_paging_with_the_cursor_reads_every_match_once(ctx: Context, query: str) -> None:
    rng = random.Random(5)
    fillers = "华夏长城星河云海数据网络信息文化天地"
    names = []
    for i in range(90):
        parts = ["".join(rng.choices(fillers, k=3))]
        if i % 3 != 2:
            parts.append(rng.choice(["科技有限公司", "Tech科技", "信息技术有限公司", "TECHNO传媒"]))
        names.append("".join(parts) + str(i))
    seeded = seed_subjects(ctx.db, names[:60], sites_each=2) + seed_subjects(
        ctx.db, names[60:], sites_each=1, first_serial=61
    )
    registry = RegistryService(ctx)
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = registry.query_page(subject=query, cursor=cursor, limit=7)
        pages.append([r.site_number for r in page.records])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    everything = [n for p in pages for n in p]
    assert everything == expected(seeded, query)
    assert len(everything) == len(set(everything)) > 7
    assert all(len(p) == 7 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 7


def test_the_index_follows_a_changed_name(ctx: Context, seeded: list[Seeded]) -> None:
    with ctx.db.engine.begin() as conn:
        conn.execute(
            update(registry_subjects).where(registry_subjects.c.name == NAMES[3]).values(name="杭州淘宝网络有限公司")
        )
    assert found(ctx, "巴巴") == []
    assert found(ctx, "阿里巴巴网络") == []
    assert found(ctx, "淘宝") == site_numbers(seeded, [NAMES[3]])
    assert found(ctx, "淘宝网络") == site_numbers(seeded, [NAMES[3]])


def test_a_bulk_load_with_the_index_suspended_is_found_after_the_rebuild(ctx: Context, seeded: list[Seeded]) -> None:
    with ctx.db.engine.begin() as conn:
        search_index.suspend(ctx.db.dialect, conn.exec_driver_sql)
    loaded = seed_subjects(ctx.db, ["批量导入测试有限公司", "Bulk Loaded Ltd"], first_serial=100, domain_prefix="bulk")
    with ctx.db.engine.begin() as conn:
        search_index.rebuild(ctx.db.dialect, conn.exec_driver_sql, lambda sql: conn.exec_driver_sql(sql).scalar())
    assert found(ctx, "批量") == list(loaded[0].site_numbers)
    assert found(ctx, "导入测试") == list(loaded[0].site_numbers)
    assert found(ctx, "bulk load") == list(loaded[1].site_numbers)
    assert found(ctx, "腾讯") == site_numbers(seeded, [NAMES[0], NAMES[1]])


def test_an_individual_is_found_as_before_and_shown_masked(ctx: Context) -> None:
    seed_subjects(ctx.db, ["欧阳娜娜"], kind="individual")
    for query in ("娜娜", "欧阳娜娜", "阳娜"):
        records = RegistryService(ctx).by_subject(query)
        assert [r.subject_name for r in records] == ["欧***"]
        assert "欧阳娜娜" not in repr(records[0].to_dict())


@pytest.mark.parametrize("query", ["腾讯", "腾讯科技", "a%b_c", "OpenBeian"])
def test_a_sqlite_name_search_reads_the_index_not_every_name(sqlite_db: Database, query: str) -> None:
    reader = sqlite_db.reader
    sql, param = reader._hits_query(query)
    with sqlite_db.engine.connect() as conn:
        plan = " ".join(str(row[3]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (param, 0, 51)))
    assert "VIRTUAL TABLE INDEX" in plan and "registry_subjects" not in plan, plan
