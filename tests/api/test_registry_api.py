"""The public registry API over HTTP (web/registry_api.py): paging with cursors and as_of, batches, the
ministry-compatible shape, rate limits, ETags and the OpenAPI description of these plain-ASGI routes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from openbeian.clock import FixedClock
from openbeian.config import load_settings
from openbeian.domain.ministry import MINISTRY_COLUMNS
from openbeian.services.registry import MAX_BATCH
from openbeian.simulate.demo import APPLICANT
from openbeian.store.uow import Database
from openbeian.web.app import create_app
from registry.seed import Seeded, seed_subjects

REGISTRY = "/api/v1/registry"
BATCH = "/api/v1/registry/batch"
MINISTRY = "/icpproject_query/api/icpAbbreviateInfo/queryByCondition"


@pytest.fixture
def seeded(demo_db: Database) -> list[Seeded]:
    """25 subjects named 翻页测试… with 3 websites each (75 records), domains seeded<serial>-<seq>.cn."""
    names = [f"翻页测试{i:02d}科技有限公司" for i in range(1, 26)]
    return seed_subjects(demo_db, names, sites_each=3, first_serial=900001)


def domain_of(seeded: Seeded, seq: int = 1) -> str:
    serial = int(seeded.subject_number[-7:-1])  # 京ICP备2025900001号 -> 900001
    return f"seeded{serial}-{seq}.cn"


@pytest.fixture
def limited_client(demo_db: Database, api_clock: FixedClock) -> Iterator[TestClient]:
    """A tiny rate limit: a burst of 2 requests, then one a second."""
    settings = load_settings(
        env={}, dotenv=None, database_url=demo_db.url, rate_limit_per_minute=60, rate_limit_burst=2
    )
    with TestClient(create_app(settings, clock=api_clock, db=demo_db)) as test_client:
        yield test_client


# -- GET /api/v1/registry ------------------------------------------------------------------------------


def test_paging_through_a_name_search_gives_every_record_once(client: TestClient, seeded: list[Seeded]) -> None:
    expected = [n for s in seeded for n in s.site_numbers]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"subject": "翻页测试", "limit": "7"} | ({"cursor": cursor} if cursor else {})
        answer = client.get(REGISTRY, params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["query"] == {"subject": "翻页测试"}
        assert body["as_of"].startswith("20")
        assert len(body["records"]) <= 7
        seen += [r["site_number"] for r in body["records"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected  # no gap, no duplicate, in subject then site order
    assert pages == 11  # 75 records, 7 a page


def test_a_subject_number_pages_through_its_sites(client: TestClient, seeded: list[Seeded]) -> None:
    first = client.get(REGISTRY, params={"number": seeded[0].subject_number, "limit": 2}).json()
    assert [r["site_number"] for r in first["records"]] == list(seeded[0].site_numbers[:2])
    second = client.get(REGISTRY, params={"number": seeded[0].subject_number, "cursor": first["next_cursor"]}).json()
    assert [r["site_number"] for r in second["records"]] == [seeded[0].site_numbers[2]]
    assert second["next_cursor"] is None


def test_a_domain_query_answers_one_page_with_as_of(client: TestClient, seeded: list[Seeded]) -> None:
    body = client.get(REGISTRY, params={"domain": "www." + domain_of(seeded[3], 2)}).json()
    assert [r["site_number"] for r in body["records"]] == [seeded[3].site_numbers[1]]
    assert body["records"][0]["subject_name"] == seeded[3].name
    assert body["next_cursor"] is None and body["as_of"]
    unfiled = client.get(REGISTRY, params={"domain": "never-filed.cn"}).json()
    assert unfiled["records"] == [] and unfiled["query"] == {"domain": "never-filed.cn"}


def test_two_query_parameters_are_refused_in_the_users_language(client: TestClient) -> None:
    answer = client.get(REGISTRY, params={"domain": "a.cn", "number": "京ICP备2025000001号"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid"
    assert set(answer.json()["error"]) == {"code", "message", "fields"}
    chinese = client.get(
        REGISTRY, params={"domain": "a.cn", "subject": "abc"}, headers={"Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert chinese.status_code == 422 and "请只填写" in chinese.json()["error"]["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"subject": "翻页测试", "cursor": "not-a-cursor"},
        {"subject": "翻页测试", "limit": "ten"},
        {"subject": "翻页测试", "limit": "0"},
        {"domain": "not a domain"},
        {},
    ],
)
def test_bad_input_is_a_422_with_the_field_named(client: TestClient, params: dict[str, str]) -> None:
    answer = client.get(REGISTRY, params=params)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid" and error["fields"]


def test_a_cursor_of_another_kind_of_query_is_refused(client: TestClient, seeded: list[Seeded]) -> None:
    cursor = client.get(REGISTRY, params={"subject": "翻页测试", "limit": 1}).json()["next_cursor"]
    answer = client.get(REGISTRY, params={"number": seeded[0].subject_number, "cursor": cursor})
    assert answer.status_code == 422 and "cursor" in answer.json()["error"]["fields"]


def test_an_answer_carries_a_strong_etag_and_a_matching_if_none_match_is_a_304(
    client: TestClient, seeded: list[Seeded]
) -> None:
    params = {"domain": domain_of(seeded[0])}
    first = client.get(REGISTRY, params=params)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in first.headers["cache-control"]
    again = client.get(REGISTRY, params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    listed = client.get(REGISTRY, params=params, headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    other = client.get(REGISTRY, params={"domain": domain_of(seeded[1])}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_a_head_request_has_the_headers_without_the_body(client: TestClient, seeded: list[Seeded]) -> None:
    answer = client.head(REGISTRY, params={"domain": domain_of(seeded[0])})
    assert answer.status_code == 200 and answer.content == b""
    assert int(answer.headers["content-length"]) > 0 and answer.headers["etag"]


def test_another_method_is_a_405_in_the_one_error_shape(client: TestClient) -> None:
    answer = client.delete(REGISTRY)
    assert answer.status_code == 405 and answer.json()["error"]["code"] == "method_not_allowed"
    assert answer.headers["allow"] == "GET, HEAD"


def test_the_registry_changes_route_is_still_served(client: TestClient) -> None:
    answer = client.get("/api/v1/registry/changes", params={"since": 0, "limit": 5})
    assert answer.status_code == 200 and answer.json()["since"] == 0


# -- POST /api/v1/registry/batch -----------------------------------------------------------------------


def test_a_domain_batch_answers_each_item_in_input_order(client: TestClient, seeded: list[Seeded]) -> None:
    items = [domain_of(seeded[0]), "unfiled-domain.cn", "not a domain", "www." + domain_of(seeded[4], 3), ""]
    answer = client.post(BATCH, json={"domains": items})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    results = answer.json()["results"]
    assert [r["query"] for r in results] == items
    assert [r["records"][0]["site_number"] for r in (results[0], results[3])] == [
        seeded[0].site_numbers[0],
        seeded[4].site_numbers[2],
    ]
    assert results[1] == {"query": "unfiled-domain.cn", "records": []}
    for bad in (results[2], results[4]):
        assert "records" not in bad and bad["error"]["code"] == "invalid" and bad["error"]["message"]
    assert answer.json()["as_of"]


def test_a_number_batch_answers_sites_and_subjects(client: TestClient, seeded: list[Seeded]) -> None:
    items = [seeded[1].site_numbers[2], seeded[2].subject_number, "京ICP备2099999999号", "粤B2-20090059"]
    results = client.post(BATCH, json={"numbers": items}).json()["results"]
    assert [r["query"] for r in results] == items
    assert [r["site_number"] for r in results[0]["records"]] == [seeded[1].site_numbers[2]]
    assert [r["site_number"] for r in results[1]["records"]] == list(seeded[2].site_numbers)
    assert results[2]["records"] == []
    assert results[3]["error"]["code"] == "invalid"  # a licence number is not in the filing registry


def test_a_batch_of_1000_items_is_answered_and_1001_is_refused(client: TestClient, seeded: list[Seeded]) -> None:
    items = [domain_of(seeded[i % 25], i % 3 + 1) if i % 2 else f"absent{i}.cn" for i in range(MAX_BATCH)]
    answer = client.post(BATCH, json={"domains": items})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert len(results) == MAX_BATCH and [r["query"] for r in results] == items
    assert all(len(r["records"]) == (1 if i % 2 else 0) for i, r in enumerate(results))
    too_many = client.post(BATCH, json={"domains": [*items, "one-more.cn"]})
    assert too_many.status_code == 422 and "domains" in too_many.json()["error"]["fields"]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"domains": ["a.cn"], "numbers": ["x"]}',
        b'{"domains": []}',
        b'{"domains": "a.cn"}',
        b'{"domains": ["a.cn", 7]}',
        b'["a.cn"]',
        b'{"domain": ["a.cn"]}',
    ],
)
def test_a_malformed_batch_is_a_422(client: TestClient, content: bytes) -> None:
    answer = client.post(BATCH, content=content, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid"


# -- the ministry-compatible query ---------------------------------------------------------------------


def ministry(client: TestClient, unit: str, **fields: object) -> dict[str, object]:
    answer = client.post(MINISTRY, json={"pageNum": "", "pageSize": "", "unitName": unit, **fields})
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_the_ministry_query_answers_a_domain_in_the_ministry_shape(client: TestClient, seeded: list[Seeded]) -> None:
    body = ministry(client, "www." + domain_of(seeded[0], 2), serviceType=1)
    assert body["code"] == 200 and body["success"] is True and body["msg"] == "操作成功"
    params = body["params"]
    assert isinstance(params, dict)
    assert params["total"] == 1 and params["pageNum"] == 1 and params["pageSize"] == 10
    assert params["hasNextPage"] is False and params["pages"] == 1
    (row,) = params["list"]
    assert tuple(row) == MINISTRY_COLUMNS
    assert row["unitName"] == seeded[0].name
    assert row["natureName"] == "企业"
    assert row["mainLicence"] == seeded[0].subject_number
    assert row["serviceLicence"] == seeded[0].site_numbers[1]
    assert row["domain"] == domain_of(seeded[0], 2)
    assert row["limitAccess"] == "否"
    assert row["updateRecordTime"] == "2026-01-05 10:00:00"  # 02:00 UTC in Beijing time


def test_the_ministry_query_pages_a_name_search_and_filters_by_service_type(
    client: TestClient, seeded: list[Seeded]
) -> None:
    first = ministry(client, "翻页测试", pageNum=1, pageSize=20)["params"]
    third = ministry(client, "翻页测试", pageNum="4", pageSize="20")["params"]
    assert isinstance(first, dict) and isinstance(third, dict)
    assert len(first["list"]) == 20 and first["hasNextPage"] is True
    assert len(third["list"]) == 15 and third["total"] == 75 and third["pages"] == 4 and third["isLastPage"]
    assert third["list"][-1]["serviceLicence"] == seeded[-1].site_numbers[-1]
    apps = ministry(client, "翻页测试", serviceType=6)["params"]
    assert isinstance(apps, dict) and apps["list"] == [] and apps["total"] == 0
    by_number = ministry(client, seeded[5].subject_number)["params"]
    assert isinstance(by_number, dict) and by_number["total"] == 3


def test_the_ministry_query_refuses_bad_input_in_both_shapes(client: TestClient) -> None:
    answer = client.post(MINISTRY, json={"unitName": "", "serviceType": 1})
    assert answer.status_code == 422
    body = answer.json()
    assert body["success"] is False and body["code"] == 422 and body["msg"]
    assert body["error"]["code"] == "invalid" and "unitName" in body["error"]["fields"]
    assert client.post(MINISTRY, json={"unitName": "a.cn", "serviceType": 3}).status_code == 422
    assert client.post(MINISTRY, json={"unitName": "a.cn", "pageNum": -1}).status_code == 422


def test_the_ministry_auth_step_answers_a_token(client: TestClient) -> None:
    body = client.post("/icpproject_query/api/auth", data={"authKey": "x", "timeStamp": "1"}).json()
    assert body["code"] == 200 and body["success"] is True and body["params"]["bussiness"]


# -- rate limits ---------------------------------------------------------------------------------------


def test_an_emptied_bucket_is_a_429_with_retry_after_until_the_client_waits(
    limited_client: TestClient, api_clock: FixedClock, seeded: list[Seeded]
) -> None:
    params = {"domain": domain_of(seeded[0])}
    assert [limited_client.get(REGISTRY, params=params).status_code for _ in range(2)] == [200, 200]
    refused = limited_client.get(REGISTRY, params=params, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    error = refused.json()["error"]
    assert error["code"] == "rate_limited" and "秒后重试" in error["message"] and "records" not in refused.json()
    assert limited_client.post(BATCH, json={"domains": ["a.cn"]}).status_code == 429
    assert limited_client.post(MINISTRY, json={"unitName": "a.cn"}).json()["error"]["code"] == "rate_limited"
    api_clock.advance(timedelta(seconds=1))
    again = limited_client.get(REGISTRY, params=params)
    assert again.status_code == 200 and len(again.json()["records"]) == 1


def test_a_batch_takes_one_token_per_ten_items(limited_client: TestClient, api_clock: FixedClock) -> None:
    twenty = [f"absent{i}.cn" for i in range(20)]
    assert limited_client.post(BATCH, json={"domains": twenty}).status_code == 200  # 2 tokens: the whole burst
    refused = limited_client.get(REGISTRY, params={"domain": "a.cn"})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    api_clock.advance(timedelta(seconds=2))
    assert limited_client.get(REGISTRY, params={"domain": "a.cn"}).status_code == 200


def test_a_client_with_a_valid_token_has_its_own_bucket(
    limited_client: TestClient, api_clock: FixedClock, seeded: list[Seeded]
) -> None:
    login = {"username": APPLICANT[0], "password": APPLICANT[1]}
    token = limited_client.post("/api/v1/auth/token", json=login)
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    params = {"domain": domain_of(seeded[0])}
    assert [limited_client.get(REGISTRY, params=params).status_code for _ in range(3)] == [200, 200, 429]
    assert limited_client.get(REGISTRY, params=params, headers=bearer).status_code == 200
    forged = {"Authorization": "Bearer made-up-token"}
    assert limited_client.get(REGISTRY, params=params, headers=forged).status_code == 429  # the address counts


# -- OpenAPI -------------------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_registry_routes(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    query = paths["/api/v1/registry"]["get"]
    assert {p["name"] for p in query["parameters"]} == {"domain", "number", "subject", "cursor", "limit"}
    assert set(query["responses"]) >= {"200", "304", "422", "429"}
    assert "requestBody" in paths["/api/v1/registry/batch"]["post"]
    compat = paths[MINISTRY]["post"]
    assert "ICP_Query" in compat["description"] and "hlwicpfwc.miit.gov.cn" in compat["description"]
    schemas = spec["components"]["schemas"]
    assert {"PublicRecord", "RegistryPage", "BatchRequest", "BatchAnswer", "MinistryAnswer", "Error"} <= set(schemas)
    assert "/api/v1/orders" in paths and "/api/v1/registry/changes" in paths  # FastAPI's own routes stay
    refs = {v for v in _walk(spec) if isinstance(v, str) and v.startswith("#/components/schemas/")}
    assert {r.rsplit("/", 1)[1] for r in refs} <= set(schemas)


def _walk(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def test_an_answer_given_again_reflects_a_registry_change_made_since(client: TestClient, demo_db: Database) -> None:
    """Answers are kept per registry version: a filing recorded in the change log is seen by the next query."""
    params = {"domain": "seeded700001-1.cn"}
    before = client.get(REGISTRY, params=params)
    assert before.json()["records"] == [] and client.get(REGISTRY, params=params).content == before.content
    (filed,) = seed_subjects(demo_db, ["版本测试有限公司"], first_serial=700001)
    after = client.get(REGISTRY, params=params)
    assert [r["site_number"] for r in after.json()["records"]] == list(filed.site_numbers)
    assert after.headers["etag"] != before.headers["etag"]
