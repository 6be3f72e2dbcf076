"""REST API of the lifecycle around orders: verification material, SMS resend, overdue queues, the police
filing after approval, the regulator's cleanup and blacklists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from openbeian.domain.orders import Actor
from openbeian.errors import ValidationError
from openbeian.services.cleanup import CleanupService
from openbeian.services.orders import OrderService
from openbeian.services.police import PoliceFilingService
from openbeian.services.registry import RegistryService
from openbeian.web.api import RowId, ctx_of, order_detail, order_summary
from openbeian.web.auth import require_actor
from openbeian.web.schemas import BackdropIn, BlacklistIn, PoliceNumberIn, ReferenceIn

router = APIRouter(prefix="/api/v1")
CurrentActor = Annotated[Actor, Depends(require_actor)]


@router.post("/orders/{order_id}/files", tags=["verification"], summary="Upload the backdrop photo or the letter")
async def upload_file(
    request: Request,
    actor: CurrentActor,
    order_id: RowId,
    purpose: Annotated[
        str, Form(description="photo (the leader against the backdrop) | letter (signed, PDF or image)")
    ],
    file: Annotated[UploadFile, File()],
) -> dict[str, Any]:
    ctx = ctx_of(request)
    limit = ctx.uploads.max_bytes if ctx.uploads else 0
    data = await file.read(limit + 1)  # one byte more than allowed is enough to refuse it
    service = OrderService(ctx)
    order = service.add_file(actor, order_id, purpose, file.filename or purpose, data)
    return order_detail(order, service.actions(actor, order))


@router.get("/orders/{order_id}/files", tags=["verification"], summary="Verification files of an order")
def list_files(request: Request, actor: CurrentActor, order_id: RowId) -> dict[str, Any]:
    files = OrderService(ctx_of(request)).files(actor, order_id)
    return {
        "files": [
            {
                "purpose": f.purpose,
                "digest": f.digest,
                "content_type": f.content_type,
                "size": f.size,
                "name": f.name,
                "problems": list(f.problems),
                "uploaded_at": f.uploaded_at.isoformat(),
            }
            for f in files
        ]
    }


@router.post("/orders/{order_id}/face-check", tags=["verification"], summary="Record the provider's face check")
def face_check(request: Request, actor: CurrentActor, order_id: RowId, body: ReferenceIn) -> dict[str, Any]:
    service = OrderService(ctx_of(request))
    order = service.record_face_check(actor, order_id, body.reference)
    return order_detail(order, service.actions(actor, order))


@router.post("/orders/{order_id}/backdrop", tags=["verification"], summary="Ask for the photo backdrop (mainland only)")
def request_backdrop(request: Request, actor: CurrentActor, order_id: RowId, body: BackdropIn) -> dict[str, Any]:
    service = OrderService(ctx_of(request))
    order = service.request_backdrop(actor, order_id, body.province, body.address)
    return order_detail(order, service.actions(actor, order))


@router.post("/orders/{order_id}/sms/resend", tags=["orders"], summary="Send a new SMS code (replaces the last)")
def resend_sms(request: Request, actor: CurrentActor, order_id: RowId) -> dict[str, Any]:
    service = OrderService(ctx_of(request))
    order = service.resend_sms(actor, order_id)
    return order_detail(order, service.actions(actor, order))


@router.get("/overdue", tags=["orders"], summary="Orders past their stage's deadline, in the caller's queue")
def overdue(request: Request, actor: CurrentActor) -> dict[str, Any]:
    return {"orders": [order_summary(s) for s in OrderService(ctx_of(request)).overdue(actor)]}


@router.get("/filings", tags=["after approval"], summary="The sites the caller filed (its 'my filings')")
def my_filings(request: Request, actor: CurrentActor) -> dict[str, Any]:
    sites = RegistryService(ctx_of(request)).filed_by(actor)
    return {
        "sites": [
            {
                "site_number": s.number,
                "subject_number": s.subject_number,
                "name": s.name,
                "service_type": s.service_type,
                "status": s.status,
                "domains": list(s.domains),
                "providers": list(s.provider_ids),
                "approved_at": s.approved_at.isoformat(),
                "police_number": s.police_number,
            }
            for s in sites
        ]
    }


@router.post("/registry/sites/{site_number}/police", tags=["after approval"], summary="Record the police filing")
def record_police(request: Request, actor: CurrentActor, site_number: str, body: PoliceNumberIn) -> dict[str, Any]:
    number = PoliceFilingService(ctx_of(request)).record(actor, site_number, body.police_number)
    return {"site_number": site_number, "police_number": number}


@router.get("/police/due", tags=["after approval"], summary="Websites whose police filing is due soon or overdue")
def police_due(request: Request, actor: CurrentActor) -> dict[str, Any]:
    due = PoliceFilingService(ctx_of(request)).due(actor)
    return {
        "sites": [
            {
                "site_number": d.site_number,
                "site_name": d.site_name,
                "approved_at": d.approved_at.isoformat(),
                "due_at": d.due_at.isoformat(),
                "overdue": d.overdue,
            }
            for d in due
        ]
    }


@router.get("/cleanup", tags=["regulator"], summary="Empty subjects and sites (空壳) with their notices")
def empty_shells(request: Request, actor: CurrentActor) -> dict[str, Any]:
    shells = CleanupService(ctx_of(request)).empty_shells(actor)
    return {
        "empty_shells": [
            {
                "number": s.number,
                "reason": s.reason,
                "name": s.name,
                "province_code": s.province_code,
                "notice_due_at": s.notice.due_at.isoformat() if s.notice and not s.notice.resolved else None,
            }
            for s in shells
        ]
    }


@router.post("/cleanup/notices", tags=["regulator"], summary="Publish a notice for every empty shell")
def notice_empty_shells(request: Request, actor: CurrentActor) -> dict[str, Any]:
    notices = CleanupService(ctx_of(request)).notice_all(actor)
    return {"noticed": [{"number": n.number, "reason": n.reason, "due_at": n.due_at.isoformat()} for n in notices]}


@router.get("/blacklist", tags=["regulator"])
def blacklist(request: Request, actor: CurrentActor) -> dict[str, Any]:
    entries = CleanupService(ctx_of(request)).blacklist(actor)
    return {"entries": [{"id": e.id, "kind": e.kind, "reason": e.reason} for e in entries]}


@router.post("/blacklist", tags=["regulator"], status_code=201, summary="Refuse new orders of a subject or domain")
def add_to_blacklist(request: Request, actor: CurrentActor, body: BlacklistIn) -> dict[str, Any]:
    service = CleanupService(ctx_of(request))
    if body.kind == "domain":
        entry = service.blacklist_domain(actor, body.value, body.reason)
    elif body.kind == "subject":
        entry = service.blacklist_subject(actor, body.document_type, body.value, body.reason)
    else:
        raise ValidationError.for_field("kind", "must be subject or domain", "须为 subject（主体）或 domain（域名）")
    return {"id": entry.id, "kind": entry.kind, "reason": entry.reason}
