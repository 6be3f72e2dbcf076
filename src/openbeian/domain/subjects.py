"""The filing subject (主体 / 主办单位): who runs the sites, with its documents and leader.

Validation lives here, pure: each check raises ValidationError naming the field path it concerns.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from openbeian.errors import Text, ValidationError


class SubjectKind(StrEnum):
    INDIVIDUAL = "individual"
    ENTERPRISE = "enterprise"
    GOVERNMENT = "government"
    PUBLIC_INSTITUTION = "public_institution"
    SOCIAL_ORGANIZATION = "social_organization"

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    SubjectKind.INDIVIDUAL: Text("Individual", "个人"),
    SubjectKind.ENTERPRISE: Text("Enterprise", "企业"),
    SubjectKind.GOVERNMENT: Text("Government body", "政府机关"),
    SubjectKind.PUBLIC_INSTITUTION: Text("Public institution", "事业单位"),
    SubjectKind.SOCIAL_ORGANIZATION: Text("Social organisation", "社会团体"),
}


class DocumentType(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    PASSPORT = "passport"  # 护照
    RESIDENCE_PERMIT = "residence_permit"  # 外国人永久居留身份证 / 居住证
    HK_MACAO_PASS = "hk_macao_pass"  # 港澳居民来往内地通行证
    TAIWAN_PASS = "taiwan_pass"  # 台湾居民来往大陆通行证
    BUSINESS_LICENSE = "business_license"  # 营业执照 (unified social credit code)
    INSTITUTION_CERTIFICATE = "institution_certificate"  # 事业单位法人证书
    SOCIAL_ORG_CERTIFICATE = "social_org_certificate"  # 社会团体法人登记证书
    GOVERNMENT_CODE = "government_code"  # 统一社会信用代码 of a government body


PERSONAL_DOCUMENTS = frozenset(
    {
        DocumentType.RESIDENT_ID,
        DocumentType.PASSPORT,
        DocumentType.RESIDENCE_PERMIT,
        DocumentType.HK_MACAO_PASS,
        DocumentType.TAIWAN_PASS,
    }
)

# Which organisation document fits which subject kind; all carry an 18-character credit code.
ORGANISATION_DOCUMENTS = {
    SubjectKind.ENTERPRISE: DocumentType.BUSINESS_LICENSE,
    SubjectKind.GOVERNMENT: DocumentType.GOVERNMENT_CODE,
    SubjectKind.PUBLIC_INSTITUTION: DocumentType.INSTITUTION_CERTIFICATE,
    SubjectKind.SOCIAL_ORGANIZATION: DocumentType.SOCIAL_ORG_CERTIFICATE,
}

_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class IdDocument:
    type: DocumentType
    number: str

    @staticmethod
    def parse(type_: str, number: str, field: str) -> IdDocument:
        try:
            doc_type = DocumentType(type_)
        except ValueError:
            raise ValidationError.for_field(
                f"{field}.type", f"unknown document type {type_!r}", f"未知的证件类型 {type_!r}"
            ) from None
        compact = "".join(number.split()).upper()
        if not compact:
            raise ValidationError.for_field(f"{field}.number", "is required", "必填")
        valid = _valid_document_number(doc_type, compact)
        if valid is None:
            raise ValidationError.for_field(
                f"{field}.number",
                f"{number!r} is not a valid {doc_type.value.replace('_', ' ')} number (check digit or format)",
                f"{number!r} 不是有效的证件号码（校验位或格式错误）",
            )
        return IdDocument(doc_type, valid)

    @property
    def key(self) -> str:
        """What the registry and the in-flight check know a subject by (the number itself is personal data)."""
        return hashlib.sha256(f"{self.type.value}:{self.number}".encode()).hexdigest()

    @property
    def masked(self) -> str:
        """The number with all but the first 2 and last 2 characters hidden."""
        if len(self.number) <= 4:
            return "*" * len(self.number)
        return self.number[:2] + "*" * (len(self.number) - 4) + self.number[-2:]


@dataclass(frozen=True, slots=True)
class Person:
    """A leader (负责人): the subject's or a site's."""

    name: str
    document: IdDocument
    mobile: str  # E.164, e.g. +8613800138000
    email: str

    @staticmethod
    def parse(name: str, doc_type: str, doc_number: str, mobile: str, email: str, field: str) -> Person:
        clean_name = " ".join(name.split())
        if not 2 <= len(clean_name) <= 40:
            raise ValidationError.for_field(f"{field}.name", "must be 2 to 40 characters", "须为 2 到 40 个字符")
        document = IdDocument.parse(doc_type, doc_number, f"{field}.document")
        if document.type not in PERSONAL_DOCUMENTS:
            raise ValidationError.for_field(
                f"{field}.document.type",
                "a person needs a personal document (resident ID, passport ...)",
                "负责人须使用个人证件（身份证、护照等）",
            )
        return Person(
            clean_name,
            document,
            parse_mobile(mobile, f"{field}.mobile"),
            parse_email(email, f"{field}.email"),
        )


def parse_mobile(text: str, field: str) -> str:
    """A mainland China mobile number in E.164 form; SMS checks go to mainland numbers only."""
    e164 = _mainland_mobile(text)
    if e164 is None:
        raise ValidationError.for_field(
            field,
            f"{text!r} is not a valid mainland China mobile number",
            f"{text!r} 不是有效的中国大陆手机号码",
        )
    return e164


# The two checks below are pure and costly (python-stdnum's birthplace table, phonenumbers' metadata); every
# order read back from the database runs them again, so their answers are remembered.
@lru_cache(maxsize=8192)
def _valid_document_number(doc_type: DocumentType, compact: str) -> str | None:
    """The number in its canonical form when its check digit and format hold, else None."""
    try:
        if doc_type is DocumentType.RESIDENT_ID:
            return str(ric.validate(compact))
        if doc_type not in PERSONAL_DOCUMENTS:
            return str(uscc.validate(compact))
        return compact if _PASSPORT.match(compact) else None
    except (StdnumError, KeyError):  # python-stdnum 2.2 raises KeyError for some area codes
        return None


@lru_cache(maxsize=8192)
def _mainland_mobile(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if (
        not phonenumbers.is_valid_number(number)
        or number.country_code != 86
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_email(text: str, field: str) -> str:
    email = text.strip()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationError.for_field(
            field, f"{text!r} is not a valid e-mail address", f"{text!r} 不是有效的电子邮箱"
        )
    return email


@dataclass(frozen=True, slots=True)
class Subject:
    kind: SubjectKind
    name: str
    province_code: str
    document: IdDocument
    leader: Person
    address: str

    def __post_init__(self) -> None:
        if self.kind is SubjectKind.INDIVIDUAL:
            if self.document.type not in PERSONAL_DOCUMENTS:
                raise ValidationError.for_field(
                    "subject.document.type",
                    "an individual files with a personal document",
                    "个人主体须使用个人证件",
                )
        elif self.document.type is not ORGANISATION_DOCUMENTS[self.kind]:
            expected = ORGANISATION_DOCUMENTS[self.kind].value
            raise ValidationError.for_field(
                "subject.document.type",
                f"a {self.kind.value.replace('_', ' ')} files with a {expected.replace('_', ' ')}",
                f"该主体性质须使用对应的单位证件（{expected}）",
            )
        if not 2 <= len(self.name) <= 100:
            raise ValidationError.for_field("subject.name", "must be 2 to 100 characters", "须为 2 到 100 个字符")
        if len(self.address.strip()) < 5:
            raise ValidationError.for_field("subject.address", "give the full mailing address", "请填写完整的通信地址")

    @property
    def public_name(self) -> str:
        """The name as the public registry shows it: an individual's name is masked."""
        return mask_person_name(self.name) if self.kind is SubjectKind.INDIVIDUAL else self.name


def mask_person_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, John Smith -> J*** S****."""
    if " " in name:
        return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split())
    return name[0] + "*" * (len(name) - 1)
