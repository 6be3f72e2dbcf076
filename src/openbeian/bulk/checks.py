"""The checks of one registry file row, pure: the numbers parse and belong together, the domains are domain names,
the document is valid for the subject's kind. A row that passes becomes a `Filing`; one that does not, a list of
reasons. Each check gives the same verdict as the domain layer (parse_number, parse_domain, python-stdnum); the
common spellings take a fast path (a row costs a few microseconds, not a hundred) and everything else goes to the
domain layer itself.
"""

from __future__ import annotations

import hashlib
import operator
import re
from dataclasses import dataclass
from datetime import datetime

from openbeian.bulk.formats import INPUT_COLUMNS, SEPARATOR, RawRow
from openbeian.domain.domains import parse_domain
from openbeian.domain.ministry import kind_of_nature, parse_limit_access, parse_record_time
from openbeian.domain.numbers import NumberKind, ParsedNumber, ServiceType, parse_number, try_parse
from openbeian.domain.provinces import Province, all_provinces
from openbeian.domain.sites import MAX_DOMAINS_PER_SITE
from openbeian.domain.subjects import ORGANISATION_DOCUMENTS, DocumentType, IdDocument, SubjectKind
from openbeian.errors import ValidationError

assert len(INPUT_COLUMNS) == 20  # RowChecker.check unpacks them in this order
_APP_ID = re.compile(r"^[A-Za-z0-9_.\-]{3,128}$")
_KEY = re.compile(r"^[0-9a-f]{64}$")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_FORM = re.compile(r"^[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}$")
# The first character of a credit code is its registration authority (GB 32100-2015): 1 机构编制 (government
# bodies, public institutions), 3 司法 (law firms ...), 5 民政 (social organisations), 7 宗教, 8 工会, 9 工商
# (enterprises), A 军队, N 农业, Y other. Which of them fit each subject kind we hold:
AUTHORITIES: dict[SubjectKind, str] = {
    SubjectKind.ENTERPRISE: "9NY",
    SubjectKind.GOVERNMENT: "1A",
    SubjectKind.PUBLIC_INSTITUTION: "13Y",
    SubjectKind.SOCIAL_ORGANIZATION: "1578Y",
}
STATUSES = ("active", "cancelled")


@dataclass(slots=True)
class Filing:
    """One checked row: a site and its subject, ready for the tables (times are aware UTC)."""

    line: int
    subject_number: str
    province_code: str
    year: int
    serial: int
    subject_name: str
    kind: str
    document_key: str
    credit_code: str | None
    subject_cancelled: bool
    site_number: str
    seq: int
    service_type: ServiceType
    site_name: str
    domains: tuple[str, ...]  # ascii, in file order
    home_url: str | None
    content_types: str | None
    leader_name: str | None
    limit_access: bool
    approved_at: datetime
    app_id: str | None
    providers: tuple[str, ...]
    police_number: str | None
    cancelled_at: datetime | None  # None: active


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reasons: tuple[str, ...]


def credit_code_is_valid(code: str) -> bool:
    """python-stdnum's cn.uscc check (18 characters, 8 digits, then its alphabet, mod-31 check character)."""
    return _USCC_FORM.match(code) is not None and code[17] == credit_check_character(code)


def credit_check_character(code: str) -> str:
    """The check character of a credit code's first 17 characters (python-stdnum's cn.uscc.calc_check_digit)."""
    total = sum(map(operator.mul, map(_USCC_VALUES.__getitem__, code[:17]), _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total) % 31]


def document_key(document_type: DocumentType, number: str) -> str:
    """The registry's key of a document: the same as IdDocument.key."""
    return hashlib.sha256(f"{document_type.value}:{number}".encode()).hexdigest()


class RowChecker:
    """Checks rows one by one; remembers what it verified once (public suffixes, the last subject number)."""

    def __init__(self) -> None:
        self._suffixes: dict[str, bool] = {}
        self._last_key: tuple[str, ...] = ()
        self._last_part: tuple[ParsedNumber | None, str, SubjectKind | None, str, str | None, tuple[str, ...]] = (
            None, "", None, "", None, (),
        )  # fmt: skip
        self._prefixes = {p.abbr: p for p in all_provinces()}
        self._police_prefixes = {p.police_prefix: p for p in all_provinces()}

    def check(self, row: RawRow) -> Filing | BadRow:
        if row.unreadable is not None:
            return BadRow(row.line, (row.unreadable,))
        (unit, nature, main, service, service_name, domain_text, home, content, leader_text, limited, approved_text,
         credit_text, key_text, app_text, provider_text, police_text, status, cancel_text, main_status,
         id_number) = row.values  # fmt: skip
        subject_key = (main, unit, nature, credit_text, key_text, id_number)
        if subject_key != self._last_key:
            self._last_key, self._last_part = subject_key, self._subject_part(*subject_key)
        subject, name, kind, key, credit_code, subject_reasons = self._last_part
        reasons = list(subject_reasons)
        site = self._site_number(service.strip(), subject, reasons)
        site_name = " ".join(service_name.split())
        if not 1 <= len(site_name) <= 100:
            reasons.append("serviceName: must be 1 to 100 characters")
        service_type = site[2] if site is not None else None
        domains = self._domains(domain_text, service_type, reasons)
        approved_at = parse_record_time(approved_text)
        if approved_at is None:
            reasons.append(f"updateRecordTime: {approved_text!r} is not a time (2024-05-06 10:20:30)")
        limit_access = parse_limit_access(limited)
        if limit_access is None:
            reasons.append(f"limitAccess: {limited!r} is neither 是 nor 否")
        app_id = app_text.strip() or None
        if service_type not in (None, ServiceType.WEBSITE) and (app_id is None or not _APP_ID.match(app_id)):
            reasons.append("appId: apps, mini programs and quick apps need their package name or app id")
        providers = tuple(p.strip() for p in provider_text.split(SEPARATOR) if p.strip())
        if any(len(p) > 100 or "\n" in p for p in providers):
            reasons.append("providers: a provider's name has at most 100 characters")
        police = self._police(police_text.strip(), reasons) if police_text else None
        cancelled_at, subject_cancelled = self._status(status, cancel_text, main_status, approved_at, reasons)
        home_url = home.strip() or None
        if home_url is not None and (len(home_url) > 300 or not home_url.lower().startswith(("http://", "https://"))):
            reasons.append("homeUrl: an http:// or https:// URL of at most 300 characters")
        content_types = content.strip() or None
        if content_types is not None and len(content_types) > 200:
            reasons.append("contentTypeName: at most 200 characters")
        leader = " ".join(leader_text.split()) or None
        if leader is not None and len(leader) > 40:
            reasons.append("leaderName: at most 40 characters")
        if reasons:
            return BadRow(row.line, tuple(reasons))
        assert subject is not None and subject.province is not None and site is not None
        assert kind is not None and approved_at is not None and limit_access is not None
        year, serial = _year_and_serial(subject.serial)
        return Filing(
            line=row.line,
            subject_number=subject.canonical,
            province_code=subject.province.code,
            year=year,
            serial=serial,
            subject_name=name,
            kind=kind.value,
            document_key=key,
            credit_code=credit_code,
            subject_cancelled=subject_cancelled,
            site_number=site[0],
            seq=site[1],
            service_type=site[2],
            site_name=site_name,
            domains=domains,
            home_url=home_url,
            content_types=content_types,
            leader_name=leader,
            limit_access=limit_access,
            approved_at=approved_at,
            app_id=app_id,
            providers=providers,
            police_number=police,
            cancelled_at=cancelled_at,
        )

    def _subject_part(
        self, main: str, unit: str, nature: str, credit: str, key: str, id_number: str
    ) -> tuple[ParsedNumber | None, str, SubjectKind | None, str, str | None, tuple[str, ...]]:
        """What a row says of its subject, checked once for the consecutive rows of one subject."""
        reasons: list[str] = []
        subject = self._subject_number(main.strip(), reasons)
        name = " ".join(unit.split())
        if not 2 <= len(name) <= 100:
            reasons.append("unitName: must be 2 to 100 characters")
        kind = kind_of_nature(nature)
        if kind is None:
            reasons.append(f"natureName: unknown subject nature {nature!r}")
        document, credit_code = self._document(kind, credit, key, id_number, reasons)
        return subject, name, kind, document, credit_code, tuple(reasons)

    # -- numbers ---------------------------------------------------------------------------------------
    def _subject_number(self, text: str, reasons: list[str]) -> ParsedNumber | None:
        parsed = self._number(text, "mainLicence", reasons)
        if parsed is None:
            return None
        if parsed.kind is not NumberKind.ICP_FILING:
            reasons.append(f"mainLicence: {parsed.canonical} is not an ICP filing number (京ICP备…号)")
            return None
        if parsed.service_seq is not None:
            reasons.append(f"mainLicence: {parsed.canonical} is a site's number; give the subject's (without -n)")
            return None
        return parsed

    def _site_number(
        self, text: str, subject: ParsedNumber | None, reasons: list[str]
    ) -> tuple[str, int, ServiceType] | None:
        """(canonical number, sequence, service type) of a site number under its subject's."""
        if subject is not None and text.startswith(subject.canonical):  # the usual spelling: only the suffix left
            suffix = _SITE_SUFFIX.match(text, len(subject.canonical))
            if suffix is not None:
                return text, int(suffix[1]), _SERVICE_LETTERS[suffix[2]]
        parsed = self._number(text, "serviceLicence", reasons)
        if parsed is None:
            return None
        if parsed.service_seq is None or parsed.service_type is None:
            reasons.append(f"serviceLicence: {parsed.canonical} has no site suffix (-1, -2A …)")
            return None
        if subject is not None and parsed.subject_number != subject.canonical:
            reasons.append(f"serviceLicence: {parsed.canonical} is not a site of {subject.canonical}")
            return None
        return parsed.canonical, parsed.service_seq, parsed.service_type

    def _number(self, text: str, column: str, reasons: list[str]) -> ParsedNumber | None:
        parsed = _fast_filing_number(text, self._prefixes)
        if parsed is not None:
            return parsed
        try:
            return parse_number(text)
        except ValidationError as exc:
            reasons.append(f"{column}: {exc.text.en}")
            return None

    def _police(self, text: str, reasons: list[str]) -> str | None:
        match = _POLICE.match(text)
        if match is not None:  # canonical: the province's police prefix and its two digits
            province = self._police_prefixes.get(match[1])
            if province is not None and match[2].startswith(province.code2):
                return text
        parsed = try_parse(text)
        if parsed is None or parsed.kind is not NumberKind.POLICE_FILING:
            reasons.append(f"policeNumber: {text!r} is not a police filing number (京公网安备…号)")
            return None
        return parsed.canonical

    # -- document ----------------------------------------------------------------------------------------
    def _document(
        self, kind: SubjectKind | None, credit: str, key: str, id_text: str, reasons: list[str]
    ) -> tuple[str, str | None]:
        code = "".join(credit.split()).upper()
        given_key = key.strip().lower()
        id_number = "".join(id_text.split()).upper()
        if given_key and not _KEY.match(given_key):
            reasons.append("documentKey: 64 hexadecimal digits (sha256)")
            return "", None
        if kind is None:
            return "", None
        if kind is SubjectKind.INDIVIDUAL:
            if code:
                reasons.append("creditCode: an individual has no credit code")
                return "", None
            if id_number:
                try:
                    document = IdDocument.parse(DocumentType.RESIDENT_ID.value, id_number, "idNumber")
                except ValidationError:
                    reasons.append("idNumber: not a valid resident ID number (check digit or format)")
                    return "", None
                if given_key and given_key != document.key:
                    reasons.append("documentKey: does not match idNumber")
                return document.key, None
            if not given_key:
                reasons.append("documentKey: an individual needs the document key (or idNumber)")
            return given_key, None
        if not code:
            if given_key:  # a registry that only holds the key (filed through orders) exports it so
                return given_key, None
            reasons.append("creditCode: an organisation needs its unified social credit code")
            return "", None
        if not credit_code_is_valid(code):
            reasons.append(f"creditCode: {code!r} is not a valid unified social credit code (check digit or format)")
            return "", None
        if code[0] not in AUTHORITIES[kind]:
            reasons.append(f"creditCode: {code} is registered by authority {code[0]}, not one of a {kind.value}")
            return "", None
        key = document_key(ORGANISATION_DOCUMENTS[kind], code)
        if given_key and given_key != key:
            reasons.append("documentKey: does not match creditCode")
        return key, code

    # -- domains -------------------------------------------------------------------------------------------
    def _domains(self, text: str, service_type: ServiceType | None, reasons: list[str]) -> tuple[str, ...]:
        parts = [p.strip() for p in text.split(SEPARATOR) if p.strip()]
        if service_type is ServiceType.WEBSITE and not parts:
            reasons.append("domain: a website needs at least one domain")
        if len(parts) > MAX_DOMAINS_PER_SITE:
            reasons.append(f"domain: at most {MAX_DOMAINS_PER_SITE} domains per site")
        found: list[str] = []
        for part in parts:
            ascii_name = self._domain(part, reasons)
            if ascii_name is None:
                continue
            if ascii_name in found:
                reasons.append(f"domain: {part} is listed twice")
            found.append(ascii_name)
        return tuple(found)

    def _domain(self, text: str, reasons: list[str]) -> str | None:
        if text.isascii():
            name = text.lower()
            match = _SIMPLE_DOMAIN.match(name)
            if match is not None and name[2:4] != "--" and self._is_suffix(match["suffix"]):
                return name
        else:
            match = _HAN_DOMAIN.match(text)
            if match is not None:  # Han ideographs are PVALID in IDNA 2008 and stable under UTS 46 and NFC
                label = _a_label(match[1])
                suffix = match[2] if match[2].isascii() else _a_label(match[2])
                if len(label) <= 63 and self._is_suffix(suffix):
                    return f"{label}.{suffix}"
        try:
            return parse_domain(text).ascii
        except ValidationError as exc:
            reasons.append(f"domain: {text}: {exc.fields.get('domain', exc.text).en}")
            return None

    def _is_suffix(self, suffix: str) -> bool:
        known = self._suffixes.get(suffix)
        if known is None:
            try:
                known = parse_domain(f"example.{suffix}").tld == suffix
            except ValidationError:
                known = False
            if len(self._suffixes) < 10_000:
                self._suffixes[suffix] = known
        return known

    def _status(
        self, status_text: str, cancel_text: str, main_text: str, approved_at: datetime | None, reasons: list[str]
    ) -> tuple[datetime | None, bool]:
        status = status_text.strip() or "active"
        main_status = main_text.strip() or "active"
        if status not in STATUSES or main_status not in STATUSES:
            reasons.append("status / mainStatus: active or cancelled")
            return None, False
        if main_status == "cancelled" and status != "cancelled":
            reasons.append("status: a cancelled subject's sites are cancelled")
        if status == "active":
            if cancel_text.strip():
                reasons.append("cancelTime: only for a cancelled site")
            return None, False
        cancelled_at = parse_record_time(cancel_text)
        if cancelled_at is None:
            reasons.append("cancelTime: a cancelled site needs its cancellation time (2024-05-06 10:20:30)")
        elif approved_at is not None and cancelled_at < approved_at:
            reasons.append("cancelTime: before updateRecordTime")
        return cancelled_at, main_status == "cancelled"


# A registrable ascii name under a one- or two-label suffix: the common case, checked without idna.
_SIMPLE_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?P<suffix>[a-z]{2,63}(?:\.[a-z]{2,63})?)$")
# A name of Han ideographs (例子.中国, 中文.com): IDNA 2008 turns each label into xn-- + its Punycode.
_HAN_DOMAIN = re.compile(r"^([\u4e00-\u9fff]{1,20})\.([\u4e00-\u9fff]{1,10}|[a-z]{2,63}(?:\.[a-z]{2,63})?)$")
_POLICE = re.compile(r"^(\w)公网安备([0-9]{14})号$")


def _a_label(label: str) -> str:
    return "xn--" + label.encode("punycode").decode("ascii")


_FILING = re.compile(
    r"^(?P<prefix>\w)ICP备(?P<serial>[0-9]{10}|[0-9]{8})号(?:-(?P<seq>[1-9][0-9]{0,5})(?P<letter>[AXK]?))?$"
)


_SITE_SUFFIX = re.compile(r"-([1-9][0-9]{0,5})([AXK]?)$")
_SERVICE_LETTERS = {t.letter: t for t in ServiceType}


def _fast_filing_number(text: str, prefixes: dict[str, Province]) -> ParsedNumber | None:
    """A canonical ICP filing number as parse_number would parse it; None to let parse_number decide."""
    match = _FILING.match(text)
    if match is None:
        return None
    province = prefixes.get(match["prefix"])
    serial = match["serial"]
    if province is None or serial == serial[0] * len(serial) or int(serial[-6:]) == 0:
        return None
    if len(serial) == 10 and not 2000 <= int(serial[:4]) <= 2099:
        return None
    seq_text = match["seq"]
    if seq_text is None:
        return ParsedNumber(NumberKind.ICP_FILING, text, province, serial, None, None, None)
    return ParsedNumber(
        NumberKind.ICP_FILING,
        text,
        province,
        serial,
        int(seq_text),
        _SERVICE_LETTERS[match["letter"]],
        None,
    )


def _year_and_serial(serial: str) -> tuple[int, int]:
    """(year, serial within the year) of a subject number's digits: YYYY + 6, YY + 6 (90-99 are the 1990s), or 6
    digits of the oldest numbers, which carry no year (0)."""
    if len(serial) == 10:
        return int(serial[:4]), int(serial[4:])
    if len(serial) == 8:
        yy = int(serial[:2])
        return (1900 + yy if yy >= 90 else 2000 + yy), int(serial[2:])
    return 0, int(serial)
