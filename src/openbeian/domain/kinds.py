"""Order kinds (备案类型) and how the registry's state decides them.

The applicant says what they want done — file, change or cancel — and to what; which kind of order that
is follows from what the registry already holds:

    file:   subject not filed                                  -> first_filing (首次备案)
            subject filed, its domains not filed               -> add_site (新增网站)
            subject filed, every site already filed under it,
            without this provider's access                     -> add_access (接入备案)
    change: a subject number                                   -> change_subject (变更主体)
            a site number, site content differs               -> change_site (变更网站)
            a site number, only the access differs             -> change_access (变更接入)
    cancel: a subject number                                   -> cancel_subject (注销主体)
            a site number                                      -> cancel_site (注销网站)
            a site number, scope access                        -> cancel_access (取消接入)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from openbeian.errors import Conflict, Text, ValidationError


class OrderKind(StrEnum):
    FIRST_FILING = "first_filing"
    ADD_SITE = "add_site"
    ADD_ACCESS = "add_access"
    CHANGE_SUBJECT = "change_subject"
    CHANGE_SITE = "change_site"
    CHANGE_ACCESS = "change_access"
    CANCEL_SUBJECT = "cancel_subject"
    CANCEL_SITE = "cancel_site"
    CANCEL_ACCESS = "cancel_access"

    @property
    def label(self) -> Text:
        return KIND_LABELS[self]

    @property
    def is_cancellation(self) -> bool:
        return self in (OrderKind.CANCEL_SUBJECT, OrderKind.CANCEL_SITE, OrderKind.CANCEL_ACCESS)

    @property
    def is_change(self) -> bool:
        return self in (OrderKind.CHANGE_SUBJECT, OrderKind.CHANGE_SITE, OrderKind.CHANGE_ACCESS)

    @property
    def needs_verification(self) -> bool:
        """A cancellation files nothing new about the subject or its leader: after the first review it goes
        straight to the SMS check, without the photo and letter of the authenticity verification."""
        return not self.is_cancellation

    @property
    def needs_service_number(self) -> bool:
        """Orders that bring a site to a provider's server bind one of its service numbers."""
        return self in (OrderKind.FIRST_FILING, OrderKind.ADD_SITE, OrderKind.ADD_ACCESS, OrderKind.CHANGE_ACCESS)


KIND_LABELS = {
    OrderKind.FIRST_FILING: Text("First filing", "首次备案"),
    OrderKind.ADD_SITE: Text("Add a site", "新增网站"),
    OrderKind.ADD_ACCESS: Text("Add access", "接入备案"),
    OrderKind.CHANGE_SUBJECT: Text("Change subject", "变更主体"),
    OrderKind.CHANGE_SITE: Text("Change site", "变更网站"),
    OrderKind.CHANGE_ACCESS: Text("Change access", "变更接入"),
    OrderKind.CANCEL_SUBJECT: Text("Cancel subject", "注销主体"),
    OrderKind.CANCEL_SITE: Text("Cancel site", "注销网站"),
    OrderKind.CANCEL_ACCESS: Text("Cancel access", "取消接入"),
}


class Action(StrEnum):
    FILE = "file"
    CHANGE = "change"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class RegistryView:
    """What the registry says about an order's subject and sites, read before deciding the kind."""

    subject_number: str | None  # the active filing of the subject's document, if any
    site_numbers: tuple[str | None, ...]  # per site of the order: the active site holding its domains
    site_subjects: tuple[str | None, ...]  # per site: the subject number that site belongs to
    site_has_provider: tuple[bool, ...]  # per site: this order's provider already gives it access
    matched_domain: tuple[int, ...] = ()  # per site: which of its domains the registry holds (0 if none)

    def domain_field(self, site: int) -> str:
        index = self.matched_domain[site] if site < len(self.matched_domain) else 0
        return f"sites[{site}].domains[{index}]"


def kind_for_filing(view: RegistryView) -> OrderKind:
    """The kind of a `file` request; refuses mixes and domains filed by somebody else."""
    for i, owner in enumerate(view.site_subjects):
        if owner is not None and owner != view.subject_number:
            raise Conflict(
                Text(
                    f"the domains of site {i + 1} are filed under another subject ({owner}): domain conflict"
                    " [DOMAIN-FILED]",
                    f"第 {i + 1} 个网站的域名已在其他主体（{owner}）下备案：域名冲突［DOMAIN-FILED］",
                ),
                {
                    view.domain_field(i): Text(
                        f"already filed as {view.site_numbers[i]}, under another subject",
                        f"已备案为 {view.site_numbers[i]}（属于其他主体）",
                    )
                },
            )
    if view.subject_number is None:
        return OrderKind.FIRST_FILING
    filed = [n is not None for n in view.site_numbers]
    if not any(filed):
        return OrderKind.ADD_SITE
    if all(filed):
        for i, has in enumerate(view.site_has_provider):
            if has:
                raise Conflict(
                    Text(
                        f"site {i + 1} ({view.site_numbers[i]}) already has access with this provider [ACCESS-EXISTS]",
                        f"第 {i + 1} 个网站（{view.site_numbers[i]}）已接入本接入商［ACCESS-EXISTS］",
                    ),
                    {f"sites[{i}]": Text("already hosted here", "已在本接入商接入")},
                )
        return OrderKind.ADD_ACCESS
    raise ValidationError.for_field(
        "sites",
        "new sites and sites already filed go in separate orders (add site / add access) [ORDER-MIXED-SITES]",
        "新增网站与已备案网站的接入须分开提交（新增网站 / 接入备案）［ORDER-MIXED-SITES］",
    )


def kind_for_target(action: Action, target: str, target_is_subject: bool, scope: str = "") -> OrderKind:
    """The kind of a `change` or `cancel` request on a filed subject or site number."""
    if action is Action.FILE:
        raise ValueError("filing requests are decided by kind_for_filing")
    if target_is_subject:
        if scope == "access":
            raise ValidationError.for_field(
                "scope", "access belongs to a site: give a site number", "接入属于网站：请填写网站备案号"
            )
        return OrderKind.CHANGE_SUBJECT if action is Action.CHANGE else OrderKind.CANCEL_SUBJECT
    if action is Action.CANCEL:
        return OrderKind.CANCEL_ACCESS if scope == "access" else OrderKind.CANCEL_SITE
    return OrderKind.CHANGE_ACCESS if scope == "access" else OrderKind.CHANGE_SITE


def check_subject_change(old_kind: str, new_kind: str, old_province: str, new_province: str) -> None:
    """Individual -> organisation is allowed, organisation -> individual is not; the province never changes."""
    if old_province != new_province:
        raise ValidationError.for_field(
            "subject.province",
            "the province of a filed subject never changes: cancel and file again in the new province"
            " [SUBJECT-PROVINCE-FIXED]",
            "已备案主体的省份不能变更：请注销后在新省份重新备案［SUBJECT-PROVINCE-FIXED］",
        )
    if old_kind != "individual" and new_kind == "individual":
        raise ValidationError.for_field(
            "subject.kind",
            "an organisation cannot become an individual; cancel the filing and file again [SUBJECT-KIND-ONE-WAY]",
            "单位主体不能变更为个人主体，请注销后重新备案［SUBJECT-KIND-ONE-WAY］",
        )


def check_site_change(old_domains: tuple[str, ...], new_domains: tuple[str, ...], index: int = 0) -> None:
    """A site change may only remove domains; a new domain needs its own add-site order."""
    added = [d for d in new_domains if d not in old_domains]
    if added:
        raise ValidationError.for_field(
            f"sites[{index}].domains",
            f"a site change may only remove domains; {', '.join(added)} needs an add-site order"
            " [SITE-CHANGE-REMOVES-ONLY]",
            f"网站变更只能删除域名；{'、'.join(added)} 须通过新增网站备案［SITE-CHANGE-REMOVES-ONLY］",
        )
    if not new_domains and old_domains:
        raise ValidationError.for_field(
            f"sites[{index}].domains",
            "a website keeps at least one domain; cancel the site instead",
            "网站至少保留一个域名；如不再使用请注销网站",
        )
