"""Number parsing as a report: the shape `openbeian number parse --json` and the API share."""

from __future__ import annotations

from typing import Any

from openbeian.domain.numbers import parse_number
from openbeian.errors import InvalidNumber


def number_report(text: str) -> dict[str, Any]:
    """The `number parse` shape shared by the CLI and the API."""
    report: dict[str, Any] = {
        "input": text,
        "valid": False,
        "kind": None,
        "canonical": None,
        "province_code": None,
        "province_abbr": None,
        "serial": None,
        "service_seq": None,
        "service_type": None,
        "category": None,
        "error": None,
    }
    try:
        report.update(parse_number(text).to_dict(), valid=True)
    except InvalidNumber as exc:
        report["error"] = exc.message
    return report
