"""Verification of an order through the service: the backdrop photo's automatic check, the letter, the face
check, and `verify` refused until the material is complete."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from openbeian.domain.orders import VerificationMethod
from openbeian.domain.workflow import Stage, Trigger
from openbeian.errors import ValidationError

from .photos import encode, minimal_pdf, portrait

if TYPE_CHECKING:
    from conftest import Filings


def test_a_good_backdrop_photo_and_the_letter_let_the_reviewer_verify(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.VERIFICATION)
    order_id = order.id or 0
    with pytest.raises(ValidationError) as caught:
        filings.orders.act(filings.cast.reviewer, order_id, Trigger.VERIFY)
    assert "verification" in caught.value.fields
    filings.orders.add_file(applicant, order_id, "photo", "me.jpg", portrait())
    order = filings.orders.add_file(applicant, order_id, "letter", "letter.pdf", minimal_pdf())
    assert order.verification.method is VerificationMethod.PHOTO and not order.verification.missing()
    assert [f.purpose for f in filings.orders.files(filings.cast.reviewer, order_id)] == ["photo", "letter"]
    assert filings.orders.act(filings.cast.reviewer, order_id, Trigger.VERIFY).stage is Stage.SMS_CHECK


def test_a_photo_that_fails_the_check_is_kept_with_its_reasons_but_does_not_count(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.VERIFICATION)
    order_id = order.id or 0
    order = filings.orders.add_file(applicant, order_id, "photo", "wall.jpg", portrait(backdrop=(240, 240, 235)))
    assert order.verification.photo is not None and order.verification.method is None
    assert order.verification.photo_problems and " / " in order.verification.photo_problems[0]
    filings.orders.add_file(applicant, order_id, "letter", "letter.pdf", minimal_pdf())
    with pytest.raises(ValidationError):
        filings.orders.act(filings.cast.reviewer, order_id, Trigger.VERIFY)
    filings.orders.record_face_check(filings.cast.reviewer, order_id, "FACE-2026-0001")
    assert filings.orders.act(filings.cast.reviewer, order_id, Trigger.VERIFY).stage is Stage.SMS_CHECK


def test_uploads_are_judged_by_content_and_refused_after_the_verification(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order_id = order.id or 0
    with pytest.raises(ValidationError) as caught:
        filings.orders.add_file(applicant, order_id, "photo", "photo.png", minimal_pdf())
    assert list(caught.value.fields) == ["photo"]
    from PIL import Image

    gif = encode(Image.new("RGB", (10, 10)), "GIF")
    with pytest.raises(ValidationError) as caught:
        filings.orders.add_file(applicant, order_id, "letter", "letter.pdf", gif)
    assert list(caught.value.fields) == ["letter"]
    approved = filings.drive(applicant, order)
    with pytest.raises(ValidationError):
        filings.orders.add_file(applicant, approved.id or 0, "letter", "letter.pdf", minimal_pdf())


@pytest.mark.parametrize("province", ["香港", "Hong Kong", "台湾", "澳门", "Germany"])
def test_the_backdrop_ships_only_to_a_mainland_address(filings: Filings, province: str) -> None:
    applicant, order = filings.applicant_order("110000")
    with pytest.raises(ValidationError) as caught:
        filings.orders.request_backdrop(applicant, order.id or 0, province, "Some Road 1, Some City")
    assert list(caught.value.fields) == ["province"] and "BACKDROP-MAINLAND-ONLY" in caught.value.text.en
    shipped = filings.orders.request_backdrop(applicant, order.id or 0, "浙江", "杭州市西湖区文三路 1 号")
    assert shipped.verification.backdrop_to == "330000 杭州市西湖区文三路 1 号"
