"""Building registries for the gate tests through the real services: filings, orders in review, add-access,
cancellations, blacklists and empty-shell notices."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn

from openbeian.config import load_settings
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.provinces import by_code
from openbeian.domain.workflow import Stage, Trigger
from openbeian.simulate import synth
from openbeian.simulate.demo import APPLICANT, OFFICER_PASSWORD, REVIEWER
from openbeian.simulate.driver import LETTER_PDF, read_sms_code
from openbeian.store.uow import Database
from openbeian.web.app import create_app

if TYPE_CHECKING:
    from conftest import Filings

MINUTE = timedelta(minutes=1)


def site(*domains: str, name: str = "云启科技官网") -> list[dict[str, Any]]:
    return [{"name": name, "service_type": "website", "domains": list(domains)}]


def file_site(filings: Filings, *domains: str) -> tuple[Actor, FilingOrder, dict[str, Any]]:
    """An approved first filing of one website with these domains (by the simulation's provider)."""
    form = filings.form("110000", "enterprise", site(*domains))
    applicant, order = filings.draft(form)
    order = filings.drive(applicant, order)
    assert order.stage is Stage.APPROVED and order.issued is not None
    return applicant, order, form


def walk(filings: Filings, applicant: Actor, order: FilingOrder, until: Stage = Stage.APPROVED) -> FilingOrder:
    """Drive an order (any kind) from its draft to `until`, as each party would."""
    service = filings.orders
    order_id = order.id or 0
    reviewer = filings.cast.reviewer_of(order.provider_id)
    officer = filings.cast.officers[order.province_code]
    if order.stage is Stage.DRAFT and until is not Stage.DRAFT:
        order = service.act(applicant, order_id, Trigger.SUBMIT)
    while order.stage is not until and not order.stage.is_final:
        if order.stage is Stage.PROVIDER_REVIEW:
            order = service.act(reviewer, order_id, Trigger.PASS_REVIEW)
        elif order.stage is Stage.VERIFICATION:
            service.add_file(applicant, order_id, "letter", "letter.pdf", LETTER_PDF)
            service.record_face_check(reviewer, order_id, f"FACE-{order_id}")
            order = service.act(reviewer, order_id, Trigger.VERIFY)
        elif order.stage is Stage.SMS_CHECK:
            _, order = service.enter_sms_code(applicant, order_id, read_sms_code(filings.ctx, order_id))
        elif order.stage is Stage.REGULATOR_REVIEW:
            order = service.act(officer, order_id, Trigger.APPROVE)
    return order


def cancel_site(filings: Filings, applicant: Actor, number: str) -> None:
    draft = filings.orders.create(applicant, {"action": "cancel", "target": number})
    assert walk(filings, applicant, draft).stage is Stage.APPROVED


def add_access_draft(filings: Filings, applicant: Actor, form: dict[str, Any]) -> FilingOrder:
    """An add-access order of a filed site by the other provider (a draft)."""
    number = filings.service_number(applicant, filings.cast.other_reviewer)
    return filings.orders.create(applicant, {**form, "service_number": number})


@contextmanager
def served_app(app: Any) -> Iterator[str]:
    """A real uvicorn server in a thread on a free port of 127.0.0.1; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)


def api_app(db: Database) -> Any:
    settings = load_settings(env={}, dotenv=None, database_url=db.url)
    return create_app(settings, db=db)


class ApiFiler:
    """Files and cancels through the REST API of a served app, as the demo's applicant, reviewer and officer."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.applicant = self._token(*APPLICANT)
        self.reviewer = self._token(*REVIEWER)
        self.officer = self._token("officer-110000", OFFICER_PASSWORD)
        self.rng = random.Random(77)

    def _token(self, username: str, password: str) -> dict[str, str]:
        answer = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def _post(self, path: str, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
        answer = self.client.post(path, headers=headers, **kwargs)
        assert answer.status_code in (200, 201), answer.text
        body: dict[str, Any] = answer.json()
        return body

    def file(self, domain: str) -> dict[str, Any]:
        """A first filing of one website through every stage; returns the approved order."""
        numbers = self.client.get("/api/v1/service-numbers", headers=self.applicant).json()["service_numbers"]
        free = next(n["code"] for n in numbers if n["order_id"] is None)
        province = by_code("110000")
        leader = {
            "name": "王小明",
            "document": {"type": "resident_id", "number": synth.resident_id(self.rng, province)},
            "mobile": "13800138000",
            "email": "wang@example.cn",
        }
        body = {
            "service_number": free,
            "subject": {
                "kind": "enterprise",
                "name": "北京网关测试科技有限公司",
                "province": "京",
                "document": {"type": "business_license", "number": synth.credit_code(self.rng, province)},
                "address": "北京市海淀区中关村大街1号",
                "leader": leader,
            },
            "sites": [{"name": "网关测试官网", "service_type": "website", "domains": [domain]}],
        }
        return self.drive(self._post("/api/v1/orders", self.applicant, json=body))

    def cancel(self, site_number: str) -> dict[str, Any]:
        body = {"action": "cancel", "target": site_number}
        return self.drive(self._post("/api/v1/orders", self.applicant, json=body))

    def drive(self, order: dict[str, Any], until: str = "regulator_review") -> dict[str, Any]:
        """Every stage up to `until` (the last one, approve, is left to `approve`)."""
        order_id = order["id"]

        def act(who: dict[str, str], action: str) -> dict[str, Any]:
            return self._post(f"/api/v1/orders/{order_id}/actions/{action}", who, json={"note": ""})

        while order["stage"] != until:
            stage = order["stage"]
            if stage == "draft":
                order = act(self.applicant, "submit")
            elif stage == "provider_review":
                order = act(self.reviewer, "pass_review")
            elif stage == "verification":
                files = {"file": ("letter.pdf", LETTER_PDF, "application/pdf")}
                self._post(f"/api/v1/orders/{order_id}/files", self.applicant, data={"purpose": "letter"}, files=files)
                self._post(f"/api/v1/orders/{order_id}/face-check", self.reviewer, json={"reference": f"F-{order_id}"})
                order = act(self.reviewer, "verify")
            elif stage == "sms_check":
                outbox = self.client.get(f"/api/v1/orders/{order_id}/sms-outbox", headers=self.applicant).json()
                found = re.search(r"\b(\d{6})\b", outbox["messages"][-1]["body"])
                assert found is not None
                self._post(f"/api/v1/orders/{order_id}/sms", self.applicant, json={"code": found.group(1)})
                order = self.client.get(f"/api/v1/orders/{order_id}", headers=self.applicant).json()
            else:
                raise AssertionError(stage)
        return order

    def approve(self, order: dict[str, Any]) -> dict[str, Any]:
        return self._post(f"/api/v1/orders/{order['id']}/actions/approve", self.officer, json={"note": ""})
