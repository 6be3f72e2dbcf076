"""The lifecycle around an order in a real browser: the police filing number and a cancellation started from
My filings, the provider's verification material, and the regulator's cleanup notices."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from openbeian.domain.orders import SYSTEM, Actor
from openbeian.domain.workflow import Stage
from openbeian.services.accounts import AccountService, actor_of
from openbeian.services.context import Context
from openbeian.services.orders import OrderService
from openbeian.simulate.demo import APPLICANT
from openbeian.simulate.driver import LETTER_PDF, drive, ensure_cast

PageFactory = Callable[..., Page]


class MovableClock(Protocol):  # conftest.ShiftedClock
    def advance(self, delta: timedelta) -> None: ...


pytestmark = pytest.mark.browser


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def first_filed_site(page: Page) -> Locator:
    page.get_by_role("link", name="My filings").click()
    expect(page.get_by_role("heading", name="My filings", exact=True)).to_be_visible()
    return page.locator("tr[data-site]").first


def test_the_applicant_records_the_police_filing_number_after_a_refused_one(page: Page) -> None:
    log_in(page, *APPLICANT)
    row = first_filed_site(page)
    site_number = row.get_attribute("data-site")
    expect(row.locator(".due")).to_contain_text("Due by")
    police = row.get_by_label(re.compile("^Police filing number for"))

    # A Shanghai number for a Beijing subject: refused beside the field, the typed text kept.
    police.fill("沪公网安备31010802020134号")
    row.get_by_role("button", name="Record").click()
    row = page.locator(f'tr[data-site="{site_number}"]')
    police = row.get_by_label(re.compile("^Police filing number for"))
    expect(row.locator(".error")).to_contain_text("subject's province")
    expect(police).to_have_value("沪公网安备31010802020134号")
    expect(police).to_have_attribute("aria-invalid", "true")

    police.fill("京公网安备11010802020134号")
    row.get_by_role("button", name="Record").click()
    expect(page.locator(".flash")).to_contain_text("Police filing 京公网安备11010802020134号 recorded")
    expect(page.locator(f'tr[data-site="{site_number}"] .police-number')).to_have_text("京公网安备11010802020134号")


def test_the_applicant_starts_a_site_cancellation_from_my_filings(page: Page) -> None:
    log_in(page, *APPLICANT)
    row = first_filed_site(page)
    site_number = row.get_attribute("data-site")
    assert site_number
    row.get_by_role("link", name="Cancel the site").click()

    expect(page.get_by_role("heading", name=f"Cancel the site {site_number}")).to_be_visible()
    expect(page.locator("#request-kind")).to_have_text("Cancel site")
    page.get_by_role("button", name="Create the draft").click()

    expect(page.locator("#stage")).to_have_text("Draft")
    expect(page.locator("h1 .kind")).to_have_text("Cancel site")
    expect(page.locator("#targets")).to_contain_text(site_number)
    expect(page.locator(".flash")).to_contain_text("(Cancel site) saved as a draft")
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)  # a cancellation has nothing to edit
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#stage")).to_have_text("Provider review")


def white_photo() -> bytes:
    """A real photo of useful size, but against a white wall instead of the provider's backdrop."""
    out = io.BytesIO()
    Image.new("RGB", (640, 800), (255, 255, 255)).save(out, "PNG")
    return out.getvalue()


def order_waiting_for_verification(ctx: Context) -> int:
    orders = OrderService(ctx)
    waiting = [orders.get(SYSTEM, s.id) for s in orders.find(SYSTEM, (Stage.VERIFICATION,))]
    missing = [o.id for o in waiting if o.id is not None and o.verification.missing()]
    assert missing, "the demo has an order waiting in verification"
    return min(missing)


def test_the_reviewer_uploads_the_letter_records_a_face_check_and_confirms_the_verification(
    page: Page, server_ctx: Context
) -> None:
    order_id = order_waiting_for_verification(server_ctx)
    log_in(page, "reviewer", "reviewer-demo")
    page.goto(f"/orders/{order_id}")
    expect(page.locator("#stage")).to_have_text("Verification")
    expect(page.locator("#missing")).to_contain_text("the signed authenticity letter")

    # A photo without the backdrop is taken, but the automatic check's problems are shown and it does not count.
    page.get_by_label("What it is").select_option("photo")
    page.get_by_label("File (PNG, JPEG or PDF)").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": white_photo()}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#photo-problems")).to_contain_text("backdrop colour")
    expect(page.locator("#missing")).to_contain_text("a backdrop photo that passes the check")

    # A text file is refused by its content, beside the file input.
    page.get_by_label("What it is").select_option("letter")
    page.get_by_label("File (PNG, JPEG or PDF)").set_input_files(
        {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf at all"}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#file-error")).to_contain_text("PNG, JPEG or PDF")

    page.get_by_label("What it is").select_option("letter")
    page.get_by_label("File (PNG, JPEG or PDF)").set_input_files(
        {"name": "承诺书.pdf", "mimeType": "application/pdf", "buffer": LETTER_PDF}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#letter-state")).to_have_text("uploaded")
    expect(page.locator("table.files")).to_contain_text("承诺书.pdf")
    expect(page.locator("#missing")).not_to_contain_text("letter")

    page.get_by_label("Face check reference").fill(f"FACE-{order_id}")
    page.get_by_role("button", name="Record face check").click()
    expect(page.locator("#face-state")).to_have_text(f"FACE-{order_id}")
    expect(page.locator("#missing")).to_contain_text("The material is complete")

    page.get_by_role("button", name="Confirm verification").click()
    expect(page.locator("#stage")).to_have_text("SMS check")


def site_left_without_access(ctx: Context) -> tuple[str, str]:
    """A registry site whose only provider's access was cancelled (through the services): an empty shell.
    Returns the site number and its province."""
    orders = OrderService(ctx)
    accounts = AccountService(ctx)
    cast = ensure_cast(ctx, reviewer_username="reviewer", officer_prefix="officer")
    for summary in orders.find(SYSTEM, (Stage.APPROVED,)):
        order = orders.get(SYSTEM, summary.id)
        account = accounts.by_id(order.applicant_id)
        if order.issued is None or account is None or account.username == APPLICANT[0]:
            continue
        applicant: Actor = actor_of(account)
        site_number = order.issued.site_numbers[0]
        cancel = orders.create(applicant, {"action": "cancel", "target": site_number, "scope": "access"})
        assert drive(ctx, cast, applicant, cancel).stage is Stage.APPROVED
        return site_number, order.province_code
    raise AssertionError("the demo registry has approved orders of other applicants")


def test_the_officer_publishes_notices_for_the_empty_shells_of_the_province(page: Page, server_ctx: Context) -> None:
    site_number, province = site_left_without_access(server_ctx)
    log_in(page, f"officer-{province}", "officer-demo")
    page.get_by_role("link", name="Cleanup").click()

    row = page.locator("table.shells tr", has_text=site_number)
    expect(row).to_contain_text("Site without access")
    expect(row.locator(".notice")).to_have_text("no notice yet")
    page.get_by_role("button", name=re.compile(r"^Publish notices \(\d+\)$")).click()

    expect(page.locator(".flash")).to_contain_text("Notices published")
    row = page.locator("table.shells tr", has_text=site_number)
    expect(row.locator(".notice")).to_contain_text("cancelled after")
    expect(page.get_by_role("button", name=re.compile("^Publish notices"))).to_have_count(0)


def test_a_bad_blacklist_entry_is_shown_beside_its_field_and_a_good_one_is_listed(page: Page) -> None:
    log_in(page, "officer-110000", "officer-demo")
    page.goto("/cleanup")
    value = page.get_by_label("Domain or document number")
    value.fill("bad..domain")
    page.get_by_label("Reason").fill("fraud")
    page.get_by_role("button", name="Add to the blacklist").click()
    value = page.get_by_label("Domain or document number")
    expect(page.locator("#bl-value-error")).to_be_visible()
    expect(value).to_have_value("bad..domain")

    value.fill("blacklisted-in-chromium.cn")
    page.get_by_role("button", name="Add to the blacklist").click()
    expect(page.locator("table.blacklist")).to_contain_text("blacklisted-in-chromium.cn")


def test_an_app_with_a_bad_signing_fingerprint_is_refused_beside_that_field(page: Page) -> None:
    log_in(page, *APPLICANT)
    page.goto("/orders/new")
    page.get_by_label("Service number (备案服务号)", exact=True).select_option(index=1)
    page.get_by_label("Subject kind", exact=True).select_option("individual")
    page.get_by_label("Province", exact=True).select_option("110000")
    page.get_by_label("Site name", exact=True).fill("张浏览的读书 App")
    page.get_by_label("Site type", exact=True).select_option("app")
    page.get_by_label("App ID or package name", exact=True).fill("cn.example.reader")
    page.get_by_label("Platform", exact=True).select_option("android")
    fingerprint = page.get_by_label("Signing certificate fingerprint", exact=True)
    fingerprint.fill("not-hex")
    page.get_by_role("button", name="Save draft").last.click()

    fingerprint = page.get_by_label("Signing certificate fingerprint", exact=True)
    expect(fingerprint).to_have_value("not-hex")
    expect(fingerprint).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=fingerprint).locator(".error")).to_contain_text("fingerprint")
    expect(page.get_by_label("Platform", exact=True)).to_have_value("android")


def test_a_new_sms_code_comes_after_a_minute_and_not_twice_in_one(
    page: Page, server_ctx: Context, server_clock: MovableClock
) -> None:
    orders = OrderService(server_ctx)
    waiting = orders.find(SYSTEM, (Stage.SMS_CHECK,))
    assert waiting, "the demo has an order waiting for its SMS code"
    order_id = min(o.id for o in waiting)
    log_in(page, *APPLICANT)
    page.goto(f"/orders/{order_id}")
    before = page.locator(".outbox li").count()

    server_clock.advance(timedelta(seconds=61))
    page.get_by_role("button", name="Send a new code").click()
    expect(page.locator(".flash")).to_contain_text("A new code was sent")
    expect(page.locator(".outbox li")).to_have_count(before + 1)

    page.get_by_role("button", name="Send a new code").click()
    expect(page.locator("#resend-error")).to_contain_text("wait a minute")
    expect(page.locator(".outbox li")).to_have_count(before + 1)


def test_the_reviewer_filters_the_queue_to_overdue_orders_once_the_first_review_deadline_passed(
    new_page: PageFactory, server_clock: MovableClock
) -> None:
    applicant = new_page()
    log_in(applicant, *APPLICANT)
    applicant.goto("/orders?stage=draft")
    applicant.locator("table.orders a").first.click()
    order_id = applicant.url.rstrip("/").rsplit("/", 1)[1]
    applicant.get_by_role("button", name="Submit for review").click()
    expect(applicant.locator("#stage")).to_have_text("Provider review")
    expect(applicant.locator("#overdue-badge")).to_have_count(0)

    server_clock.advance(timedelta(days=15))  # past one working day, even across a week of holidays
    reviewer = new_page()
    log_in(reviewer, "reviewer", "reviewer-demo")
    reviewer.goto("/orders")
    reviewer.get_by_label("Overdue only").check()
    reviewer.get_by_role("button", name="Show").click()
    row = reviewer.locator("table.orders tr", has=reviewer.get_by_role("link", name=f"#{order_id}", exact=True))
    expect(row.locator(".badge.overdue")).to_have_text("overdue")
    expect(row.locator("td.kind")).to_have_text("First filing")
    expect(reviewer.locator("table.orders tbody tr .badge.overdue")).to_have_count(
        reviewer.locator("table.orders tbody tr").count()
    )
    row.get_by_role("link", name=f"#{order_id}", exact=True).click()
    expect(reviewer.locator("#overdue-badge")).to_have_text("overdue")
