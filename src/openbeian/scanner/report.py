"""The `scan --csv` rows and the `scan --report PATH.html` page (self-contained: no script, no external asset)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from html import escape

from openbeian import __version__
from openbeian.scanner.scan import PageReport

__all__ = ["CSV_HEADER", "csv_row", "html_report"]

CSV_HEADER = ("source", "status", "compliant", "numbers", "errors", "warnings", "findings")


def csv_row(report: PageReport, lang: str = "en") -> str:
    """One CSV line (with its line ending) for a page: numbers and findings joined by " | "."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    severities = [f.severity.value for f in report.findings]
    writer.writerow(
        (
            report.source,
            report.status.value,
            "yes" if report.compliant else "no",
            " | ".join(n.canonical for n in report.numbers),
            severities.count("error"),
            severities.count("warning"),
            " | ".join(f"{f.code}: {f.text.get(lang)}" for f in report.findings),
        )
    )
    return out.getvalue()


def csv_header() -> str:
    return ",".join(CSV_HEADER) + "\n"


_STYLE = """
body{font:14px/1.5 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
.ok{color:#176317}.bad{color:#a11}.error{color:#a11}.warning{color:#8a5a00}.info{color:#555}
code{font-size:13px}
"""


def html_report(reports: Iterable[PageReport], generated_at: datetime, lang: str = "en") -> str:
    """A standalone HTML page: a summary, then one section per page with its numbers and findings."""
    zh = lang.startswith("zh")
    pages = list(reports)
    good = sum(1 for r in pages if r.compliant)
    title = "页脚备案号扫描报告" if zh else "Footer scan report"
    rows = []
    for r in pages:
        numbers = "<br>".join(
            f"<code>{escape(n.canonical)}</code> {escape(n.kind.value)}"
            f"{'' if n.displayed else ' · hidden'}{' · ' + escape(n.href) if n.href else ''}"
            for n in r.numbers
        )
        findings = "<br>".join(
            f'<span class="{f.severity.value}">{escape(f.severity.value)}</span> {escape(f.text.get(lang))}'
            for f in r.findings
        )
        verdict = ("合规" if zh else "compliant") if r.compliant else ("不合规" if zh else "not compliant")
        rows.append(
            f"<tr><td>{escape(r.source)}</td><td>{escape(r.status.value)}</td>"
            f'<td class="{"ok" if r.compliant else "bad"}">{verdict}</td><td>{numbers or "—"}</td>'
            f"<td>{findings or '—'}</td></tr>"
        )
    head = ("页面", "状态", "结论", "号码", "发现") if zh else ("Page", "Status", "Verdict", "Numbers", "Findings")
    summary = f"{good} / {len(pages)} " + ("个页面合规" if zh else "pages compliant")
    return (
        f'<!doctype html><html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{title}</h1><p>{summary} · {escape(generated_at.isoformat(timespec='seconds'))} · OpenBeian "
        f"{__version__}</p><table><thead><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )
