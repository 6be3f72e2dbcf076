"""OpenBeian in a real browser: the registry query, the whole filing path across four users, the order
form's errors, and the language switch."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from openbeian.clock import CHINA_TZ
from openbeian.domain.provinces import by_code
from openbeian.services.context import Context
from openbeian.simulate.driver import LETTER_PDF
from openbeian.simulate.synth import resident_id

PageFactory = Callable[..., Page]

pytestmark = pytest.mark.browser

BEIJING = "110000"


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def field(page: Page, label: str) -> Locator:
    return page.get_by_label(label, exact=True)


def fill_order_form(page: Page, document: str, leader_document: str, domain: str) -> None:
    """An individual in Beijing with one website; the first free service number."""
    field(page, "Service number (备案服务号)").select_option(index=1)
    field(page, "Subject kind").select_option("individual")
    field(page, "Province").select_option(BEIJING)
    field(page, "Document type").select_option("resident_id")
    field(page, "Document number").fill(document)
    field(page, "Mailing address").fill("北京市海淀区中关村大街 1 号")
    field(page, "Leader's name").fill("张浏览")
    field(page, "Leader's document number").fill(leader_document)
    field(page, "Leader's mobile").fill("13800138000")
    field(page, "Leader's e-mail").fill("zhang@example.cn")
    field(page, "Site name").fill("张浏览的读书笔记")
    field(page, "Domains").fill(domain)


def stage_of(page: Page) -> Locator:
    return page.locator("#stage")


def test_a_visitor_queries_the_registry_by_a_demo_domain_and_sees_its_site_number(
    page: Page, demo_domain: str, demo_site_number: str
) -> None:
    page.goto("/")
    page.get_by_label("Search by").select_option("domain")
    page.get_by_label("Domain, filing number or subject name").fill(demo_domain)
    page.get_by_role("button", name="Query").click()

    expect(page.get_by_role("heading", name="Records found: 1")).to_be_visible()
    expect(page.locator("td.site-number")).to_have_text(demo_site_number)
    expect(page.get_by_role("cell", name=demo_domain)).to_be_visible()


def test_a_bad_domain_shows_the_error_beside_the_field_and_keeps_the_typed_text(page: Page) -> None:
    page.goto("/")
    query = page.get_by_label("Domain, filing number or subject name")
    query.fill("no..such domain")
    page.get_by_role("button", name="Query").click()

    beside = page.locator(".field", has=query).locator(".error")
    expect(beside).to_be_visible()
    expect(beside).not_to_be_empty()
    expect(query).to_have_value("no..such domain")
    expect(query).to_have_attribute("aria-invalid", "true")
    expect(page.locator("table")).to_have_count(0)


def test_an_order_goes_from_the_applicant_through_review_and_sms_to_an_issued_number(
    new_page: PageFactory, server_ctx: Context
) -> None:
    year = server_ctx.clock.now().astimezone(CHINA_TZ).year  # the server's time: other tests may move it on
    document = resident_id(random.Random(1), by_code(BEIJING))
    domain = "zhang-reads-in-chromium.cn"

    # The applicant files a draft with a free service number and submits it.
    applicant = new_page()
    log_in(applicant, "applicant", "applicant-demo")
    applicant.goto("/orders")
    applicant.get_by_role("link", name="New filing order").click()
    fill_order_form(applicant, document, document, domain)
    applicant.get_by_role("button", name="Save draft").click()
    expect(stage_of(applicant)).to_have_text("Draft")
    order_id = int(applicant.url.rstrip("/").rsplit("/", 1)[1])
    applicant.get_by_role("button", name="Submit for review").click()
    expect(stage_of(applicant)).to_have_text("Provider review")

    # The provider's reviewer finds it in the review queue, passes it and confirms the verification.
    reviewer = new_page()
    log_in(reviewer, "reviewer", "reviewer-demo")
    reviewer.goto("/orders")
    expect(reviewer.get_by_role("heading", name="Review queue")).to_be_visible()
    reviewer.get_by_role("link", name=f"#{order_id}", exact=True).click()
    reviewer.get_by_role("button", name="Pass first review").click()
    expect(stage_of(reviewer)).to_have_text("Verification")
    reviewer.get_by_label("What it is").select_option("letter")
    reviewer.get_by_label("File (PNG, JPEG or PDF)").set_input_files(
        {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": LETTER_PDF}
    )
    reviewer.get_by_role("button", name="Upload").click()
    reviewer.get_by_label("Face check reference").fill(f"FACE-{order_id}")
    reviewer.get_by_role("button", name="Record face check").click()
    reviewer.get_by_role("button", name="Confirm verification").click()
    expect(stage_of(reviewer)).to_have_text("SMS check")

    # The applicant reads the code from the development outbox and enters it.
    applicant.reload()
    expect(stage_of(applicant)).to_have_text("SMS check")
    message = applicant.locator(".outbox .sms-body").first.inner_text()
    found = re.search(r"\b(\d{6})\b", message)
    assert found, message
    applicant.get_by_label("SMS code").fill(found.group(1))
    applicant.get_by_role("button", name="Confirm code").click()
    expect(applicant.locator(".flash")).to_contain_text("SMS code confirmed")
    expect(stage_of(applicant)).to_have_text("Regulator review")

    # The Beijing officer approves.
    officer = new_page()
    log_in(officer, "officer-110000", "officer-demo")
    officer.goto("/orders")
    expect(officer.get_by_role("heading", name="Regulator queue")).to_be_visible()
    officer.get_by_role("link", name=f"#{order_id}", exact=True).click()
    officer.get_by_role("button", name="Approve and issue number").click()
    expect(stage_of(officer)).to_have_text("Approved")

    # The applicant sees the issued number; the public registry finds the domain.
    applicant.reload()
    issued = applicant.locator(".issued .issued-number")
    expect(issued).to_have_text(re.compile(rf"^京ICP备{year}\d+号-1$"))
    number = issued.inner_text()

    visitor = new_page()
    visitor.goto("/")
    visitor.get_by_label("Domain, filing number or subject name").fill(domain)
    visitor.get_by_role("button", name="Query").click()
    expect(visitor.locator("td.site-number")).to_have_text(number)
    expect(visitor.get_by_role("cell", name="张**")).to_be_visible()  # an individual's name is masked


def test_the_order_form_shows_a_wrong_resident_id_beside_its_field_and_keeps_the_other_values(page: Page) -> None:
    good = resident_id(random.Random(2), by_code(BEIJING))
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")  # the check digit no longer matches
    log_in(page, "applicant", "applicant-demo")
    page.goto("/orders/new")
    fill_order_form(page, wrong, good, "kept-values.cn")
    page.get_by_role("button", name="Save draft").click()

    document = field(page, "Document number")
    beside = page.locator(".field", has=document).locator(".error")
    expect(beside).to_contain_text("not a valid resident id number")
    expect(document).to_have_attribute("aria-invalid", "true")
    expect(document).to_have_value(wrong)
    expect(page.locator(".error-summary")).to_contain_text("Document number")
    # Only that field is marked; everything typed is still there.
    expect(page.locator(".field.invalid")).to_have_count(1)
    expect(field(page, "Subject kind")).to_have_value("individual")
    expect(field(page, "Province")).to_have_value(BEIJING)
    expect(field(page, "Mailing address")).to_have_value("北京市海淀区中关村大街 1 号")
    expect(field(page, "Leader's name")).to_have_value("张浏览")
    expect(field(page, "Leader's document number")).to_have_value(good)
    expect(field(page, "Leader's mobile")).to_have_value("13800138000")
    expect(field(page, "Leader's e-mail")).to_have_value("zhang@example.cn")
    expect(field(page, "Site name")).to_have_value("张浏览的读书笔记")
    expect(field(page, "Domains")).to_have_value("kept-values.cn")
    expect(field(page, "Service number (备案服务号)")).not_to_have_value("")


def test_switching_to_chinese_shows_chinese_labels_and_switching_back_shows_english(page: Page) -> None:
    log_in(page, "applicant", "applicant-demo")
    page.goto("/orders?stage=provider_review")
    expect(page.get_by_role("navigation").get_by_role("link", name="Orders")).to_be_visible()

    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_url(re.compile(r"/orders\?stage=provider_review$"))
    expect(page.get_by_role("heading", name="我的备案订单")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link", name="备案订单")).to_be_visible()
    expect(page.locator("td .stage").first).to_have_text("待接入商初审")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="My orders")).to_be_visible()


def test_a_browser_that_asks_for_chinese_gets_chinese_pages_and_errors(new_page: PageFactory) -> None:
    page = new_page(locale="zh-CN")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    query = page.get_by_label("域名、备案号或主办单位名称")
    query.fill("no..such")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".field", has=query).locator(".error")).to_have_text(re.compile(r"[\u4e00-\u9fff]"))
