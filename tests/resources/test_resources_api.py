"""The resources API over real HTTP: a uvicorn server on 127.0.0.1 in front of a SQLite file, driven with httpx."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from openbeian.clock import FixedClock
from openbeian.config import load_settings
from openbeian.domain.orders import Actor
from openbeian.domain.provinces import by_code
from openbeian.domain.workflow import Role, Stage, Trigger
from openbeian.services.accounts import AccountService, actor_of
from openbeian.services.context import Context
from openbeian.services.orders import OrderService
from openbeian.services.resources import ResourceService
from openbeian.simulate import synth
from openbeian.simulate.driver import Cast, drive, ensure_cast
from openbeian.store.uow import Database
from openbeian.web.app import create_app


@dataclass
class Api:
    http: httpx.Client
    ctx: Context
    clock: FixedClock
    cast: Cast
    tokens: dict[str, dict[str, str]]  # username -> Authorization header
    actors: dict[str, Actor]

    def get(self, path: str, who: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, headers={**self.tokens[who], **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, who: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.http.post(path, json=body, headers={**self.tokens[who], **kwargs.pop("headers", {})}, **kwargs)

    def delete(self, path: str, who: str) -> httpx.Response:
        return self.http.delete(path, headers=self.tokens[who])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def api(tmp_path: Path, clock: FixedClock) -> Iterator[Api]:
    db = Database(f"sqlite:///{tmp_path / 'resources-api.db'}")
    app = create_app(load_settings(env={}, dotenv=None, database_url=db.url), clock=clock, db=db)
    ctx: Context = app.state.ctx
    cast = ensure_cast(ctx)
    accounts = AccountService(ctx)
    reviewer = accounts.by_id(cast.reviewer.account_id or 0)
    assert reviewer is not None
    actors = {reviewer.username: cast.reviewer}
    for name in ("alice", "bob"):
        actors[name] = actor_of(accounts.create_user(name, f"{name}-password", Role.APPLICANT, name))
    tokens = {name: {"Authorization": f"Bearer {accounts.create_token(name)}"} for name in actors}
    tokens["reviewer"] = tokens[reviewer.username]

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, ws="none", lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-resources", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield Api(http, ctx, clock, cast, tokens, actors)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


def new_instance(api: Api, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/instances", "reviewer", {"customer": "alice", "ips": ["47.93.10.20"], **body})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def test_a_reviewer_records_an_instance_and_its_owner_sees_it_nobody_else(api: Api) -> None:
    created = new_instance(api, name="ecs-web", region="cn-shanghai", service_numbers=2)
    instance = created["instance"]
    assert instance["region"] == "cn-shanghai" and instance["billing_mode"] == "subscription"
    assert instance["eligible"] is True and instance["refusals"] == []
    assert [n["state"] for n in created["service_numbers"]] == ["free", "free"]

    for who in ("reviewer", "alice"):
        listed = api.get("/api/v1/instances", who).json()["instances"]
        assert [i["id"] for i in listed] == [instance["id"]]
    assert api.get("/api/v1/instances", "bob").json()["instances"] == []
    assert api.get(f"/api/v1/instances/{instance['id']}", "bob").status_code == 404
    detail = api.get(f"/api/v1/instances/{instance['id']}", "alice").json()
    assert len(detail["service_numbers"]) == 2 and detail["hosting_credit"] is None


def test_bad_instances_are_refused_naming_the_field_in_the_callers_language(api: Api) -> None:
    response = api.post(
        "/api/v1/instances",
        "reviewer",
        {"customer": "alice", "ips": ["47.93.10.20"], "region": "cn-hongkong", "billing_mode": "按量付费"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"region", "billing_mode"}
    assert "不在中国内地" in error["fields"]["region"] and "按量付费" in error["fields"]["billing_mode"]

    unknown = api.post("/api/v1/instances", "reviewer", {"customer": "alice", "region": "mars-1"})
    assert unknown.status_code == 422 and set(unknown.json()["error"]["fields"]) == {"region"}
    forbidden = api.post("/api/v1/instances", "alice", {"customer": "alice", "ips": ["47.93.10.20"]})
    assert forbidden.status_code == 403


def test_numbers_beyond_five_per_instance_are_refused(api: Api) -> None:
    instance = new_instance(api, service_numbers=2)["instance"]
    path = f"/api/v1/instances/{instance['id']}/service-numbers"
    assert len(api.post(path, "reviewer", {"count": 3}).json()["service_numbers"]) == 3
    refused = api.post(path, "reviewer", {"count": 1})
    assert refused.status_code == 422 and "resource.quota" in refused.json()["error"]["fields"]["service_numbers"]


def test_the_owner_authorises_another_account_and_revokes_it(api: Api) -> None:
    [number] = new_instance(api)["service_numbers"]
    code = number["code"]
    granted = api.post(f"/api/v1/service-numbers/{code}/grant", "alice", {"grantee": "bob"})
    assert granted.status_code == 200, granted.text
    assert granted.json()["service_number"]["granted_to"] == api.actors["bob"].account_id
    usable = api.get("/api/v1/service-numbers/usable", "bob").json()["service_numbers"]
    assert [n["code"] for n in usable] == [code] and usable[0]["owner_id"] == api.actors["alice"].account_id

    assert api.post(f"/api/v1/service-numbers/{code}/grant", "bob", {"grantee": "bob"}).status_code == 404
    unknown = api.post(f"/api/v1/service-numbers/{code}/grant", "alice", {"grantee": "nobody"})
    assert unknown.status_code == 422 and set(unknown.json()["error"]["fields"]) == {"grantee"}

    assert api.delete(f"/api/v1/service-numbers/{code}/grant", "alice").status_code == 200
    assert api.get("/api/v1/service-numbers/usable", "bob").json()["service_numbers"] == []
    assert api.delete(f"/api/v1/service-numbers/{code}/grant", "alice").status_code == 404


def test_the_applicant_sees_the_free_hosting_credit_of_an_approved_order(api: Api) -> None:
    alice = api.actors["alice"]
    _, numbers = ResourceService(api.ctx).add_instance(api.cast.reviewer, "alice", ["47.93.10.20"])
    form = synth.applicant(random.Random(7), "api", by_code("110000"), "enterprise").form
    order = OrderService(api.ctx).create(alice, {**form, "service_number": numbers[0].code})
    assert order.id is not None
    assert api.get(f"/api/v1/orders/{order.id}/hosting-credit", "alice").json() == {"hosting_credit": None}
    order = drive(api.ctx, api.cast, alice, order, until=Stage.REGULATOR_REVIEW)
    api.clock.advance(timedelta(days=9, hours=1))
    order = OrderService(api.ctx).act(api.cast.officers["110000"], order.id, Trigger.APPROVE)
    with api.ctx.db.unit_of_work() as uow:
        ResourceService.credit_free_hosting(uow, order, api.clock.now())  # if the workflow does not yet
        uow.commit()

    credit = api.get(f"/api/v1/orders/{order.id}/hosting-credit", "alice").json()["hosting_credit"]
    assert credit["days"] == 10 and credit["order_id"] == order.id
    by_instance = api.get(f"/api/v1/instances/{numbers[0].instance.id}/hosting-credit", "alice").json()
    assert by_instance["hosting_credit"] == credit
    assert api.get(f"/api/v1/orders/{order.id}/hosting-credit", "bob").status_code == 404
