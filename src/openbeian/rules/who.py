"""Who may file: Chinese organisations and citizens, foreign-invested companies with a Chinese licence, and
foreigners only while they reside in China. Foreign companies without a legal presence in China cannot."""

from __future__ import annotations

from collections.abc import Iterator

from openbeian.rules.data import Tables
from openbeian.rules.derive import FOREIGN_RESIDENCE_DOCUMENTS
from openbeian.rules.engine import Family, Hit, Severity, block, info, missing, rule
from openbeian.rules.facts import SUBJECT_KINDS, Facts

GUIDE = "the seed guide (Who can apply for an ICP license?)"
CHINESE_PRESENCE = ("business_license", "representative_office_certificate")


@rule(
    "WHO-SUBJECT-KIND",
    Family.WHO,
    Severity.INFO,
    ("The kind of subject decides which rules apply", "主办单位性质决定适用哪些规则"),
    "MIIT Order 33 Art. 8 (filing information)",
)
def subject_kind(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if facts.subject.kind is None:
        yield missing(
            "subject.kind",
            f"who files ({', '.join(SUBJECT_KINDS)}); rules for individuals and organisations differ",
            "主办单位性质（个人、企业、政府机关、事业单位、社会团体），个人与单位适用的规则不同",
        )


@rule(
    "WHO-FOREIGN-COMPANY-NO-PRESENCE",
    Family.WHO,
    Severity.BLOCK,
    ("A foreign company needs a legal presence in China", "境外公司须在境内设立实体"),
    f"{GUIDE}; Huawei Cloud 备案条件咨询",
)
def foreign_company(facts: Facts, tables: Tables) -> Iterator[Hit]:
    subject = facts.subject
    if not subject.is_organisation:
        return
    present = subject.documents_of(*CHINESE_PRESENCE)
    only_foreign = (
        bool(subject.documents) and not present and bool(subject.documents_of("foreign_company_registration"))
    )
    if (subject.is_foreign or only_foreign) and not present:
        yield block(
            "subject",
            "A foreign company with no legal presence in China cannot file. It first needs a Chinese business "
            "licence (a subsidiary, joint venture or branch in China) or a representative office certificate.",
            "境外公司在中国境内没有法律实体的，无法办理备案。需先在境内设立公司（子公司、合资公司或分公司）取得营业执照，"
            "或设立外国企业常驻代表机构并取得登记证。",
        )
    elif (subject.is_foreign or (subject.foreign_ownership_percent or 0) > 0) and present:
        yield info(
            "subject",
            "A foreign-invested company with a Chinese business licence files like any Chinese company.",
            "外商投资企业持有中国营业执照的，可与内资企业一样办理备案。",
        )
    elif subject.nationality is None and subject.documents is None:
        yield missing(
            "subject.nationality",
            "where the organisation is registered (a foreign company needs a legal presence in China)",
            "单位的注册地（境外公司须在境内设立实体）",
        )


@rule(
    "WHO-FOREIGNER-NOT-RESIDENT",
    Family.WHO,
    Severity.BLOCK,
    ("A foreigner files only while residing in China", "外籍个人须在中国境内居住"),
    f"{GUIDE}; Tencent Cloud 2017 province table; Huawei Cloud 备案管局咨询",
)
def foreigner_resident(facts: Facts, tables: Tables) -> Iterator[Hit]:
    subject = facts.subject
    if not subject.is_individual:
        return
    if subject.nationality is None:
        yield missing(
            "subject.nationality",
            "the individual's nationality (a foreigner must reside in China to file)",
            "个人的国籍（外籍人士须在中国境内居住才能备案）",
        )
        return
    if subject.is_foreign and not subject.documents_of(*FOREIGN_RESIDENCE_DOCUMENTS):
        yield block(
            "subject.documents",
            "A foreigner can file only while living in China: a passport alone is not enough, a residence permit "
            "or a Foreign Permanent Resident ID Card issued in China is needed too.",
            "外籍个人须在中国境内居住才能备案：仅有护照不够，还需要在中国境内取得的居留许可或外国人永久居留身份证。",
        )


RULES = (subject_kind, foreign_company, foreigner_resident)
