"""POST /api/v1/eligibility and GET /api/v1/schemas/facts.json through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openbeian.clock import CHINA_TZ, FixedClock
from openbeian.config import load_settings
from openbeian.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = load_settings(env={}, dotenv=None, database_url=f"sqlite:///{tmp_path / 'api.db'}")
    app = create_app(settings, clock=FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ)))
    yield TestClient(app)


def test_eligibility_answers_ok_findings_and_recommendations(client: TestClient, company: dict[str, Any]) -> None:
    response = client.post("/api/v1/eligibility", json=company)
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"ok", "findings", "recommendations"} and body["ok"] is True
    assert [p["code"] for p in body["recommendations"]["provinces"]] == ["110000"]
    assert body["recommendations"]["documents"][0]["text"]["zh"]


def test_eligibility_answers_the_same_as_the_cli_report(client: TestClient, person: dict[str, Any]) -> None:
    from datetime import date

    from openbeian.rules import parse_facts, report

    person["sites"][0]["content"] = ["forum"]
    body = client.post("/api/v1/eligibility", json=person).json()
    assert body["ok"] is False
    expected = report(parse_facts(person), date(2026, 3, 10))
    assert body["findings"] == expected["findings"]


def test_the_date_is_a_parameter(client: TestClient, company: dict[str, Any]) -> None:
    company["licence"] = "commercial"
    company["subject"]["foreign_ownership_percent"] = 60
    assert client.post("/api/v1/eligibility?at=2024-01-15", json=company).json()["ok"] is False
    assert client.post("/api/v1/eligibility?at=2025-03-01", json=company).json()["ok"] is True


def test_bad_input_answers_422_in_the_one_error_shape_in_english(client: TestClient) -> None:
    response = client.post("/api/v1/eligibility", json={"subject": {"kind": "robot", "shoe_size": 42}})
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["code"] == "invalid"
    assert error["message"] == "the facts document has 2 problems"
    assert "individual, enterprise" in error["fields"]["subject.kind"]
    assert "not a known field" in error["fields"]["subject.shoe_size"]


def test_bad_input_answers_in_chinese_for_a_chinese_request(client: TestClient) -> None:
    response = client.post(
        "/api/v1/eligibility", json={"hosting": {"region": "moon"}}, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    error = response.json()["error"]
    assert response.status_code == 422 and error["message"] == "事实文档中有 1 处问题"
    assert error["fields"]["hosting.region"].startswith("「moon」不是可选值")


def test_a_body_that_is_not_json_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/eligibility", content=b"province=jing", headers={"Content-Type": "text/plain"})
    assert response.status_code == 422 and "not valid JSON" in response.json()["error"]["message"]


def test_a_bad_date_parameter_is_refused_in_the_error_shape(client: TestClient) -> None:
    response = client.post("/api/v1/eligibility?at=yesterday", json={}, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"at": "应为 YYYY-MM-DD 格式的日期"}


def test_the_facts_json_schema_is_published(client: TestClient) -> None:
    response = client.get("/api/v1/schemas/facts.json")
    schema = response.json()
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/schema+json")
    assert schema["$id"] == "/api/v1/schemas/facts.json"
    assert "subject" in schema["properties"] and schema["additionalProperties"] is False


def test_the_openapi_document_describes_the_request_body(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    body = spec["paths"]["/api/v1/eligibility"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "province" in body["properties"]


def test_input_that_cannot_be_echoed_back_or_is_too_large_answers_422_not_500(client: TestClient) -> None:
    lone = client.post("/api/v1/eligibility", content=b'{"\\udc00": 1}', headers={"Content-Type": "application/json"})
    assert lone.status_code == 422 and "surrogate" in lone.json()["error"]["message"]
    huge = client.post("/api/v1/eligibility", content=b" " * (300 * 1024) + b"{}")
    assert huge.status_code == 422 and "256 KiB" in huge.json()["error"]["message"]
