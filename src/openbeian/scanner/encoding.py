"""The character encoding of an HTML document, decided as a browser does: byte order mark, then the HTTP
Content-Type charset, then a <meta charset> / http-equiv in the first 4 KB, then UTF-8 if the bytes are valid
UTF-8, else GB18030 (the usual encoding of Chinese pages that declare nothing).

GB2312 and GBK labels decode as GB18030 (a superset), Big5 as Big5-HKSCS (a superset), so pages that declare
the older name but use newer characters still decode.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html", "detect_encoding"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PRESCAN_BYTES = 4096
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "big5hkscs",
    "iso8859_1": "cp1252",  # the HTML standard reads latin-1 labels as windows-1252
    "ascii": "cp1252",
}


def _known(label: str) -> str | None:
    """A Python codec name for an encoding label, or None for a label Python does not know."""
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    name = _SUPERSETS.get(name.replace("-", "_"), name)
    # A document cannot really declare UTF-16 in a meta tag it could only read as ASCII.
    return "utf-8" if name.startswith("utf_16") or name.startswith("utf-16") else name


def detect_encoding(body: bytes, content_type: str | None = None) -> str:
    """The codec name to decode `body` with (see the module docstring for the order of evidence)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    if content_type:
        header = _HEADER_CHARSET.search(content_type)
        declared = _known(header.group(1)) if header else None
        if declared:
            return declared
    meta = _META.search(body, 0, _PRESCAN_BYTES)
    declared = _known(meta.group(1).decode("ascii")) if meta else None
    if declared:
        return declared
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding): `body` decoded with the detected encoding, undecodable bytes replaced."""
    encoding = detect_encoding(body, content_type)
    if encoding == "utf-8":
        try:
            return body.decode("utf-8"), encoding
        except UnicodeDecodeError:
            # Declared UTF-8 but is not: Chinese sites mislabelled GBK are common.
            try:
                return body.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                pass
    return body.decode(encoding, errors="replace"), encoding
