"""The facts document: what the rules know about a filing, parsed from JSON, with its JSON Schema.

Every fact is optional: a rule that needs a missing fact says so (severity info) instead of failing. Bad input
is refused as a whole, with one message per field path: unknown fields, wrong types and values outside an
enumeration (naming the accepted values), in English and Chinese.

    {"province": "京", "licence": "filing", "hosting": {"region": "mainland", "provider_chinese": true},
     "subject": {"kind": "enterprise", "name": "...", "nationality": "CN",
                 "documents": [{"type": "business_license", "number": "...", "issued_in": "110000"}],
                 "residence_province": "110000", "foreign_ownership_percent": 0, "age": 30,
                 "leader": {"mobile": "+8613800138000", "is_legal_representative": true}},
     "sites": [{"name": "...", "kind": "website", "domains": ["example.cn"], "content": ["company"],
                "pre_approvals": [{"category": "news", "document_number": "..."}]}]}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from openbeian.domain import provinces
from openbeian.domain.numbers import ServiceType
from openbeian.errors import Text, ValidationError
from openbeian.rules.spec import Array, Bool, Day, Enum, Number, Obj, OneOf, Str

SUBJECT_KINDS = ("individual", "enterprise", "government", "public_institution", "social_organization")
ORGANISATION_KINDS = frozenset(SUBJECT_KINDS[1:])
DOCUMENT_TYPES = (
    "resident_id",
    "passport",
    "residence_permit",
    "hk_macao_pass",
    "taiwan_pass",
    "foreign_permanent_residence",
    "business_license",
    "representative_office_certificate",
    "institution_certificate",
    "social_org_certificate",
    "government_code",
    "foreign_company_registration",
)
CONTENT = (
    "company",
    "blog",
    "news",
    "forum",
    "publishing",
    "education",
    "medical",
    "drugs",
    "culture",
    "audiovisual",
    "games",
    "finance",
    "ecommerce",
    "other",
)
REGIONS = ("mainland", "hong_kong", "macao", "taiwan", "overseas")
LICENCES = ("filing", "commercial")
CHINESE_NATIONALITIES = frozenset({"CN", "HK", "MO", "TW"})  # Chinese citizens, wherever they reside

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_PROVINCE_HELP = "a province abbreviation (京), a GB/T 2260 code (110000) or a name (北京 / Beijing)"


def _province_code(text: str) -> str | None:
    found = provinces.find(text)
    return found.code if found else None


def _area_code(text: str) -> str | None:
    """A GB/T 2260 code kept to six digits (a city such as 440300 stays), or a province named any other way."""
    stripped = text.strip()
    if len(stripped) == 6 and stripped.isascii() and stripped.isdigit():
        return stripped if provinces.find(stripped[:2]) else None
    return _province_code(stripped)


def _country(text: str) -> str | None:
    return text.strip().upper() if _COUNTRY.match(text.strip()) else None


_DOCUMENT = Obj(
    fields={
        "type": Enum(values=DOCUMENT_TYPES),
        "number": Str(max_length=40),
        "issued_in": Str(max_length=40, normalise=_area_code, accepted=_PROVINCE_HELP),
    },
    required=("type",),
)
_DOMAIN = OneOf(
    text=Str(max_length=300, description="a domain name"),
    obj=Obj(
        fields={
            "name": Str(max_length=300),
            "real_name_verified": Bool(description="the registrar has verified the holder (实名认证)"),
            "holder": Str(description="the holder's name as the registrar shows it"),
            "expires": Day(),
        },
        required=("name",),
    ),
    description="a domain name, or an object with what is known about it",
)
SCHEMA = Obj(
    description="Facts about an ICP filing; every field is optional, rules report what is missing.",
    fields={
        "province": Str(normalise=_province_code, accepted=_PROVINCE_HELP, description="where to file"),
        "licence": Enum(values=LICENCES, description="filing (备案) or commercial licence (经营许可证)"),
        "hosting": Obj(
            fields={
                "region": Enum(values=REGIONS),
                "provider_chinese": Bool(description="the server is bought from a Chinese provider"),
            }
        ),
        "subject": Obj(
            fields={
                "kind": Enum(values=SUBJECT_KINDS),
                "name": Str(),
                "nationality": Str(normalise=_country, accepted="an ISO 3166 two-letter code such as CN, US, HK"),
                "documents": Array(items=_DOCUMENT, max_items=10),
                "residence_province": Str(normalise=_area_code, accepted=_PROVINCE_HELP),
                "foreign_ownership_percent": Number(minimum=0, maximum=100),
                "age": Number(integer=True, minimum=0, maximum=150),
                "leader": Obj(
                    fields={
                        "mobile": Str(max_length=40),
                        "is_legal_representative": Bool(),
                    }
                ),
            }
        ),
        "sites": Array(
            max_items=20,
            items=Obj(
                fields={
                    "name": Str(max_length=100),
                    "kind": Enum(values=tuple(t.value for t in ServiceType)),
                    "domains": Array(items=_DOMAIN, max_items=20),
                    "content": Array(items=Enum(values=CONTENT), max_items=len(CONTENT)),
                    "pre_approvals": Array(
                        max_items=len(CONTENT),
                        items=Obj(
                            fields={"category": Enum(values=CONTENT), "document_number": Str(max_length=100)},
                            required=("category",),
                        ),
                    ),
                }
            ),
        ),
    },
)


@dataclass(frozen=True, slots=True)
class Document:
    type: str
    number: str | None = None
    issued_in: str | None = None
    """GB/T 2260 code of where it was issued (province or finer)."""


@dataclass(frozen=True, slots=True)
class Leader:
    mobile: str | None = None
    is_legal_representative: bool | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str | None = None
    name: str | None = None
    nationality: str | None = None
    documents: tuple[Document, ...] | None = None
    residence_province: str | None = None
    foreign_ownership_percent: float | None = None
    age: int | None = None
    leader: Leader = field(default_factory=Leader)

    @property
    def is_individual(self) -> bool:
        return self.kind == "individual"

    @property
    def is_organisation(self) -> bool:
        return self.kind in ORGANISATION_KINDS

    @property
    def is_foreign(self) -> bool:
        return self.nationality is not None and self.nationality not in CHINESE_NATIONALITIES

    def documents_of(self, *types: str) -> list[tuple[int, Document]]:
        return [(i, d) for i, d in enumerate(self.documents or ()) if d.type in types]


@dataclass(frozen=True, slots=True)
class DomainFact:
    name: str
    real_name_verified: bool | None = None
    holder: str | None = None
    expires: date | None = None


@dataclass(frozen=True, slots=True)
class PreApproval:
    category: str
    document_number: str | None = None


@dataclass(frozen=True, slots=True)
class SiteFact:
    name: str | None = None
    kind: str | None = None
    domains: tuple[DomainFact, ...] = ()
    content: tuple[str, ...] | None = None
    pre_approvals: tuple[PreApproval, ...] = ()


@dataclass(frozen=True, slots=True)
class Hosting:
    region: str | None = None
    provider_chinese: bool | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    province: str | None = None
    """GB/T 2260 six-digit province code."""
    licence: str | None = None
    hosting: Hosting = field(default_factory=Hosting)
    subject: Subject = field(default_factory=Subject)
    sites: tuple[SiteFact, ...] | None = None

    def with_province(self, code: str) -> Facts:
        return Facts(code, self.licence, self.hosting, self.subject, self.sites)


def parse_facts(data: Any) -> Facts:
    """Facts from a decoded JSON value; raises ValidationError naming every bad field."""
    problems: dict[str, Text] = {}
    clean = SCHEMA.check(data, "", problems)
    if problems:
        count = len(problems)
        raise ValidationError(
            Text(
                f"the facts document has {count} problem{'s' if count > 1 else ''}",
                f"事实文档中有 {count} 处问题",
            ),
            problems,
        )
    return _build(clean)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def load_facts(text: str | bytes) -> Facts:
    """Facts from JSON text (NaN, Infinity, lone surrogates and absurd nesting are refused as invalid JSON)."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        data = json.loads(text, parse_constant=_no_constant)
        if _SURROGATE_ESCAPE.search(text):
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate cannot be echoed back
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, RecursionError):
            reason = Text("nested too deeply", "嵌套层级过深")
        elif isinstance(exc, UnicodeDecodeError):
            reason = Text("not UTF-8 text", "不是 UTF-8 编码的文本")
        elif isinstance(exc, UnicodeError):
            reason = Text("a lone surrogate escape is not valid Unicode", "含有无效的 Unicode 代理字符转义")
        else:
            reason = Text(str(exc), f"格式错误：{exc}")
        raise ValidationError(
            Text(f"the facts document is not valid JSON ({reason.en})", f"事实文档不是有效的 JSON（{reason.zh}）")
        ) from None
    return parse_facts(data)


@cache
def facts_json_schema() -> dict[str, Any]:
    schema = SCHEMA.schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "/api/v1/schemas/facts.json", **schema}


def _build(d: dict[str, Any]) -> Facts:
    hosting = d.get("hosting") or {}
    subject = d.get("subject") or {}
    leader = subject.get("leader") or {}
    documents = subject.get("documents")
    sites = d.get("sites")
    return Facts(
        province=d.get("province"),
        licence=d.get("licence"),
        hosting=Hosting(hosting.get("region"), hosting.get("provider_chinese")),
        subject=Subject(
            kind=subject.get("kind"),
            name=subject.get("name"),
            nationality=subject.get("nationality"),
            documents=None if documents is None else tuple(Document(**doc) for doc in documents),
            residence_province=subject.get("residence_province"),
            foreign_ownership_percent=subject.get("foreign_ownership_percent"),
            age=subject.get("age"),
            leader=Leader(leader.get("mobile"), leader.get("is_legal_representative")),
        ),
        sites=None if sites is None else tuple(_site(s) for s in sites),
    )


def _site(s: dict[str, Any]) -> SiteFact:
    content = s.get("content")
    return SiteFact(
        name=s.get("name"),
        kind=s.get("kind"),
        domains=tuple(DomainFact(name=d) if isinstance(d, str) else DomainFact(**d) for d in s.get("domains") or ()),
        content=None if content is None else tuple(content),
        pre_approvals=tuple(PreApproval(**p) for p in s.get("pre_approvals") or ()),
    )
