"""Filing, licence and police numbers: examples from the facts file, rejections, and properties."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from openbeian.domain.numbers import (
    NumberKind,
    ParsedNumber,
    ServiceType,
    format_site_number,
    format_subject_number,
    parse_number,
    try_parse,
)
from openbeian.domain.provinces import Province, all_provinces, by_abbr
from openbeian.errors import InvalidNumber, ValidationError

# Real numbers quoted in reference/icp-filing-facts.md section 3, already canonical.
CANONICAL_EXAMPLES = [
    "京ICP备10046444号",
    "京ICP备16020626号",
    "粤ICP备2023007649号",
    "苏ICP备2025210868号-1",
    "辽ICP备2023009191号-2A",
    "京ICP备2026031728号-2A",
    "津ICP备2024011617号-2X",
    "粤ICP备2026067180号-1X",
    "蜀ICP备2026054850号",
    "蜀ICP备2026054850号-2A",
    "京ICP证110507号",
    "京ICP证030173号-1",
    "粤B2-20090059",
    "京B2-20212732",
    "京B1-20180001",
    "B2-20233776",
    "粤B2-20090059-1626X",
    "京公网安备11010802020134号",
    "川公网安备51010702001250号",
    "甘公网安备62090202000584号",
    "贵公网安备52052302000396号",
    "滇公网安备53010302000732号",
]


@pytest.mark.parametrize("number", CANONICAL_EXAMPLES)
def test_real_numbers_from_the_facts_file_are_already_canonical(number: str) -> None:
    assert parse_number(number).canonical == number


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        # whitespace anywhere, including ideographic space and newlines
        ("京公网安备 11010802020134号", "京公网安备11010802020134号"),
        ("京ICP备 2023007649 号 - 2A", "京ICP备2023007649号-2A"),
        ("\u3000京 ICP 备 2023007649 号\n", "京ICP备2023007649号"),
        ("京ICP备2023\u200b007649号", "京ICP备2023007649号"),
        # full-width digits, letters and hyphens
        ("京ＩＣＰ备２０２３００７６４９号－２Ａ", "京ICP备2023007649号-2A"),
        ("粤Ｂ２－２００９００５９", "粤B2-20090059"),
        ("京公网安备１１０１０８０２０２０１３４号", "京公网安备11010802020134号"),
        # lower case
        ("京icp备2023007649号-2a", "京ICP备2023007649号-2A"),
        ("津icp备2024011617号-2x", "津ICP备2024011617号-2X"),
        ("粤b2-20090059-1626x", "粤B2-20090059-1626X"),
        ("b1-20180001", "B1-20180001"),
        ("京Icp证030173号-1", "京ICP证030173号-1"),
        # other dashes
        ("粤B2—20090059", "粤B2-20090059"),
        ("粤B2–20090059", "粤B2-20090059"),
        ("粤B2－20090059", "粤B2-20090059"),
        ("京ICP备2023007649号—2A", "京ICP备2023007649号-2A"),
        ("京ICP备2023007649号−3", "京ICP备2023007649号-3"),
        # missing 号 is tolerated and added
        ("京ICP备2023007649", "京ICP备2023007649号"),
        ("京ICP备2023007649-2A", "京ICP备2023007649号-2A"),
        ("京ICP证030173-1", "京ICP证030173号-1"),
        ("京公网安备11010802020134", "京公网安备11010802020134号"),
        # a leading-zero sequence is read as its number
        ("苏ICP备2025210868号-01", "苏ICP备2025210868号-1"),
        # a missing hyphen after B1/B2
        ("粤B220090059", "粤B2-20090059"),
    ],
)
def test_noisy_input_is_canonicalised(text: str, canonical: str) -> None:
    assert parse_number(text).canonical == canonical


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("川ICP备2026054850号", "蜀ICP备2026054850号"),
        ("贵ICP备2025056580号", "黔ICP备2025056580号"),
        ("云ICP备2024000123号-1", "滇ICP备2024000123号-1"),
        ("甘ICP备2020003856号", "陇ICP备2020003856号"),
        ("秦ICP备2022001234号-2X", "陕ICP备2022001234号-2X"),
        ("川ICP证050001号", "蜀ICP证050001号"),
        ("川B2-20180302", "蜀B2-20180302"),
    ],
)
def test_icp_and_licence_numbers_use_the_canonical_prefix_for_aliases(text: str, canonical: str) -> None:
    assert parse_number(text).canonical == canonical


def test_sichuan_alias_chuan_canonicalises_to_shu() -> None:
    parsed = parse_number("川ICP备2026054850号-2A")
    assert parsed.canonical == "蜀ICP备2026054850号-2A"
    assert parsed.province is not None
    assert parsed.province.name_en == "Sichuan"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("蜀公网安备51010702001250号", "川公网安备51010702001250号"),
        ("黔公网安备52011102000668号", "贵公网安备52011102000668号"),
        ("陇公网安备62090202000584号", "甘公网安备62090202000584号"),
        ("秦公网安备61010402000123号", "陕公网安备61010402000123号"),
        ("云公网安备53010302000732号", "滇公网安备53010302000732号"),
    ],
)
def test_police_numbers_use_the_police_prefix_for_any_spelling(text: str, canonical: str) -> None:
    assert parse_number(text).canonical == canonical


def test_an_icp_filing_with_an_app_suffix_has_all_its_parts() -> None:
    parsed = parse_number("京ICP备2023007649号-2A")
    assert parsed.kind is NumberKind.ICP_FILING
    assert parsed.province == by_abbr("京")
    assert parsed.serial == "2023007649"
    assert parsed.service_seq == 2
    assert parsed.service_type is ServiceType.APP
    assert parsed.category is None
    assert parsed.subject_number == "京ICP备2023007649号"


@pytest.mark.parametrize(
    ("suffix", "service_type"),
    [
        ("-3", ServiceType.WEBSITE),
        ("-2A", ServiceType.APP),
        ("-2X", ServiceType.MINI_PROGRAM),
        ("-2K", ServiceType.QUICK_APP),
    ],
)
def test_the_suffix_letter_gives_the_service_type(suffix: str, service_type: ServiceType) -> None:
    assert parse_number("京ICP备2023007649号" + suffix).service_type is service_type


def test_a_subject_number_has_no_service_sequence_or_type() -> None:
    parsed = parse_number("蜀ICP备2026054850号")
    assert parsed.service_seq is None
    assert parsed.service_type is None
    assert parsed.subject_number == parsed.canonical


@pytest.mark.parametrize(
    "number", ["京ICP备10046444号", "京ICP备050001号", "京ICP备2000000001号", "京ICP备2099999998号"]
)
def test_eight_six_and_ten_digit_serials_at_the_year_edges_are_accepted(number: str) -> None:
    assert parse_number(number).kind is NumberKind.ICP_FILING


def test_a_legacy_icp_licence_keeps_its_leading_zero() -> None:
    parsed = parse_number("京ICP证030173号-1")
    assert parsed.kind is NumberKind.ICP_LICENCE
    assert parsed.serial == "030173"
    assert parsed.service_seq == 1
    assert parsed.service_type is ServiceType.WEBSITE
    assert parsed.subject_number == "京ICP证030173号"


def test_a_cross_regional_licence_has_no_province() -> None:
    parsed = parse_number("B2-20233776")
    assert parsed.kind is NumberKind.TELECOM_LICENCE
    assert parsed.province is None
    assert parsed.category == "B2"
    assert parsed.to_dict()["province_code"] is None


def test_a_mini_program_filed_under_a_licence_has_the_licence_as_subject_number() -> None:
    parsed = parse_number("粤B2-20090059-1626X")
    assert parsed.kind is NumberKind.TELECOM_LICENCE
    assert parsed.service_seq == 1626
    assert parsed.service_type is ServiceType.MINI_PROGRAM
    assert parsed.subject_number == "粤B2-20090059"


def test_a_class_one_licence_is_category_b1() -> None:
    assert parse_number("京B1-20180001").category == "B1"


def test_a_police_filing_keeps_all_14_digits_and_has_no_suffix() -> None:
    parsed = parse_number("京公网安备11010802020134号")
    assert parsed.kind is NumberKind.POLICE_FILING
    assert parsed.serial == "11010802020134"
    assert parsed.service_seq is None
    assert parsed.subject_number == parsed.canonical


def test_to_dict_has_the_documented_keys_and_plain_values() -> None:
    assert parse_number("川ICP备2026054850号-2A").to_dict() == {
        "kind": "icp_filing",
        "canonical": "蜀ICP备2026054850号-2A",
        "province_code": "510000",
        "province_abbr": "蜀",
        "serial": "2026054850",
        "service_seq": 2,
        "service_type": "app",
        "category": None,
    }


# --- rejections -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # placeholders
        ("川ICP备1XXXXXX1号", "placeholder"),
        ("京ICP备xxxxxxxx号-1", "placeholder"),
        ("京ICP备********号", "placeholder"),
        ("京ICP备2023OO7649号", "placeholder"),
        ("京ICP备0000000000号", "repeats one digit"),
        ("京ICP备1111111111号", "repeats one digit"),
        ("京ICP备88888888号", "repeats one digit"),
        ("京ICP备2023000000号", "zero sequence"),
        ("京ICP备XXXXXXXX号-X", "placeholder"),
        ("京公网安备XXXXXXXXXXXXXX号", "placeholder"),
        ("京公网安备11111111111111号", "repeats one digit"),
        ("蜀公网安备 **********号", "placeholder"),
        ("粤B2-XXXXXXXX", "placeholder"),
        ("粤B2-00000000", "repeats one digit"),
        # unknown or non-mainland prefixes
        ("港ICP备12345678号", "Hong Kong"),
        ("澳ICP备12345678号", "Macao"),
        ("台ICP备12345678号", "Taiwan"),
        ("港B2-20090059", "Hong Kong"),
        ("火ICP备12345678号", "unknown province prefix"),
        ("北京ICP备12345678号", "unknown province prefix"),
        ("XICP备12345678号", "unknown province prefix"),
        ("中公网安备11010802020134号", "unknown province prefix"),
        ("ICP备12345678号", "prefix (京, 粤 …) is missing"),
        ("ICP证030173号", "prefix (京, 粤 …) is missing"),
        ("公网安备11010802020134号", "prefix (京, 粤 …) is missing"),
        # wrong lengths
        ("京ICP备号", "filing serial is missing"),
        ("京ICP备12345号", "5 digits; expected 6, 8 or 10"),
        ("京ICP备1234567号", "7 digits"),
        ("京ICP备123456789号", "9 digits"),
        ("京ICP备20230076491号", "11 digits"),
        ("京ICP证03017号", "5 digits; expected 6"),
        ("京ICP证0301734号", "7 digits"),
        ("粤B2-2009005", "7 digits; expected 8"),
        ("粤B2-200900591", "9 digits"),
        ("京公网安备1101080202013号", "13 digits; expected 14"),
        ("京公网安备110108020201345号", "15 digits"),
        # 10-digit serials carry a year 2000-2099
        ("京ICP备1999007649号", "year 1999"),
        ("京ICP备2100007649号", "year 2100"),
        ("京ICP备9912345678号", "year 9912"),
        # service suffixes
        ("京ICP备2023007649号-0", "starts at 1"),
        ("京ICP备2023007649号-0A", "starts at 1"),
        ("粤B2-20090059-0X", "starts at 1"),
        ("京ICP备2023007649号-2B", "unknown service type letter 'B'"),
        ("京ICP备2023007649号-A", "is not a sequence number"),
        ("京ICP备2023007649号-", "is not a sequence number"),
        ("京ICP备2023007649号-2-3", "is not a sequence number"),
        ("京ICP备2023007649号-1234567", "too long"),
        # police digits must belong to the prefix's province
        ("京公网安备31010802020134号", "numbers start with 11"),
        ("川公网安备11010802020134号", "numbers start with 51"),
        ("甘公网安备23548715431300号", "numbers start with 62"),
        # not a number at all
        ("", "empty"),
        ("   ", "empty"),
        ("hello", "is not an ICP filing"),
        ("京B3-20090059", "is not an ICP filing"),
        ("京ICP备2023007649号号", "is not an ICP filing"),
    ],
)
def test_bad_numbers_are_rejected_with_a_specific_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidNumber) as caught:
        parse_number(text)
    error = caught.value
    assert reason in error.text.en
    assert error.text.zh != error.text.en
    assert set(error.fields) == {"number"}
    assert try_parse(text) is None


def test_an_invalid_number_is_a_validation_error_with_a_bilingual_message() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_number("川ICP备1XXXXXX1号")
    assert caught.value.to_dict("en")["code"] == "invalid_number"
    assert "placeholder" in str(caught.value.to_dict("en")["message"])
    assert "占位符" in str(caught.value.to_dict("zh-CN")["message"])


def test_police_digits_from_another_province_explain_both_provinces_in_chinese() -> None:
    with pytest.raises(InvalidNumber) as caught:
        parse_number("京公网安备31010802020134号")
    assert "31" in caught.value.text.zh
    assert "北京市" in caught.value.text.zh


def test_try_parse_returns_the_parsed_number_when_valid() -> None:
    parsed = try_parse("B2-20233776")
    assert parsed is not None
    assert parsed.canonical == "B2-20233776"


# --- service types --------------------------------------------------------------------------------------


@pytest.mark.parametrize("service_type", list(ServiceType))
def test_service_type_letter_round_trips(service_type: ServiceType) -> None:
    assert ServiceType.from_letter(service_type.letter) is service_type
    assert ServiceType.from_letter(service_type.letter.lower()) is service_type


def test_service_type_letters_match_the_miit_suffixes() -> None:
    assert [t.letter for t in ServiceType] == ["", "A", "X", "K"]


def test_an_unknown_service_letter_is_an_invalid_number() -> None:
    with pytest.raises(InvalidNumber, match="unknown service type letter"):
        ServiceType.from_letter("Q")


# --- formatting -----------------------------------------------------------------------------------------


def test_format_subject_number_pads_the_serial_to_six_digits() -> None:
    number = format_subject_number(by_abbr("京"), 2026, 1)
    assert number == "京ICP备2026000001号"
    assert parse_number(number).canonical == number


def test_format_subject_number_uses_the_canonical_icp_prefix() -> None:
    assert format_subject_number(by_abbr("川"), 2026, 999_999) == "蜀ICP备2026999999号"


@pytest.mark.parametrize(("year", "serial"), [(1999, 1), (2100, 1), (2026, 0), (2026, 1_000_000)])
def test_format_subject_number_refuses_out_of_range_arguments(year: int, serial: int) -> None:
    with pytest.raises(ValueError):
        format_subject_number(by_abbr("京"), year, serial)


@pytest.mark.parametrize(
    ("subject", "seq", "service_type", "expected"),
    [
        ("京ICP备2026000001号", 1, ServiceType.WEBSITE, "京ICP备2026000001号-1"),
        ("京ICP备2026000001号", 2, ServiceType.APP, "京ICP备2026000001号-2A"),
        ("京ICP备2026000001号", 3, ServiceType.MINI_PROGRAM, "京ICP备2026000001号-3X"),
        ("京ICP备2026000001号", 4, ServiceType.QUICK_APP, "京ICP备2026000001号-4K"),
        ("川ICP备2026054850", 2, ServiceType.APP, "蜀ICP备2026054850号-2A"),
        ("粤B2-20090059", 1626, ServiceType.MINI_PROGRAM, "粤B2-20090059-1626X"),
        ("京ICP证030173号", 1, ServiceType.WEBSITE, "京ICP证030173号-1"),
    ],
)
def test_format_site_number_appends_the_sequence_and_letter(
    subject: str, seq: int, service_type: ServiceType, expected: str
) -> None:
    number = format_site_number(subject, seq, service_type)
    assert number == expected
    parsed = parse_number(number)
    assert (parsed.service_seq, parsed.service_type) == (seq, service_type)


@pytest.mark.parametrize("subject", ["京ICP备2026000001号-1", "京公网安备11010802020134号", "川ICP备1XXXXXX1号"])
def test_format_site_number_needs_a_valid_subject_number(subject: str) -> None:
    with pytest.raises(InvalidNumber):
        format_site_number(subject, 2, ServiceType.APP)


@pytest.mark.parametrize("seq", [0, -1, 1_000_000])
def test_format_site_number_refuses_a_sequence_out_of_range(seq: int) -> None:
    with pytest.raises(ValueError):
        format_site_number("京ICP备2026000001号", seq, ServiceType.WEBSITE)


# --- properties -----------------------------------------------------------------------------------------

provinces = st.sampled_from(all_provinces())
service_types = st.sampled_from(list(ServiceType))


@st.composite
def suffixes(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return ""
    return f"-{draw(st.integers(1, 9999))}{draw(service_types).letter}"


def _real_digits(draw: st.DrawFn, length: int) -> str:
    digits = draw(st.text("0123456789", min_size=length, max_size=length))
    assume(len(set(digits)) > 1)
    return digits


@st.composite
def icp_filing_serials(draw: st.DrawFn) -> str:
    seq = f"{draw(st.integers(1, 999_999)):06d}"
    length = draw(st.sampled_from([6, 8, 10]))
    if length == 10:
        return f"{draw(st.integers(2000, 2099))}{seq}"
    if length == 8:
        serial = f"{draw(st.integers(0, 99)):02d}{seq}"
        assume(len(set(serial)) > 1)
        return serial
    return _real_digits(draw, 6)


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, tuple[str, ...], str]:
    """(canonical, the prefixes that may stand for it, the canonical text after the prefix)."""
    kind = draw(st.sampled_from(list(NumberKind)))
    province: Province | None = draw(provinces)
    assert province is not None
    spellings = (province.abbr, *province.aliases)
    if kind is NumberKind.ICP_FILING:
        rest = f"ICP备{draw(icp_filing_serials())}号{draw(suffixes())}"
    elif kind is NumberKind.ICP_LICENCE:
        rest = f"ICP证{_real_digits(draw, 6)}号{draw(suffixes())}"
    elif kind is NumberKind.TELECOM_LICENCE:
        if draw(st.booleans()):
            province, spellings = None, ("",)
        rest = f"{draw(st.sampled_from(['B1', 'B2']))}-{_real_digits(draw, 8)}{draw(suffixes())}"
    else:
        digits = province.code2 + _real_digits(draw, 12)
        assume(len(set(digits)) > 1)
        spellings = (
            province.police_prefix,
            *sorted({province.abbr, *province.aliases} - {province.police_prefix}),
        )
        rest = f"公网安备{digits}号"
    return spellings[0] + rest, spellings, rest


_OTHER_DASHES = ["-", "－", "—", "–", "−", "‐"]
_SPACES = ["", "", "", " ", "\u3000", "\t", "\u00a0", "\u200b"]


def _full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


@st.composite
def noisy(draw: st.DrawFn, spellings: tuple[str, ...], rest: str) -> str:
    """The same number as a person might paste it: any spelling, spaces, full width, lower case, dashes."""
    out = [draw(st.sampled_from(_SPACES)), draw(st.sampled_from(spellings))]
    for ch in rest:
        out.append(draw(st.sampled_from(_SPACES)))
        if ch == "号" and draw(st.booleans()):
            continue
        if ch == "-":
            ch = draw(st.sampled_from(_OTHER_DASHES))
        if ch.isascii() and ch.isalpha() and draw(st.booleans()):
            ch = ch.lower()
        if draw(st.booleans()):
            ch = _full_width(ch)
        out.append(ch)
    out.append(draw(st.sampled_from(_SPACES)))
    return "".join(out)


@given(valid_numbers())
def test_every_generated_canonical_number_parses_back_to_itself(
    number: tuple[str, tuple[str, ...], str],
) -> None:
    canonical, _, _ = number
    parsed = parse_number(canonical)
    assert parsed.canonical == canonical
    assert parse_number(parsed.subject_number).canonical == parsed.subject_number


@given(st.data(), valid_numbers())
def test_a_noisy_variant_parses_to_the_same_number_as_the_canonical(
    data: st.DataObject, number: tuple[str, tuple[str, ...], str]
) -> None:
    canonical, spellings, rest = number
    text = data.draw(noisy(spellings, rest))
    assert parse_number(text) == parse_number(canonical)


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("京蜀川ICP备证号公网安备B12-AXK0123456789")))
def test_any_text_either_parses_to_a_fixed_point_or_is_rejected_cleanly(text: str) -> None:
    parsed = try_parse(text)
    if parsed is not None:
        assert isinstance(parsed, ParsedNumber)
        assert parse_number(parsed.canonical) == parsed
