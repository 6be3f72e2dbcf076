"""Domains: a fileable TLD (also per province), real-name verified, held by the subject, 3 months of validity."""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from openbeian.domain.domains import DomainName, parse_domain
from openbeian.errors import Text, ValidationError
from openbeian.rules.data import Tables
from openbeian.rules.derive import policy_of
from openbeian.rules.engine import Family, Hit, Severity, block, info, missing, rule, warn
from openbeian.rules.facts import DomainFact, Facts
from openbeian.rules.labels import SUBJECT_KIND

MIN_MONTHS_LEFT = 3


@lru_cache(maxsize=4096)
def _parse(text: str) -> DomainName | Text:
    try:
        return parse_domain(text, "domain")
    except ValidationError as exc:
        return exc.fields.get("domain", exc.text)


def _domains(facts: Facts) -> Iterator[tuple[str, DomainFact, DomainName | Text]]:
    for s, site in enumerate(facts.sites or ()):
        for d, domain in enumerate(site.domains):
            yield f"sites[{s}].domains[{d}]", domain, _parse(domain.name)


def _parsed(facts: Facts) -> Iterator[tuple[str, DomainFact, DomainName]]:
    for path, domain, parsed in _domains(facts):
        if isinstance(parsed, DomainName):
            yield path, domain, parsed


def _shown_tld(parsed: DomainName) -> str:
    return parsed.unicode.rsplit(".", 1)[-1]


@rule(
    "DOMAIN-VALID",
    Family.DOMAINS,
    Severity.BLOCK,
    ("A domain must be a registrable domain name, IDN normalised", "域名须是可注册的有效域名（国际化域名统一编码）"),
    "IDNA 2008 / UTS #46; public suffix list",
)
def valid(facts: Facts, tables: Tables) -> Iterator[Hit]:
    for path, domain, parsed in _domains(facts):
        if isinstance(parsed, Text):
            zh = parsed.zh if parsed.zh.endswith("。") else parsed.zh + "。"
            yield block(path, f"{domain.name!r}: {parsed.en}.", f"「{domain.name}」：{zh}")
        elif domain.name == parsed.unicode and parsed.unicode != parsed.ascii:
            yield info(
                path,
                f"{parsed.unicode} is an internationalised domain name; its ASCII form is {parsed.ascii}.",
                f"「{parsed.unicode}」是中文域名，其 ASCII 编码形式为 {parsed.ascii}。",
            )
        elif domain.name != parsed.ascii:
            yield info(
                path,
                f"{domain.name!r} is checked as {parsed.unicode} ({parsed.ascii}).",
                f"「{domain.name}」按 {parsed.unicode}（{parsed.ascii}）检查。",
            )


@rule(
    "DOMAIN-TLD-NOT-FILEABLE",
    Family.DOMAINS,
    Severity.BLOCK,
    ("The TLD must be on MIIT's approved list", "域名后缀须在工信部批准的列表中"),
    "MIIT approved TLD list (domain.miit.gov.cn); v2fly data/tld-!cn",
)
def tld_fileable(facts: Facts, tables: Tables) -> Iterator[Hit]:
    for path, _, parsed in _parsed(facts):
        tld = parsed.ascii.rsplit(".", 1)[-1]
        shown = _shown_tld(parsed)
        if tld in tables.refused_tlds:
            yield block(
                path,
                f"Domains ending in .{shown} cannot be filed: .{shown} is not on MIIT's list of approved top-level "
                f"domains. Use a domain such as .cn, .com, .net or .中国.",
                f".{shown} 后缀不在工信部批准的域名后缀列表中，无法备案。请使用 .cn、.com、.net、.中国 等后缀的域名。",
                tables.refused_tlds[tld],
            )
        elif tld not in tables.fileable_tlds:
            yield warn(
                path,
                f"OpenBeian does not know whether .{shown} is on MIIT's list of approved top-level domains; "
                "check at domain.miit.gov.cn before filing.",
                f"OpenBeian 无法确认 .{shown} 是否在工信部批准的域名后缀列表中，备案前请到 domain.miit.gov.cn 查询。",
            )


@rule(
    "DOMAIN-TLD-PROVINCE",
    Family.DOMAINS,
    Severity.BLOCK,
    ("Provinces that refuse some TLDs", "部分省管局不接受某些域名后缀"),
    "Tencent Cloud 省管局要求相关; province policy table (rules/data/provinces.json)",
    per_province=True,
)
def tld_province(facts: Facts, tables: Tables) -> Iterator[Hit]:
    found = policy_of(facts, tables)
    if found is None or not found[1].refused_tlds:
        return
    province, rules = found
    for path, _, parsed in _parsed(facts):
        tld = parsed.ascii.rsplit(".", 1)[-1]
        if tld in rules.refused_tlds:
            shown = _shown_tld(parsed)
            yield block(
                path,
                f"The {province.name_en} regulator does not accept .{shown} domains.",
                f"{province.short_name_zh}管局不接受 .{shown} 后缀的域名备案。",
                rules.source,
            )


@rule(
    "DOMAIN-SUFFIX-FOR-KIND",
    Family.DOMAINS,
    Severity.BLOCK,
    ("Government bodies and public institutions use their own suffixes", "党政机关和事业单位须使用专用域名后缀"),
    "Huawei Cloud knowledge base",
)
def suffix_for_kind(facts: Facts, tables: Tables) -> Iterator[Hit]:
    required = tables.required_suffixes.get(facts.subject.kind or "")
    if required is None:
        return
    kind = SUBJECT_KIND[required["kind"]]
    for path, _, parsed in _parsed(facts):
        if not any(parsed.ascii == s or parsed.ascii.endswith("." + s) for s in required["suffixes"]):
            yield block(
                path,
                f"{kind.en.capitalize()} files domains ending in {required['shown']} only.",
                f"{kind.zh}只能使用 {required['shown']} 后缀的域名备案。",
                required["source"],
            )


@rule(
    "DOMAIN-REAL-NAME",
    Family.DOMAINS,
    Severity.BLOCK,
    ("The domain must be real-name verified", "域名须完成实名认证"),
    "Tencent Cloud 网站信息; MIIT domain name management rules",
)
def real_name(facts: Facts, tables: Tables) -> Iterator[Hit]:
    for path, domain, parsed in _parsed(facts):
        if domain.real_name_verified is None:
            yield missing(
                f"{path}.real_name_verified",
                f"whether {parsed.unicode} is real-name verified",
                f"{parsed.unicode} 是否已完成实名认证",
            )
        elif not domain.real_name_verified:
            yield block(
                f"{path}.real_name_verified",
                f"{parsed.unicode} must be real-name verified with its registrar first; the data then takes about "
                "3 working days to reach MIIT.",
                f"{parsed.unicode} 须先在域名注册商处完成实名认证，认证信息同步到工信部约需 3 个工作日。",
            )


def _same_name(a: str, b: str) -> bool:
    def key(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).casefold().split())

    return key(a) == key(b)


@rule(
    "DOMAIN-HOLDER",
    Family.DOMAINS,
    Severity.BLOCK,
    ("The domain holder must be the subject", "域名持有者须与备案主体一致"),
    "Alibaba Cloud knowledge_detail/50252; Tencent Cloud 网站信息",
)
def holder(facts: Facts, tables: Tables) -> Iterator[Hit]:
    subject = facts.subject.name
    for path, domain, parsed in _parsed(facts):
        if domain.holder is None or subject is None:
            yield missing(
                f"{path}.holder",
                f"who holds {parsed.unicode}, to compare with the subject's name",
                f"{parsed.unicode} 的域名持有者，用于与主办单位名称比对",
            )
        elif not _same_name(domain.holder, subject):
            yield block(
                f"{path}.holder",
                f"{parsed.unicode} is held by {domain.holder!r}, not by the subject {subject!r}. Transfer the "
                "domain to the subject, or file under the holder's name.",
                f"{parsed.unicode} 的持有者是「{domain.holder}」，与主办单位「{subject}」不一致。"
                "请先将域名过户到主办单位名下，或以域名持有者的名义备案。",
            )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@rule(
    "DOMAIN-VALIDITY",
    Family.DOMAINS,
    Severity.BLOCK,
    ("The domain must have at least 3 months of validity left", "域名有效期须剩余 3 个月以上"),
    "Alibaba Cloud knowledge_detail/50252",
)
def validity(facts: Facts, tables: Tables) -> Iterator[Hit]:
    limit = _add_months(tables.day, MIN_MONTHS_LEFT)
    for path, domain, parsed in _parsed(facts):
        if domain.expires is None:
            yield missing(
                f"{path}.expires",
                f"when {parsed.unicode} expires (3 months of validity must be left)",
                f"{parsed.unicode} 的到期日期（有效期须剩余 3 个月以上）",
            )
        elif domain.expires < limit:
            yield block(
                f"{path}.expires",
                f"{parsed.unicode} expires on {domain.expires}; a domain needs at least {MIN_MONTHS_LEFT} months "
                f"of validity left (until {limit}). Renew it first.",
                f"{parsed.unicode} 将于 {domain.expires} 到期，备案要求域名有效期至少还剩 {MIN_MONTHS_LEFT} 个月"
                f"（至 {limit}），请先续费。",
            )


RULES = (valid, tld_fileable, tld_province, suffix_for_kind, real_name, holder, validity)
