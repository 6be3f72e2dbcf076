"""Subjects, people and their documents: check digits, document types per subject kind, mobiles, masking."""

from __future__ import annotations

import random

import pytest

from openbeian.domain.provinces import by_code
from openbeian.domain.subjects import (
    ORGANISATION_DOCUMENTS,
    DocumentType,
    IdDocument,
    Person,
    Subject,
    SubjectKind,
    mask_person_name,
    parse_email,
    parse_mobile,
)
from openbeian.errors import ValidationError
from openbeian.services.forms import parse_order_form
from openbeian.simulate import synth

RESIDENT_ID = "11010519491231002X"  # the GB 11643 example number
CREDIT_CODE = "91110000802100433B"  # an enterprise's unified social credit code
GOVERNMENT_CODE = "11100000000013127D"


def person(doc_type: str = "resident_id", number: str = RESIDENT_ID) -> Person:
    return Person.parse("张三", doc_type, number, "13800138000", "zhang@example.cn", "subject.leader")


def subject(kind: SubjectKind, document: IdDocument, name: str = "北京云启科技有限公司") -> Subject:
    return Subject(kind, name, "110000", document, person(), "北京市朝阳区建国路 1 号")


def flip_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


# -- resident ID (居民身份证) ------------------------------------------------------------------------


def test_a_resident_id_with_a_correct_check_digit_is_accepted() -> None:
    assert IdDocument.parse("resident_id", RESIDENT_ID, "doc") == IdDocument(DocumentType.RESIDENT_ID, RESIDENT_ID)


def test_a_resident_id_with_a_wrong_check_digit_is_refused_on_its_number_field() -> None:
    with pytest.raises(ValidationError) as caught:
        IdDocument.parse("resident_id", flip_check_digit(RESIDENT_ID), "subject.document")
    assert list(caught.value.fields) == ["subject.document.number"]
    assert "check digit" in caught.value.fields["subject.document.number"].en


def test_a_lower_case_x_check_digit_and_spaces_are_accepted_and_normalised() -> None:
    document = IdDocument.parse("resident_id", " 110105 19491231 002x ", "doc")
    assert document.number == RESIDENT_ID


@pytest.mark.parametrize(
    "number",
    [
        "110105194913310021",  # month 13
        "11010519491231002",  # 17 characters
        "1101051949123100211",  # 19 characters
        "990105194912310026",  # no such area
        "",
    ],
)
def test_a_malformed_resident_id_is_refused(number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        IdDocument.parse("resident_id", number, "doc")
    assert list(caught.value.fields) == ["doc.number"]


def test_synthetic_resident_ids_of_every_province_pass_the_check() -> None:
    rng = random.Random(5)
    for code in ("110000", "310000", "500000", "510000", "650000"):
        number = synth.resident_id(rng, by_code(code))
        assert IdDocument.parse("resident_id", number, "doc").number == number


# -- unified social credit code (统一社会信用代码) -----------------------------------------------------


@pytest.mark.parametrize("doc_type", [t.value for t in ORGANISATION_DOCUMENTS.values()])
def test_an_organisation_document_is_checked_as_a_credit_code(doc_type: str) -> None:
    assert IdDocument.parse(doc_type, CREDIT_CODE.lower(), "doc").number == CREDIT_CODE
    with pytest.raises(ValidationError) as caught:
        IdDocument.parse(doc_type, flip_check_digit(CREDIT_CODE), "doc")
    assert list(caught.value.fields) == ["doc.number"]


def test_a_credit_code_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValidationError):
        IdDocument.parse("business_license", CREDIT_CODE[:-1], "doc")


def test_passports_and_travel_permits_need_5_to_20_letters_or_digits() -> None:
    assert IdDocument.parse("passport", "e 1234 5678", "doc").number == "E12345678"
    for bad in ("E12", "E1234-5678", "X" * 21):
        with pytest.raises(ValidationError):
            IdDocument.parse("passport", bad, "doc")


def test_an_unknown_document_type_is_refused_on_its_type_field() -> None:
    with pytest.raises(ValidationError) as caught:
        IdDocument.parse("driving_licence", "123456", "subject.document")
    assert list(caught.value.fields) == ["subject.document.type"]


def test_a_document_number_is_masked_but_for_its_ends() -> None:
    assert IdDocument(DocumentType.RESIDENT_ID, RESIDENT_ID).masked == "11**************2X"
    assert IdDocument(DocumentType.PASSPORT, "E123").masked == "****"


# -- document type per subject kind ----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "doc_type"), sorted(ORGANISATION_DOCUMENTS.items()))
def test_an_organisation_files_with_its_own_kind_of_document(kind: SubjectKind, doc_type: DocumentType) -> None:
    number = GOVERNMENT_CODE if kind is SubjectKind.GOVERNMENT else CREDIT_CODE
    assert subject(kind, IdDocument(doc_type, number)).kind is kind


@pytest.mark.parametrize(
    ("kind", "doc_type"),
    [(k, t) for k in sorted(ORGANISATION_DOCUMENTS) for t in DocumentType if t is not ORGANISATION_DOCUMENTS[k]],
)
def test_an_organisation_with_another_kind_of_document_is_refused(kind: SubjectKind, doc_type: DocumentType) -> None:
    with pytest.raises(ValidationError) as caught:
        subject(kind, IdDocument(doc_type, CREDIT_CODE))
    assert list(caught.value.fields) == ["subject.document.type"]


def test_an_individual_files_with_a_personal_document() -> None:
    individual = subject(SubjectKind.INDIVIDUAL, IdDocument(DocumentType.RESIDENT_ID, RESIDENT_ID), name="张三")
    assert individual.kind is SubjectKind.INDIVIDUAL


def test_an_individual_cannot_file_with_a_business_licence() -> None:
    with pytest.raises(ValidationError) as caught:
        subject(SubjectKind.INDIVIDUAL, IdDocument(DocumentType.BUSINESS_LICENSE, CREDIT_CODE), name="张三")
    assert list(caught.value.fields) == ["subject.document.type"]


def test_an_enterprise_cannot_file_with_a_resident_id() -> None:
    with pytest.raises(ValidationError) as caught:
        subject(SubjectKind.ENTERPRISE, IdDocument(DocumentType.RESIDENT_ID, RESIDENT_ID))
    assert list(caught.value.fields) == ["subject.document.type"]


def test_a_leader_needs_a_personal_document() -> None:
    with pytest.raises(ValidationError) as caught:
        person("business_license", CREDIT_CODE)
    assert list(caught.value.fields) == ["subject.leader.document.type"]


def test_the_order_form_reports_a_wrong_document_type_on_the_subjects_field() -> None:
    form = synth.applicant(random.Random(3), "x", by_code("110000"), "enterprise").form
    form["subject"]["document"] = {"type": "resident_id", "number": RESIDENT_ID}
    with pytest.raises(ValidationError) as caught:
        parse_order_form(form | {"service_number": "X"})
    assert "subject.document.type" in caught.value.fields


def test_a_subject_needs_a_name_and_a_full_address() -> None:
    document = IdDocument(DocumentType.BUSINESS_LICENSE, CREDIT_CODE)
    with pytest.raises(ValidationError) as caught:
        subject(SubjectKind.ENTERPRISE, document, name="X")
    assert list(caught.value.fields) == ["subject.name"]
    with pytest.raises(ValidationError) as caught:
        Subject(SubjectKind.ENTERPRISE, "北京云启科技有限公司", "110000", document, person(), "北京")
    assert list(caught.value.fields) == ["subject.address"]


# -- mobile numbers and e-mail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000"]
)
def test_a_mainland_mobile_number_is_stored_in_e164_form(text: str) -> None:
    assert parse_mobile(text, "mobile") == "+8613800138000"


@pytest.mark.parametrize(
    "text",
    [
        "010-12345678",  # a Beijing landline
        "+852 9123 4567",  # a Hong Kong mobile
        "+1 415 555 0100",
        "1380013800",  # 10 digits
        "12800138000",  # no such mobile prefix
        "abc",
        "",
    ],
)
def test_anything_but_a_mainland_mobile_number_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_mobile(text, "subject.leader.mobile")
    assert list(caught.value.fields) == ["subject.leader.mobile"]


def test_the_leaders_mobile_is_validated_on_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Person.parse("张三", "resident_id", RESIDENT_ID, "010-12345678", "a@example.cn", "sites[0].leader")
    assert list(caught.value.fields) == ["sites[0].leader.mobile"]


@pytest.mark.parametrize("text", ["name", "a@b", "a b@example.cn", "@example.cn"])
def test_a_malformed_email_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_email(text, "email")


# -- masking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧***"),
        ("John Smith", "J*** S****"),
    ],
)
def test_an_individuals_name_is_masked_but_for_its_first_character(name: str, masked: str) -> None:
    assert mask_person_name(name) == masked


def test_only_an_individual_subjects_public_name_is_masked() -> None:
    individual = subject(SubjectKind.INDIVIDUAL, IdDocument(DocumentType.RESIDENT_ID, RESIDENT_ID), name="王小明")
    company = subject(SubjectKind.ENTERPRISE, IdDocument(DocumentType.BUSINESS_LICENSE, CREDIT_CODE))
    assert individual.public_name == "王**"
    assert company.public_name == "北京云启科技有限公司"
