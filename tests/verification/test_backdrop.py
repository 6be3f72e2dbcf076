"""The automatic pre-check of the site leader's photo against the provider's backdrop (幕布)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from openbeian.errors import ValidationError
from openbeian.verification import DEFAULT_RULES, BackdropRules, check_backdrop_photo, colour_hex, parse_colour

from .photos import BLUE, encode, minimal_pdf, portrait


def codes(data: bytes, rules: BackdropRules = DEFAULT_RULES) -> list[str]:
    return [problem.code for problem in check_backdrop_photo(data, rules).problems]


def test_a_half_body_photo_in_front_of_the_blue_backdrop_passes() -> None:
    check = check_backdrop_photo(portrait())
    assert check.passed
    assert check.reasons() == []
    assert (check.width, check.height) == (900, 1200)
    assert check.border_share is not None and check.border_share > 0.95


def test_png_photos_pass_as_well_as_jpeg() -> None:
    assert check_backdrop_photo(portrait(image_format="PNG")).passed


def test_uneven_lighting_of_the_cloth_still_matches_the_backdrop_colour() -> None:
    assert check_backdrop_photo(portrait(light_top=0.55, light_bottom=1.3)).passed


def test_a_close_portrait_whose_hair_and_shoulders_reach_the_edges_passes() -> None:
    image = Image.new("RGB", (800, 1000), BLUE)
    draw = ImageDraw.Draw(image)
    draw.ellipse([-100, 520, 900, 1600], fill=(30, 30, 30))  # shoulders wider than the frame
    draw.ellipse([220, -60, 580, 560], fill=(20, 15, 10))  # hair cut off by the top edge
    draw.ellipse([250, 60, 550, 540], fill=(225, 175, 145))
    check = check_backdrop_photo(encode(image))
    assert check.passed, check.reasons()


def test_a_photo_smaller_than_600_by_800_is_refused_with_its_size_in_both_languages() -> None:
    check = check_backdrop_photo(portrait(450, 600))
    assert [p.code for p in check.problems] == ["too_small"]
    assert "450×600" in check.reasons("en")[0] and "600×800" in check.reasons("en")[0]
    assert "450×600" in check.reasons("zh-CN")[0] and "像素" in check.reasons("zh-CN")[0]


def test_a_landscape_photo_is_refused_as_not_upright() -> None:
    assert codes(portrait(1200, 900)) == ["not_portrait"]


def test_a_camera_rotated_photo_is_judged_upright_by_its_exif_orientation() -> None:
    upright = Image.open(io.BytesIO(portrait(900, 1200)))
    stored_sideways = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote: 1200 × 900
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    check = check_backdrop_photo(encode(stored_sideways, exif=exif))
    assert (check.width, check.height) == (900, 1200)
    assert check.passed, check.reasons()


def test_a_white_wall_instead_of_the_backdrop_is_refused() -> None:
    check = check_backdrop_photo(portrait(backdrop=(238, 238, 232)))
    assert [p.code for p in check.problems] == ["backdrop_colour"]
    assert "#0055aa" in check.reasons("en")[0]
    assert "幕布" in check.reasons("zh-CN")[0]


def test_a_red_backdrop_is_refused_when_the_provider_uses_blue() -> None:
    assert codes(portrait(backdrop=(200, 30, 30))) == ["backdrop_colour"]


def test_a_backdrop_that_does_not_fill_the_background_is_refused() -> None:
    image = Image.new("RGB", (900, 1200), (236, 236, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle([160, 200, 740, 1200], fill=BLUE)  # cloth hung on a white wall, wall visible around it
    draw.ellipse([300, 350, 600, 750], fill=(225, 175, 145))
    assert codes(encode(image)) == ["backdrop_colour"]


def test_the_provider_backdrop_colour_is_a_parameter() -> None:
    white = BackdropRules(colour=parse_colour("#f0f0f0"))
    assert check_backdrop_photo(portrait(backdrop=(240, 240, 240)), white).passed
    assert codes(portrait(), white) == ["backdrop_colour"]
    red = BackdropRules(colour=(200, 30, 30))
    assert check_backdrop_photo(portrait(backdrop=(190, 40, 35)), red).passed


def test_a_photo_of_the_empty_backdrop_shows_no_person() -> None:
    assert codes(portrait(person=False)) == ["no_person"]


def test_every_reason_is_reported_at_once() -> None:
    check = check_backdrop_photo(portrait(700, 500, backdrop=(238, 238, 232)))
    assert [p.code for p in check.problems] == ["too_small", "not_portrait", "backdrop_colour"]
    assert all(p.text.en and p.text.zh and p.text.en != p.text.zh for p in check.problems)


def test_a_text_file_renamed_jpg_is_not_an_image() -> None:
    check = check_backdrop_photo("这不是照片 not a photo\n".encode())
    assert [p.code for p in check.problems] == ["not_image"]
    assert "PNG or JPEG" in check.reasons("en")[0]
    assert "不是图片" in check.reasons("zh-CN")[0]


def test_a_pdf_renamed_png_is_not_an_image() -> None:
    check = check_backdrop_photo(minimal_pdf())
    assert [p.code for p in check.problems] == ["not_image"]
    assert "PDF" in check.reasons("en")[0] and "PDF" in check.reasons("zh-CN")[0]


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_truncated_photo_is_refused_as_damaged(image_format: str) -> None:
    data = portrait(image_format=image_format)
    check = check_backdrop_photo(data[: len(data) // 2])
    assert [p.code for p in check.problems] == ["damaged"]
    assert check.width is None


def test_the_result_serialises_for_the_reviewer_page_and_api() -> None:
    record = check_backdrop_photo(portrait(450, 600)).to_dict()
    assert record["passed"] is False
    assert record["backdrop_colour"] == "#0055aa"
    problems = record["problems"]
    assert isinstance(problems, list) and [problem["code"] for problem in problems] == ["too_small"]
    assert "600×800" in problems[0]["en"] and "至少" in problems[0]["zh"]


def test_colours_parse_from_hex_and_bad_values_name_the_setting() -> None:
    assert parse_colour("#0055AA") == (0, 85, 170)
    assert parse_colour("0055aa") == (0, 85, 170)
    assert colour_hex((0, 85, 170)) == "#0055aa"
    with pytest.raises(ValidationError) as caught:
        parse_colour("blue")
    assert set(caught.value.fields) == {"backdrop_colour"}
    assert caught.value.fields["backdrop_colour"].zh
