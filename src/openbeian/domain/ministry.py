"""The ministry's public query (beian.miit.gov.cn, `icpAbbreviateInfo/queryByCondition`): its field names and the
way it spells values, mapped to ours. Pure: used by registry import / export and the compatible JSON endpoint.

One record of the ministry's answer, with what each field holds::

    unitName          主办单位名称  the subject's name
    natureName        主办单位性质  企业 / 个人 / 政府机关 / 事业单位 / 社会团体 ...  <-> SubjectKind
    mainLicence       主体备案号    京ICP备2024012345号
    serviceLicence    网站备案号    京ICP备2024012345号-1 (…-2A app, …-1X mini program, …-1K quick app)
    serviceName       网站名称
    domain            域名          (unicode form)
    homeUrl           网站首页地址
    contentTypeName   前置审批项    empty, or the pre-approval categories joined by ";"
    leaderName        负责人        the site leader's name
    limitAccess       是否限制接入  是 / 否
    updateRecordTime  审核日期      2024-05-06 10:20:30, Beijing time

The query's `serviceType` parameter codes the kind of service: 1 website, 6 app, 7 mini program, 8 quick app.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.numbers import ServiceType
from openbeian.domain.subjects import SubjectKind

__all__ = [
    "MINISTRY_COLUMNS",
    "NATURE_NAMES",
    "SERVICE_TYPE_CODES",
    "format_limit_access",
    "format_record_time",
    "kind_of_nature",
    "nature_name",
    "parse_limit_access",
    "parse_record_time",
    "service_type_of_code",
]

MINISTRY_COLUMNS: tuple[str, ...] = (
    "unitName",
    "natureName",
    "mainLicence",
    "serviceLicence",
    "serviceName",
    "domain",
    "homeUrl",
    "contentTypeName",
    "leaderName",
    "limitAccess",
    "updateRecordTime",
)

#: How the ministry names each subject kind we hold (what export and the compatible endpoint write).
NATURE_NAMES: dict[SubjectKind, str] = {
    SubjectKind.ENTERPRISE: "企业",
    SubjectKind.INDIVIDUAL: "个人",
    SubjectKind.GOVERNMENT: "政府机关",
    SubjectKind.PUBLIC_INSTITUTION: "事业单位",
    SubjectKind.SOCIAL_ORGANIZATION: "社会团体",
}

# The ministry's finer kinds (WeChat queryIcpSubjectTypes and the GK list) folded into the five we hold:
# accepted on import, written back under the name above (this direction loses the finer kind).
_NATURE_ALIASES: dict[str, SubjectKind] = {
    "国防机构": SubjectKind.GOVERNMENT,
    "群众性团体组织": SubjectKind.SOCIAL_ORGANIZATION,
    "民办非企业单位": SubjectKind.SOCIAL_ORGANIZATION,
    "基金会": SubjectKind.SOCIAL_ORGANIZATION,
    "宗教团体": SubjectKind.SOCIAL_ORGANIZATION,
    "律师执业机构": SubjectKind.PUBLIC_INSTITUTION,
    "司法鉴定机构": SubjectKind.PUBLIC_INSTITUTION,
    "医疗机构": SubjectKind.PUBLIC_INSTITUTION,
    "公证机构": SubjectKind.PUBLIC_INSTITUTION,
    "外国在华文化中心": SubjectKind.SOCIAL_ORGANIZATION,
    "境外机构": SubjectKind.ENTERPRISE,
}
_KIND_OF_NATURE: dict[str, SubjectKind] = {
    **_NATURE_ALIASES,
    **{name: kind for kind, name in NATURE_NAMES.items()},
    **{kind.value: kind for kind in SubjectKind},  # our own spelling is accepted too
}

#: The ministry query's serviceType codes.
SERVICE_TYPE_CODES: dict[ServiceType, int] = {
    ServiceType.WEBSITE: 1,
    ServiceType.APP: 6,
    ServiceType.MINI_PROGRAM: 7,
    ServiceType.QUICK_APP: 8,
}

LIMIT_ACCESS_YES = "是"
LIMIT_ACCESS_NO = "否"
RECORD_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_RECORD_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
_CHINA_OFFSET = timedelta(hours=8)


def nature_name(kind: SubjectKind | str) -> str:
    """企业 for enterprise …; raises ValueError for an unknown kind (a programming error)."""
    return NATURE_NAMES[SubjectKind(kind)]


def kind_of_nature(name: str) -> SubjectKind | None:
    """The subject kind of a natureName (企业, 个人 … or one of the finer kinds folded into them); None if unknown."""
    return _KIND_OF_NATURE.get(name.strip())


def service_type_of_code(code: int | str) -> ServiceType | None:
    """The service type of a ministry serviceType code (1, 6, 7, 8); None for any other."""
    for service_type, known in SERVICE_TYPE_CODES.items():
        if str(code).strip() == str(known):
            return service_type
    return None


def format_limit_access(limited: bool | None) -> str:
    """是 when access is limited, else 否 (also when unknown: the ministry's default)."""
    return LIMIT_ACCESS_YES if limited else LIMIT_ACCESS_NO


def parse_limit_access(text: str) -> bool | None:
    """是 / 否 (or yes / no, true / false, 1 / 0, empty = 否); None when it is none of these."""
    value = text.strip().lower()
    if value in (LIMIT_ACCESS_YES, "yes", "true", "1"):
        return True
    if value in (LIMIT_ACCESS_NO, "no", "false", "0", ""):
        return False
    return None


def format_record_time(at: datetime) -> str:
    """2024-05-06 10:20:30: Beijing time to the second, as the ministry writes updateRecordTime."""
    return at.astimezone(CHINA_TZ).strftime(RECORD_TIME_FORMAT)


def parse_record_time(text: str) -> datetime | None:
    """An updateRecordTime (Beijing time; a bare date is midnight; ISO 8601 with a zone is accepted too) as an
    aware UTC datetime; None when it is not a time."""
    value = text.strip()
    if _RECORD_TIME.match(value):  # the usual form, read without strptime (bulk import reads millions)
        try:
            local = datetime(
                int(value[:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]), int(value[14:16]),
                int(value[17:19]), tzinfo=UTC,
            )  # fmt: skip
        except ValueError:
            return None
        return local - _CHINA_OFFSET
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    return parsed.astimezone(UTC)
