"""Site names: at least 3 Chinese characters, not the domain, no reserved words for non-state subjects, and
for individuals no community, business or company-like words."""

from __future__ import annotations

import re
from collections.abc import Iterator

from openbeian.rules.data import Tables, Word
from openbeian.rules.engine import Family, Hit, Severity, block, missing, rule
from openbeian.rules.facts import Facts, SiteFact

NATIONAL = "national site-name rules (xinnet.com/service/cjwt/icp/zbnr/2009.html)"
MIN_HAN = 3
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _named(facts: Facts) -> Iterator[tuple[str, SiteFact, str]]:
    for i, site in enumerate(facts.sites or ()):
        if site.name:
            yield f"sites[{i}].name", site, site.name


@rule(
    "NAME-CHINESE-CHARACTERS",
    Family.NAMES,
    Severity.BLOCK,
    ("A site name has at least 3 Chinese characters", "网站名称至少 3 个汉字"),
    NATIONAL,
)
def chinese_characters(facts: Facts, tables: Tables) -> Iterator[Hit]:
    for i, site in enumerate(facts.sites or ()):
        if not site.name:
            yield missing(f"sites[{i}].name", "the site name", "网站名称")
            continue
        han = len(_HAN.findall(site.name))
        if han == 0:
            yield block(
                f"sites[{i}].name",
                f"The site name {site.name!r} has no Chinese characters: a name of only Latin letters or digits is "
                f"refused. Use at least {MIN_HAN} Chinese characters that say what the site is about.",
                f"网站名称「{site.name}」没有汉字：不能只用英文字母或数字。"
                f"请使用至少 {MIN_HAN} 个汉字，并与网站内容相符。",
            )
        elif han < MIN_HAN:
            yield block(
                f"sites[{i}].name",
                f"The site name {site.name!r} has {han} Chinese character(s); at least {MIN_HAN} are needed.",
                f"网站名称「{site.name}」只有 {han} 个汉字，至少需要 {MIN_HAN} 个。",
            )


@rule(
    "NAME-NOT-DOMAIN",
    Family.NAMES,
    Severity.BLOCK,
    ("A site name is not the domain", "网站名称不能是域名"),
    NATIONAL,
)
def not_domain(facts: Facts, tables: Tables) -> Iterator[Hit]:
    for path, site, name in _named(facts):
        squeezed = "".join(name.split()).casefold().removeprefix("www.")
        if any(squeezed == d.name.casefold().removeprefix("www.") for d in site.domains) or re.fullmatch(
            r"[a-z0-9-]+(\.[a-z0-9-]+)+", squeezed
        ):
            yield block(
                path,
                f"The site name {name!r} is a domain name; give the site a Chinese name that says what it is about.",
                f"网站名称「{name}」是域名，请填写能体现网站内容的中文名称。",
            )


def _hits(name: str, words: tuple[Word, ...]) -> list[Word]:
    return [w for w in words if w.word in name]


@rule(
    "NAME-RESERVED-WORD",
    Family.NAMES,
    Severity.BLOCK,
    ("Reserved words such as 中国 and 国家 are for state bodies", "“中国”“国家”等字样只能由国家级单位使用"),
    NATIONAL,
)
def reserved_word(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if facts.subject.kind in (None, "government"):
        return
    for path, _, name in _named(facts):
        for word in _hits(name, tables.reserved_words):
            yield block(
                path,
                f"The site name {name!r} contains {word.word!r}, which only state-level bodies may use.",
                f"网站名称「{name}」含有「{word.word}」字样，只有国家级单位才能使用。",
                word.source,
            )


@rule(
    "NAME-INDIVIDUAL-WORD",
    Family.NAMES,
    Severity.BLOCK,
    ("Words an individual's site name may not contain", "个人网站名称不能使用的字词"),
    NATIONAL,
)
def individual_word(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if not facts.subject.is_individual:
        return
    for path, _, name in _named(facts):
        found = _hits(name, tables.individual_forbidden_words)
        if found:
            words = "、".join(w.word for w in found)
            yield block(
                path,
                f"An individual's site name may not contain {words}: such words suggest a service an individual "
                "may not run. A name like 张三的个人博客 works.",
                f"个人网站名称不能含有「{words}」等字样。建议使用“张三的个人博客”这类名称。",
                found[0].source,
            )


@rule(
    "NAME-INDIVIDUAL-COMPANY-LIKE",
    Family.NAMES,
    Severity.BLOCK,
    ("An individual's site name may not look like a company's", "个人网站名称不能带有企业性质"),
    "Tencent Cloud 网站信息 FAQ",
)
def individual_company_like(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if not facts.subject.is_individual:
        return
    for path, _, name in _named(facts):
        found = _hits(name, tables.company_like_words)
        if found:
            words = "、".join(w.word for w in found)
            yield block(
                path,
                f"The site name {name!r} reads like a company's ({words}); an individual's site may not carry a "
                "company, brand or product name.",
                f"网站名称「{name}」带有企业性质的字样（{words}），个人网站不能使用企业、品牌或产品名称。",
                found[0].source,
            )


RULES = (chinese_characters, not_domain, reserved_word, individual_word, individual_company_like)
