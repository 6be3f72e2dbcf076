"""The provider's compliance console: the page a reviewer sees, its run-now button, and the API."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from openbeian.config import load_settings
from openbeian.scanner.compliance import ComplianceOptions
from openbeian.scanner.fetch import FetchOptions
from openbeian.services.accounts import AccountService
from openbeian.services.context import Context
from openbeian.simulate.driver import Cast
from openbeian.web.app import create_app

from .conftest import FixtureSites
from .fixture_pages import footer_page
from .test_verify import website

if TYPE_CHECKING:
    from conftest import Filings


@pytest.fixture
def console(ctx: Context, sites: FixtureSites) -> Iterator[TestClient]:
    app = create_app(load_settings(env={}, dotenv=None, database_url=ctx.db.url), clock=ctx.clock, db=ctx.db)
    app.state.scan_options = ComplianceOptions(
        url_template=sites.url("/sites/{domain}/"), fetch=FetchOptions(timeout=2, retries=0)
    )
    with TestClient(app) as client:
        yield client


def bearer(ctx: Context, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccountService(ctx).create_token(username, 'test')}"}


def username_of(ctx: Context, account_id: int | None) -> str:
    account = AccountService(ctx).by_id(account_id or 0)
    assert account is not None
    return account.username


def finished_page(console: TestClient, headers: dict[str, str]) -> str:
    """The console page once the background run is over (it runs on the test client's event loop thread)."""
    for _ in range(400):
        page = console.get("/provider/scans", headers=headers).text
        if "A scan is running" not in page:
            return page
        time.sleep(0.05)
    raise AssertionError("the background scan did not finish within 20 s")


def test_a_reviewer_runs_the_scan_and_sees_each_domain_with_its_findings(
    ctx: Context, cast: Cast, filings: Filings, sites: FixtureSites, console: TestClient
) -> None:
    number, domain = website(filings.approved()[1])
    sites.add(f"/sites/{domain}/", footer_page(icp=number, police=None).replace("https://beian.miit.gov.cn/", "/"))
    headers = bearer(ctx, username_of(ctx, cast.reviewer.account_id))

    empty = console.get("/provider/scans", headers=headers)
    assert empty.status_code == 200
    assert "No compliance run yet." in empty.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', empty.text)
    assert csrf is not None

    ran = console.post("/provider/scans/run", data={"csrf": csrf.group(1)}, headers=headers, follow_redirects=False)
    assert (ran.status_code, ran.headers["location"]) == (303, "/provider/scans")
    page = finished_page(console, headers)
    assert "Scanned 1 domain(s): 0 compliant, 1 not compliant, 0 unreachable." in page
    assert domain in page and number in page
    assert "is not linked to the MIIT filing system" not in page  # linked, but to the wrong place
    assert "links to /, not to https://beian.miit.gov.cn" in page

    chinese = console.get("/provider/scans", headers={**headers, "Accept-Language": "zh-CN"})
    assert "页脚备案合规检查" in chinese.text and "不合规" in chinese.text

    api = console.get("/api/v1/provider/scans", headers=headers).json()
    assert api["counts"] == {"compliant": 0, "non_compliant": 1, "unreachable": 0}
    assert [r["domain"] for r in api["results"]] == [domain]
    assert "icp_link_wrong" in [f["code"] for f in api["results"][0]["findings"]]


def test_the_api_runs_a_scan_on_demand(
    ctx: Context, cast: Cast, filings: Filings, sites: FixtureSites, console: TestClient
) -> None:
    number, domain = website(filings.approved()[1])
    sites.add(f"/sites/{domain}/", footer_page(icp=number))
    answer = console.post("/api/v1/provider/scans", headers=bearer(ctx, username_of(ctx, cast.reviewer.account_id)))
    assert answer.status_code == 200
    assert answer.json()["counts"] == {"compliant": 1, "non_compliant": 0, "unreachable": 0}


def test_only_reviewers_and_admins_see_the_console(ctx: Context, filings: Filings, console: TestClient) -> None:
    applicant = filings.applicant()
    headers = bearer(ctx, username_of(ctx, applicant.account_id))
    assert console.get("/api/v1/provider/scans", headers=headers).status_code == 403
    assert console.get("/provider/scans", headers=headers).status_code == 403
    assert console.get("/provider/scans", follow_redirects=False).status_code == 303
