"""Content and pre-approval (前置审批): news, publishing, education, medical, drugs, culture, audiovisual, games,
forums and finance need an approval first; individuals cannot obtain one, organisations give its number."""

from __future__ import annotations

from collections.abc import Iterator

from openbeian.rules.data import Tables
from openbeian.rules.engine import Family, Hit, Severity, block, missing, rule
from openbeian.rules.facts import CONTENT, Facts
from openbeian.rules.labels import CONTENT as LABELS

BASIS = "《互联网信息服务管理办法》 Art. 5; MIIT Order 33"
COMMERCIAL = ("company", "ecommerce")


@rule(
    "CONTENT-INDIVIDUAL-PRE-APPROVAL",
    Family.CONTENT,
    Severity.BLOCK,
    ("An individual's site cannot carry content that needs a pre-approval", "个人网站不能涉及前置审批内容"),
    f"the seed guide (Aliyun moderator on forums); Tencent Cloud 能否进行备案; {BASIS}",
)
def individual_pre_approval(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if not facts.subject.is_individual:
        return
    for i, site in enumerate(facts.sites or ()):
        for j, category in enumerate(site.content or ()):
            needed = tables.pre_approval.get(category)
            if needed is not None:
                label = LABELS[category]
                yield block(
                    f"sites[{i}].content[{j}]",
                    f"An individual's site cannot carry {label.en}: it needs a pre-approval ({needed.document.en}), "
                    "which individuals cannot obtain. File as an organisation with the approval, or drop it.",
                    f"个人备案的网站不能涉及{label.zh}：这类内容须先取得{needed.document.zh}，个人无法申请。"
                    "请以单位名义取得审批后备案，或去掉相关内容。",
                    needed.source,
                )


@rule(
    "CONTENT-INDIVIDUAL-COMMERCIAL",
    Family.CONTENT,
    Severity.BLOCK,
    ("An individual's site cannot be a company site or a shop", "个人网站不能是企业网站或网店"),
    "Tencent Cloud 网站信息; Tencent Cloud 能否进行备案",
)
def individual_commercial(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if not facts.subject.is_individual:
        return
    for i, site in enumerate(facts.sites or ()):
        for j, category in enumerate(site.content or ()):
            if category in COMMERCIAL:
                label = LABELS[category]
                yield block(
                    f"sites[{i}].content[{j}]",
                    f"An individual's site cannot be {label.en}; file it under the company's name.",
                    f"个人备案的网站不能用作{label.zh}，请以企业名义备案。",
                )


@rule(
    "CONTENT-PRE-APPROVAL-MISSING",
    Family.CONTENT,
    Severity.BLOCK,
    ("An organisation gives the pre-approval document number", "单位须提供前置审批文件编号"),
    f"the seed guide (As a bonus: the pre-approval process); {BASIS}",
)
def pre_approval_missing(facts: Facts, tables: Tables) -> Iterator[Hit]:
    if facts.sites is None:
        yield missing("sites", "the sites to file (name, domains, content)", "要备案的网站（名称、域名、服务内容）")
    for i, site in enumerate(facts.sites or ()):
        if site.content is None:
            yield missing(
                f"sites[{i}].content",
                f"what the site offers ({', '.join(CONTENT)}); some content needs a pre-approval",
                "网站的服务内容（部分内容须先取得前置审批）",
            )
            continue
        if not facts.subject.is_organisation:
            continue
        approved = {p.category for p in site.pre_approvals if p.document_number and p.document_number.strip()}
        for j, category in enumerate(site.content):
            needed = tables.pre_approval.get(category)
            if needed is not None and category not in approved:
                label = LABELS[category]
                yield block(
                    f"sites[{i}].content[{j}]",
                    f"A site with {label.en} needs a pre-approval before filing: the {needed.document.en} from "
                    f"{needed.authority.en}. Give its document number in pre_approvals.",
                    f"涉及{label.zh}的网站须在备案前取得前置审批：由{needed.authority.zh}核发的{needed.document.zh}。"
                    "请在前置审批中填写审批文件编号。",
                    needed.source,
                )


RULES = (individual_pre_approval, individual_commercial, pre_approval_missing)
