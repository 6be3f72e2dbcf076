"""The page a visitor of a blocked host sees (like Alibaba Cloud's "网站暂时无法访问 ... 未备案" page): in Chinese
and English (Chinese first unless Accept-Language prefers English), saying in plain words why the site is not
served and what its owner can do, with a link to file. No codes or enum values appear on the page.
"""

from __future__ import annotations

from html import escape

from openbeian.gate.decision import Decision, Reason, Verdict
from openbeian.web.errors import language_of

# case -> (title, explanation, what the owner can do), each (zh, en)
_CASES: dict[str, tuple[tuple[str, str], tuple[str, str], tuple[str, str]]] = {
    "not_filed": (
        ("网站暂时无法访问", "This site is temporarily unavailable"),
        (
            "该网站暂时无法访问，原因：该网站未按照《非经营性互联网信息服务备案管理办法》进行备案。",
            "This site cannot be reached because it has no ICP filing (备案), which the regulations require before "
            "a site may be served from mainland China.",
        ),
        (
            "如果您是网站所有者，请通过接入服务商提交 ICP 备案；备案通过后即可恢复访问。",
            "If you own this site, file it for ICP through your hosting provider; it will be served once the "
            "filing is approved.",
        ),
    ),
    "elsewhere": (
        ("网站暂时无法访问", "This site is temporarily unavailable"),
        (
            "该网站已备案，但未在本服务商处办理接入备案，因此不能通过本服务商的服务器提供访问。",
            "This site is filed, but not with this hosting provider, so this provider's servers may not serve it.",
        ),
        (
            "如果您是网站所有者，请在本服务商处办理接入备案（新增接入），或将网站解析回原接入服务商。",
            "If you own this site, add this provider to your filing (an add-access filing), or point the site back "
            "to the provider it is filed with.",
        ),
    ),
    "pending": (
        ("网站备案审核中", "This site's filing is under review"),
        (
            "该网站的备案正在审核中，审核通过前暂时不能访问。",
            "This site's ICP filing is being reviewed; it cannot be served until the review is approved.",
        ),
        (
            "如果您是网站所有者，请留意审核进度和短信通知；审核通过后即可恢复访问。",
            "If you own this site, follow the review and the SMS notices; the site will be served once approved.",
        ),
    ),
    "suspended": (
        ("网站已暂停访问", "This site has been suspended"),
        (
            "该网站的备案已被注销或暂停，因此暂时不能访问。",
            "This site's ICP filing has been cancelled or suspended, so it cannot be served.",
        ),
        (
            "如果您是网站所有者，请联系接入服务商了解原因，并重新提交备案。",
            "If you own this site, ask your hosting provider why, and file again.",
        ),
    ),
}
_FILE = ("前往备案", "File for ICP")


def case_of(verdict: Verdict) -> str:
    if verdict.decision is Decision.PENDING:
        return "pending"
    if verdict.decision is Decision.SUSPENDED:
        return "suspended"
    if verdict.reason in (Reason.FILED_ELSEWHERE, Reason.WRONG_SERVER_ADDRESS):
        return "elsewhere"
    return "not_filed"


def render(verdict: Verdict, host: str, accept_language: str | None, filing_url: str) -> tuple[str, bytes]:
    """(language, HTML) of the block page for a verdict on `host`."""
    lang = language_of(accept_language, None, "zh-CN")
    order = (0, 1) if lang == "zh-CN" else (1, 0)
    title, why, todo = _CASES[case_of(verdict)]
    link = escape(filing_url, quote=True)
    shown = escape(host)
    sections = []
    for i in order:
        html_lang = "zh-CN" if i == 0 else "en"
        sections.append(
            f'<section lang="{html_lang}"><h1>{escape(title[i])}</h1>'
            f'<p class="host">{shown}</p><p>{escape(why[i])}</p><p>{escape(todo[i])}</p>'
            f'<p><a href="{link}">{escape(_FILE[i])}</a></p></section>'
        )
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title[order[0]])}</title><style>"
        "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;max-width:40rem;margin:4rem auto;"
        "padding:0 1rem;color:#333;line-height:1.6}h1{font-size:1.5rem;color:#c7000b}"
        ".host{font-family:monospace;color:#666}section+section{border-top:1px solid #ddd;margin-top:2rem}"
        "a{color:#0064c8}</style></head><body>" + "".join(sections) + "</body></html>"
    )
    return lang, page.encode()
