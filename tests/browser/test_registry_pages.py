"""The registry page in a real browser: paging through a name search with next / previous links that keep the
query, and a pasted list answered a row a line (filed, not filed, invalid) in the page language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from openbeian.services.context import Context
from registry.seed import Seeded, seed_subjects

PageFactory = Callable[..., Page]

pytestmark = pytest.mark.browser

NAME = "浏览翻页"


@pytest.fixture(scope="module")
def paged_subjects(server: Any) -> list[Seeded]:
    """23 subjects named 浏览翻页… with 2 websites each: 46 records, three pages of 20."""
    ctx: Context = server.ctx
    return seed_subjects(
        ctx.db, [f"{NAME}{i:02d}网络有限公司" for i in range(1, 24)], 2, first_serial=800001, domain_prefix="paged"
    )


def site_numbers(page: Page) -> list[str]:
    return page.locator("td.site-number").all_inner_texts()


def test_a_visitor_pages_through_a_name_search_and_back(page: Page, paged_subjects: list[Seeded]) -> None:
    expected = [n for s in paged_subjects for n in s.site_numbers]
    page.goto("/")
    page.get_by_label("Search by").select_option("subject")
    page.get_by_label("Domain, filing number or subject name").fill(NAME)
    page.get_by_role("button", name="Query", exact=True).click()

    expect(page.get_by_role("heading", name="Page 1: records 1 to 20")).to_be_visible()
    expect(page.get_by_role("link", name="Previous page")).to_have_count(0)
    first = site_numbers(page)
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("heading", name="Page 2: records 21 to 40")).to_be_visible()
    second = site_numbers(page)
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("heading", name="Page 3: records 41 to 46")).to_be_visible()
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    third = site_numbers(page)
    assert first + second + third == expected  # every record once, in order

    expect(page.get_by_label("Domain, filing number or subject name")).to_have_value(NAME)  # the query is kept
    page.get_by_role("link", name="Previous page").click()
    expect(page.get_by_role("heading", name="Page 2: records 21 to 40")).to_be_visible()
    assert site_numbers(page) == second
    page.get_by_role("link", name="Previous page").click()
    expect(page.get_by_role("heading", name="Page 1: records 1 to 20")).to_be_visible()
    assert site_numbers(page) == first


def test_a_pasted_list_is_answered_a_row_a_line(page: Page, demo_domain: str, demo_site_number: str) -> None:
    lines = [demo_domain, "never-filed-in-chromium.cn", "not a domain", "", demo_site_number, "www." + demo_domain]
    page.goto("/")
    page.get_by_label("Domains or filing numbers, one a line (at most 1000)").fill("\n".join(lines))
    page.get_by_role("button", name="Check the list").click()

    expect(page.get_by_role("heading", name="Results: 3 filed, 1 not filed, 1 invalid")).to_be_visible()
    rows = page.locator("table.batch-results tbody tr")
    expect(rows).to_have_count(5)  # the blank line is no item
    expect(rows.locator("td.result")).to_have_text(["Filed", "Not filed", "Invalid", "Filed", "Filed"])
    expect(rows.nth(0)).to_contain_text(demo_site_number)
    expect(rows.nth(2).locator("td").nth(3)).not_to_be_empty()  # why the line is invalid
    expect(page.get_by_label("Domains or filing numbers, one a line (at most 1000)")).to_have_value("\n".join(lines))
    assert "unfiled" not in page.locator("main").inner_text()  # words, not codes


def test_a_pasted_list_is_answered_in_chinese(new_page: PageFactory, demo_domain: str) -> None:
    page = new_page("zh-CN")
    page.goto("/")
    page.get_by_label("域名或备案号，每行一个（最多 1000 个）").fill(f"{demo_domain}\nnever-filed-zh.cn\n京ICP备")
    page.get_by_role("button", name="核对列表").click()
    expect(page.get_by_role("heading", name="结果：已备案 1 个，未备案 1 个，无效 1 个")).to_be_visible()
    expect(page.locator("table.batch-results td.result")).to_have_text(["已备案", "未备案", "无效"])


def test_an_empty_paste_shows_the_error_beside_the_field(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Check the list").click()
    expect(page.locator("#items-error")).to_have_text("Paste at least one domain or filing number.")
    expect(page.get_by_label("Domains or filing numbers, one a line (at most 1000)")).to_have_attribute(
        "aria-invalid", "true"
    )
