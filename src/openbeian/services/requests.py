"""An applicant's request (file / change / cancel) resolved against the registry into an order: its kind,
its content, the filed subject and sites it concerns.

Change and cancel requests start from the filed content (the latest approved order of the subject or site);
a change replaces only the parts the request gives (`subject`, `sites`, `service_number`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openbeian.domain.access import AccessRecord
from openbeian.domain.kinds import (
    Action,
    OrderKind,
    RegistryView,
    check_site_change,
    check_subject_change,
    kind_for_filing,
    kind_for_target,
)
from openbeian.domain.numbers import NumberKind, parse_number
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.workflow import Role
from openbeian.errors import Conflict, InvalidNumber, NotFound, PermissionDenied, Text, ValidationError
from openbeian.services.forms import OrderDraft, content_form, parse_order_form
from openbeian.store.registry import FiledSite, FiledSubject
from openbeian.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class ResolvedRequest:
    kind: OrderKind
    draft: OrderDraft
    subject_number: str | None
    targets: tuple[str, ...]
    filed_access: AccessRecord | None  # the access of the filed content (orders without a service number)


def action_of(data: Mapping[str, Any]) -> Action:
    text = str(data.get("action") or "file")
    try:
        return Action(text)
    except ValueError:
        raise ValidationError.for_field(
            "action", "must be one of file, change, cancel", "须为 file（备案）、change（变更）或 cancel（注销）之一"
        ) from None


def resolve(uow: UnitOfWork, actor: Actor, data: Mapping[str, Any]) -> ResolvedRequest:
    action = action_of(data)
    if action is Action.FILE:
        return _resolve_filing(uow, actor, parse_order_form(data))
    return _resolve_target(uow, actor, action, data)


def registry_view(uow: UnitOfWork, draft: OrderDraft, provider_id: int | None) -> RegistryView:
    subject = uow.registry.subject_by_document(draft.subject.document.key)
    numbers, owners, hosted, matched = [], [], [], []
    for site in draft.sites:
        index, found = _site_of(uow, [d.ascii for d in site.domains])
        numbers.append(found.number if found else None)
        owners.append(found.subject_number if found else None)
        hosted.append(bool(found and provider_id in found.provider_ids))
        matched.append(index)
    return RegistryView(
        subject.number if subject else None, tuple(numbers), tuple(owners), tuple(hosted), tuple(matched)
    )


def _site_of(uow: UnitOfWork, domains: list[str]) -> tuple[int, FiledSite | None]:
    """The active site holding one of these domains, and which one."""
    for index, domain in enumerate(domains):
        site = uow.registry.site_of_domain(domain)
        if site is not None:
            return index, site
    return 0, None


def _resolve_filing(uow: UnitOfWork, actor: Actor, draft: OrderDraft) -> ResolvedRequest:
    provider_id = None
    number = uow.resources.service_number(draft.service_number)
    if number is not None:
        provider_id = number.instance.provider_id
    view = registry_view(uow, draft, provider_id)
    kind = kind_for_filing(view)
    if view.subject_number is not None:
        filed = uow.registry.subject_by_number(view.subject_number)
        assert filed is not None
        if actor.role is not Role.ADMIN and _applicant_of(uow, filed.order_id) != actor.account_id:
            raise PermissionDenied(
                Text(
                    f"subject {filed.number} was filed by another account; file from that account"
                    " [SUBJECT-OTHER-ACCOUNT]",
                    f"主体 {filed.number} 由其他账号备案，请使用该账号办理［SUBJECT-OTHER-ACCOUNT］",
                ),
                {"subject.document.number": Text("filed by another account", "由其他账号备案")},
            )
        check_subject_change(filed.kind, draft.subject.kind.value, filed.province_code, draft.subject.province_code)
    targets = tuple(n for n in view.site_numbers if n) if kind is OrderKind.ADD_ACCESS else ()
    return ResolvedRequest(kind, draft, view.subject_number, targets, None)


def _resolve_target(uow: UnitOfWork, actor: Actor, action: Action, data: Mapping[str, Any]) -> ResolvedRequest:
    text = str(data.get("target") or "").strip()
    if not text:
        raise ValidationError.for_field(
            "target", "give the filing number to change or cancel", "请填写要变更或注销的备案号"
        )
    try:
        parsed = parse_number(text)
    except InvalidNumber as exc:
        raise ValidationError.for_field("target", exc.text.en, exc.text.zh) from None
    if parsed.kind is not NumberKind.ICP_FILING:
        raise ValidationError.for_field("target", "must be an ICP filing number", "须为 ICP 备案号")
    is_subject = parsed.service_seq is None
    scope = str(data.get("scope") or "")
    if scope not in ("", "subject", "site", "access"):
        raise ValidationError.for_field("scope", "must be subject, site or access", "须为 subject、site 或 access")
    if not is_subject and action is Action.CHANGE and not scope and "sites" not in data and "service_number" in data:
        scope = "access"  # only the access is given: a change of access
    kind = kind_for_target(action, parsed.canonical, is_subject, scope)
    if is_subject:
        subject = uow.registry.subject_by_number(parsed.canonical)
        _ensure_active(subject, parsed.canonical)
        assert subject is not None
        filed = _filed_order(uow, actor, subject.order_id, parsed.canonical)
        base = content_form(filed.subject, filed.sites[:1])  # the site only fills the form: nothing is claimed
        targets: tuple[str, ...] = ()
        hosting = sorted({p for s in uow.registry.sites_of_subject(subject.id) for p in s.provider_ids})
    else:
        site = uow.registry.site_by_number(parsed.canonical)
        _ensure_active(site, parsed.canonical)
        assert site is not None
        filed = _filed_order(uow, actor, site.order_id, parsed.canonical)
        index = filed.site_index(site.number)
        subject_of_site = uow.registry.subject_by_number(site.subject_number)
        assert subject_of_site is not None
        subject = subject_of_site
        # The subject as it is filed now (a subject change may have come after this site's last order).
        subject_now = _filed_order(uow, actor, subject.order_id, subject.number)
        base = content_form(subject_now.subject, (filed.sites[index],))
        targets = (site.number,)
        hosting = list(site.provider_ids)
    merged = dict(base)
    if kind.is_change:
        for key in ("subject", "sites", "service_number"):
            if key in data:
                merged[key] = data[key]
    needs_number = kind.needs_service_number
    if not needs_number:
        merged["service_number"] = merged.get("service_number") or "-"
    draft = parse_order_form(merged)
    if not needs_number:
        draft = OrderDraft("", draft.subject, draft.sites)
    if kind is OrderKind.CHANGE_SUBJECT:
        check_subject_change(subject.kind, draft.subject.kind.value, subject.province_code, draft.subject.province_code)
        holder = uow.registry.subject_by_document(draft.subject.document.key)
        if holder is not None and holder.id != subject.id:
            raise Conflict(
                Text(
                    f"this document is already filed as subject {holder.number} [SUBJECT-DOCUMENT-FILED]",
                    f"该证件已备案为主体 {holder.number}［SUBJECT-DOCUMENT-FILED］",
                ),
                {"subject.document.number": Text(f"filed as {holder.number}", f"已备案为 {holder.number}")},
            )
    elif draft.subject.document.key != subject.document_key:
        raise ValidationError.for_field(
            "subject.document.number",
            "the subject's document must stay the same; change the subject first",
            "主体证件须保持不变；如需变更请先办理主体变更",
        )
    if kind is OrderKind.CHANGE_SITE:
        if len(draft.sites) != 1:
            raise ValidationError.for_field(
                "sites", "a site change concerns exactly one site", "网站变更只涉及一个网站"
            )
        old = uow.registry.site_by_number(targets[0])
        assert old is not None
        check_site_change(old.domains, tuple(d.ascii for d in draft.sites[0].domains))
    if kind is OrderKind.CHANGE_ACCESS:
        site_now = uow.registry.site_by_number(targets[0])
        number = uow.resources.service_number(draft.service_number)
        if site_now is not None and number is not None and number.instance.provider_id not in site_now.provider_ids:
            raise ValidationError.for_field(
                "service_number",
                "a change of access stays with a provider that hosts the site; another provider means an add-access"
                " filing [CHANGE-ACCESS-SAME-PROVIDER]",
                "变更接入须在已接入的接入商内进行；更换接入商请办理接入备案［CHANGE-ACCESS-SAME-PROVIDER］",
            )
    access = None
    if not needs_number:
        asked = data.get("provider_id") if kind is OrderKind.CANCEL_ACCESS else None
        access = _current_access(filed.access, hosting, asked)
    return ResolvedRequest(kind, draft, subject.number, targets, access)


def _applicant_of(uow: UnitOfWork, order_id: int | None) -> int | None:
    return None if order_id is None else uow.orders.get(order_id).applicant_id


def _current_access(filed: AccessRecord, hosting: list[int], asked: object) -> AccessRecord:
    """The access an order without a service number goes through (the provider that reviews it): the provider
    asked for (cancel access), else the filed one while it still hosts the site, else the first that does."""
    if asked not in (None, ""):
        try:
            provider_id = int(str(asked))
        except ValueError:
            provider_id = -1
        if provider_id not in hosting:
            raise ValidationError.for_field(
                "provider_id",
                f"the site is hosted by providers {hosting}, not {asked}",
                f"该网站的接入商为 {hosting}，不包括 {asked}",
            )
    elif filed.provider_id in hosting or not hosting:
        provider_id = filed.provider_id
    else:
        provider_id = hosting[0]
    return AccessRecord(provider_id, filed.instance_id, filed.ips)


def _ensure_active(found: FiledSubject | FiledSite | None, number: str) -> None:
    if found is None:
        raise NotFound(
            Text(f"{number} is not in the registry", f"备案库中没有 {number}"), {"target": Text("not filed", "未备案")}
        )
    if found.status != "active":
        raise ValidationError.for_field(
            "target",
            f"{number} is {found.status}; a cancelled number is never restored [NUMBER-NEVER-RESTORED]",
            f"{number} 已注销，注销的备案号不会恢复［NUMBER-NEVER-RESTORED］",
        )


def _filed_order(uow: UnitOfWork, actor: Actor, order_id: int | None, number: str) -> FilingOrder:
    """The latest approved order with the filed content; only its applicant (or an admin) may act on it."""
    if order_id is None:
        raise NotFound(Text(f"no filed content for {number}", f"{number} 没有可用的备案信息"))
    filed = uow.orders.get(order_id)
    if actor.role is not Role.ADMIN and filed.applicant_id != actor.account_id:
        raise PermissionDenied(
            Text(f"{number} was filed by another account", f"{number} 由其他账号备案"),
            {"target": Text("filed by another account", "由其他账号备案")},
        )
    return filed
