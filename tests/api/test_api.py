"""The REST API end to end, in process: one order from the form to its number, and the error shape."""

from __future__ import annotations

import random
import re

from fastapi.testclient import TestClient

from openbeian.domain.provinces import by_code
from openbeian.simulate import synth
from openbeian.simulate.demo import ADMIN, APPLICANT, OFFICER_PASSWORD, REVIEWER

from .conftest import token_for


def free_service_number(client: TestClient, headers: dict[str, str]) -> str:
    numbers = client.get("/api/v1/service-numbers", headers=headers).json()["service_numbers"]
    return next(n["code"] for n in numbers if n["order_id"] is None)


def order_body(service_number: str, domain: str = "kaiyuan-demo.cn") -> dict[str, object]:
    rng = random.Random(5)
    leader = {
        "name": "王小明",
        "document": {"type": "resident_id", "number": synth.resident_id(rng, by_code("110000"))},
        "mobile": "13800138000",
        "email": "wang@example.cn",
    }
    return {
        "service_number": service_number,
        "subject": {
            "kind": "enterprise",
            "name": "北京开源备案科技有限公司",
            "province": "京",
            "document": {"type": "business_license", "number": synth.credit_code(rng, by_code("110000"))},
            "address": "北京市海淀区中关村大街1号",
            "leader": leader,
        },
        "sites": [
            {"name": "开源备案官网", "service_type": "website", "domains": [domain]},
            {"name": "开源备案小程序", "service_type": "mini_program", "app_id": "wx1234567890abcdef"},
        ],
    }


def test_openapi_document_and_docs_page_are_served(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/registry" in spec["paths"]
    assert "/api/v1/orders/{order_id}/actions/{action}" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_an_order_goes_from_the_api_form_to_an_issued_number(client: TestClient) -> None:
    applicant = token_for(client, *APPLICANT)
    reviewer = token_for(client, *REVIEWER)
    officer = token_for(client, "officer-110000", OFFICER_PASSWORD)

    created = client.post("/api/v1/orders", json=order_body(free_service_number(client, applicant)), headers=applicant)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    assert created.json()["stage"] == "draft"

    def act(headers: dict[str, str], action: str, note: str = "") -> dict[str, object]:
        response = client.post(f"/api/v1/orders/{order_id}/actions/{action}", json={"note": note}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    submitted = act(applicant, "submit")
    assert submitted["stage"] == "provider_review"
    findings = submitted["findings"]
    assert isinstance(findings, list) and findings, "the reviewer sees the rules' findings"
    assert {"rule", "severity", "path", "message", "source"} <= set(findings[0])
    assert not [f for f in findings if f["severity"] == "block"]
    assert act(reviewer, "pass_review")["stage"] == "verification"
    refused = client.post(f"/api/v1/orders/{order_id}/actions/verify", json={"note": ""}, headers=reviewer)
    assert refused.status_code == 422 and "verification" in refused.json()["error"]["fields"]
    letter = client.post(
        f"/api/v1/orders/{order_id}/files",
        data={"purpose": "letter"},
        files={"file": ("承诺书.png", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "image/png")},
        headers=applicant,
    )
    assert letter.status_code == 200, letter.text
    assert letter.json()["verification"]["letter"]
    not_a_photo = client.post(
        f"/api/v1/orders/{order_id}/files",
        data={"purpose": "photo"},
        files={"file": ("me.jpg", b"GIF89a not a jpeg", "image/jpeg")},
        headers=applicant,
    )
    assert not_a_photo.status_code == 422 and "photo" in not_a_photo.json()["error"]["fields"]
    checked = client.post(f"/api/v1/orders/{order_id}/face-check", json={"reference": "FACE-2026-1"}, headers=reviewer)
    assert checked.json()["verification"]["method"] == "face"
    files = client.get(f"/api/v1/orders/{order_id}/files", headers=reviewer).json()["files"]
    described = [(f["purpose"], f["content_type"], f["name"]) for f in files]
    assert described == [("letter", "application/pdf", "承诺书.png")]
    assert act(reviewer, "verify")["stage"] == "sms_check"

    outbox = client.get(f"/api/v1/orders/{order_id}/sms-outbox", headers=applicant).json()["messages"]
    code = re.search(r"\b(\d{6})\b", outbox[0]["body"]).group(1)  # type: ignore[union-attr]
    entered = client.post(f"/api/v1/orders/{order_id}/sms", json={"code": code}, headers=applicant)
    assert entered.json()["outcome"] == "passed"

    approved = act(officer, "approve")
    assert approved["stage"] == "approved"
    subject_number = approved["subject_number"]
    assert re.fullmatch(r"京ICP备2026\d{6}号", str(subject_number))
    site_numbers = [s["number"] for s in approved["sites"]]  # type: ignore[attr-defined]
    assert site_numbers == [f"{subject_number}-1", f"{subject_number}-2X"]

    found = client.get("/api/v1/registry", params={"domain": "www.kaiyuan-demo.cn"}).json()
    assert [r["site_number"] for r in found["records"]] == [f"{subject_number}-1"]
    by_number = client.get("/api/v1/registry", params={"number": f" 京 ICP 备 {str(subject_number)[5:]}"}).json()
    assert {r["site_number"] for r in by_number["records"]} == set(site_numbers)

    history = client.get(f"/api/v1/orders/{order_id}", headers=applicant).json()["history"]
    assert [h["to"] for h in history] == [
        "provider_review",
        "verification",
        "sms_check",
        "regulator_review",
        "approved",
    ]


def test_bad_order_input_answers_422_with_every_field_named_in_the_callers_language(client: TestClient) -> None:
    applicant = token_for(client, *APPLICANT)
    body = order_body(free_service_number(client, applicant))
    body["subject"]["leader"]["mobile"] = "12345"  # type: ignore[index]
    body["sites"][0]["domains"] = ["not a domain"]  # type: ignore[index]
    response = client.post("/api/v1/orders", json=body, headers={**applicant, "Accept-Language": "zh-CN"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) >= {"subject.leader.mobile", "sites[0].domains[0]"}
    assert "手机号码" in error["fields"]["subject.leader.mobile"]


def test_malformed_json_gets_the_same_error_shape(client: TestClient) -> None:
    applicant = token_for(client, *APPLICANT)
    response = client.post("/api/v1/orders", json={"sites": "nope"}, headers=applicant)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert "sites" in response.json()["error"]["fields"]


def test_an_illegal_move_answers_409_and_changes_nothing(client: TestClient) -> None:
    officer = token_for(client, "officer-110000", OFFICER_PASSWORD)
    admin = token_for(client, *ADMIN)
    orders = client.get("/api/v1/orders", params={"stage": "regulator_review"}, headers=officer).json()["orders"]
    order_id = orders[0]["id"]
    before = client.get(f"/api/v1/orders/{order_id}", headers=admin).json()
    response = client.post(f"/api/v1/orders/{order_id}/actions/submit", json={}, headers=admin)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "illegal_transition"
    assert client.get(f"/api/v1/orders/{order_id}", headers=admin).json() == before


def test_tenants_applicant_cannot_see_orders_of_others_and_officer_sees_only_his_province(client: TestClient) -> None:
    applicant = token_for(client, *APPLICANT)
    admin = token_for(client, *ADMIN)
    shanghai = token_for(client, "officer-310000", OFFICER_PASSWORD)
    mine = {o["id"] for o in client.get("/api/v1/orders", headers=applicant).json()["orders"]}
    every = {o["id"] for o in client.get("/api/v1/orders", headers=admin).json()["orders"]}
    other = min(every - mine)
    assert client.get(f"/api/v1/orders/{other}", headers=applicant).status_code == 404
    assert all(o["province_code"] == "310000" for o in client.get("/api/v1/orders", headers=shanghai).json()["orders"])
    assert client.get(f"/api/v1/orders/{min(mine)}", headers=shanghai).status_code == 404


def test_requests_without_valid_credentials_are_refused(client: TestClient) -> None:
    assert client.get("/api/v1/orders").status_code == 401
    bad = client.get("/api/v1/orders", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthenticated"
    wrong = client.post("/api/v1/auth/token", json={"username": "applicant", "password": "wrong-password"})
    assert wrong.status_code == 401


def test_number_parse_endpoint_reports_validity_and_canonical_form(client: TestClient) -> None:
    ok = client.get("/api/v1/numbers/parse", params={"text": "川ICP备１２３４５６７８号"}).json()
    assert ok["valid"] and ok["canonical"] == "蜀ICP备12345678号"
    bad = client.get("/api/v1/numbers/parse", params={"text": "港ICP备12345678号"}).json()
    assert not bad["valid"] and bad["error"]
