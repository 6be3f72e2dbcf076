"""Synthetic photos for the tests: a person (head, hair, shirt) in front of a backdrop, drawn with Pillow."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

BLUE = (0, 85, 170)


def portrait(
    width: int = 900,
    height: int = 1200,
    backdrop: tuple[int, int, int] = BLUE,
    *,
    image_format: str = "JPEG",
    person: bool = True,
    light_top: float = 1.0,
    light_bottom: float = 1.0,
) -> bytes:
    """A half-body photo; light_* shade the backdrop from top to bottom (uneven lighting of the cloth)."""
    image = Image.new("RGB", (width, height), backdrop)
    draw = ImageDraw.Draw(image)
    if light_top != 1.0 or light_bottom != 1.0:
        for y in range(height):
            factor = light_top + (light_bottom - light_top) * y / (height - 1)
            draw.line([(0, y), (width, y)], fill=tuple(min(255, round(c * factor)) for c in backdrop))
    if person:
        draw.ellipse([0.15 * width, 0.58 * height, 0.85 * width, 1.5 * height], fill=(35, 35, 40))  # shirt
        draw.rectangle([0.44 * width, 0.45 * height, 0.56 * width, 0.62 * height], fill=(215, 165, 135))  # neck
        draw.ellipse([0.34 * width, 0.12 * height, 0.66 * width, 0.5 * height], fill=(225, 175, 145))  # face
        draw.chord([0.33 * width, 0.1 * height, 0.67 * width, 0.36 * height], 180, 360, fill=(20, 15, 10))  # hair
    return encode(image, image_format)


def encode(image: Image.Image, image_format: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def minimal_pdf() -> bytes:
    """A small valid one-page PDF (hand-written objects, correct xref offsets)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
