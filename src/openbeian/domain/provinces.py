"""The 31 mainland provinces, as filing numbers see them.

The table lives in packaged data (``openbeian/data/provinces.json``) and is loaded on first use, never at
import time. Each province has its GB/T 2260 code, its canonical ICP prefix (``abbr``: 京 … 蜀 黔 滇 … 陇),
the other spellings seen in real numbers (``aliases``: 川 贵 云 甘 秦), its names, the prefix of its
public-security (公安备案) numbers and the regulator's review limit in working days.

    >>> resolve("川").abbr
    '蜀'
    >>> by_code("44").name_en
    'Guangdong'
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from openbeian.errors import NotFound, Text

__all__ = ["Province", "all_provinces", "by_abbr", "by_code", "find", "resolve"]

# Longest first: "广西壮族自治区" loses "壮族自治区" before "自治区" could leave "广西壮族".
_NAME_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


@dataclass(frozen=True, slots=True)
class Province:
    """One provincial-level division of mainland China."""

    code: str
    """GB/T 2260 six-digit code, e.g. ``"110000"``."""
    abbr: str
    """Canonical ICP filing prefix, e.g. ``"京"``, ``"蜀"``."""
    aliases: tuple[str, ...]
    """Other single-character prefixes accepted in input, e.g. ``("川",)`` for Sichuan."""
    name_zh: str
    name_en: str
    police_prefix: str
    """Prefix of public-security filing numbers (``川公网安备…``)."""
    review_days: int
    """Regulator review limit in working days."""

    @property
    def code2(self) -> str:
        """The first two digits of the code: the province part of any GB/T 2260 code."""
        return self.code[:2]

    @property
    def short_name_zh(self) -> str:
        """The Chinese name without its 省 / 市 / 自治区 suffix: 北京, 广西, 内蒙古."""
        for suffix in _NAME_SUFFIXES:
            if self.name_zh.endswith(suffix):
                return self.name_zh[: -len(suffix)]
        return self.name_zh


@dataclass(frozen=True, slots=True)
class _Index:
    provinces: tuple[Province, ...]
    by_code2: dict[str, Province]
    by_prefix: dict[str, Province]  # canonical abbr and aliases
    by_name: dict[str, Province]  # Chinese names (full, short, without 自治区) and lower-case English names


def _load() -> tuple[Province, ...]:
    source = resources.files("openbeian").joinpath("data/provinces.json")
    rows = json.loads(source.read_text(encoding="utf-8"))["provinces"]
    return tuple(
        Province(
            code=row["code"],
            abbr=row["abbr"],
            aliases=tuple(row["aliases"]),
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            police_prefix=row["police_prefix"],
            review_days=int(row["review_days"]),
        )
        for row in rows
    )


def _english_key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


@cache
def _index() -> _Index:
    provinces = _load()
    by_code2: dict[str, Province] = {}
    by_prefix: dict[str, Province] = {}
    by_name: dict[str, Province] = {}
    for province in provinces:
        by_code2[province.code2] = province
        for prefix in (province.abbr, *province.aliases, province.police_prefix):
            by_prefix[prefix] = province
        names = {
            province.name_zh,
            province.short_name_zh,
            province.name_zh.removesuffix("自治区"),
            _english_key(province.name_en),
        }
        for name in names:
            by_name[name] = province
    return _Index(provinces, by_code2, by_prefix, by_name)


def all_provinces() -> tuple[Province, ...]:
    """The 31 provinces in GB/T 2260 order."""
    return _index().provinces


def _lookup_code(code: str) -> Province | None:
    if not code.isascii() or not code.isdigit():
        return None
    if len(code) == 6 and code.endswith("0000"):
        code = code[:2]
    return _index().by_code2.get(code) if len(code) == 2 else None


def by_code(code: str) -> Province:
    """The province with this GB/T 2260 code, six digits (``"110000"``) or two (``"11"``)."""
    province = _lookup_code(code.strip())
    if province is None:
        raise NotFound(Text(f"No province has the code {code!r}.", f"没有代码为「{code}」的省份。"))
    return province


def by_abbr(abbr: str) -> Province:
    """The province with this one-character prefix: canonical (蜀) or alias (川)."""
    province = _index().by_prefix.get(abbr.strip())
    if province is None:
        raise NotFound(Text(f"No province has the prefix {abbr!r}.", f"没有简称为「{abbr}」的省份。"))
    return province


def find(text: str) -> Province | None:
    """Like `resolve`, but None when nothing matches."""
    key = unicodedata.normalize("NFKC", text).strip()
    if not key:
        return None
    index = _index()
    return (
        index.by_prefix.get(key) or _lookup_code(key) or index.by_name.get(key) or index.by_name.get(_english_key(key))
    )


def resolve(text: str) -> Province:
    """The province named by any of: prefix or alias (京, 川), code (``"510000"``, ``"51"``),
    Chinese name with or without its suffix (四川省, 四川, 广西壮族自治区, 广西) or English name in any case
    (``"sichuan"``, ``"Inner Mongolia"``)."""
    province = find(text)
    if province is None:
        raise NotFound(Text(f"No province matches {text!r}.", f"找不到与「{text}」对应的省份。"))
    return province
