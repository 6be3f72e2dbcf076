"""REST API for provider resources: instances (the provider records them), service numbers (the applicant's own
and those authorised to it), authorisations for other accounts, and the free hosting credit of an instance or
order."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.orders import Actor
from openbeian.domain.resources import Instance, ServiceNumber
from openbeian.services.context import Context
from openbeian.services.resources import ResourceService, credit_report, instance_report
from openbeian.web.api import RowId
from openbeian.web.auth import require_actor
from openbeian.web.errors import language_of

router = APIRouter(prefix="/api/v1", tags=["resources"])
CurrentActor = Annotated[Actor, Depends(require_actor)]


class InstanceIn(BaseModel):
    customer: str = Field(..., description="the applicant account the instance is sold to", examples=["applicant"])
    ips: list[str] = Field(default_factory=list, examples=[["47.93.10.20"]], description="public IP addresses")
    name: str = Field("ecs", examples=["ecs-web-1"])
    region: str = Field("cn-beijing", examples=["cn-beijing", "cn-hongkong"], description="cloud region id")
    billing_mode: str = Field("subscription", description="subscription (包年包月) | pay_as_you_go (按量付费)")
    months: int = Field(12, description="term bought, in calendar months")
    bought_at: datetime | None = Field(None, description="when it was bought (default now; naive = China time)")
    service_numbers: int = Field(1, description="service numbers to issue now, 0 to 5")


class IssueIn(BaseModel):
    count: int = Field(1, description="how many more service numbers (5 per instance in all)")


class GrantIn(BaseModel):
    grantee: str = Field(..., description="the applicant account allowed to use the number", examples=["partner"])


def _service(request: Request) -> ResourceService:
    ctx: Context = request.app.state.ctx
    return ResourceService(ctx)


def _lang(request: Request) -> str:
    return language_of(
        request.headers.get("accept-language"),
        request.cookies.get("lang"),
        request.app.state.settings.default_language,
    )


def instance_json(instance: Instance, request: Request) -> dict[str, Any]:
    ctx: Context = request.app.state.ctx
    return instance_report(instance, ctx.clock.now(), _lang(request))


def number_json(number: ServiceNumber, request: Request) -> dict[str, Any]:
    return {
        "code": number.code,
        "state": number.state.value,
        "order_id": number.order_id,
        "owner_id": number.instance.owner_id,
        "granted_to": number.granted_to,
        "instance": instance_json(number.instance, request),
    }


@router.get("/instances", summary="Instances: a reviewer's provider's, an applicant's own, or all for an admin")
def list_instances(request: Request, actor: CurrentActor) -> dict[str, Any]:
    return {"instances": [instance_json(i, request) for i in _service(request).instances(actor)]}


@router.post("/instances", status_code=201, summary="Record an instance sold to a customer and issue its numbers")
def create_instance(request: Request, actor: CurrentActor, body: InstanceIn) -> dict[str, Any]:
    bought_at = body.bought_at
    if bought_at is not None and bought_at.tzinfo is None:
        bought_at = bought_at.replace(tzinfo=CHINA_TZ)
    instance, numbers = _service(request).add_instance(
        actor,
        body.customer,
        body.ips,
        name=body.name,
        region=body.region,
        months=body.months,
        service_numbers=body.service_numbers,
        billing_mode=body.billing_mode,
        bought_at=bought_at,
    )
    return {"instance": instance_json(instance, request), "service_numbers": [number_json(n, request) for n in numbers]}


@router.get("/instances/{instance_id}", summary="An instance with its service numbers and free hosting credit")
def get_instance(request: Request, actor: CurrentActor, instance_id: RowId) -> dict[str, Any]:
    instance, numbers, credit = _service(request).instance(actor, instance_id)
    return {
        "instance": instance_json(instance, request),
        "service_numbers": [number_json(n, request) for n in numbers],
        "hosting_credit": credit_report(credit),
    }


@router.post("/instances/{instance_id}/service-numbers", status_code=201, summary="Issue more service numbers")
def issue_numbers(request: Request, actor: CurrentActor, instance_id: RowId, body: IssueIn) -> dict[str, Any]:
    numbers = _service(request).issue_service_numbers(actor, instance_id, body.count)
    return {"service_numbers": [number_json(n, request) for n in numbers]}


@router.get("/instances/{instance_id}/hosting-credit", summary="Free hosting credited to an instance (or null)")
def instance_credit(request: Request, actor: CurrentActor, instance_id: RowId) -> dict[str, Any]:
    return {"hosting_credit": credit_report(_service(request).hosting_credit(actor, instance_id))}


@router.get("/orders/{order_id}/hosting-credit", summary="Free hosting an order earned on approval (or null)")
def order_credit(request: Request, actor: CurrentActor, order_id: RowId) -> dict[str, Any]:
    return {"hosting_credit": credit_report(_service(request).order_hosting_credit(actor, order_id))}


@router.get("/service-numbers/usable", summary="The caller's service numbers and those authorised to it")
def usable_numbers(request: Request, actor: CurrentActor) -> dict[str, Any]:
    return {"service_numbers": [number_json(n, request) for n in _service(request).usable_numbers(actor)]}


@router.post("/service-numbers/{code}/grant", summary="Authorise another applicant account to use a free number")
def grant(request: Request, actor: CurrentActor, code: str, body: GrantIn) -> dict[str, Any]:
    return {"service_number": number_json(_service(request).grant(actor, code, body.grantee), request)}


@router.delete("/service-numbers/{code}/grant", summary="Revoke the authorisation of a number not yet used")
def revoke(request: Request, actor: CurrentActor, code: str) -> dict[str, Any]:
    return {"service_number": number_json(_service(request).revoke(actor, code), request)}
