"""What rules derive from the facts: the province and its policy, locality, age, the mobile's province."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import phonenumbers
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from openbeian.domain.provinces import Province, all_provinces, find
from openbeian.errors import Text
from openbeian.rules.data import Policy, Tables
from openbeian.rules.facts import Document, Facts

ORGANISATION_DOCUMENTS = frozenset(
    {
        "business_license",
        "representative_office_certificate",
        "institution_certificate",
        "social_org_certificate",
        "government_code",
    }
)
CREDIT_CODE_DOCUMENTS = ORGANISATION_DOCUMENTS - {"representative_office_certificate"}
FOREIGN_RESIDENCE_DOCUMENTS = frozenset({"residence_permit", "foreign_permanent_residence"})


def province_of(code: str | None) -> Province | None:
    return find(code[:2]) if code else None


def policy_of(facts: Facts, tables: Tables) -> tuple[Province, Policy] | None:
    province = province_of(facts.province)
    if province is None:
        return None
    policy = tables.policies.get(province.code)
    return None if policy is None else (province, policy)


def name(province: Province) -> Text:
    return Text(province.name_en, province.name_zh)


def valid_resident_id(number: str | None) -> str | None:
    if not number:
        return None
    try:
        return str(ric.validate(number))
    except (StdnumError, KeyError):  # python-stdnum raises KeyError for some area codes
        return None


def valid_credit_code(number: str | None) -> str | None:
    if not number:
        return None
    try:
        return str(uscc.validate(number))
    except StdnumError:
        return None


def issued_in(document: Document) -> str | None:
    """Where a document was issued: as given, else the area code inside a resident ID or credit code."""
    if document.issued_in:
        return document.issued_in
    if document.type == "resident_id":
        number = valid_resident_id(document.number)
        return number[:6] if number and province_of(number[:6]) else None
    if document.type in CREDIT_CODE_DOCUMENTS:
        code = valid_credit_code(document.number)
        return code[2:8] if code and province_of(code[2:8]) else None
    return None


def same_province(code: str | None, other: str | None) -> bool:
    return bool(code and other and code[:2] == other[:2])


def age_on(facts: Facts, day: date) -> int | None:
    """The stated age, else the age from a valid resident ID's birth date."""
    if facts.subject.age is not None:
        return facts.subject.age
    for _, document in facts.subject.documents_of("resident_id"):
        number = valid_resident_id(document.number)
        if number:
            born = ric.get_birth_date(number)
            return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return None


@lru_cache(maxsize=4096)
def mobile(text: str) -> tuple[str, str | None] | None:
    """A mainland mobile number as (E.164, GB/T 2260 code of its home province), or None when not one."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        return None
    # The geocoder's data holds about 100 MiB: imported on the first mobile number, not with the rules, so an API
    # worker that only answers registry queries never loads it.
    from phonenumbers import geocoder

    place = geocoder.description_for_number(number, "zh")
    home = next((p.code for p in all_provinces() if place.startswith(p.short_name_zh)), None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), home


def provinces_text(codes: tuple[str, ...]) -> Text:
    found = [p for p in (province_of(c) for c in codes) if p is not None]
    return Text(", ".join(p.name_en for p in found), "、".join(p.short_name_zh for p in found))
