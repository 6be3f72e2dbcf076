"""Documents: the type fits the subject kind, the numbers pass their check digits, the mobile is valid."""

from __future__ import annotations

import re
from collections.abc import Iterator

from openbeian.errors import Text
from openbeian.rules.data import Tables
from openbeian.rules.derive import CREDIT_CODE_DOCUMENTS, mobile, valid_credit_code, valid_resident_id
from openbeian.rules.engine import Family, Hit, Severity, block, missing, rule
from openbeian.rules.facts import Facts, Subject
from openbeian.rules.labels import DOCUMENT, SUBJECT_KIND

_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
CREDIT_CODE = Text("unified social credit code", "统一社会信用代码")

# What each kind of subject must show: any one of the listed documents.
REQUIRED = {
    "enterprise": ("business_license", "representative_office_certificate"),
    "government": ("government_code",),
    "public_institution": ("institution_certificate",),
    "social_organization": ("social_org_certificate",),
}
PERSONAL_BY_NATIONALITY = {
    "CN": ("resident_id",),
    "HK": ("hk_macao_pass",),
    "MO": ("hk_macao_pass",),
    "TW": ("taiwan_pass",),
}


def required_documents(subject: Subject) -> tuple[str, ...] | None:
    """The documents of which the subject must show one; None when its kind (or nationality) is unknown."""
    if subject.kind is None:
        return None
    if subject.is_individual:
        if subject.nationality is None:
            return None
        return PERSONAL_BY_NATIONALITY.get(subject.nationality, ("passport",))
    return REQUIRED[subject.kind]


@rule(
    "DOC-TYPE-FITS-SUBJECT",
    Family.DOCUMENTS,
    Severity.BLOCK,
    ("The document fits the kind of subject", "证件类型须与主办单位性质相符"),
    "Tencent Cloud 主体信息; WeChat queryIcpSubjectTypes",
)
def type_fits(facts: Facts, tables: Tables) -> Iterator[Hit]:
    subject = facts.subject
    if subject.documents is None:
        yield missing(
            "subject.documents",
            "the subject's documents (type, number, where issued)",
            "主办单位的证件（类型、号码、签发地）",
        )
        return
    needed = required_documents(subject)
    if needed is None or subject.documents_of(*needed):
        return
    kind = SUBJECT_KIND[subject.kind or "individual"]
    en = " or ".join(DOCUMENT[t].en for t in needed)
    zh = "或".join(DOCUMENT[t].zh for t in needed)
    yield block("subject.documents", f"{kind.en.capitalize()} files with a {en}.", f"{kind.zh}须使用{zh}备案。")


@rule(
    "DOC-NUMBER-VALID",
    Family.DOCUMENTS,
    Severity.BLOCK,
    ("Document numbers pass their check digits", "证件号码须通过校验"),
    "GB 11643 (resident ID check digit); GB 32100 (unified social credit code)",
)
def number_valid(facts: Facts, tables: Tables) -> Iterator[Hit]:
    for i, document in enumerate(facts.subject.documents or ()):
        path = f"subject.documents[{i}].number"
        label = DOCUMENT.get(document.type, Text(document.type, document.type))
        number = "".join((document.number or "").split()).upper()
        if not number:
            yield missing(path, f"the {label.en} number", f"{label.zh}号码")
            continue
        if document.type == "resident_id":
            ok = valid_resident_id(number) is not None
        elif document.type in CREDIT_CODE_DOCUMENTS:
            ok = valid_credit_code(number) is not None
        elif document.type == "passport":
            ok = _PASSPORT.match(number) is not None
        else:
            continue
        if not ok:
            what = (
                CREDIT_CODE if document.type in CREDIT_CODE_DOCUMENTS else Text(f"{label.en} number", f"{label.zh}号码")
            )
            yield block(
                path,
                f"{document.number!r} is not a valid {what.en} (wrong length, characters or check digit).",
                f"「{document.number}」不是有效的{what.zh}（位数、字符或校验位有误）。",
            )


@rule(
    "DOC-MOBILE",
    Family.DOCUMENTS,
    Severity.BLOCK,
    ("The leader's mobile is a valid mainland number", "负责人手机须为有效的中国大陆手机号码"),
    "MIIT SMS check (工信部短信核验) goes to mainland mobiles",
)
def leader_mobile(facts: Facts, tables: Tables) -> Iterator[Hit]:
    text = facts.subject.leader.mobile
    if text is None:
        yield missing(
            "subject.leader.mobile",
            "the leader's mobile (it receives the MIIT SMS check)",
            "负责人手机号码（用于接收工信部核验短信）",
        )
    elif mobile(text) is None:
        yield block(
            "subject.leader.mobile",
            f"{text!r} is not a valid mainland China mobile number; the MIIT SMS check is sent to one.",
            f"「{text}」不是有效的中国大陆手机号码，工信部核验短信只能发送到大陆手机号。",
        )


RULES = (type_fits, number_valid, leader_mobile)
