"""REST API /api/v1: a thin face over the services; OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse

from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.provinces import by_code
from openbeian.domain.workflow import Stage, Trigger
from openbeian.errors import ValidationError
from openbeian.services.accounts import AccountService
from openbeian.services.context import Context
from openbeian.services.numbers import number_report
from openbeian.services.orders import OrderService
from openbeian.store.orders import OrderSummary
from openbeian.web.auth import require_actor
from openbeian.web.schemas import ActionIn, LoginIn, OrderIn, SmsCodeIn

router = APIRouter(prefix="/api/v1")
CurrentActor = Annotated[Actor, Depends(require_actor)]
# Row ids are 64-bit in the database: a larger number is a 422, not an overflow deep in the driver.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def order_summary(s: OrderSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "kind": s.kind.value,
        "stage": s.stage.value,
        "subject_name": s.subject_name,
        "province_code": s.province_code,
        "provider_id": s.provider_id,
        "deadline": s.deadline.isoformat() if s.deadline else None,
        "updated_at": s.updated_at.isoformat(),
    }


def order_detail(order: FilingOrder, actions: list[Trigger] | None = None) -> dict[str, Any]:
    subject = order.subject
    return {
        "id": order.id,
        "kind": order.kind.value,
        "kind_label": {"en": order.kind.label.en, "zh": order.kind.label.zh},
        "stage": order.stage.value,
        "filed_subject_number": order.subject_number,
        "targets": list(order.targets),
        "province_code": order.province_code,
        "province": by_code(order.province_code).name_en,
        "service_number": order.service_number,
        "provider_id": order.provider_id,
        "deadline": order.deadline.isoformat() if order.deadline else None,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "subject": {
            "kind": subject.kind.value,
            "name": subject.name,
            "document": {"type": subject.document.type.value, "number": subject.document.number},
            "address": subject.address,
            "leader": {"name": subject.leader.name, "mobile": subject.leader.mobile, "email": subject.leader.email},
        },
        "sites": [
            {
                "name": s.name,
                "service_type": s.service_type.value,
                "domains": list(s.domain_names),
                "app_id": s.app_id,
                "platform": s.platform,
                "signing_fingerprint": s.signing_fingerprint,
                "number": order.issued.site_numbers[i] if order.issued and i < len(order.issued.site_numbers) else None,
            }
            for i, s in enumerate(order.sites)
        ],
        "access": {"provider_id": order.access.provider_id, "ips": list(order.access.ips)},
        "subject_number": order.issued.subject_number if order.issued else None,
        "sms": None
        if order.sms is None
        else {
            "phone": order.sms.phone,
            "expires_at": order.sms.expires_at.isoformat(),
            "tries_left": order.sms_tries_left,
        },
        "findings": order.findings,  # the rules' findings at the last submit, for the provider's reviewer
        "verification": {
            "method": order.verification.method.value if order.verification.method else None,
            "photo": order.verification.photo,
            "photo_problems": list(order.verification.photo_problems),
            "letter": order.verification.letter,
            "face_check": order.verification.face_check,
            "backdrop_to": order.verification.backdrop_to,
            "missing": [{"en": m.en, "zh": m.zh} for m in order.verification.missing()],
        },
        "history": [
            {
                "at": h.at.isoformat(),
                "actor_id": h.actor_id,
                "actor_role": h.actor_role.value,
                "trigger": h.trigger.value,
                "from": h.source.value,
                "to": h.target.value,
                "note": h.note,
            }
            for h in order.history
        ],
        "actions": [a.value for a in actions or []],
    }


# GET /registry and POST /registry/batch: web/registry_api.py (plain ASGI, before FastAPI's routing).


@router.get(
    "/registry/changes",
    tags=["registry"],
    summary="Registry changes after a sequence number (the enforcement gates follow this)",
    description=(
        "Every change that affects a gate's decision, in sequence order: site_approved, site_cancelled,"
        " subject_cancelled, site_changed, access_added, access_changed, access_cancelled, blacklisted,"
        " cleanup_noticed, cleanup_cured (empty-shell notices) and order_review (an order's domains entering or"
        " leaving review). Each change carries `gate`: the absolute state now of the sites and domains it touched"
        " (sites: number, status active|cancelled|suspended, domains, providers {id: [access IPs]}, notice_due;"
        " domains: domain, site, blacklisted, review {provider_id, access_passed}), so a replica applies it without"
        " a database. `wait=SECONDS` (at most 30) long-polls: the answer comes as soon as a change commits."
        " 410 Gone when `since` is ahead of the log or too far behind it: take /registry/snapshot, then follow."
    ),
    responses={410: {"description": "since is unknown here or too far behind: take a snapshot"}},
)
async def registry_changes(
    request: Request,
    since: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    wait: Annotated[float, Query(ge=0, le=30)] = 0,
) -> Any:
    from openbeian.gate import feed  # the gate's modules load with the first follower, not with every worker

    return await feed.changes_response(ctx_of(request).db.engine, since, limit, wait)


@router.get(
    "/registry/snapshot",
    tags=["registry"],
    summary="The gates' decision state as JSON Lines, consistent at a sequence number",
    description=(
        "First line {seq, providers}; then one {site: ...} line per filed site (the state the change feed"
        " carries) and one {domain: ...} line per domain blacklisted or held by an order in review. A replica"
        " that starts cold or falls behind loads this, then follows /registry/changes?since=seq."
    ),
    response_class=StreamingResponse,
)
def registry_snapshot(request: Request) -> StreamingResponse:
    from openbeian.gate import feed

    return feed.snapshot_response(ctx_of(request).db.engine)


@router.get("/numbers/parse", tags=["numbers"], summary="Parse and canonicalise a filing, licence or police number")
def numbers_parse(text: Annotated[str, Query(min_length=1, max_length=200)]) -> dict[str, Any]:
    return number_report(text)


@router.post("/auth/token", tags=["accounts"], summary="Log in and get a bearer token")
def auth_token(request: Request, body: LoginIn) -> dict[str, Any]:
    accounts = AccountService(ctx_of(request))
    account = accounts.authenticate(body.username, body.password)
    return {"token": accounts.create_token(account.username, body.token_name), "role": account.role.value}


@router.get("/me", tags=["accounts"])
def me(actor: CurrentActor) -> dict[str, Any]:
    return {
        "id": actor.account_id,
        "role": actor.role.value,
        "name": actor.name,
        "provider_id": actor.provider_id,
        "province_code": actor.province_code,
    }


@router.get("/orders", tags=["orders"], summary="Orders the caller may see (tenant-filtered)")
def list_orders(
    request: Request, actor: CurrentActor, stage: Annotated[list[Stage] | None, Query()] = None
) -> dict[str, Any]:
    summaries = OrderService(ctx_of(request)).find(actor, tuple(stage or ()))
    return {"orders": [order_summary(s) for s in summaries]}


@router.post("/orders", tags=["orders"], status_code=201, summary="Create a draft order (file, change or cancel)")
def create_order(request: Request, actor: CurrentActor, body: OrderIn) -> dict[str, Any]:
    service = OrderService(ctx_of(request))
    order = service.create(actor, body.model_dump(exclude_none=True))
    return order_detail(order, service.actions(actor, order))


@router.get("/orders/{order_id}", tags=["orders"])
def get_order(request: Request, actor: CurrentActor, order_id: RowId) -> dict[str, Any]:
    service = OrderService(ctx_of(request))
    order = service.get(actor, order_id)
    return order_detail(order, service.actions(actor, order))


@router.put("/orders/{order_id}", tags=["orders"], summary="Edit a draft")
def update_order(request: Request, actor: CurrentActor, order_id: RowId, body: OrderIn) -> dict[str, Any]:
    service = OrderService(ctx_of(request))
    order = service.update(actor, order_id, body.model_dump(exclude_none=True))
    return order_detail(order, service.actions(actor, order))


@router.post("/orders/{order_id}/actions/{action}", tags=["orders"], summary="Move the order (submit, approve ...)")
def act_on_order(
    request: Request, actor: CurrentActor, order_id: RowId, action: Trigger, body: ActionIn
) -> dict[str, Any]:
    service = OrderService(ctx_of(request))
    order = service.act(actor, order_id, action, body.note)
    return order_detail(order, service.actions(actor, order))


@router.post("/orders/{order_id}/sms", tags=["orders"], summary="Enter the 6-digit SMS code")
def enter_sms(request: Request, actor: CurrentActor, order_id: RowId, body: SmsCodeIn) -> dict[str, Any]:
    service = OrderService(ctx_of(request))
    outcome, order = service.enter_sms_code(actor, order_id, body.code)
    return {"outcome": outcome.value, "order": order_detail(order, service.actions(actor, order))}


@router.get("/orders/{order_id}/sms-outbox", tags=["orders"], summary="Development SMS outbox of an order")
def sms_outbox(request: Request, actor: CurrentActor, order_id: RowId) -> dict[str, Any]:
    ctx = ctx_of(request)
    if not request.app.state.settings.dev_sms_outbox:
        raise ValidationError.for_field("sms_outbox", "the development outbox is off", "开发短信发件箱已关闭")
    messages = OrderService(ctx).outbox(actor, order_id)
    return {"messages": [{"phone": m.phone, "body": m.body, "at": m.created_at.isoformat()} for m in messages]}


@router.get("/service-numbers", tags=["orders"], summary="The caller's service numbers (备案服务号)")
def service_numbers(request: Request, actor: CurrentActor) -> dict[str, Any]:
    numbers = OrderService(ctx_of(request)).service_numbers(actor)
    return {
        "service_numbers": [
            {"code": n.code, "instance": n.instance.name, "ips": list(n.instance.ips), "order_id": n.order_id}
            for n in numbers
        ]
    }
