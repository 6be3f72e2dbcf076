"""Pages of the lifecycle around an order: verification material on the order page (uploads, the face
check, a new SMS code), the applicant's filed sites ("My filings": police filing number, change and cancel
requests) and the regulator's cleanup (empty shells, notices, blacklist).

Same conventions as pages.py: the actor from the session, CSRF on every form, post-redirect-get on success,
the form again with each message beside its field on failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from openbeian.domain.kinds import Action, OrderKind, kind_for_target
from openbeian.domain.numbers import NumberKind, parse_number
from openbeian.domain.orders import Actor
from openbeian.domain.subjects import DocumentType
from openbeian.domain.workflow import Role
from openbeian.errors import Conflict, NotFound, OpenBeianError, PermissionDenied, Text, ValidationError
from openbeian.services.cleanup import CleanupService, EmptyShell
from openbeian.services.orders import OrderService
from openbeian.services.police import PoliceFilingService, police_due_at
from openbeian.services.registry import RegistryService
from openbeian.store.registry import FiledSite
from openbeian.web.errors import status_of
from openbeian.web.i18n import N_, request_language
from openbeian.web.pages import (
    DOCUMENT_LABELS,
    SERVICE_TYPE_LABELS,
    STATUS_LABELS,
    Form,
    ctx_of,
    flash,
    form_sender,
    logged_in,
    order_number,
    order_page,
    redirect,
    render,
    text_of,
)

router = APIRouter(include_in_schema=False)

REQUEST_TITLES = {
    OrderKind.CHANGE_SUBJECT: N_("Change the subject {target}"),
    OrderKind.CHANGE_SITE: N_("Change the site {target}"),
    OrderKind.CHANGE_ACCESS: N_("Change the access of {target}"),
    OrderKind.CANCEL_SUBJECT: N_("Cancel the subject {target}"),
    OrderKind.CANCEL_SITE: N_("Cancel the site {target}"),
    OrderKind.CANCEL_ACCESS: N_("Cancel this provider's access to {target}"),
}
SHELL_REASONS = {"empty_subject": N_("Subject without sites"), "empty_site": N_("Site without access")}
NOTICE_OUTCOMES = {"cured": N_("Cured: it has a site or access again"), "cancelled": N_("Cancelled")}
BLACKLIST_KINDS = {"domain": N_("Domain"), "subject": N_("Subject (by its document)")}


# -- verification material on the order page ---------------------------------------------------------


@router.get("/orders/{order_id}/files")
@router.get("/orders/{order_id}/face-check")
@router.get("/orders/{order_id}/sms/resend")
def back_to_order(order_id_text: Annotated[str, Path(alias="order_id")]) -> Response:
    return redirect(f"/orders/{order_number(order_id_text)}")


@router.post("/orders/{order_id}/files")
async def upload_file(request: Request, order_id_text: Annotated[str, Path(alias="order_id")], form: Form) -> Response:
    order_id = order_number(order_id_text)
    actor = form_sender(request, form)
    purpose = text_of(form, "purpose")
    upload = form.get("file")
    ctx = ctx_of(request)
    limit = ctx.uploads.max_bytes if ctx.uploads else 0
    data, name = b"", purpose
    if isinstance(upload, UploadFile):
        data = await upload.read(limit + 1)  # one byte over the limit is enough to refuse it
        name = upload.filename or purpose
    await form.close()  # the spooled upload: its content is in `data` now
    lang = request_language(request)
    try:
        if not data:
            raise ValidationError.for_field("file", "choose a file to upload", "请选择要上传的文件")
        order = await run_in_threadpool(OrderService(ctx).add_file, actor, order_id, purpose, name, data)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        where = "purpose" if "purpose" in exc.fields else "file"
        message = "; ".join(t.get(lang) for t in exc.fields.values()) or exc.text.get(lang)
        return await run_in_threadpool(
            order_page,
            request,
            actor,
            order_id,
            field_errors={where: message},
            typed={"purpose": purpose},
            status=status_of(exc),
        )
    if purpose == "photo" and order.verification.photo_problems:
        flash(
            request,
            Text(
                "Photo uploaded, but the automatic check found problems: see the verification section.",
                "照片已上传，但自动检查发现问题：请查看核验部分。",
            ),
            "error",
        )
    else:
        flash(request, Text(f"File uploaded to order {order_id}.", f"文件已上传至订单 {order_id}。"))
    return redirect(f"/orders/{order_id}#verification-title")


@router.post("/orders/{order_id}/face-check")
def record_face_check(request: Request, order_id_text: Annotated[str, Path(alias="order_id")], form: Form) -> Response:
    order_id = order_number(order_id_text)
    actor = form_sender(request, form)
    reference = text_of(form, "reference")
    try:
        OrderService(ctx_of(request)).record_face_check(actor, order_id, reference)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        lang = request_language(request)
        message = (exc.fields.get("reference") or exc.text).get(lang)
        return order_page(
            request,
            actor,
            order_id,
            field_errors={"reference": message},
            typed={"reference": reference},
            status=status_of(exc),
        )
    flash(request, Text("Face check recorded.", "人脸核验已登记。"))
    return redirect(f"/orders/{order_id}#verification-title")


@router.post("/orders/{order_id}/sms/resend")
def resend_sms(request: Request, order_id_text: Annotated[str, Path(alias="order_id")], form: Form) -> Response:
    order_id = order_number(order_id_text)
    actor = form_sender(request, form)
    try:
        OrderService(ctx_of(request)).resend_sms(actor, order_id)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        message = (exc.fields.get("code") or exc.text).get(request_language(request))
        return order_page(request, actor, order_id, field_errors={"resend": message}, status=status_of(exc))
    flash(
        request,
        Text(
            "A new code was sent; the previous one no longer works.",
            "新的验证码已发送，之前的验证码不再有效。",
        ),
    )
    return redirect(f"/orders/{order_id}")


# -- My filings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingRow:
    site: FiledSite
    active: bool
    police_due: datetime | None  # websites without a police number: the deadline
    police_overdue: bool


@dataclass(frozen=True)
class SubjectGroup:
    number: str
    rows: list[FilingRow]

    @property
    def active(self) -> bool:
        return any(r.active for r in self.rows)


def require_applicant(actor: Actor) -> None:
    if actor.role is not Role.APPLICANT:
        raise PermissionDenied(Text("this page is the applicant's", "此页面仅供备案申请人使用"))


def filings_page(
    request: Request,
    actor: Actor,
    police_errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    ctx = ctx_of(request)
    now = ctx.clock.now()
    groups: dict[str, list[FilingRow]] = {}
    for site in RegistryService(ctx).filed_by(actor):
        active = site.status == "active"
        due = police_due_at(site.approved_at) if active and site.service_type == "website" else None
        if site.police_number:
            due = None
        groups.setdefault(site.subject_number, []).append(FilingRow(site, active, due, due is not None and now > due))
    context = {
        "groups": [SubjectGroup(number, rows) for number, rows in groups.items()],
        "service_types": {t.value: text for t, text in SERVICE_TYPE_LABELS.items()},
        "statuses": STATUS_LABELS,
        "police_errors": police_errors or {},
        "typed": typed or {},
        "now": now,
    }
    return render(request, "filings.html", context, status, actor)


@router.get("/filings")
def my_filings(request: Request) -> Response:
    actor = logged_in(request)
    require_applicant(actor)
    return filings_page(request, actor)


@router.get("/filings/police")
def back_to_filings() -> Response:
    return redirect("/filings")


@router.post("/filings/police")
def record_police_number(request: Request, form: Form) -> Response:
    actor = form_sender(request, form)
    require_applicant(actor)
    site_number = text_of(form, "site_number")
    typed = text_of(form, "police_number")
    try:
        number = PoliceFilingService(ctx_of(request)).record(actor, site_number, typed)
    except (ValidationError, NotFound, PermissionDenied) as exc:
        message = (exc.fields.get("police_number") or exc.text).get(request_language(request))
        return filings_page(request, actor, {site_number: message}, {site_number: typed}, status_of(exc))
    flash(
        request,
        Text(f"Police filing {number} recorded for {site_number}.", f"已为 {site_number} 登记公安备案号 {number}。"),
    )
    return redirect("/filings")


# -- change and cancel requests -----------------------------------------------------------------------


def requested_kind(action: str, target: str, scope: str) -> OrderKind:
    """What a request from My filings becomes; refuses what the services would refuse anyway, in words."""
    try:
        chosen = Action(action)
    except ValueError:
        chosen = Action.FILE
    if chosen is Action.FILE:
        raise ValidationError.for_field("action", "must be change or cancel", "须为 change（变更）或 cancel（注销）")
    parsed = parse_number(target)
    if parsed.kind is not NumberKind.ICP_FILING:
        raise ValidationError.for_field("target", "must be an ICP filing number", "须为 ICP 备案号")
    return kind_for_target(chosen, parsed.canonical, parsed.service_seq is None, scope)


def request_page(
    request: Request, actor: Actor, values: dict[str, str], error: OpenBeianError | None = None, status: int = 200
) -> Response:
    lang = request_language(request)
    kind: OrderKind | None = None
    try:
        kind = requested_kind(values["action"], values["target"], values["scope"])
    except ValidationError as exc:
        error, status = error or exc, 422 if status == 200 else status
    context = {
        "kind": kind,
        "values": values,
        "titles": REQUEST_TITLES,
        "error": error.text.get(lang) if error else "",
        "error_fields": [t.get(lang) for t in error.fields.values()] if error else [],
        "here": "/filings/request?" + urlencode(values),
    }
    return render(request, "filing_request.html", context, status, actor)


@router.get("/filings/request")
def request_form(request: Request, action: str = "", target: str = "", scope: str = "") -> Response:
    actor = logged_in(request)
    require_applicant(actor)
    return request_page(request, actor, {"action": action, "target": target, "scope": scope})


@router.post("/filings/request")
def create_request(request: Request, form: Form) -> Response:
    actor = form_sender(request, form)
    require_applicant(actor)
    values = {k: text_of(form, k) for k in ("action", "target", "scope")}
    try:
        order = OrderService(ctx_of(request)).create(actor, values)
    except (ValidationError, Conflict, NotFound, PermissionDenied) as exc:
        return request_page(request, actor, values, exc, status_of(exc))
    label = order.kind.label
    flash(
        request,
        Text(
            f"Order {order.id} ({label.en}) saved as a draft. Check it, then submit it for review.",
            f"订单 {order.id}（{label.zh}）已保存为草稿。请核对后提交初审。",
        ),
    )
    return redirect(f"/orders/{order.id}/edit" if order.kind.is_change else f"/orders/{order.id}")


# -- the regulator's cleanup --------------------------------------------------------------------------


def cleanup_page(
    request: Request,
    actor: Actor,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    service = CleanupService(ctx_of(request))
    shells: list[EmptyShell] = service.empty_shells(actor)
    context = {
        "shells": shells,
        "unnoticed": sum(1 for s in shells if s.notice is None or s.notice.resolved),
        "reasons": SHELL_REASONS,
        "outcomes": NOTICE_OUTCOMES,
        "entries": service.blacklist(actor),
        "kinds": BLACKLIST_KINDS,
        "documents": DOCUMENT_LABELS,
        "values": values or {"kind": "domain", "document_type": DocumentType.BUSINESS_LICENSE.value},
        "errors": errors or {},
    }
    return render(request, "cleanup.html", context, status, actor)


@router.get("/cleanup")
def cleanup(request: Request) -> Response:
    actor = logged_in(request)
    return cleanup_page(request, actor)


@router.get("/cleanup/notices")
@router.get("/cleanup/blacklist")
def back_to_cleanup() -> Response:
    return redirect("/cleanup")


@router.post("/cleanup/notices")
def publish_notices(request: Request, form: Form) -> Response:
    actor = form_sender(request, form)
    noticed = CleanupService(ctx_of(request)).notice_all(actor)
    n = len(noticed)
    flash(request, Text(f"Notices published: {n}.", f"已发布清理通知：{n} 条。"))
    return redirect("/cleanup")


def blacklist_field(path: str) -> str:
    """The input of the blacklist form an error path belongs to."""
    if path == "reason":
        return "reason"
    if path.endswith("type"):
        return "document_type"
    return "value" if path.startswith(("domain", "document")) else "kind"


@router.post("/cleanup/blacklist")
def add_to_blacklist(request: Request, form: Form) -> Response:
    actor = form_sender(request, form)
    values = {k: text_of(form, k) for k in ("kind", "document_type", "value", "reason")}
    service = CleanupService(ctx_of(request))
    try:
        if values["kind"] == "subject":
            entry = service.blacklist_subject(actor, values["document_type"], values["value"], values["reason"])
        elif values["kind"] == "domain":
            entry = service.blacklist_domain(actor, values["value"], values["reason"])
        else:
            raise ValidationError.for_field(
                "kind", "must be subject or domain", "须为 subject（主体）或 domain（域名）"
            )
    except ValidationError as exc:
        lang = request_language(request)
        errors: dict[str, str] = {}
        for path, text in exc.fields.items():
            errors.setdefault(blacklist_field(path), text.get(lang))
        if not errors:
            errors["value"] = exc.text.get(lang)
        return cleanup_page(request, actor, values, errors, 422)
    flash(request, Text(f"Added to the blacklist: {entry.value}.", f"已列入黑名单：{entry.value}。"))
    return redirect("/cleanup")
