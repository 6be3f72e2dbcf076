"""The commercial licence (经营许可证): only for organisations with a Chinese business licence; foreign
ownership above the cap is refused, and any foreign ownership makes it rare in practice."""

from __future__ import annotations

from collections.abc import Iterator

from openbeian.rules.data import Pilot, Tables
from openbeian.rules.derive import issued_in
from openbeian.rules.engine import Family, Hit, Severity, block, missing, rule, warn
from openbeian.rules.facts import Facts

GUIDE = "the seed guide (The Commercial ICP License)"


@rule(
    "LIC-ORGANISATION-ONLY",
    Family.LICENCE,
    Severity.BLOCK,
    ("A commercial licence is for organisations with a Chinese business licence", "经营许可证只面向持有营业执照的企业"),
    f"{GUIDE}; 《互联网信息服务管理办法》 Art. 4 and 6",
)
def organisation_only(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if facts.licence is None:
        yield missing(
            "licence",
            "whether this is a non-commercial filing (filing) or a commercial licence (commercial); "
            "the other rules treat it as a filing",
            "办理非经营性备案（filing）还是经营许可证（commercial），其他规则按备案检查",
        )
        return
    if facts.licence != "commercial" or facts.subject.kind is None:
        return
    if facts.subject.is_individual:
        yield block(
            "licence",
            "An individual cannot obtain a commercial ICP licence; it is granted only to companies with a Chinese "
            "business licence. Apply for an ordinary ICP filing instead.",
            "个人无法申请ICP经营许可证，经营许可证只发给持有中国营业执照的企业。个人请办理非经营性ICP备案。",
        )
    elif facts.subject.documents is not None and not facts.subject.documents_of("business_license"):
        yield block(
            "subject.documents",
            "A commercial ICP licence needs a Chinese business licence.",
            "申请ICP经营许可证须持有中国营业执照。",
        )


def _pilot(facts: Facts, tables: Tables) -> Pilot | None:
    areas = [issued_in(d) for _, d in facts.subject.documents_of("business_license")]
    content = {c for site in facts.sites or () for c in site.content or ()}
    for pilot in tables.pilots:
        if any(a and a.startswith(pilot.areas) for a in areas) and not content & pilot.excluded_content:
            return pilot
    return None


@rule(
    "LIC-FOREIGN-MAJORITY",
    Family.LICENCE,
    Severity.BLOCK,
    ("Foreign ownership above 50 % cannot get a commercial licence", "外资占比超过 50% 无法取得经营许可证"),
    f"{GUIDE}; Provisions on Foreign-Invested Telecommunications Enterprises",
)
def foreign_majority(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if facts.licence != "commercial" or not facts.subject.is_organisation:
        return
    share = facts.subject.foreign_ownership_percent
    if share is None:
        yield missing(
            "subject.foreign_ownership_percent",
            "the share of foreign ownership (a commercial licence allows at most 50 %)",
            "外资持股比例（经营许可证要求外资不超过 50%）",
        )
        return
    cap = tables.ownership_cap
    if cap is None or share <= cap["max_percent"]:
        return
    pilot = _pilot(facts, tables)
    if pilot is not None:
        yield warn(
            "subject.foreign_ownership_percent",
            f"Foreign ownership of {share:g} % is above the usual {cap['max_percent']} % cap, which the pilot in "
            f"{pilot.name.en} lifts for information services other than news, publishing, audiovisual and internet "
            "culture. Few such licences have been granted so far.",
            f"外资占比 {share:g}% 超过通常 {cap['max_percent']}% 的上限；{pilot.name.zh}试点已对新闻、出版、视听、"
            "网络文化以外的信息服务取消外资比例限制，但目前获批的案例很少。",
            pilot.source,
        )
        return
    yield block(
        "subject.foreign_ownership_percent",
        f"A company with {share:g} % foreign ownership cannot get a commercial ICP licence: value-added telecom "
        f"business allows at most {cap['max_percent']} % foreign ownership.",
        f"外资占比 {share:g}% 的企业无法取得ICP经营许可证：增值电信业务的外资比例不得超过 {cap['max_percent']}%。",
        cap["source"],
    )


@rule(
    "LIC-FOREIGN-MINORITY",
    Family.LICENCE,
    Severity.WARN,
    ("Any foreign ownership makes a commercial licence rare in practice", "有外资成分的企业实际很难取得经营许可证"),
    GUIDE,
)
def foreign_minority(facts: Facts, tables: Tables) -> Iterator[Hit]:
    share = facts.subject.foreign_ownership_percent
    cap = tables.ownership_cap
    if facts.licence != "commercial" or share is None or cap is None or not 0 < share <= cap["max_percent"]:
        return
    yield warn(
        "subject.foreign_ownership_percent",
        f"Foreign ownership of {share:g} % is within the {cap['max_percent']} % cap, so you may apply, but in "
        "practice a commercial licence is rarely granted to a company with any foreign investment.",
        f"外资占比 {share:g}% 未超过 {cap['max_percent']}% 的上限，可以申请；"
        "但实际上有外资成分的企业很难拿到经营许可证。",
    )


RULES = (organisation_only, foreign_majority, foreign_minority)
