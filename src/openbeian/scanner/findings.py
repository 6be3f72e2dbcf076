"""What a scanned page is judged by. Each finding has a stable code, a severity and a bilingual message.

A page is compliant when it was fetched and no finding is an error. The display rules (`judge_display`) are pure;
the registry rules live in registry.py and build their findings with the constructors here.

    code                   severity  rule
    fetch_failed           error     the page could not be fetched (the status says why)
    icp_missing            error     no ICP filing or licence number on the home page (Order 33 art. 13)
    icp_hidden             error     the number is only in a comment, a script or a hidden element
    icp_not_linked         error     the number is not linked to https://beian.miit.gov.cn (art. 13)
    icp_link_outdated      warning   linked to the old miibeian.gov.cn address
    icp_link_wrong         error     linked somewhere else than the MIIT filing system
    icp_not_in_footer      warning   the number is not at the bottom of the page
    number_invalid         error     a number that does not parse (wrong length, unknown prefix ...)
    placeholder            error     a placeholder instead of a number (京ICP备XXXXXXXX号)
    police_missing         error     no police filing number 30 days after approval (MPS Order 33 art. 12)
    police_not_shown       info      no police filing number (due within 30 days of opening; not verified)
    police_due             info      no police filing number yet, due on a date still ahead
    police_not_linked      warning   the police number is not linked to https://beian.mps.gov.cn
    police_link_outdated   warning   linked to the old www.beian.gov.cn address
    not_in_registry        error     the filing number is not in the registry
    not_active             error     the filing is cancelled or revoked
    not_for_domain         error     the filing belongs to other domains (a copied number)
    registry_unavailable   warning   the registry could not be asked
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from openbeian.domain.numbers import NumberKind
from openbeian.errors import Text
from openbeian.scanner.extract import FoundNumber, LinkTarget, PageExtraction

__all__ = ["Finding", "Severity", "finding", "judge_display"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    text: Text

    def to_dict(self, lang: str = "en") -> dict[str, str]:
        return {"code": self.code, "severity": self.severity.value, "message": self.text.get(lang)}


def finding(code: str, severity: Severity, en: str, zh: str) -> Finding:
    return Finding(code, severity, Text(en, zh))


_ICP_KINDS = (NumberKind.ICP_FILING, NumberKind.ICP_LICENCE)


def fetch_failed(status: str, detail: str) -> Finding:
    return finding(
        "fetch_failed",
        Severity.ERROR,
        f"the page could not be fetched: {status}{f' ({detail})' if detail else ''}",
        f"无法获取页面：{status}{f'（{detail}）' if detail else ''}",
    )


def _icp_link(number: FoundNumber) -> Finding | None:
    shown = number.canonical
    if number.link_target is LinkTarget.MIIT:
        return None
    if not number.linked:
        return finding(
            "icp_not_linked",
            Severity.ERROR,
            f"{shown} is not linked to the MIIT filing system (https://beian.miit.gov.cn)",
            f"{shown} 未链接到工信部备案系统（https://beian.miit.gov.cn）",
        )
    if number.link_target is LinkTarget.OUTDATED_MIIT:
        return finding(
            "icp_link_outdated",
            Severity.WARNING,
            f"{shown} links to the old address {number.href}; use https://beian.miit.gov.cn",
            f"{shown} 链接到旧地址 {number.href}，应为 https://beian.miit.gov.cn",
        )
    return finding(
        "icp_link_wrong",
        Severity.ERROR,
        f"{shown} links to {number.href or '(no address)'}, not to https://beian.miit.gov.cn",
        f"{shown} 链接到 {number.href or '（无地址）'}，而不是 https://beian.miit.gov.cn",
    )


def _police_link(number: FoundNumber) -> Finding | None:
    shown = number.canonical
    if number.link_target is LinkTarget.MPS:
        return None
    if number.link_target is LinkTarget.OUTDATED_MPS:
        return finding(
            "police_link_outdated",
            Severity.WARNING,
            f"{shown} links to the old address {number.href}; use https://beian.mps.gov.cn",
            f"{shown} 链接到旧地址 {number.href}，应为 https://beian.mps.gov.cn",
        )
    return finding(
        "police_not_linked",
        Severity.WARNING,
        f"{shown} is not linked to the public-security filing system (https://beian.mps.gov.cn)",
        f"{shown} 未链接到公安备案系统（https://beian.mps.gov.cn）",
    )


def judge_display(page: PageExtraction) -> list[Finding]:
    """The display rules of the home page: what is shown, where, and how it is linked."""
    findings: list[Finding] = []
    for placeholder in page.placeholders:
        findings.append(
            finding(
                "placeholder",
                Severity.ERROR,
                f"{placeholder.text} is a placeholder, not a filing number",
                f"{placeholder.text} 是占位符，不是真实的备案号",
            )
        )
    for number in page.numbers:
        if not number.valid:
            findings.append(
                finding(
                    "number_invalid",
                    Severity.ERROR,
                    f"{number.text} is not a valid number: {number.error}",
                    f"{number.text} 不是有效的号码：{number.error}",
                )
            )
    icp = [n for n in page.of_kind(*_ICP_KINDS) if n.valid]
    shown = [n for n in icp if n.displayed]
    if not icp:
        findings.append(
            finding(
                "icp_missing",
                Severity.ERROR,
                "no ICP filing number on the page (it must be at the bottom of the home page)",
                "页面上没有 ICP 备案号（应在网站首页底部显示）",
            )
        )
    elif not shown:
        where = ", ".join(sorted({n.hidden_by or "" for n in icp}))
        findings.append(
            finding(
                "icp_hidden",
                Severity.ERROR,
                f"the ICP number is on the page but not displayed (in a {where})",
                f"页面含有 ICP 备案号但未显示（位于 {where} 中）",
            )
        )
    for number in shown:
        if (link := _icp_link(number)) is not None:
            findings.append(link)
        if not number.in_footer:
            findings.append(
                finding(
                    "icp_not_in_footer",
                    Severity.WARNING,
                    f"{number.canonical} is not in the page's footer",
                    f"{number.canonical} 不在页面底部",
                )
            )
    for number in page.of_kind(NumberKind.POLICE_FILING):
        if number.valid and number.displayed and (link := _police_link(number)) is not None:
            findings.append(link)
    return findings


def police_shown(page: PageExtraction) -> bool:
    return any(n.valid and n.displayed for n in page.of_kind(NumberKind.POLICE_FILING))
