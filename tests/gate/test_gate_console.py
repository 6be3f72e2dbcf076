"""The enforcement gate in the provider's console: the page of the provider's domains by decision, the same data
under /api/v1/provider/gate (each provider sees its own), and the "Enforcement" line of the order and filing pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from openbeian.config import load_settings
from openbeian.domain.workflow import Trigger
from openbeian.services.accounts import AccountService
from openbeian.services.context import Context
from openbeian.store.uow import Database
from openbeian.web.app import create_app

from .gatehelpers import add_access_draft, cancel_site, file_site

if TYPE_CHECKING:
    from conftest import Filings


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def console(ctx: Context) -> Iterator[TestClient]:
    app = create_app(load_settings(env={}, dotenv=None, database_url=ctx.db.url), clock=ctx.clock, db=ctx.db)
    with TestClient(app) as client:
        yield client


def bearer(ctx: Context, account_id: int | None) -> dict[str, str]:
    account = AccountService(ctx).by_id(account_id or 0)
    assert account is not None
    return {"Authorization": f"Bearer {AccountService(ctx).create_token(account.username, 'test')}"}


def test_the_provider_sees_its_domains_by_decision_in_the_api_and_on_the_page(
    filings: Filings, console: TestClient
) -> None:
    applicant, filed, form = file_site(filings, "console-served.cn")
    owner, gone, _ = file_site(filings, "console-gone.cn")
    assert gone.issued is not None
    cancel_site(filings, owner, gone.issued.site_numbers[0])
    waiting, draft = filings.draft(filings.form("110000", "enterprise", _site("console-wait.cn")))
    filings.orders.act(waiting, draft.id or 0, Trigger.SUBMIT)
    filings.orders.act(applicant, add_access_draft(filings, applicant, form).id or 0, Trigger.SUBMIT)
    own = bearer(filings.ctx, filings.cast.reviewer.account_id)
    other = bearer(filings.ctx, filings.cast.other_reviewer.account_id)

    answer = console.get("/api/v1/provider/gate", headers=own).json()
    rows = {d["domain"]: (d["decision"], d["reason"]) for d in answer["domains"]}
    assert rows == {
        "console-served.cn": ("allowed", "filed"),
        "console-gone.cn": ("suspended", "cancelled"),
        "console-wait.cn": ("pending", "in_review"),
    }
    assert answer["counts"] == {"allowed": 1, "pending": 1, "suspended": 1, "unknown": 0}
    theirs = console.get("/api/v1/provider/gate", headers=other).json()  # only its own: the add-access in review
    assert {d["domain"]: d["decision"] for d in theirs["domains"]} == {"console-served.cn": "pending"}
    assert console.get("/api/v1/provider/gate").status_code == 401
    applicant_headers = bearer(filings.ctx, applicant.account_id)
    assert console.get("/api/v1/provider/gate", headers=applicant_headers).status_code == 403

    page = console.get("/provider/gate", headers={**own, "Accept-Language": "zh-CN"})
    assert page.status_code == 200
    assert "备案拦截" in page.text and "console-served.cn" in page.text and "已注销" in page.text
    english = console.get("/provider/gate", headers={**own, "Accept-Language": "en"}).text
    assert "Blocked while in review" in english and "the filing was cancelled" in english
    assert "in_review" not in english and "not_filed" not in english

    assert filed.id is not None
    order_page = console.get(f"/orders/{filed.id}", headers={**own, "Accept-Language": "en"}).text
    assert "Enforcement" in order_page and "Served" in order_page
    filings_page = console.get("/filings", headers={**applicant_headers, "Accept-Language": "en"}).text
    assert "Enforcement: Served" in filings_page


def _site(domain: str) -> list[dict[str, object]]:
    return [{"name": "云启科技官网", "service_type": "website", "domains": [domain]}]
