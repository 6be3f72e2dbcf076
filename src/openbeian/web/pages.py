"""Server-rendered pages, in English and Simplified Chinese: the registry query, login, the order lists
of each role (kind, overdue filter), the order form (also for change and cancel drafts) and the order page
with its workflow actions, the SMS check, the rules' findings and the verification material (whose forms,
with My filings and the regulator's cleanup, are in lifecycle_pages.py).

Pages go through the services like the API does; the actor comes from the signed session cookie.
Every form posts with a CSRF token kept in the session, and a successful POST redirects (303) to a page
(post-redirect-get); a failed one renders its form again with each message beside its field.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from openbeian import __version__
from openbeian.clock import CHINA_TZ
from openbeian.config import Settings
from openbeian.domain.kinds import OrderKind
from openbeian.domain.numbers import ServiceType
from openbeian.domain.orders import Actor, FilingOrder, SmsOutcome
from openbeian.domain.provinces import all_provinces
from openbeian.domain.provinces import find as find_province
from openbeian.domain.subjects import PERSONAL_DOCUMENTS, DocumentType, Person, SubjectKind
from openbeian.domain.workflow import Role, Stage, Trigger, transition_for
from openbeian.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    OpenBeianError,
    PermissionDenied,
    Text,
    ValidationError,
)
from openbeian.services.accounts import AccountService
from openbeian.services.context import Context
from openbeian.services.forms import MAX_SITES
from openbeian.services.orders import OrderService
from openbeian.services.registry import MAX_BATCH, BatchItem, PublicRecord, RegistryService
from openbeian.services.resources import ResourceService
from openbeian.services.tenancy import REGULATOR_STAGES, can_see
from openbeian.simulate.demo import demo_logins
from openbeian.store.accounts import Provider
from openbeian.web.auth import optional_actor
from openbeian.web.errors import status_of
from openbeian.web.i18n import LANGUAGES, N_, gettext, normalise_language, request_language

router = APIRouter(include_in_schema=False)

HERE = FilePath(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
LANG_COOKIE_SECONDS = 365 * 24 * 3600

SUBJECT_KINDS = frozenset(k.value for k in SubjectKind)
SERVICE_TYPES = frozenset(t.value for t in ServiceType)
STAGES = frozenset(s.value for s in Stage)
QUERY_KINDS = {"domain": N_("Domain"), "number": N_("Filing number"), "subject": N_("Subject name")}
QUERY_HINTS = {
    "domain": N_("e.g. example.cn or www.example.cn"),
    "number": N_("e.g. 京ICP备2024012345号-1"),
    "subject": N_("at least 2 characters of the name"),
}
DOCUMENT_LABELS = {
    DocumentType.RESIDENT_ID: N_("Resident ID card"),
    DocumentType.PASSPORT: N_("Passport"),
    DocumentType.RESIDENCE_PERMIT: N_("Foreigner's permanent residence ID"),
    DocumentType.HK_MACAO_PASS: N_("Mainland travel permit (Hong Kong, Macao)"),
    DocumentType.TAIWAN_PASS: N_("Mainland travel permit (Taiwan)"),
    DocumentType.BUSINESS_LICENSE: N_("Business licence"),
    DocumentType.INSTITUTION_CERTIFICATE: N_("Public institution certificate"),
    DocumentType.SOCIAL_ORG_CERTIFICATE: N_("Social organisation certificate"),
    DocumentType.GOVERNMENT_CODE: N_("Government body credit code"),
}
SERVICE_TYPE_LABELS = {
    ServiceType.WEBSITE: N_("Website"),
    ServiceType.APP: N_("App"),
    ServiceType.MINI_PROGRAM: N_("Mini program"),
    ServiceType.QUICK_APP: N_("Quick app"),
}
STATUS_LABELS = {"active": N_("Active"), "cancelled": N_("Cancelled"), "revoked": N_("Revoked")}
QUEUE_TITLES = {
    Role.APPLICANT: N_("My orders"),
    Role.REVIEWER: N_("Review queue"),
    Role.OFFICER: N_("Regulator queue"),
    Role.ADMIN: N_("All orders"),
    Role.SYSTEM: N_("All orders"),
}
DEMO_NOTES = {
    "applicant": N_("files orders; has free service numbers and an order in every stage"),
    "reviewer": N_("the access provider's first review (初审) and verification"),
    "officer": N_("the Beijing regulator; officer-<province code> for the others, e.g. officer-440000"),
    "admin": N_("sees every order"),
}
ERROR_TITLES = {
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Conflict"),
    422: N_("Please check the input"),
}

PLATFORM_LABELS = {
    "android": N_("Android"),
    "ios": N_("iOS"),
    "harmonyos": N_("HarmonyOS"),
    "wechat": N_("WeChat mini program"),
    "alipay": N_("Alipay mini program"),
    "baidu": N_("Baidu smart program"),
    "douyin": N_("Douyin mini program"),
    "qq": N_("QQ mini program"),
    "quick_app_alliance": N_("Quick App Alliance"),
}
SEVERITY_LABELS = {"block": N_("Blocks the order"), "warn": N_("Warning"), "info": N_("Note")}
# What a change or cancel order was asked for; the order form keeps them as hidden inputs so its kind stays.
REQUEST_INPUTS = ("action", "target", "scope")

# The order form: input name -> label. Names are the error paths of services.forms.parse_order_form.
SUBJECT_FIELDS = {
    "service_number": N_("Service number (备案服务号)"),
    "subject.kind": N_("Subject kind"),
    "subject.name": N_("Subject name"),
    "subject.province": N_("Province"),
    "subject.document.type": N_("Document type"),
    "subject.document.number": N_("Document number"),
    "subject.address": N_("Mailing address"),
    "subject.leader.name": N_("Leader's name"),
    "subject.leader.document.type": N_("Leader's document type"),
    "subject.leader.document.number": N_("Leader's document number"),
    "subject.leader.mobile": N_("Leader's mobile"),
    "subject.leader.email": N_("Leader's e-mail"),
}
SITE_FIELDS = {
    "name": N_("Site name"),
    "service_type": N_("Site type"),
    "domains": N_("Domains"),
    "app_id": N_("App ID or package name"),
    "platform": N_("Platform"),
    "signing_fingerprint": N_("Signing certificate fingerprint"),
    "leader.name": N_("Site leader's name"),
    "leader.document.type": N_("Site leader's document type"),
    "leader.document.number": N_("Site leader's document number"),
    "leader.mobile": N_("Site leader's mobile"),
    "leader.email": N_("Site leader's e-mail"),
}


# -- plumbing ----------------------------------------------------------------------------------------


@cache
def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["field_id"] = field_id
    return Jinja2Templates(env=env)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def order_number(text: str) -> int:
    """An order id from a page path: anything but digits is a "not found" page (not a JSON validation error)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound(Text(f"order {text} not found", f"未找到订单 {text}"))
    return int(text)


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def when(value: datetime | None) -> str:
    """An instant as China Standard Time, to the minute."""
    return "" if value is None else value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def field_id(name: str) -> str:
    """An HTML id for an input name: sites[0].leader.name -> f-sites-0-leader-name."""
    return "f-" + "-".join(re.findall(r"[A-Za-z0-9_]+", name))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, form: FormData) -> None:
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise PermissionDenied(
            Text(
                "the form has expired: go back, reload the page and send it again",
                "表单已过期：请返回并刷新页面后重新提交",
            )
        )


def flash(request: Request, text: Text, level: str = "ok") -> None:
    request.session.setdefault("flash", []).append({"level": level, "en": text.en, "zh": text.zh})


def pop_flashes(request: Request, lang: str) -> list[dict[str, str]]:
    if "session" not in request.scope:
        return []
    stored = request.session.pop("flash", [])
    return [{"level": f["level"], "text": Text(f["en"], f["zh"]).get(lang)} for f in stored]


def safe_next(value: str | None, default: str = "/orders") -> str:
    """A local path to go on to after a login or a language switch, never another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or not value.isprintable():
        return default
    return value


def here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    return redirect("/login?next=" + quote(here(request), safe=""))


class LoginRequired(Exception):
    """A page needs a logged-in actor: the app answers with the login page, which comes back here afterwards."""


def logged_in(request: Request) -> Actor:
    actor = page_actor(request)
    if actor is None:
        raise LoginRequired
    return actor


def form_sender(request: Request, form: FormData) -> Actor:
    """The logged-in actor who sent this form, once the form's CSRF token checks out."""
    actor = logged_in(request)
    check_csrf(request, form)
    return actor


def page_actor(request: Request) -> Actor | None:
    """The logged-in actor, or None (also when the session or header is unusable: pages then ask to log in)."""
    try:
        return optional_actor(request)
    except AuthenticationFailed:
        return None


def render(
    request: Request, name: str, context: Mapping[str, Any] | None = None, status: int = 200, actor: Actor | None = None
) -> Response:
    lang = request_language(request)
    _ = gettext(lang)
    other = "en" if lang == "zh-CN" else "zh-CN"
    full: dict[str, Any] = {
        "lang": lang,
        "_": _,
        "label": lambda text: text.get(lang),
        "actor": actor,
        # Called by the forms only, so a visitor who just queries the registry gets no cookie.
        "csrf": lambda: csrf_token(request) if "session" in request.scope else "",
        "flashes": pop_flashes(request, lang),
        "here": here(request),
        "other_lang": other,
        "other_lang_name": LANGUAGES[other],
        "version": __version__,
        "province_name": lambda code: province_name(code, lang),
        "provider_name": ProviderNames(request, lang),
        "enforcement": _enforcement(request),
        **(context or {}),
    }
    return templates().TemplateResponse(request, name, full, status_code=status)


def _enforcement(request: Request) -> Any:
    """`enforcement(domains, provider_id)` in templates: the gate's verdict now (web/gate_pages.py)."""
    from openbeian.web.gate_pages import Enforcement

    return Enforcement(request)


class ProviderNames:
    """`provider_name(id)` in templates: the provider's name in the page language, read once per page."""

    def __init__(self, request: Request, lang: str) -> None:
        self.request, self.lang = request, lang
        self.names: dict[int, Provider] | None = None

    def __call__(self, provider_id: int) -> str:
        if self.names is None:
            self.names = AccountService(ctx_of(self.request)).providers()
        provider = self.names.get(provider_id)
        if provider is None:
            return f"#{provider_id}"
        return provider.name if self.lang == "zh-CN" else provider.name_en


def province_name(code: str, lang: str) -> str:
    province = find_province(code)
    if province is None:
        return code
    return province.name_zh if lang == "zh-CN" else province.name_en


async def read_form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(read_form)]


def text_of(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def error_page(request: Request, exc: OpenBeianError, status: int) -> Response:
    """An error as an HTML page in the user's language (the app's handler calls it for page paths)."""
    actor = page_actor(request) if "session" in request.scope else None
    lang = request_language(request)
    context = {
        # The language switch and the login come back here: a page to GET, not the POST that failed.
        "here": here(request) if request.method == "GET" else ("/orders" if actor else "/"),
        "status": status,
        "title": ERROR_TITLES.get(status, N_("Something went wrong")),
        "message": exc.text.get(lang),
        "fields": [(path, text.get(lang)) for path, text in exc.fields.items()],
        "show_login": isinstance(exc, AuthenticationFailed) or (status == 404 and actor is None),
    }
    return render(request, "error.html", context, status, actor)


# -- language ----------------------------------------------------------------------------------------


@router.get("/lang/{code}")
def switch_language(code: str, next_: Annotated[str, Query(alias="next")] = "/") -> Response:
    response = redirect(safe_next(next_, "/"))
    lang = normalise_language(code)
    if lang is not None:
        response.set_cookie("lang", lang, max_age=LANG_COOKIE_SECONDS, samesite="lax", httponly=True)
    return response


# -- the registry query ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    record: PublicRecord
    kind: Text | str
    site_type: str
    province: str
    approved_at: datetime
    status: str


def registry_rows(records: list[PublicRecord], lang: str) -> list[RecordRow]:
    _ = gettext(lang)
    rows = []
    for r in records:
        kind: Text | str = SubjectKind(r.subject_kind).label if r.subject_kind in SUBJECT_KINDS else r.subject_kind
        site_type = _(SERVICE_TYPE_LABELS[ServiceType(r.site_type)]) if r.site_type in SERVICE_TYPES else r.site_type
        status = _(STATUS_LABELS[r.status]) if r.status in STATUS_LABELS else r.status
        approved = datetime.fromisoformat(r.approved_at)
        rows.append(RecordRow(r, kind, site_type, province_name(r.province_code, lang), approved, status))
    return rows


PAGE_SIZE = 20  # records a page of the registry page
MAX_TRAIL = 200  # pages a visitor can step back through (the cursors of the earlier pages travel in the link)
BATCH_RESULTS = {"filed": N_("Filed"), "unfiled": N_("Not filed"), "invalid": N_("Invalid")}


@dataclass(frozen=True)
class Paging:
    """Where a page of registry records sits: its number, the links to the pages around it (None: no such page)."""

    page: int
    first: int  # 1-based position of its first record
    previous_url: str | None
    next_url: str | None


def page_links(kind: str, query: str, page: int, cursor: str, trail: list[str], next_cursor: str | None) -> Paging:
    """Keyset cursors only go forward: the link to the previous page carries the cursors of the pages before it
    (`back`, dot-separated; page 1 needs none), the link to the next one adds this page's cursor."""

    def url(page_no: int, page_cursor: str, back: list[str]) -> str:
        params: dict[str, str] = {"by": kind, "q": query}
        if page_no > 1:
            params |= {"page": str(page_no), "cursor": page_cursor, "back": ".".join(back)}
        return "/?" + urlencode(params)

    previous = None
    if page == 2:
        previous = url(1, "", [])
    elif page > 2 and trail:
        previous = url(page - 1, trail[-1], trail[:-1])
    following = None
    if next_cursor is not None:
        back = [*trail, cursor] if page > 1 else []
        following = url(page + 1, next_cursor, back[-MAX_TRAIL:])
    return Paging(page, (page - 1) * PAGE_SIZE + 1, previous, following)


@router.get("/")
def home(
    request: Request, by: str = "domain", q: str = "", cursor: str = "", page: str = "1", back: str = ""
) -> Response:
    lang = request_language(request)
    kind = by if by in QUERY_KINDS else "domain"
    query = q.strip()
    rows: list[RecordRow] | None = None
    paging: Paging | None = None
    error = ""
    status = 200
    page_no = int(page) if page.isdigit() and 0 < len(page) < 7 and int(page) > 0 else 1
    trail = [c for c in back.split(".") if c] if page_no > 2 else []
    if query:
        service = RegistryService(ctx_of(request))
        try:
            found = service.query_page(**{kind: query}, cursor=cursor or None, limit=PAGE_SIZE)
            rows = registry_rows(found.records, lang)
            paging = page_links(kind, query, page_no if cursor else 1, cursor, trail, found.next_cursor)
        except ValidationError as exc:
            error = (exc.fields.get(kind) or exc.fields.get("cursor") or exc.fields.get("query") or exc.text).get(lang)
            status = 422
    context = {
        "kinds": QUERY_KINDS,
        "hints": QUERY_HINTS,
        "by": kind,
        "q": q,
        "rows": rows,
        "paging": paging,
        "error": error,
        "batch": None,
        "items": "",
        "batch_error": "",
        "max_batch": MAX_BATCH,
    }
    return render(request, "home.html", context, status, page_actor(request))


@dataclass(frozen=True)
class BatchRow:
    line: int
    query: str
    result: str  # filed | unfiled | invalid
    details: str


def batch_rows(service: RegistryService, lines: list[str], lang: str) -> list[BatchRow]:
    """One row per pasted line: a line with ICP or 备 in it is a filing number, any other a domain."""
    numbers = [i for i, line in enumerate(lines) if "ICP" in line.upper() or "备" in line]
    domains = [i for i in range(len(lines)) if i not in set(numbers)]
    answers: dict[int, BatchItem] = {}
    for field, indexes in (("numbers", numbers), ("domains", domains)):
        if indexes:
            items = service.batch(**{field: [lines[i] for i in indexes]})
            answers.update(zip(indexes, items, strict=True))
    _ = gettext(lang)
    rows = []
    for i, line in enumerate(lines):
        answer = answers[i]
        active = [r for r in answer.records if r.status == "active"]
        if answer.error is not None:
            result, details = "invalid", answer.error.get(lang)
        elif active:
            numbers_shown = ", ".join(r.site_number for r in active[:3])
            more = _(" and {n} more", n=len(active) - 3) if len(active) > 3 else ""
            result, details = "filed", f"{active[0].subject_name}: {numbers_shown}{more}"
        else:
            statuses = {_(STATUS_LABELS[r.status]) for r in answer.records if r.status in STATUS_LABELS}
            result, details = "unfiled", "; ".join(sorted(statuses))
        rows.append(BatchRow(i + 1, line, result, details))
    return rows


@router.post("/batch")
def batch_query(request: Request, form: Form) -> Response:
    """A pasted list, one domain or filing number a line, answered a row a line (blank lines are skipped). Only
    reads: no CSRF token, so a visitor gets no cookie."""
    lang = request_language(request)
    _ = gettext(lang)
    items = text_of(form, "items")
    lines = [line.strip() for line in items.splitlines() if line.strip()]
    rows: list[BatchRow] | None = None
    batch_error = ""
    if not lines:
        batch_error = _("Paste at least one domain or filing number.")
    elif len(lines) > MAX_BATCH:
        batch_error = _("At most {n} lines at once.", n=MAX_BATCH)
    else:
        rows = batch_rows(RegistryService(ctx_of(request)), lines, lang)
    counts = {k: sum(1 for r in rows or [] if r.result == k) for k in BATCH_RESULTS}
    context = {
        "kinds": QUERY_KINDS,
        "hints": QUERY_HINTS,
        "by": "domain",
        "q": "",
        "rows": None,
        "paging": None,
        "error": "",
        "batch": rows,
        "batch_counts": counts,
        "batch_results": BATCH_RESULTS,
        "items": items,
        "batch_error": batch_error,
        "max_batch": MAX_BATCH,
    }
    return render(request, "home.html", context, 422 if batch_error else 200, page_actor(request))


# -- login -------------------------------------------------------------------------------------------


def login_page(request: Request, username: str, next_: str, error: str = "", status: int = 200) -> Response:
    sandbox = settings_of(request).dev_sms_outbox
    context = {
        "here": "/login?next=" + quote(next_, safe=""),
        "username": username,
        "next": next_,
        "error": error,
        "demo_logins": [
            (Role(d.role).label, d.username, d.password, DEMO_NOTES.get(d.role, d.note)) for d in demo_logins()
        ]
        if sandbox
        else [],
    }
    return render(request, "login.html", context, status, page_actor(request))


@router.get("/login")
def login_form(request: Request, next_: Annotated[str, Query(alias="next")] = "/orders") -> Response:
    return login_page(request, "", safe_next(next_))


@router.post("/login")
def login(request: Request, form: Form) -> Response:
    check_csrf(request, form)
    username = text_of(form, "username")
    next_ = safe_next(text_of(form, "next"))
    try:
        account = AccountService(ctx_of(request)).authenticate(username, text_of(form, "password"))
    except AuthenticationFailed as exc:
        return login_page(request, username, next_, exc.text.get(request_language(request)), 401)
    request.session.clear()  # a new session on login: nothing chosen before it carries over
    request.session["account_id"] = account.id
    return redirect(next_)


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    check_csrf(request, form)
    request.session.clear()
    flash(request, Text("You are logged out.", "您已退出登录。"))
    return redirect("/")


# -- order lists -------------------------------------------------------------------------------------


@router.get("/orders")
def orders(request: Request, stage: str = "", overdue: str = "") -> Response:
    actor = logged_in(request)
    ctx = ctx_of(request)
    chosen = Stage(stage) if stage in STAGES else None
    only_overdue = bool(overdue) and actor.role is not Role.APPLICANT
    if only_overdue:
        summaries = [o for o in OrderService(ctx).overdue(actor) if chosen is None or o.stage is chosen]
    else:
        summaries = OrderService(ctx).find(actor, (chosen,) if chosen else ())
    free_numbers = 0
    if actor.role is Role.APPLICANT:
        free_numbers = sum(1 for n in OrderService(ctx).service_numbers(actor) if n.order_id is None)
    context = {
        "title": QUEUE_TITLES[actor.role],
        "orders": summaries,
        "now": ctx.clock.now(),
        "stages": list(REGULATOR_STAGES) if actor.role is Role.OFFICER else list(Stage),
        "stage": chosen,
        "free_numbers": free_numbers,
        "overdue_filter": actor.role is not Role.APPLICANT,
        "only_overdue": only_overdue,
    }
    return render(request, "orders.html", context, actor=actor)


# -- the order form ----------------------------------------------------------------------------------


def site_count(form: Mapping[str, str] | FormData) -> int:
    raw = form.get("site_count")
    count = int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() else 1
    return max(1, min(MAX_SITES, count))


def field_names(sites: int) -> list[str]:
    return list(SUBJECT_FIELDS) + [f"sites[{i}].{name}" for i in range(sites) for name in SITE_FIELDS]


def blank_values() -> dict[str, str]:
    values = dict.fromkeys(field_names(1), "")
    values.update(
        {
            "subject.document.type": DocumentType.RESIDENT_ID.value,
            "subject.leader.document.type": DocumentType.RESIDENT_ID.value,
            "sites[0].service_type": ServiceType.WEBSITE.value,
            "sites[0].leader.document.type": DocumentType.RESIDENT_ID.value,
        }
    )
    return values


def values_of_form(form: FormData) -> dict[str, str]:
    count = site_count(form)
    return {
        **{name: text_of(form, name) for name in [*field_names(count), *REQUEST_INPUTS]},
        "site_count": str(count),
    }


def _person_values(prefix: str, person: Person) -> dict[str, str]:
    return {
        f"{prefix}.name": person.name,
        f"{prefix}.document.type": person.document.type.value,
        f"{prefix}.document.number": person.document.number,
        f"{prefix}.mobile": person.mobile.removeprefix("+86"),
        f"{prefix}.email": person.email,
    }


def values_of_order(order: FilingOrder) -> dict[str, str]:
    s = order.subject
    values = {
        "service_number": order.service_number,
        "subject.kind": s.kind.value,
        "subject.name": s.name,
        "subject.province": s.province_code,
        "subject.document.type": s.document.type.value,
        "subject.document.number": s.document.number,
        "subject.address": s.address,
        **_person_values("subject.leader", s.leader),
    }
    for i, site in enumerate(order.sites):
        values.update(
            {
                f"sites[{i}].name": site.name,
                f"sites[{i}].service_type": site.service_type.value,
                f"sites[{i}].domains": "\n".join(site.domain_names),
                f"sites[{i}].app_id": site.app_id or "",
                f"sites[{i}].platform": site.platform or "",
                f"sites[{i}].signing_fingerprint": site.signing_fingerprint or "",
            }
        )
        if site.leader == s.leader:
            values.update(dict.fromkeys((f"sites[{i}].leader.{k}" for k in SITE_FIELDS if "." in k), ""))
            values[f"sites[{i}].leader.document.type"] = DocumentType.RESIDENT_ID.value
        else:
            values.update(_person_values(f"sites[{i}].leader", site.leader))
    values["site_count"] = str(len(order.sites))
    values.update(request_of(order))
    return values


def request_of(order: FilingOrder) -> dict[str, str]:
    """The action, target and scope an order was asked with, so that editing its draft keeps its kind."""
    kind = order.kind
    if not (kind.is_change or kind.is_cancellation):
        return {"action": "file", "target": "", "scope": ""}
    on_subject = kind in (OrderKind.CHANGE_SUBJECT, OrderKind.CANCEL_SUBJECT)
    target = (order.subject_number or "") if on_subject else (order.targets[0] if order.targets else "")
    scope = "access" if kind in (OrderKind.CHANGE_ACCESS, OrderKind.CANCEL_ACCESS) else ""
    return {"action": "change" if kind.is_change else "cancel", "target": target, "scope": scope}


def order_data(values: Mapping[str, str]) -> dict[str, Any]:
    """The document services.forms.parse_order_form takes, from the form's flat input names."""

    def v(name: str) -> str:
        return values.get(name, "")

    def person(prefix: str) -> dict[str, Any]:
        return {
            "name": v(f"{prefix}.name"),
            "document": {"type": v(f"{prefix}.document.type"), "number": v(f"{prefix}.document.number")},
            "mobile": v(f"{prefix}.mobile"),
            "email": v(f"{prefix}.email"),
        }

    sites = []
    for i in range(site_count(values)):
        site: dict[str, Any] = {
            "name": v(f"sites[{i}].name"),
            "service_type": v(f"sites[{i}].service_type"),
            "domains": v(f"sites[{i}].domains"),
            "app_id": v(f"sites[{i}].app_id"),
            "platform": v(f"sites[{i}].platform"),
            "signing_fingerprint": v(f"sites[{i}].signing_fingerprint"),
        }
        leader_typed = any(v(f"sites[{i}].leader.{k}").strip() for k in ("name", "document.number", "mobile", "email"))
        if leader_typed:
            site["leader"] = person(f"sites[{i}].leader")
        sites.append(site)
    return {
        **{name: v(name) for name in REQUEST_INPUTS if v(name)},
        "service_number": v("service_number"),
        "subject": {
            "kind": v("subject.kind"),
            "name": v("subject.name"),
            "province": v("subject.province"),
            "document": {"type": v("subject.document.type"), "number": v("subject.document.number")},
            "address": v("subject.address"),
            "leader": person("subject.leader"),
        },
        "sites": sites,
    }


def input_for(path: str, names: list[str]) -> str | None:
    """The input an error path belongs to: sites[0].domains[2] -> sites[0].domains."""
    best = None
    for name in names:
        if (path == name or path.startswith((name + ".", name + "["))) and (best is None or len(name) > len(best)):
            best = name
    return best


def form_errors(exc: OpenBeianError, names: list[str], lang: str) -> tuple[dict[str, list[str]], list[str]]:
    """Messages beside their inputs, and the ones that belong to no input (shown above the form)."""
    beside: dict[str, list[str]] = {}
    general: list[str] = []
    for path, text in exc.fields.items():
        name = input_for(path, names)
        if name is None:
            general.append(f"{path}: {text.get(lang)}" if path else text.get(lang))
        else:
            beside.setdefault(name, []).append(text.get(lang))
    if not exc.fields:
        general.append(exc.text.get(lang))
    return beside, general


def with_site_count(values: dict[str, str], count: int) -> dict[str, str]:
    out = {k: v for k, v in values.items() if not k.startswith("sites[")}
    for name in REQUEST_INPUTS:
        out.setdefault(name, "")
    for name in field_names(count):
        if name.startswith("sites["):
            out[name] = values.get(name, "")
    for i in range(count):
        for key, default in (("service_type", ServiceType.WEBSITE.value), ("leader.document.type", "resident_id")):
            out[f"sites[{i}].{key}"] = out[f"sites[{i}].{key}"] or default
    out["site_count"] = str(count)
    return out


def order_form_page(
    request: Request,
    actor: Actor,
    values: dict[str, str],
    order: FilingOrder | None = None,
    exc: OpenBeianError | None = None,
    status: int = 200,
) -> Response:
    lang = request_language(request)
    count = site_count(values)
    values = with_site_count(values, count)
    names = field_names(count)
    errors, general = form_errors(exc, names, lang) if exc else ({}, [])
    numbers = [
        n
        for n in OrderService(ctx_of(request)).service_numbers(actor)
        if n.order_id is None or (order is not None and n.order_id == order.id)
    ]
    context = {
        "order": order,
        "values": values,
        "errors": errors,
        "general": general,
        "summary": exc.text.get(lang) if exc else "",
        "labels": {**SUBJECT_FIELDS, **{f"sites[{i}].{k}": v for i in range(count) for k, v in SITE_FIELDS.items()}},
        "site_count": count,
        "max_sites": MAX_SITES,
        "service_numbers": numbers,
        "kinds": list(SubjectKind),
        "provinces": all_provinces(),
        "documents": DOCUMENT_LABELS,
        "personal_documents": [d for d in DOCUMENT_LABELS if d in PERSONAL_DOCUMENTS],
        "service_types": SERVICE_TYPE_LABELS,
        "platforms": PLATFORM_LABELS,
        "action": f"/orders/{order.id}/edit" if order else "/orders/new",
    }
    return render(request, "order_form.html", context, status, actor)


def require_applicant(actor: Actor) -> None:
    if actor.role is not Role.APPLICANT:
        raise PermissionDenied(Text("only applicants file orders", "只有备案申请人可以提交备案订单"))


def editable_draft(request: Request, actor: Actor, order_id: int) -> FilingOrder:
    order = OrderService(ctx_of(request)).get(actor, order_id)
    if actor.role is not Role.APPLICANT or order.stage is not Stage.DRAFT:
        raise PermissionDenied(Text("only the applicant edits a draft", "只有申请人可以修改草稿"))
    return order


def resize_request(form: FormData, values: dict[str, str]) -> dict[str, str] | None:
    """The values with a site added or removed when the user pressed one of those buttons, else None."""
    op = text_of(form, "op")
    count = site_count(values)
    if op == "add_site" and count < MAX_SITES:
        return with_site_count(values, count + 1)
    if op.startswith("remove_site:") and op[12:].isdigit() and count > 1:
        gone = int(op[12:])
        shifted = {k: v for k, v in values.items() if not k.startswith("sites[")}
        for i in range(count - 1):
            source = i if i < gone else i + 1
            for key in SITE_FIELDS:
                shifted[f"sites[{i}].{key}"] = values.get(f"sites[{source}].{key}", "")
        shifted["site_count"] = str(count - 1)
        return shifted
    return None


@router.get("/orders/new")
def new_order_form(request: Request) -> Response:
    actor = logged_in(request)
    require_applicant(actor)
    return order_form_page(request, actor, blank_values())


@router.post("/orders/new")
def create_order(request: Request, form: Form) -> Response:
    actor = form_sender(request, form)
    require_applicant(actor)
    values = values_of_form(form)
    resized = resize_request(form, values)
    if resized is not None:
        return order_form_page(request, actor, resized)
    try:
        order = OrderService(ctx_of(request)).create(actor, order_data(values))
    except (ValidationError, Conflict) as exc:
        return order_form_page(request, actor, values, exc=exc, status=status_of(exc))
    flash(
        request,
        Text(
            f"Order {order.id} saved as a draft. Check it, then submit it for review.",
            f"订单 {order.id} 已保存为草稿。请核对后提交初审。",
        ),
    )
    return redirect(f"/orders/{order.id}")


@router.get("/orders/{order_id}/edit")
def edit_order_form(request: Request, order_id_text: Annotated[str, Path(alias="order_id")]) -> Response:
    order_id = order_number(order_id_text)
    actor = logged_in(request)
    order = editable_draft(request, actor, order_id)
    values = values_of_order(order)
    return order_form_page(request, actor, values, order)


@router.post("/orders/{order_id}/edit")
def update_order(request: Request, order_id_text: Annotated[str, Path(alias="order_id")], form: Form) -> Response:
    order_id = order_number(order_id_text)
    actor = form_sender(request, form)
    order = editable_draft(request, actor, order_id)
    values = values_of_form(form)
    resized = resize_request(form, values)
    if resized is not None:
        return order_form_page(request, actor, resized, order)
    try:
        OrderService(ctx_of(request)).update(actor, order_id, order_data(values))
    except (ValidationError, Conflict) as exc:
        return order_form_page(request, actor, values, order, exc, status_of(exc))
    flash(request, Text(f"Order {order_id} saved.", f"订单 {order_id} 已保存。"))
    return redirect(f"/orders/{order_id}")


# -- the order page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionButton:
    trigger: Trigger
    needs_note: bool
    danger: bool  # drawn in red
    confirm: bool  # asks first: it cannot be undone


DANGEROUS = {Trigger.WITHDRAW, Trigger.ABANDON, Trigger.REJECT, Trigger.RETURN}
FINAL_MOVES = {Trigger.WITHDRAW, Trigger.ABANDON}
WAITING_ON = {
    Stage.DRAFT: N_("the applicant: edit and submit the draft"),
    Stage.PROVIDER_REVIEW: N_("the access provider's first review"),
    Stage.VERIFICATION: N_("the access provider's identity verification"),
    Stage.SMS_CHECK: N_("the applicant: the SMS code sent to the leader's mobile"),
    Stage.REGULATOR_REVIEW: N_("the provincial regulator's review"),
    Stage.APPROVED: N_("nobody: the filing is done"),
    Stage.WITHDRAWN: N_("nobody: the order was withdrawn"),
    Stage.ABANDONED: N_("nobody: the order was abandoned"),
}


MATERIAL_STAGES = (Stage.DRAFT, Stage.PROVIDER_REVIEW, Stage.VERIFICATION)  # when files are taken
FILE_PURPOSES = {
    "photo": N_("Leader's photo against the backdrop (幕布照片)"),
    "letter": N_("Signed authenticity letter (真实性核验单)"),
}


def order_page(
    request: Request,
    actor: Actor,
    order_id: int,
    *,
    error: OpenBeianError | None = None,
    note: str = "",
    code: str = "",
    code_error: str = "",
    field_errors: Mapping[str, str] | None = None,
    typed: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The order with what the actor may do; `field_errors` and `typed` refill a material form that failed."""
    ctx = ctx_of(request)
    lang = request_language(request)
    service = OrderService(ctx)
    order = service.get(actor, order_id)
    actions = [
        ActionButton(
            t, bool((tr := transition_for(order.stage, t)) and tr.needs_note), t in DANGEROUS, t in FINAL_MOVES
        )
        for t in service.actions(actor, order)
    ]
    actions.sort(key=lambda a: a.danger)  # the way forward first, then returns, rejections, withdrawals
    mine = actor.role is Role.ADMIN or (actor.role is Role.APPLICANT and order.applicant_id == actor.account_id)
    sms_form = order.stage is Stage.SMS_CHECK and order.sms is not None and mine
    outbox = service.outbox(actor, order_id) if sms_form and settings_of(request).dev_sms_outbox else []
    accounts = AccountService(ctx)
    names: dict[int, str] = {}
    for account_id in [order.applicant_id, *(h.actor_id for h in order.history)]:
        if account_id is not None and account_id not in names:
            account = accounts.by_id(account_id)
            names[account_id] = account.display_name if account else f"#{account_id}"
    last_note = ""
    if order.stage is Stage.DRAFT and order.history and order.history[-1].note:
        last_note = order.history[-1].note
    note_error = ""
    if error is not None and "note" in error.fields:
        note_error = error.fields["note"].get(lang)
    provider_side = actor.role in (Role.REVIEWER, Role.ADMIN)
    material_open = (mine and order.stage in MATERIAL_STAGES) or (provider_side and order.stage is Stage.VERIFICATION)
    credit = ResourceService(ctx).order_hosting_credit(actor, order_id) if order.stage is Stage.APPROVED else None
    context = {
        "order": order,
        "now": ctx.clock.now(),
        "actions": actions,
        # A cancellation files nothing new: its draft has nothing to edit.
        "editable": actor.role is Role.APPLICANT and order.stage is Stage.DRAFT and not order.kind.is_cancellation,
        "sms_form": sms_form,
        "outbox": outbox,
        "names": names,
        "last_note": last_note,
        "last_entry": order.history[-1] if order.history else None,
        "error": error.text.get(lang) if error is not None and not note_error else "",
        "note": note,
        "note_error": note_error,
        "code_error": code_error,
        "documents": DOCUMENT_LABELS,
        "service_types": SERVICE_TYPE_LABELS,
        "waiting_on": WAITING_ON[order.stage],
        "applicant_role": Role.APPLICANT,
        "code": code,
        "overdue": order.deadline is not None and not order.stage.is_final and ctx.clock.now() > order.deadline,
        "material_open": material_open,
        "face_form": provider_side and order.stage is Stage.VERIFICATION,
        "missing": order.verification.missing() if order.stage is Stage.VERIFICATION else [],
        "files": service.files(actor, order_id),
        "purposes": FILE_PURPOSES,
        "findings": [finding_row(f, order, lang) for f in order.findings],
        "severities": SEVERITY_LABELS,
        "credit": credit,
        "field_errors": field_errors or {},
        "typed": typed or {},
        "here": f"/orders/{order_id}",  # also after a POST: where the language switch comes back to
    }
    return render(request, "order.html", context, status, actor)


def finding_row(finding: Mapping[str, Any], order: FilingOrder, lang: str) -> dict[str, str]:
    """A rule's finding as the order page shows it: the field by its label, the message in the page language."""
    message = finding.get("message") or {}
    path = str(finding.get("path") or "")
    return {
        "rule": str(finding.get("rule", "")),
        "severity": str(finding.get("severity", "")),
        "field": field_label(path, len(order.sites), lang),
        "message": str(message.get("zh" if lang == "zh-CN" else "en", "")),
        "source": str(finding.get("source") or ""),
    }


def field_label(path: str, sites: int, lang: str) -> str:
    """An error path in words: sites[1].domains[0] -> "Site 2: Domains"; a path of no input stays as it is."""
    _ = gettext(lang)
    name = input_for(path, field_names(max(sites, 1)))
    if name is None:
        if path in ("province", "subject.province"):
            return _(SUBJECT_FIELDS["subject.province"])
        site = re.match(r"sites\[(\d+)\]\.?(.*)", path)
        return _("Site {n}: {field}", n=int(site[1]) + 1, field=site[2]) if site else path
    if name.startswith("sites["):
        index, key = name[6:].split("].", 1)
        return _("Site {n}: {field}", n=int(index) + 1, field=_(SITE_FIELDS[key]))
    return _(SUBJECT_FIELDS[name])


@router.get("/orders/{order_id}")
def show_order(request: Request, order_id_text: Annotated[str, Path(alias="order_id")]) -> Response:
    order_id = order_number(order_id_text)
    actor = logged_in(request)
    return order_page(request, actor, order_id)


@router.get("/orders/{order_id}/actions/{trigger}")
@router.get("/orders/{order_id}/sms")
def back_to_order(order_id_text: Annotated[str, Path(alias="order_id")]) -> Response:
    """The targets of the order page's forms, reached by a GET (a bookmark, a typed address): the order."""
    order_id = order_number(order_id_text)
    return redirect(f"/orders/{order_id}")


@router.post("/orders/{order_id}/actions/{trigger}")
def act_on_order(
    request: Request, order_id_text: Annotated[str, Path(alias="order_id")], trigger: str, form: Form
) -> Response:
    order_id = order_number(order_id_text)
    actor = form_sender(request, form)
    try:
        chosen = Trigger(trigger)
    except ValueError:
        raise NotFound(Text(f"no action {trigger!r}", f"没有操作 {trigger!r}")) from None
    note = text_of(form, "note")
    try:
        order = OrderService(ctx_of(request)).act(actor, order_id, chosen, note)
    except (ValidationError, PermissionDenied, Conflict) as exc:
        return order_page(request, actor, order_id, error=exc, note=note, status=status_of(exc))
    label = chosen.label
    moved = Text(
        f"Order {order_id}: {label.en}. Stage now: {order.stage.label.en}.",
        f"订单 {order_id}：{label.zh}。当前阶段：{order.stage.label.zh}。",
    )
    flash(request, moved)
    if not can_see(actor, order):  # e.g. an officer's rejection sends the order back to the applicant
        return redirect("/orders")
    return redirect(f"/orders/{order_id}")


@router.post("/orders/{order_id}/sms")
def enter_sms_code(request: Request, order_id_text: Annotated[str, Path(alias="order_id")], form: Form) -> Response:
    order_id = order_number(order_id_text)
    actor = form_sender(request, form)
    lang = request_language(request)
    code = text_of(form, "code")
    try:
        outcome, order = OrderService(ctx_of(request)).enter_sms_code(actor, order_id, code)
    except ValidationError as exc:
        message = (exc.fields.get("code") or exc.text).get(lang)
        return order_page(request, actor, order_id, code=code, code_error=message, status=422)
    except (PermissionDenied, Conflict) as exc:
        return order_page(request, actor, order_id, error=exc, status=status_of(exc))
    if outcome is SmsOutcome.PASSED:
        flash(
            request,
            Text(
                "SMS code confirmed: the order went to the regulator for review.",
                "短信核验通过：订单已提交管局审核。",
            ),
        )
    elif outcome is SmsOutcome.WRONG:
        left = order.sms_tries_left
        flash(
            request,
            Text(f"Wrong code. Tries left: {left}.", f"验证码错误。剩余尝试次数：{left}。"),
            "error",
        )
    else:
        flash(
            request,
            Text(
                "The SMS check failed: the order went back to the provider's first review.",
                "短信核验失败：订单已退回接入商初审。",
            ),
            "error",
        )
    return redirect(f"/orders/{order_id}")
