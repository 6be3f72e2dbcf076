"""Province rules, from the dated policy table of all 31 provinces: where an organisation files, whether
non-local individuals and foreigners are accepted, minimum age, the subject leader, local mobiles, domain caps."""

from __future__ import annotations

from collections.abc import Iterator

from openbeian.rules.data import Tables
from openbeian.rules.derive import (
    ORGANISATION_DOCUMENTS,
    age_on,
    issued_in,
    mobile,
    policy_of,
    province_of,
    provinces_text,
    same_province,
)
from openbeian.rules.engine import Family, Hit, Severity, block, info, missing, rule, warn
from openbeian.rules.facts import Facts

POLICY = "province policy table (rules/data/provinces.json)"


@rule(
    "PROV-POLICY",
    Family.PROVINCE,
    Severity.WARN,
    ("The province's regulator and its review time", "省通信管理局及审核时限"),
    "MIIT Order 33 Art. 3 and 12; Tencent Cloud 备案审核 (Zhejiang 30 days)",
    per_province=True,
)
def policy(facts: Facts, tables: Tables) -> Iterator[Hit]:
    province = province_of(facts.province)
    if province is None:
        yield missing(
            "province",
            "the province to file in, which decides the regulator and its rules",
            "备案省份，它决定由哪个管局审核以及适用的要求",
        )
        return
    found = tables.policies.get(province.code)
    if found is None:
        yield warn(
            "province",
            f"OpenBeian has no policy data for {province.name_en} on {tables.day}; province rules were not checked.",
            f"OpenBeian 没有{province.name_zh}在 {tables.day} 的管局要求数据，未检查省份规则。",
        )
        return
    yield info(
        "province",
        f"The {province.name_en} communications administration reviews within {found.review_days} working days.",
        f"{province.name_zh}通信管理局的审核时限为 {found.review_days} 个工作日。",
    )


@rule(
    "PROV-ORGANISATION-LOCAL",
    Family.PROVINCE,
    Severity.BLOCK,
    ("Organisations file where their licence was issued", "单位须在证件注册地备案"),
    "MIIT Order 33 Art. 3; Alibaba Cloud ICP filing limits",
    per_province=True,
)
def organisation_local(facts: Facts, tables: Tables) -> Iterator[Hit]:
    province = province_of(facts.province)
    if province is None or not facts.subject.is_organisation:
        return
    documents = facts.subject.documents_of(*ORGANISATION_DOCUMENTS)
    if not documents:
        return
    for i, document in documents:
        where = issued_in(document)
        if where is None:
            yield missing(
                f"subject.documents[{i}].issued_in",
                "where the certificate was issued (an organisation files in that province)",
                "证件的注册地（单位须在注册地所在省份备案）",
            )
        elif not same_province(where, province.code):
            home = province_of(where)
            assert home is not None
            yield block(
                f"subject.documents[{i}].issued_in",
                f"An organisation files in the province where its certificate was issued: {home.name_en}, "
                f"not {province.name_en}. Cross-province filing is not allowed for organisations.",
                f"单位须在证件注册地所在省份备案，即{home.name_zh}，而不是{province.name_zh}。单位不能跨省备案。",
            )


def _local_evidence(facts: Facts, code: str, local_id_only: bool) -> tuple[bool, bool]:
    """(local by ID, residence permit issued here) for an individual. Where the ID was issued counts; only when
    no document tells, the stated residence does (never where a local ID is required)."""
    subject = facts.subject
    personal = subject.documents_of("resident_id", "hk_macao_pass", "taiwan_pass", "foreign_permanent_residence")
    issued = [where for where in (issued_in(d) for _, d in personal) if where]
    if issued:
        id_local = any(same_province(where, code) for where in issued)
    else:
        id_local = not local_id_only and same_province(subject.residence_province, code)
    permit_local = any(same_province(issued_in(d), code) for _, d in subject.documents_of("residence_permit"))
    return id_local, permit_local


@rule(
    "PROV-NON-LOCAL-INDIVIDUAL",
    Family.PROVINCE,
    Severity.BLOCK,
    ("Whether the province accepts individuals from elsewhere", "省管局是否接受外地个人备案"),
    f"the seed guide (Hebei does not allow non-residents, Beijing does); {POLICY}",
    per_province=True,
)
def non_local_individual(facts: Facts, tables: Tables) -> Iterator[Hit]:
    found = policy_of(facts, tables)
    if found is None or not facts.subject.is_individual or facts.subject.is_foreign:
        return
    province, rules = found
    id_local, permit_local = _local_evidence(facts, province.code, rules.local_id_only)
    if id_local or rules.accepts_non_local_individuals:
        return
    if rules.accepts_residence_permit and permit_local:
        return
    if facts.subject.residence_province is None and not any(issued_in(d) for d in facts.subject.documents or ()):
        yield missing(
            "subject.residence_province",
            f"where the individual lives ({province.name_en} accepts local individuals only)",
            f"个人的居住地（{province.name_zh}只接受本地个人备案）",
        )
        return
    elif rules.local_id_only:
        en = f"{province.name_en} accepts individual filings only with a local resident ID card."
        zh = f"{province.short_name_zh}管局要求个人备案须使用本地身份证，外地身份证无法在当地备案。"
    elif rules.accepts_residence_permit:
        en = (
            f"{province.name_en} accepts an individual from another province only with a residence permit "
            f"issued in {province.name_en}."
        )
        zh = f"外省个人在{province.name_zh}备案，须提供当地的居住证。"
    else:
        en = f"{province.name_en} does not accept filings from individuals who do not live there."
        zh = f"{province.short_name_zh}管局不接受非本地个人备案。"
    yield block(
        "province",
        f"{en} File in the province where you live, or in one that accepts non-local individuals, such as Beijing.",
        f"{zh}请在户籍或居住地所在省份备案，或选择接受外地个人备案的省份（如北京）。",
        rules.source,
    )


@rule(
    "PROV-FOREIGNER",
    Family.PROVINCE,
    Severity.BLOCK,
    ("Whether the province accepts foreigners", "省管局是否接受外籍个人备案"),
    f"Huawei Cloud 备案管局咨询 (Hebei refuses foreigners); {POLICY}",
    per_province=True,
)
def foreigner(facts: Facts, tables: Tables) -> Iterator[Hit]:
    found = policy_of(facts, tables)
    if found is None or not facts.subject.is_individual or not facts.subject.is_foreign:
        return
    province, rules = found
    if not rules.accepts_foreigners:
        yield block(
            "province",
            f"{province.name_en} does not accept filings from foreign individuals. Choose a province that does, "
            "such as Shanghai (passport plus residence permit).",
            f"{province.short_name_zh}管局不受理外籍个人备案。请选择受理外籍人士的省份，例如上海（护照加居留许可）。",
            rules.source,
        )


@rule(
    "PROV-MIN-AGE",
    Family.PROVINCE,
    Severity.BLOCK,
    ("The individual must have the province's minimum age", "个人须达到当地规定的年龄"),
    f"Huawei Cloud 备案管局咨询; Tencent Cloud 2017 province table; {POLICY}",
    per_province=True,
)
def min_age(facts: Facts, tables: Tables) -> Iterator[Hit]:
    found = policy_of(facts, tables)
    if found is None or not facts.subject.is_individual:
        return
    province, rules = found
    age = age_on(facts, tables.day)
    if age is None:
        yield missing(
            "subject.age",
            f"the individual's age ({province.name_en} requires {rules.min_age} or older)",
            f"个人的年龄（{province.name_zh}要求年满 {rules.min_age} 周岁）",
        )
    elif age < rules.min_age:
        yield block(
            "subject.age",
            f"{province.name_en} accepts individual filings from the age of {rules.min_age}; the applicant is {age}.",
            f"{province.name_zh}要求个人备案须年满 {rules.min_age} 周岁，申请人目前 {age} 岁。",
            rules.source,
        )


@rule(
    "PROV-LEADER-LEGAL-REP",
    Family.PROVINCE,
    Severity.BLOCK,
    ("Whether the subject leader must be the legal representative", "主体负责人是否须为法定代表人"),
    f"Tencent Cloud 备案流程/主体信息; {POLICY}",
    per_province=True,
)
def leader_legal_rep(facts: Facts, tables: Tables) -> Iterator[Hit]:
    found = policy_of(facts, tables)
    if found is None or not facts.subject.is_organisation:
        return
    province, rules = found
    if rules.leader_legal_representative == "free":
        return
    is_rep = facts.subject.leader.is_legal_representative
    if is_rep is None:
        yield missing(
            "subject.leader.is_legal_representative",
            f"whether the subject leader is the legal representative ({province.name_en} has a rule on it)",
            f"主体负责人是否为法定代表人（{province.name_zh}对此有要求）",
        )
    elif not is_rep and rules.leader_legal_representative == "required":
        yield block(
            "subject.leader.is_legal_representative",
            f"In {province.name_en} the subject leader of an organisation must be its legal representative.",
            f"{province.short_name_zh}管局要求单位的主体负责人必须是法定代表人。",
            rules.source,
        )
    elif not is_rep:
        yield warn(
            "subject.leader.is_legal_representative",
            f"In {province.name_en} a subject leader who is not the legal representative needs a letter of "
            "authorisation signed by the legal representative.",
            f"在{province.name_zh}，主体负责人不是法定代表人的，须提供法定代表人签字的授权书。",
            rules.source,
        )


@rule(
    "PROV-LOCAL-MOBILE",
    Family.PROVINCE,
    Severity.BLOCK,
    ("Provinces that require a local mobile number", "部分省份要求使用本地手机号码"),
    f"Tencent Cloud 省管局要求相关 (Beijing); Alibaba Cloud knowledge_detail/50252 (Hebei); {POLICY}",
    per_province=True,
)
def local_mobile(facts: Facts, tables: Tables) -> Iterator[Hit]:
    found = policy_of(facts, tables)
    if found is None or found[1].local_mobile_provinces is None:
        return
    province, rules = found
    allowed = rules.local_mobile_provinces or ()
    where = provinces_text(allowed)
    text = facts.subject.leader.mobile
    if text is None:
        yield missing(
            "subject.leader.mobile",
            f"the leader's mobile number ({province.name_en} requires one from {where.en})",
            f"负责人手机号码（{province.name_zh}要求使用{where.zh}的号码）",
        )
        return
    parsed = mobile(text)
    if parsed is None or parsed[1] is None:
        return  # DOC-MOBILE says why the number is not usable
    if not any(same_province(parsed[1], code) for code in allowed):
        home = province_of(parsed[1])
        assert home is not None
        yield block(
            "subject.leader.mobile",
            f"{province.name_en} requires a mobile number from {where.en}; {text} is registered in {home.name_en}.",
            f"{province.short_name_zh}管局要求使用{where.zh}的手机号码，{text} 的归属地是{home.short_name_zh}。",
            rules.source,
        )


@rule(
    "PROV-DOMAIN-CAP",
    Family.PROVINCE,
    Severity.BLOCK,
    ("Provinces that cap the domains of one order", "部分省份限制每个订单的域名数量"),
    f"Huawei Cloud knowledge base; {POLICY}",
    per_province=True,
)
def domain_cap(facts: Facts, tables: Tables) -> Iterator[Hit]:
    found = policy_of(facts, tables)
    if found is None or found[1].max_domains_per_order is None or facts.sites is None:
        return
    province, rules = found
    count = sum(len(site.domains) for site in facts.sites)
    cap = rules.max_domains_per_order
    if cap is not None and count > cap:
        yield block(
            "sites",
            f"{province.name_en} accepts at most {cap} domain(s) in one filing order; this one has {count}. "
            "File the others in a later order.",
            f"{province.short_name_zh}管局规定每个备案订单最多 {cap} 个域名，本订单有 {count} 个，其余域名请另行备案。",
            rules.source,
        )


RULES = (
    policy,
    organisation_local,
    non_local_individual,
    foreigner,
    min_age,
    leader_legal_rep,
    local_mobile,
    domain_cap,
)
