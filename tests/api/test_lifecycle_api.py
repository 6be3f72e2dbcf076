"""The lifecycle endpoints over HTTP (in process, on a copy of the demo database): change and cancel requests,
police filing, overdue queues, the regulator's cleanup and blacklists, SMS resend and backdrop requests. Every
refusal answers 4xx in the one error shape, naming the field."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from openbeian.clock import FixedClock
from openbeian.simulate.demo import APPLICANT, OFFICER_PASSWORD, REVIEWER

from .conftest import token_for
from .test_api import free_service_number, order_body


def filings(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/filings", headers=headers)
    assert response.status_code == 200, response.text
    sites: list[dict[str, Any]] = response.json()["sites"]
    return sites


def act(client: TestClient, headers: dict[str, str], order_id: int, action: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/orders/{order_id}/actions/{action}", json={"note": ""}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def drive(client: TestClient, order_id: int, applicant: dict[str, str], reviewer: dict[str, str]) -> dict[str, Any]:
    """Submit, review and (when asked) verify, the SMS code, the Beijing officer's approval."""
    officer = token_for(client, "officer-110000", OFFICER_PASSWORD)
    order = act(client, applicant, order_id, "submit")
    order = act(client, reviewer, order_id, "pass_review")
    if order["stage"] == "verification":
        pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
        files = {"file": ("letter.pdf", pdf, "application/pdf")}
        client.post(f"/api/v1/orders/{order_id}/files", data={"purpose": "letter"}, files=files, headers=applicant)
        client.post(f"/api/v1/orders/{order_id}/face-check", json={"reference": "F-1"}, headers=reviewer)
        order = act(client, reviewer, order_id, "verify")
    assert order["stage"] == "sms_check"
    outbox = client.get(f"/api/v1/orders/{order_id}/sms-outbox", headers=applicant).json()["messages"]
    code = re.search(r"\b(\d{6})\b", outbox[0]["body"]).group(1)  # type: ignore[union-attr]
    assert client.post(f"/api/v1/orders/{order_id}/sms", json={"code": code}, headers=applicant).status_code == 200
    return act(client, officer, order_id, "approve")


def error_fields(response: Any) -> dict[str, str]:
    assert 400 <= response.status_code < 500, response.text
    fields: dict[str, str] = response.json()["error"]["fields"]
    return fields


def test_a_cancel_site_request_through_the_api_ends_with_the_site_cancelled(client: TestClient) -> None:
    applicant, reviewer = token_for(client, *APPLICANT), token_for(client, *REVIEWER)
    site = next(s for s in filings(client, applicant) if s["status"] == "active")
    created = client.post("/api/v1/orders", json={"action": "cancel", "target": site["site_number"]}, headers=applicant)
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == "cancel_site" and created.json()["targets"] == [site["site_number"]]
    approved = drive(client, created.json()["id"], applicant, reviewer)
    assert approved["stage"] == "approved"
    found = client.get("/api/v1/registry", params={"number": site["site_number"]}).json()["records"]
    assert [r["status"] for r in found] == ["cancelled"]
    again = client.post("/api/v1/orders", json={"action": "cancel", "target": site["site_number"]}, headers=applicant)
    assert "target" in error_fields(again)


def test_bad_requests_name_their_field_in_the_callers_language(client: TestClient) -> None:
    applicant = token_for(client, *APPLICANT)
    zh = {**applicant, "Accept-Language": "zh-CN"}
    assert "action" in error_fields(client.post("/api/v1/orders", json={"action": "renew"}, headers=applicant))
    missing = client.post("/api/v1/orders", json={"action": "change"}, headers=zh)
    assert "target" in error_fields(missing) and "备案号" in missing.json()["error"]["fields"]["target"]
    unknown = client.post(
        "/api/v1/orders", json={"action": "cancel", "target": "京ICP备2026999999号"}, headers=applicant
    )
    assert unknown.status_code == 404


def test_the_police_filing_is_recorded_once_due_and_checked_for_its_province(
    client: TestClient, api_clock: FixedClock
) -> None:
    applicant = token_for(client, *APPLICANT)
    site = next(s for s in filings(client, applicant) if s["status"] == "active" and s["service_type"] == "website")
    api_clock.set(api_clock.now() + timedelta(days=40))
    due = client.get("/api/v1/police/due", headers=applicant).json()["sites"]
    assert site["site_number"] in [d["site_number"] for d in due] and all(d["overdue"] for d in due)
    url = f"/api/v1/registry/sites/{site['site_number']}/police"
    wrong = client.post(url, json={"police_number": "沪公网安备31010402000001号"}, headers=applicant)
    assert "police_number" in error_fields(wrong)
    right = client.post(url, json={"police_number": "京公网安备11010802020134号"}, headers=applicant)
    assert right.status_code == 200 and right.json()["police_number"] == "京公网安备11010802020134号"
    due = client.get("/api/v1/police/due", headers=applicant).json()["sites"]
    assert site["site_number"] not in [d["site_number"] for d in due]
    reviewer = token_for(client, *REVIEWER)
    assert client.post(url, json={"police_number": "京公网安备11010802020134号"}, headers=reviewer).status_code == 403


def test_the_reviewers_overdue_queue_shows_a_first_review_past_its_day(
    client: TestClient, api_clock: FixedClock
) -> None:
    applicant, reviewer = token_for(client, *APPLICANT), token_for(client, *REVIEWER)
    body = order_body(free_service_number(client, applicant), "overdue-demo.cn")
    order = client.post("/api/v1/orders", json=body, headers=applicant).json()
    act(client, applicant, order["id"], "submit")
    assert order["id"] not in [o["id"] for o in client.get("/api/v1/overdue", headers=reviewer).json()["orders"]]
    api_clock.set(api_clock.now() + timedelta(days=3))
    assert order["id"] in [o["id"] for o in client.get("/api/v1/overdue", headers=reviewer).json()["orders"]]


def test_cleanup_lists_an_empty_site_and_only_the_regulator_notices_it(client: TestClient) -> None:
    applicant, reviewer = token_for(client, *APPLICANT), token_for(client, *REVIEWER)
    officer = token_for(client, "officer-110000", OFFICER_PASSWORD)
    site = next(s for s in filings(client, applicant) if s["status"] == "active" and s["domains"])
    request = {"action": "cancel", "target": site["site_number"], "scope": "access"}
    created = client.post("/api/v1/orders", json=request, headers=applicant).json()
    assert created["kind"] == "cancel_access"
    drive(client, created["id"], applicant, reviewer)
    shells = client.get("/api/v1/cleanup", headers=officer).json()["empty_shells"]
    assert site["site_number"] in [s["number"] for s in shells]
    assert client.get("/api/v1/cleanup", headers=applicant).status_code == 403
    noticed = client.post("/api/v1/cleanup/notices", headers=officer).json()["noticed"]
    assert site["site_number"] in [n["number"] for n in noticed]
    assert client.post("/api/v1/cleanup/notices", headers=officer).json()["noticed"] == []


def test_a_blacklisted_domain_refuses_new_orders(client: TestClient) -> None:
    applicant, officer = token_for(client, *APPLICANT), token_for(client, "officer-110000", OFFICER_PASSWORD)
    listed = client.post(
        "/api/v1/blacklist", json={"kind": "domain", "value": "phish-demo.cn", "reason": "仿冒"}, headers=officer
    )
    assert listed.status_code == 201
    bad_kind = client.post("/api/v1/blacklist", json={"kind": "ip", "value": "1.2.3.4", "reason": "x"}, headers=officer)
    assert "kind" in error_fields(bad_kind)
    body = order_body(free_service_number(client, applicant), "phish-demo.cn")
    refused = client.post("/api/v1/orders", json=body, headers=applicant)
    assert "BLACKLIST-DOMAIN" in error_fields(refused)["sites"]


def test_sms_resend_waits_a_minute_and_backdrops_ship_only_to_the_mainland(
    client: TestClient, api_clock: FixedClock
) -> None:
    applicant, reviewer = token_for(client, *APPLICANT), token_for(client, *REVIEWER)
    body = order_body(free_service_number(client, applicant), "resend-demo.cn")
    order_id = client.post("/api/v1/orders", json=body, headers=applicant).json()["id"]
    hong_kong = client.post(
        f"/api/v1/orders/{order_id}/backdrop",
        json={"province": "香港", "address": "中环皇后大道中 1 号"},
        headers=applicant,
    )
    assert "province" in error_fields(hong_kong)
    shipped = client.post(
        f"/api/v1/orders/{order_id}/backdrop",
        json={"province": "京", "address": "海淀区中关村大街 1 号"},
        headers=applicant,
    )
    assert shipped.json()["verification"]["backdrop_to"] == "110000 海淀区中关村大街 1 号"
    act(client, applicant, order_id, "submit")
    act(client, reviewer, order_id, "pass_review")
    client.post(f"/api/v1/orders/{order_id}/face-check", json={"reference": "F-2"}, headers=reviewer)
    pdf = b"%PDF-1.4\n%%EOF\n"
    client.post(
        f"/api/v1/orders/{order_id}/files",
        data={"purpose": "letter"},
        files={"file": ("l.pdf", pdf, "application/pdf")},
        headers=applicant,
    )
    act(client, reviewer, order_id, "verify")
    too_soon = client.post(f"/api/v1/orders/{order_id}/sms/resend", headers=applicant)
    assert "code" in error_fields(too_soon)
    api_clock.set(api_clock.now() + timedelta(minutes=2))
    assert client.post(f"/api/v1/orders/{order_id}/sms/resend", headers=applicant).status_code == 200
    outbox = client.get(f"/api/v1/orders/{order_id}/sms-outbox", headers=applicant).json()["messages"]
    assert len(outbox) == 2


def test_an_order_id_beyond_64_bits_is_a_422_not_a_server_error(client: TestClient) -> None:
    applicant = token_for(client, *APPLICANT)
    for path in ("/api/v1/orders/99999999999999999999999", "/api/v1/orders/99999999999999999999999/files"):
        response = client.get(path, headers=applicant)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"
