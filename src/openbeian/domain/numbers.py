"""Filing, licence and police numbers: parse, validate, canonicalise.

Four kinds of number appear in a Chinese site footer. After normalisation (below) they follow this grammar,
where ``P`` is a province prefix (京 … 蜀 黔 滇 … 陇 …, or an alias 川 贵 云 甘 秦)::

    icp_filing       P "ICP备" SERIAL ["号"] [SUFFIX]     京ICP备2023007649号-2A
                     SERIAL = 10 digits (YYYY + 6, year 2000-2099) | 8 digits (YY + 6) | 6 digits (oldest)
    icp_licence      P "ICP证" 6 digits ["号"] [SUFFIX]   京ICP证030173号-1    (legacy commercial licence)
    telecom_licence  [P] ("B1" | "B2") "-" 8 digits [SUFFIX]   粤B2-20090059, B2-20233776 (cross-regional),
                                                               粤B2-20090059-1626X (a service filed under it)
    police_filing    P "公网安备" 14 digits ["号"]         京公网安备11010802020134号
                     the first two digits are the province's GB/T 2260 code

    SUFFIX = "-" SEQ [LETTER]   SEQ = 1..999999 (shared across service types within one subject)
             LETTER: none = website, A = app, X = mini program, K = quick app

Normalisation tolerates what people paste: NFKC (full-width ``ＩＣＰ２０２３`` becomes ``ICP2023``), any
whitespace or zero-width character anywhere, other dashes (— – －) for ``-``, lower case (``icp``, ``b2``,
``-2a``), and a missing 号 (the canonical form adds it).

Canonical forms use the ICP prefix for filings and licences (蜀 黔 滇 陇 陕, whatever alias came in) and the
police prefix for police filings (川 贵 滇 甘 陕): ``京ICP备2023007649号-2A``, ``京ICP证030173号-1``,
``粤B2-20090059``, ``B2-20233776``, ``京公网安备11010802020134号``.

Rejected with a bilingual reason (`InvalidNumber`): placeholders (``X``, ``*`` or other non-digits in the
serial, all zeros, one digit repeated), unknown prefixes (港 澳 台 and anything else), wrong serial lengths,
10-digit serials whose year is outside 2000-2099, a zero within-year sequence, service sequence 0, unknown
service letters, police digits from another province.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from openbeian.domain.provinces import Province, by_abbr
from openbeian.errors import InvalidNumber, NotFound, Text

__all__ = [
    "NumberKind",
    "ParsedNumber",
    "ServiceType",
    "format_site_number",
    "format_subject_number",
    "parse_number",
    "try_parse",
]


class NumberKind(StrEnum):
    ICP_FILING = "icp_filing"
    ICP_LICENCE = "icp_licence"
    TELECOM_LICENCE = "telecom_licence"
    POLICE_FILING = "police_filing"


class ServiceType(StrEnum):
    """The kind of service a numbered suffix (``-2A``) stands for."""

    WEBSITE = "website"
    APP = "app"
    MINI_PROGRAM = "mini_program"
    QUICK_APP = "quick_app"

    @property
    def letter(self) -> str:
        """The suffix letter: "" (website), "A", "X" or "K"."""
        return _LETTERS[self]

    @classmethod
    def from_letter(cls, letter: str) -> ServiceType:
        """The service type of a suffix letter (any case); raises `InvalidNumber` for an unknown one."""
        for service_type, known in _LETTERS.items():
            if letter.upper() == known:
                return service_type
        raise _invalid(
            f"unknown service type letter {letter!r} (expected none, A, X or K)",
            f"未知的服务类型字母「{letter}」（应为空、A、X 或 K）",
        )


_LETTERS: dict[ServiceType, str] = {
    ServiceType.WEBSITE: "",
    ServiceType.APP: "A",
    ServiceType.MINI_PROGRAM: "X",
    ServiceType.QUICK_APP: "K",
}


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """A valid number in canonical form, with its parts."""

    kind: NumberKind
    canonical: str
    province: Province | None  # None only for a cross-regional telecom licence
    serial: str  # the digits: "2023007649", "030173", "20090059", "11010802020134"
    service_seq: int | None  # 2 in 京ICP备2023007649号-2A; None without a suffix
    service_type: ServiceType | None  # None without a suffix
    category: str | None  # "B1" / "B2" for telecom licences, else None

    @property
    def subject_number(self) -> str:
        """The canonical number without its service suffix: the subject's (主体) number."""
        if self.service_seq is None:
            return self.canonical
        return self.canonical.rsplit("-", 1)[0]

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "canonical": self.canonical,
            "province_code": self.province.code if self.province else None,
            "province_abbr": self.province.abbr if self.province else None,
            "serial": self.serial,
            "service_seq": self.service_seq,
            "service_type": self.service_type.value if self.service_type else None,
            "category": self.category,
        }


# --- normalisation ------------------------------------------------------------------------------------

# Dashes NFKC leaves alone: hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar,
# minus sign, small em dash, small hyphen-minus (full-width － becomes "-" under NFKC already).
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63", "-"))
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _INVISIBLE).upper()


# --- grammar ------------------------------------------------------------------------------------------
# Deliberately loose: each pattern only finds the kind and splits the parts, so that a bad part gets its
# own reason ("placeholder", "wrong length" ...) instead of a bare "does not match".

_SUFFIX = r"(?:-(?P<suffix>.*))?"
_ICP_FILING = re.compile(r"(?P<prefix>.*?)ICP备(?P<serial>[^号-]*)号?" + _SUFFIX)
_ICP_LICENCE = re.compile(r"(?P<prefix>.*?)ICP证(?P<serial>[^号-]*)号?" + _SUFFIX)
_TELECOM = re.compile(r"(?P<prefix>.*?)(?P<category>B[12])-?(?P<serial>[^号-]*)号?" + _SUFFIX)
_POLICE = re.compile(r"(?P<prefix>.*?)公网安备(?P<serial>[^号]*)号?")
_SUFFIX_PARTS = re.compile(r"(?P<seq>[0-9]+)(?P<letter>[A-Z]?)")

_NO_ICP = {"港": ("Hong Kong", "香港"), "澳": ("Macao", "澳门"), "台": ("Taiwan", "台湾")}


def _invalid(en: str, zh: str) -> InvalidNumber:
    reason = Text(en, zh)
    return InvalidNumber(Text(f"Invalid number: {en}.", f"号码无效：{zh}。"), {"number": reason})


def _province(prefix: str, *, required: bool = True) -> Province | None:
    if not prefix:
        if required:
            raise _invalid("the province prefix (京, 粤 …) is missing", "缺少省份简称（京、粤……）")
        return None
    if prefix in _NO_ICP:
        en, zh = _NO_ICP[prefix]
        raise _invalid(
            f"{prefix} is not a mainland province prefix: {en} has no ICP filing",
            f"「{prefix}」不是内地省份简称：{zh}不实行 ICP 备案",
        )
    try:
        return by_abbr(prefix)
    except NotFound:
        raise _invalid(f"unknown province prefix {prefix!r}", f"未知的省份简称「{prefix}」") from None


def _digits(serial: str, lengths: tuple[int, ...], what: Text) -> str:
    """Check a serial is real digits of an allowed length, not a placeholder."""
    if not serial:
        raise _invalid(f"the {what.en} is missing", f"缺少{what.zh}")
    if not (serial.isascii() and serial.isdigit()):
        raise _invalid(
            f"the {what.en} {serial!r} is a placeholder or contains non-digits",
            f"{what.zh}「{serial}」是占位符或含有非数字字符",
        )
    if len(serial) not in lengths:
        *others, last = sorted(lengths)
        allowed = f"{', '.join(map(str, others))} or {last}" if others else str(last)
        allowed_zh = f"{'、'.join(map(str, others))} 或 {last}" if others else str(last)
        raise _invalid(
            f"the {what.en} has {len(serial)} digits; expected {allowed}",
            f"{what.zh}有 {len(serial)} 位数字，应为 {allowed_zh} 位",
        )
    if len(set(serial)) == 1:
        raise _invalid(
            f"the {what.en} {serial} repeats one digit: a placeholder, not a real number",
            f"{what.zh} {serial} 由同一数字重复组成，是占位符而非真实号码",
        )
    return serial


def _suffix(suffix: str | None) -> tuple[int | None, ServiceType | None, str]:
    """Parse a service suffix ("2A"); returns (seq, type, canonical text with its dash)."""
    if suffix is None:
        return None, None, ""
    match = _SUFFIX_PARTS.fullmatch(suffix)
    if match is None:
        raise _invalid(
            f"the service suffix -{suffix} is not a sequence number with an optional A, X or K",
            f"服务后缀「-{suffix}」应为序号加可选的 A、X 或 K",
        )
    seq_text = match["seq"]
    if len(seq_text) > 6:
        raise _invalid(f"the service sequence {seq_text} is too long", f"服务序号 {seq_text} 过长（最多 6 位）")
    seq = int(seq_text)
    if seq == 0:
        raise _invalid("the service sequence number starts at 1, not 0", "服务序号从 1 开始，不能为 0")
    service_type = ServiceType.from_letter(match["letter"])
    return seq, service_type, f"-{seq}{service_type.letter}"


_FILING_SERIAL = Text("filing serial", "备案序号")
_LICENCE_SERIAL = Text("licence serial", "许可证编号")
_POLICE_SERIAL = Text("police filing number", "公安备案编号")


def _parse_icp_filing(match: re.Match[str]) -> ParsedNumber:
    province = _province(match["prefix"])
    assert province is not None
    serial = _digits(match["serial"], (6, 8, 10), _FILING_SERIAL)
    if len(serial) == 10 and not 2000 <= int(serial[:4]) <= 2099:
        raise _invalid(
            f"the filing serial {serial} starts with the year {serial[:4]}, outside 2000-2099",
            f"备案序号 {serial} 的年份 {serial[:4]} 不在 2000-2099 之间",
        )
    if len(serial) > 6 and int(serial[-6:]) == 0:
        raise _invalid(
            f"the filing serial {serial} has a zero sequence after its year",
            f"备案序号 {serial} 年份后的顺序号为零",
        )
    seq, service_type, suffix = _suffix(match["suffix"])
    return ParsedNumber(
        kind=NumberKind.ICP_FILING,
        canonical=f"{province.abbr}ICP备{serial}号{suffix}",
        province=province,
        serial=serial,
        service_seq=seq,
        service_type=service_type,
        category=None,
    )


def _parse_icp_licence(match: re.Match[str]) -> ParsedNumber:
    province = _province(match["prefix"])
    assert province is not None
    serial = _digits(match["serial"], (6,), _LICENCE_SERIAL)
    seq, service_type, suffix = _suffix(match["suffix"])
    return ParsedNumber(
        kind=NumberKind.ICP_LICENCE,
        canonical=f"{province.abbr}ICP证{serial}号{suffix}",
        province=province,
        serial=serial,
        service_seq=seq,
        service_type=service_type,
        category=None,
    )


def _parse_telecom_licence(match: re.Match[str]) -> ParsedNumber:
    province = _province(match["prefix"], required=False)
    serial = _digits(match["serial"], (8,), _LICENCE_SERIAL)
    seq, service_type, suffix = _suffix(match["suffix"])
    category = match["category"]
    prefix = province.abbr if province else ""
    return ParsedNumber(
        kind=NumberKind.TELECOM_LICENCE,
        canonical=f"{prefix}{category}-{serial}{suffix}",
        province=province,
        serial=serial,
        service_seq=seq,
        service_type=service_type,
        category=category,
    )


def _parse_police_filing(match: re.Match[str]) -> ParsedNumber:
    province = _province(match["prefix"])
    assert province is not None
    serial = _digits(match["serial"], (14,), _POLICE_SERIAL)
    if serial[:2] != province.code2:
        raise _invalid(
            f"police filing {serial} starts with {serial[:2]}, but {province.police_prefix} "
            f"({province.name_en}) numbers start with {province.code2}",
            f"公安备案编号 {serial} 以 {serial[:2]} 开头，但「{province.police_prefix}」"
            f"（{province.name_zh}）的编号应以 {province.code2} 开头",
        )
    return ParsedNumber(
        kind=NumberKind.POLICE_FILING,
        canonical=f"{province.police_prefix}公网安备{serial}号",
        province=province,
        serial=serial,
        service_seq=None,
        service_type=None,
        category=None,
    )


def parse_number(text: str) -> ParsedNumber:
    """Parse any filing, licence or police number; raises `InvalidNumber` saying what is wrong."""
    normal = _normalise(text)
    if not normal:
        raise _invalid("the number is empty", "号码为空")
    # Order matters only in that "ICP备" / "ICP证" / "公网安备" are tried before the looser B1/B2 pattern.
    if match := _ICP_FILING.fullmatch(normal):
        return _parse_icp_filing(match)
    if match := _ICP_LICENCE.fullmatch(normal):
        return _parse_icp_licence(match)
    if match := _POLICE.fullmatch(normal):
        return _parse_police_filing(match)
    if match := _TELECOM.fullmatch(normal):
        return _parse_telecom_licence(match)
    raise _invalid(
        f"{text.strip()!r} is not an ICP filing, ICP licence, telecom licence or police filing number",
        f"「{text.strip()}」不是 ICP 备案号、ICP 许可证号、电信业务经营许可证号或公安备案号",
    )


def try_parse(text: str) -> ParsedNumber | None:
    """Like `parse_number`, but None for anything that does not parse."""
    try:
        return parse_number(text)
    except InvalidNumber:
        return None


def format_subject_number(province: Province, year: int, serial: int) -> str:
    """The subject number the regulator issues: ``京ICP备2026000001号`` (year 2000-2099, serial 1-999999).

    Raises ValueError for out-of-range arguments: they are a programming error, not user input.
    """
    if not 2000 <= year <= 2099:
        raise ValueError(f"year must be 2000..2099, got {year}")
    if not 1 <= serial <= 999_999:
        raise ValueError(f"serial must be 1..999999, got {serial}")
    return f"{province.abbr}ICP备{year}{serial:06d}号"


def format_site_number(subject_number: str, seq: int, service_type: ServiceType) -> str:
    """A service's number under its subject's: ``京ICP备2026000001号-2A``.

    ``subject_number`` may be an ICP filing, an ICP licence or a telecom licence without a suffix; it is
    canonicalised first (`InvalidNumber` if it does not parse, has a suffix, or is a police number).
    Raises ValueError for a sequence outside 1..999999.
    """
    if not 1 <= seq <= 999_999:
        raise ValueError(f"seq must be 1..999999, got {seq}")
    parsed = parse_number(subject_number)
    if parsed.kind is NumberKind.POLICE_FILING:
        raise _invalid("a police filing number cannot carry a service suffix", "公安备案号不能带服务后缀")
    if parsed.service_seq is not None:
        raise _invalid(
            f"{parsed.canonical} already has a service suffix; give the subject number",
            f"{parsed.canonical} 已带服务后缀，请提供主体备案号",
        )
    return f"{parsed.canonical}-{seq}{service_type.letter}"
