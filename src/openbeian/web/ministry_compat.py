"""The ministry-compatible registry query: the request and answer of the MIIT public query
(`POST https://hlwicpfwc.miit.gov.cn/icpproject_query/api/icpAbbreviateInfo/queryByCondition`) over our registry,
so tools written against it (ICP_Query, ICP-Checker, ENScan ...) can point here instead.

Request: `{"pageNum": 1, "pageSize": 10, "unitName": "...", "serviceType": 1}` where `unitName` holds a domain, an
ICP filing number or (part of) a subject's name, `serviceType` the kind of service (1 website, 6 app, 7 mini
program, 8 quick app; absent or empty: every kind) and the page fields may be numbers, numeric strings or "".
Answer: `{"code": 200, "msg": "操作成功", "params": {"list": [...], "total": n, "pageNum", "pageSize", ...},
"success": true}`, one list item per filed domain (a site without a domain: one item with an empty `domain`), with
the column names of domain/ministry.py. Only active filings are listed, as on the ministry's page.

Fields the public record does not hold are answered as the ministry's empty values: `contentTypeName` "",
`leaderName` "", `limitAccess` 否; `homeUrl` is the domain. The ministry's numeric ids (mainId, serviceId,
domainId) and its detail and captcha endpoints are not provided."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openbeian.domain.domains import parse_domain
from openbeian.domain.ministry import format_record_time, nature_name, service_type_of_code
from openbeian.domain.numbers import ServiceType
from openbeian.domain.subjects import SubjectKind
from openbeian.errors import Text, ValidationError
from openbeian.services.registry import MAX_PAGE, PublicRecord, RegistryService

QUERY_PATHS = (
    "/icpproject_query/api/icpAbbreviateInfo/queryByCondition",
    "/icpproject_query/api/icpAbbreviateInfo/queryByCondition/",
)
AUTH_PATH = "/icpproject_query/api/auth"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000  # larger asks (tools send 1500) are served 1,000 rows
MAX_ROWS = 5000  # rows read for one answer: pageNum * pageSize + 1 at most, never more than this
NAVIGATE_PAGES = 8
OK_MESSAGE = "操作成功"


@dataclass(frozen=True, slots=True)
class MinistryQuery:
    kind: str  # domain | number | subject
    value: str
    service_type: ServiceType | None
    page_num: int
    page_size: int


def parse_query(body: object) -> MinistryQuery:
    """The ministry request's fields, checked; a ValidationError names the field at fault."""
    if not isinstance(body, Mapping):
        raise ValidationError(Text("the request body must be a JSON object", "请求体必须是 JSON 对象"))
    unit = body.get("unitName")
    if not isinstance(unit, str) or not unit.strip():
        raise ValidationError.for_field(
            "unitName", "give a domain, a filing number or a name", "请输入域名、备案号或单位名称"
        )
    service_type = None
    code = body.get("serviceType")
    if code not in (None, ""):
        service_type = service_type_of_code(code) if isinstance(code, int | str) else None
        if service_type is None:
            raise ValidationError.for_field("serviceType", "use 1, 6, 7 or 8", "服务类型应为 1、6、7 或 8")
    page_num = _whole(body.get("pageNum"), "pageNum", 1)
    page_size = min(_whole(body.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    kind, value = _kind_of(unit.strip())
    return MinistryQuery(kind, value, service_type, page_num, page_size)


def _whole(value: object, field: str, default: int) -> int:
    if value in (None, ""):
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.strip().isdigit() and 0 < int(value) < 10**9:
        return int(value)
    raise ValidationError.for_field(field, "give a whole number from 1", "应为不小于 1 的整数")


def _kind_of(unit: str) -> tuple[str, str]:
    """What unitName holds: a filing number (has ICP or 备), a domain (parses as one), else part of a name."""
    if "ICP" in unit.upper() or "备" in unit:
        return "number", unit
    if "." in unit or "。" in unit:
        try:
            parse_domain(unit, "unitName")
        except ValidationError:
            pass
        else:
            return "domain", unit
    return "subject", unit


def answer(service: RegistryService, query: MinistryQuery) -> dict[str, Any]:
    """The ministry's answer envelope for one query (blocking: database reads)."""
    start = (query.page_num - 1) * query.page_size
    wanted = min(start + query.page_size + 1, MAX_ROWS)
    rows: list[dict[str, str]] = []
    cursor: str | None = None
    exhausted = False
    only = _matching_domains(query.value) if query.kind == "domain" else None
    while len(rows) < wanted:
        page = service.query_page(**{query.kind: query.value}, cursor=cursor, limit=MAX_PAGE)
        for record in page.records:
            if record.status == "active" and (query.service_type is None or record.site_type == query.service_type):
                rows.extend(_rows(record, only))
        cursor = page.next_cursor
        if cursor is None:
            exhausted = True
            break
    listed = rows[start : start + query.page_size]
    total = len(rows) if exhausted else max(len(rows), start + len(listed) + 1)
    return {"code": 200, "msg": OK_MESSAGE, "params": _page_info(query, listed, total), "success": True}


def _matching_domains(text: str) -> set[str]:
    domain = parse_domain(text, "unitName")
    return {domain.ascii, domain.registrable}


def _rows(record: PublicRecord, only: set[str] | None) -> list[dict[str, str]]:
    domains = list(record.domains)
    if only is not None:
        matched = [d for d in domains if _ascii(d) in only]
        domains = matched[:1] or domains
    kind = record.subject_kind
    common = {
        "unitName": record.subject_name,
        "natureName": nature_name(kind) if kind in SubjectKind._value2member_map_ else kind,
        "mainLicence": record.subject_number,
        "serviceLicence": record.site_number,
        "serviceName": record.site_name,
    }
    updated = format_record_time(datetime.fromisoformat(record.approved_at))
    return [
        {
            **common,
            "domain": domain,
            "homeUrl": domain,
            "contentTypeName": "",
            "leaderName": "",
            "limitAccess": "否",
            "updateRecordTime": updated,
        }
        for domain in domains or [""]
    ]


def _ascii(domain: str) -> str:
    return domain if domain.isascii() else parse_domain(domain).ascii


def _page_info(query: MinistryQuery, listed: list[dict[str, str]], total: int) -> dict[str, Any]:
    """PageHelper's page object, as the ministry sends it."""
    num, size = query.page_num, query.page_size
    pages = max(1, math.ceil(total / size)) if total else 0
    first_nav = max(1, min(num - NAVIGATE_PAGES // 2, pages - NAVIGATE_PAGES + 1))
    navigate = list(range(first_nav, min(pages, first_nav + NAVIGATE_PAGES - 1) + 1)) if pages else []
    start_row = (num - 1) * size + 1 if listed else 0
    return {
        "endRow": start_row + len(listed) - 1 if listed else 0,
        "firstPage": navigate[0] if navigate else 0,
        "hasNextPage": num < pages,
        "hasPreviousPage": num > 1,
        "isFirstPage": num == 1,
        "isLastPage": num >= pages,
        "lastPage": navigate[-1] if navigate else 0,
        "list": listed,
        "navigatePages": NAVIGATE_PAGES,
        "navigatepageNums": navigate,
        "nextPage": num + 1 if num < pages else 0,
        "pageNum": num,
        "pageSize": size,
        "pages": pages,
        "prePage": num - 1 if num > 1 else 0,
        "size": len(listed),
        "startRow": start_row,
        "total": total,
    }


def auth_answer(token: str) -> dict[str, Any]:
    """The ministry's /auth answer: tools ask for a token before they query; ours is not checked."""
    return {
        "code": 200,
        "msg": OK_MESSAGE,
        "params": {"bussiness": token, "expire": 300000, "refresh": token},  # sic: the ministry's spelling
        "success": True,
    }


def error_answer(status: int, error: Mapping[str, object]) -> dict[str, Any]:
    """An error in both shapes: the ministry's (code, msg, success) for the tools, ours under "error"."""
    return {"code": status, "msg": error.get("message", ""), "success": False, "error": dict(error)}
