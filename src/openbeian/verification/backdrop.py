"""Pre-check of the site leader's photo against the provider's backdrop (幕布). Pure: bytes in, findings out.

The reviewer still looks at every photo and confirms; this check only turns away photos that cannot pass, and says
every reason at once, in English and Chinese. What it checks and why the thresholds are what they are:

- a PNG or JPEG that decodes fully (a PDF or anything renamed .jpg is not a photo; a truncated upload is refused);
- at least 600 × 800 pixels after applying the camera's EXIF orientation: a half-body portrait in which the face
  spans some 200 pixels, enough to compare with the ID photo; every phone camera exceeds it many times over;
- portrait-ish: height between 1 and 2.4 times the width (3:4 photos up to 9:21 phone screens), so a landscape shot
  of a room is refused;
- the border bands (6 % of the side each) along the top, and along the left and right edges down to three
  quarters of the height, are together at least 60 % backdrop colour. The bottom is left out on purpose: in a
  half-body photo it is the person's shoulders and chest. 60 % leaves room for hair and shadows reaching an edge;
- the centre is not almost all backdrop (over 90 %): a photo of the empty backdrop shows no person.

Colour match: photos of printed cloth vary widely in brightness, so a pixel matches a coloured backdrop by hue
(within 24° of the backdrop's hue) with enough saturation (≥ 25 %) and brightness (≥ 15 %); for a white or grey
backdrop, whose hue means nothing, each RGB channel must lie within 60 of the backdrop's. The default backdrop is
RGB(0, 85, 170), #0055aa: the mid blue of the providers' backdrops (hue 210°); the provider's own colour is a
parameter (setting `backdrop_colour`).
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass, field

from PIL import Image, ImageChops, ImageOps

from openbeian.errors import Text, ValidationError
from openbeian.verification.uploads import (
    DEFAULT_MAX_PIXELS,
    ContentType,
    ImageRejected,
    decode_image,
    detect_content_type,
)

RGB = tuple[int, int, int]
DEFAULT_BACKDROP: RGB = (0, 85, 170)
ANALYSIS_SIZE = 320  # colour shares are measured on a reduced copy; plenty for bands 6 % wide
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


@dataclass(frozen=True)
class BackdropRules:
    colour: RGB = DEFAULT_BACKDROP
    min_width: int = 600
    min_height: int = 800
    max_aspect: float = 2.4  # height / width
    band: float = 0.06
    hue_tolerance: float = 24.0  # degrees
    min_saturation: float = 0.25
    min_value: float = 0.15
    grey_tolerance: int = 60  # per RGB channel, for backdrops with no clear hue
    min_border_share: float = 0.60
    max_centre_share: float = 0.90
    max_pixels: int = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class Problem:
    code: str  # not_image | damaged | too_many_pixels | too_small | not_portrait | backdrop_colour | no_person
    text: Text


@dataclass(frozen=True)
class BackdropCheck:
    problems: tuple[Problem, ...]
    width: int | None = None  # after EXIF orientation
    height: int | None = None
    border_share: float | None = None  # share of backdrop-coloured pixels in the top, left and right bands
    centre_share: float | None = None
    colour: RGB = field(default=DEFAULT_BACKDROP)

    @property
    def passed(self) -> bool:
        return not self.problems

    def reasons(self, lang: str = "en") -> list[str]:
        return [problem.text.get(lang) for problem in self.problems]

    def to_dict(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "width": self.width,
            "height": self.height,
            "border_share": self.border_share,
            "centre_share": self.centre_share,
            "backdrop_colour": colour_hex(self.colour),
            "problems": [{"code": p.code, "en": p.text.en, "zh": p.text.zh} for p in self.problems],
        }


def parse_colour(value: str, field_name: str = "backdrop_colour") -> RGB:
    """`#0055aa` or `0055aa` -> (0, 85, 170)."""
    match = _HEX.fullmatch(value.strip())
    if not match:
        raise ValidationError.for_field(
            field_name, f"{value!r} is not a colour like #0055aa.", f"{value!r} 不是 #0055aa 这样的颜色值。"
        )
    digits = match.group(1)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def colour_hex(colour: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


DEFAULT_RULES = BackdropRules()


def check_backdrop_photo(data: bytes, rules: BackdropRules = DEFAULT_RULES) -> BackdropCheck:
    """Every reason the photo fails the pre-check (none: it may go to the reviewer)."""
    content_type = detect_content_type(data)
    if content_type is None or not content_type.is_image:
        is_pdf = content_type is ContentType.PDF
        found, found_zh = ("a PDF document", "是 PDF 文档") if is_pdf else ("not an image", "不是图片")
        return _failed(
            rules,
            Problem(
                "not_image",
                Text(
                    f"The photo must be a PNG or JPEG image; this file is {found} (judged by content).",
                    f"照片须为 PNG 或 JPEG 图片；该文件{found_zh}（按文件内容判断）。",
                ),
            ),
        )
    try:
        image = decode_image(data, rules.max_pixels)
    except ImageRejected as rejected:
        return _failed(rules, Problem(rejected.code, rejected.text))
    with image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    width, height = upright.size
    problems: list[Problem] = []
    if width < rules.min_width or height < rules.min_height:
        problems.append(
            Problem(
                "too_small",
                Text(
                    f"The photo is {width}×{height} pixels; it must be at least "
                    f"{rules.min_width}×{rules.min_height} (width × height).",
                    f"照片为 {width}×{height} 像素，至少需要 {rules.min_width}×{rules.min_height}（宽×高）。",
                ),
            )
        )
    aspect = height / width
    if not 1.0 <= aspect <= rules.max_aspect:
        problems.append(
            Problem(
                "not_portrait",
                Text(
                    "The photo must be upright (portrait): taller than wide, at most "
                    f"{rules.max_aspect:g} times as tall; this one is {width}×{height}.",
                    f"照片须为竖拍：高度不小于宽度，且不超过宽度的 {rules.max_aspect:g} 倍；"
                    f"此照片为 {width}×{height}。",
                ),
            )
        )
    border_share, centre_share = _shares(upright, rules)
    if border_share < rules.min_border_share:
        hex_colour = colour_hex(rules.colour)
        problems.append(
            Problem(
                "backdrop_colour",
                Text(
                    f"Only {border_share:.0%} of the photo's top and side edges show the backdrop colour "
                    f"{hex_colour}; at least {rules.min_border_share:.0%} must. Stand in front of the provider's "
                    "backdrop so that it fills the background.",
                    f"照片顶部和两侧边缘只有 {border_share:.0%} 为幕布颜色 {hex_colour}，至少需要 "
                    f"{rules.min_border_share:.0%}。请站在接入商提供的幕布前拍照，使幕布铺满背景。",
                ),
            )
        )
    if centre_share > rules.max_centre_share:
        problems.append(
            Problem(
                "no_person",
                Text(
                    "The centre of the photo shows only the backdrop; the site leader must be in the photo.",
                    "照片中央只有幕布，网站负责人须本人出镜。",
                ),
            )
        )
    return BackdropCheck(
        tuple(problems),
        width=width,
        height=height,
        border_share=round(border_share, 3),
        centre_share=round(centre_share, 3),
        colour=rules.colour,
    )


def _failed(rules: BackdropRules, problem: Problem) -> BackdropCheck:
    return BackdropCheck((problem,), colour=rules.colour)


def backdrop_mask(image: Image.Image, rules: BackdropRules) -> Image.Image:
    """An "L" image: 255 where the pixel matches the backdrop colour, 0 elsewhere."""
    r, g, b = (channel / 255 for channel in rules.colour)
    hue, saturation, _ = colorsys.rgb_to_hsv(r, g, b)
    if saturation < 0.2:
        channels = image.convert("RGB").split()
        masks = [
            channel.point([255 if abs(level - target) <= rules.grey_tolerance else 0 for level in range(256)])
            for channel, target in zip(channels, rules.colour, strict=True)
        ]
    else:
        h, s, v = image.convert("HSV").split()
        target = hue * 256
        tolerance = rules.hue_tolerance / 360 * 256
        masks = [
            h.point(
                [255 if min(abs(level - target), 256 - abs(level - target)) <= tolerance else 0 for level in range(256)]
            ),
            s.point([255 if level >= rules.min_saturation * 255 else 0 for level in range(256)]),
            v.point([255 if level >= rules.min_value * 255 else 0 for level in range(256)]),
        ]
    mask = masks[0]
    for other in masks[1:]:
        mask = ImageChops.multiply(mask, other)
    return mask


def _shares(image: Image.Image, rules: BackdropRules) -> tuple[float, float]:
    small = image.copy()
    small.thumbnail((ANALYSIS_SIZE, ANALYSIS_SIZE), Image.Resampling.BOX)
    mask = backdrop_mask(small, rules)
    width, height = mask.size
    side = max(1, round(width * rules.band))
    top = max(1, round(height * rules.band))
    lower = max(top + 1, round(height * 0.75))
    bands = [(0, 0, width, top), (0, top, side, lower), (width - side, top, width, lower)]
    matched = sum(_count(mask, box) for box in bands)
    total = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in bands)
    centre = (round(width * 0.35), round(height * 0.3), round(width * 0.65), round(height * 0.7))
    centre_total = (centre[2] - centre[0]) * (centre[3] - centre[1])
    return matched / total, _count(mask, centre) / max(1, centre_total)


def _count(mask: Image.Image, box: tuple[int, int, int, int]) -> int:
    return mask.crop(box).histogram()[255]
