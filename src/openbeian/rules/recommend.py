"""Recommendations: the provinces where this subject could file, and the checklist of documents to prepare."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from openbeian.domain.provinces import all_provinces
from openbeian.errors import Text
from openbeian.rules.data import tables_at
from openbeian.rules.derive import policy_of
from openbeian.rules.documents import required_documents
from openbeian.rules.engine import Family, Finding, Severity, rules_at, run
from openbeian.rules.facts import Facts
from openbeian.rules.labels import CONTENT, DOCUMENT

# Blocks from these families hold wherever one files: then no province is recommended.
_EVERYWHERE = (Family.WHO, Family.HOSTING, Family.LICENCE)


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: Text

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": {"en": self.text.en, "zh": self.text.zh}}


def provinces_for(facts: Facts, at: date, findings: list[Finding]) -> list[dict[str, Any]]:
    """Provinces whose rules the facts pass on `at` (none when a block holds wherever one files)."""
    rules = rules_at(at)
    blocked_everywhere = {r.id for r in rules if r.family in _EVERYWHERE}
    if any(f.severity is Severity.BLOCK and f.rule in blocked_everywhere for f in findings):
        return []
    local_rules = [r for r in rules if r.per_province]
    tables = tables_at(at)
    out = []
    for province in all_provinces():
        policy = tables.policies.get(province.code)
        if policy is None:
            continue
        trial = run(local_rules, facts.with_province(province.code), at)
        if not any(f.severity is Severity.BLOCK for f in trial):
            out.append(
                {
                    "code": province.code,
                    "abbr": province.abbr,
                    "name": {"en": province.name_en, "zh": province.name_zh},
                    "review_days": policy.review_days,
                }
            )
    return out


def checklist(facts: Facts, at: date) -> list[Item]:
    """What to prepare, from what the facts say (general items when they say little)."""
    subject = facts.subject
    items: list[Item] = []
    needed = required_documents(subject)
    if needed:
        items.append(
            Item(
                "subject_document",
                Text(
                    f"The subject's {' or '.join(DOCUMENT[t].en for t in needed)} (original, clear colour scan).",
                    f"备案主体的{'或'.join(DOCUMENT[t].zh for t in needed)}（原件彩色扫描件，清晰完整）。",
                ),
            )
        )
    if subject.is_individual and subject.is_foreign:
        items.append(
            Item(
                "residence_permit",
                Text(
                    "The residence permit or Foreign Permanent Resident ID Card issued in China.",
                    "在中国境内取得的居留许可或外国人永久居留身份证。",
                ),
            )
        )
    found = policy_of(facts, tables_at(at))
    if subject.is_individual and not subject.is_foreign and found and found[1].accepts_residence_permit:
        items.append(
            Item(
                "local_residence_permit",
                Text(
                    f"If your ID card is not from {found[0].name_en}: a residence permit issued there.",
                    f"如身份证不是{found[0].short_name_zh}签发的：当地的居住证。",
                ),
            )
        )
    if subject.is_organisation:
        items.append(
            Item(
                "leader_id",
                Text(
                    "The subject leader's ID card (resident ID, or passport for a foreigner).",
                    "主体负责人的身份证件（居民身份证；外籍人士为护照）。",
                ),
            )
        )
        if subject.leader.is_legal_representative is False:
            items.append(
                Item(
                    "authorisation",
                    Text(
                        "A letter of authorisation from the legal representative, with a copy of their ID card.",
                        "法定代表人签字的授权书及法定代表人身份证件。",
                    ),
                )
            )
    items.append(
        Item(
            "site_leader_id",
            Text(
                "Each site leader's ID card and a mainland mobile number.", "每个网站负责人的身份证件和大陆手机号码。"
            ),
        )
    )
    items.append(
        Item(
            "commitment",
            Text(
                "The signed ICP filing authenticity commitment (《ICP备案信息真实性责任告知书》) and the "
                "verification photo or face check at your access provider.",
                "签字的《ICP备案信息真实性责任告知书》（承诺书），并在接入商处完成幕布拍照或人脸核验。",
            ),
        )
    )
    if any(site.domains for site in facts.sites or ()):
        items.append(
            Item(
                "domain_certificate",
                Text(
                    "The domain certificate of each domain, real-name verified in the subject's name.",
                    "每个域名的域名证书，域名须以主办单位名义完成实名认证。",
                ),
            )
        )
    tables = tables_at(at)
    categories = sorted({c for site in facts.sites or () for c in site.content or () if c in tables.pre_approval})
    for category in categories:
        needed_doc = tables.pre_approval[category]
        items.append(
            Item(
                f"pre_approval_{category}",
                Text(
                    f"For {CONTENT[category].en}: the {needed_doc.document.en} from {needed_doc.authority.en}.",
                    f"{CONTENT[category].zh}：{needed_doc.authority.zh}核发的{needed_doc.document.zh}。",
                ),
            )
        )
    if facts.licence == "commercial":
        items.append(
            Item(
                "commercial_licence",
                Text(
                    "For the commercial licence: articles of association, shareholding structure and proof of "
                    "registered capital (usually ¥1 million or more).",
                    "经营许可证申请材料：公司章程、股权结构说明、注册资本证明（一般须 100 万元以上）。",
                ),
            )
        )
    return items
