"""Building registries for the gate tests through the real services: filings, orders in review, add-access,
cancellations, blacklists and empty-shell notices."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import uvicorn

from openbeian.config import load_settings
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.workflow import Stage, Trigger
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
