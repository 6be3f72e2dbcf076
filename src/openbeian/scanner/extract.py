"""Pure extraction of every filing, licence and police number a page carries, and where it sits.

Full HTML parsing is 4x slower than a regular-expression pass (BENCHMARKS.md), so the page is not parsed:

1. fast literal searches find anchors ("ICP", "公网安", "B2-" ... also full-width and entity-encoded forms);
2. anchors close together form a window; only the window is turned into text (tags dropped, block tags
   becoming line breaks, entities decoded, full-width and traditional forms folded one character for one),
   keeping a map from text offsets back to the raw page;
3. a number is read from each anchor, tolerating spaces and zero-width characters between its parts, and
   handed to `openbeian.domain.numbers.parse_number` for the verdict and the canonical form;
4. where it sits is decided from the raw page around it, lazily: inside a comment, a script / style /
   template / title, a hidden element (hidden attribute, display:none, visibility:hidden, a "hidden" /
   "d-none" class), a link (and its href), a footer (<footer>, role=contentinfo, an id or class naming a
   footer or copyright block; on a page with none of those, the last fifth of the page).

Element nesting is judged by counting open and close tags of the container's name between it and the
number, which is exact for well-formed pages and a close guess for broken ones.

Placeholders (京ICP备XXXXXXXX号, all zeros, one repeated digit, 12345678) are returned apart from numbers.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from openbeian.domain.numbers import NumberKind, parse_number
from openbeian.errors import InvalidNumber
from openbeian.scanner.encoding import detect_encoding

__all__ = ["FoundNumber", "LinkTarget", "PageExtraction", "Placeholder", "classify_link", "extract"]


class LinkTarget(StrEnum):
    """Where a number's link points."""

    NONE = "none"
    MIIT = "miit"  # beian.miit.gov.cn, the ICP filing system
    MPS = "mps"  # beian.mps.gov.cn, the public-security filing system
    OUTDATED_MIIT = "outdated_miit"  # miibeian.gov.cn, the old ICP address
    OUTDATED_MPS = "outdated_mps"  # www.beian.gov.cn, the old public-security address
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FoundNumber:
    """A number as the page shows it. `canonical` is the canonical form when valid, else the text folded."""

    text: str
    canonical: str
    kind: NumberKind
    valid: bool
    error: str | None  # why it does not parse (English), when not valid
    displayed: bool
    hidden_by: str | None  # comment | script | style | template | title | hidden element
    linked: bool
    href: str | None
    link_target: LinkTarget
    in_footer: bool
    offset: int  # byte offset in the page

    def to_dict(self) -> dict[str, object]:
        """The number in the `scan --json` shape."""
        return {
            "canonical": self.canonical,
            "kind": self.kind.value,
            "valid": self.valid,
            "displayed": self.displayed,
            "linked": self.linked,
            "href": self.href,
            "in_footer": self.in_footer,
        }


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A number-shaped text that is not a real number: 京ICP备XXXXXXXX号, 京公网安备00000000000000号."""

    text: str
    kind: NumberKind
    displayed: bool


@dataclass(frozen=True, slots=True)
class PageExtraction:
    numbers: tuple[FoundNumber, ...]
    placeholders: tuple[Placeholder, ...]
    encoding: str
    title: str = ""

    def of_kind(self, *kinds: NumberKind) -> list[FoundNumber]:
        return [n for n in self.numbers if n.kind in kinds]


# -- folding ---------------------------------------------------------------------------------------------
# One character for one, so text offsets stay valid: full-width ASCII, ideographic space, dashes, and the
# traditional characters Big5 pages write (備 證 號 網).
_FOLD = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20})
_FOLD.update(dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), ord("-")))
_FOLD.update({ord("備"): ord("备"), ord("證"): ord("证"), ord("証"): ord("证")})
_FOLD.update({ord("號"): ord("号"), ord("網"): ord("网")})
_FOLD_TABLE = str.maketrans(_FOLD)

_PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新港澳台"
_GAP = "[ \t\u200b\u200c\u200d\u2060\ufeff]*"
_HEADS = re.compile(
    rf"(?P<prefix>[{_PROVINCES}]?){_GAP}(?:"
    rf"(?P<icp>[Ii]{_GAP}[Cc]{_GAP}[Pp]){_GAP}(?P<mark>[备证])"
    rf"|(?P<police>公{_GAP}网{_GAP}安{_GAP}备)"
    rf"|(?P<telecom>[Bb][12]){_GAP}-"
    ")"
)
_GAP_CHARS = frozenset(" \t\u200b\u200c\u200d\u2060\ufeff")
_SERIAL_CHARS = frozenset("0123456789Xx*#?×")
_DIGITS = frozenset("0123456789")

_BEFORE = 160  # bytes of context read before an anchor (the province prefix, split by tags)
_AFTER = 360  # and after it (the serial, 号, the suffix, split by tags and entities)

# -- windows to text ---------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"<!--|-->|<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*>|<![^>]*>|<\?[^>]*>"
    r"|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?"
)
_INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "label",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
        "img",
    ]
)


@dataclass(slots=True)
class _Window:
    """A window of the raw page decoded and turned into folded text, with the map back to byte offsets."""

    raw_start: int
    encoding: str
    decoded: str = ""
    text: str = ""
    text_starts: list[int] = field(default_factory=list)
    decoded_starts: list[int] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)

    def raw_offset(self, text_offset: int) -> int:
        i = max(0, bisect_right(self.text_starts, text_offset) - 1)
        at = self.decoded_starts[i]
        if self.exact[i]:
            at += text_offset - self.text_starts[i]
        return self.raw_start + len(self.decoded[:at].encode(self.encoding, errors="replace"))


def _decode(chunk: bytes, encoding: str) -> tuple[str, str]:
    if encoding == "utf-8":
        try:
            return chunk.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:  # declared UTF-8 but is not: Chinese sites mislabelled GBK are common
                return chunk.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                pass
    return chunk.decode(encoding, errors="replace"), encoding


def _window(page: bytes, start: int, end: int, encoding: str) -> _Window:
    # Start and end on "<" or ">": never inside a tag, and never inside a GBK or Big5 character, whose
    # trailing bytes can look like ASCII letters but never like "<" or ">".
    lt, gt = page.rfind(b"<", 0, start), page.rfind(b">", 0, start)
    if lt > gt:
        start = lt
    elif gt != -1:
        start = gt + 1
    else:
        start = 0
    lt, gt = page.find(b"<", end), page.find(b">", end)
    if lt != -1 and (gt == -1 or lt < gt):
        end = lt
    elif gt != -1:
        end = gt + 1
    else:
        end = len(page)
    decoded, encoding = _decode(page[start:end], encoding)
    window = _Window(start, encoding, decoded)
    parts: list[str] = []
    length = 0
    pos = 0

    def add(text: str, at: int, exact: bool) -> None:
        nonlocal length
        if not text:
            return
        window.text_starts.append(length)
        window.decoded_starts.append(at)
        window.exact.append(exact)
        parts.append(text)
        length += len(text)

    for match in _TOKEN.finditer(decoded):
        add(decoded[pos : match.start()], pos, True)
        token = match.group(0)
        if token[0] == "&":
            add(html.unescape(token), match.start(), len(token) == 1)
        elif match.group(2) is None or match.group(2).lower() not in _INLINE:
            add("\n", match.start(), False)
        pos = match.end()
    add(decoded[pos:], pos, True)
    window.text = "".join(parts).translate(_FOLD_TABLE)
    return window


# -- reading one number --------------------------------------------------------------------------------------


def _skip_gap(text: str, i: int) -> int:
    while i < len(text) and text[i] in _GAP_CHARS:
        i += 1
    return i


def _read_digits(text: str, i: int, limit: int, allowed: frozenset[str]) -> tuple[str, int]:
    """Characters of `allowed`, possibly split by gaps into chunks, while the chunks add up to at most `limit`
    (so "2023007649 2024" stops before the year); returns (chars, end)."""
    chunks: list[str] = []
    total = 0
    end = i
    while True:
        j = _skip_gap(text, end) if chunks else end
        k = j
        while k < len(text) and text[k] in allowed:
            k += 1
        if k == j or (chunks and total + (k - j) > limit):
            break  # a first chunk is taken whole, so an over-long serial is reported, not dropped
        chunks.append(text[j:k])
        total += k - j
        end = k
    return "".join(chunks), end


def _read_suffix(text: str, i: int) -> tuple[str, int]:
    """An optional service suffix "-2A" at i; returns (suffix with its dash or "", end)."""
    j = _skip_gap(text, i)
    if j >= len(text) or text[j] != "-":
        return "", i
    k = _skip_gap(text, j + 1)
    m = k
    while m < len(text) and m - k < 6 and text[m] in _DIGITS:
        m += 1
    if m == k:
        return "", i
    letter = ""
    if m < len(text) and text[m] in "AXKaxk" and not (m + 1 < len(text) and text[m + 1].isalpha()):
        letter = text[m]
        m += 1
    return f"-{text[k : m - len(letter)]}{letter}", m


_SEQUENTIAL = ("123456", "12345678", "1234567890", "012345", "01234567")


def _is_placeholder(serial: str) -> bool:
    """Non-digits (X, *, #, ?), one repeated digit (all zeros included), or a counting sequence."""
    return not serial.isdigit() or len(set(serial)) == 1 or serial in _SEQUENTIAL


@dataclass(frozen=True, slots=True)
class _Read:
    kind: NumberKind
    text: str
    serial: str
    start: int
    end: int


def _read_at(match: re.Match[str]) -> _Read | None:
    text = match.string
    prefix = match.group("prefix")
    if match.group("icp"):
        kind = NumberKind.ICP_FILING if match.group("mark") == "备" else NumberKind.ICP_LICENCE
        head = f"{prefix}ICP{match.group('mark')}"
        serial, end = _read_digits(text, _skip_gap(text, match.end()), 10, _SERIAL_CHARS)
    elif match.group("police"):
        kind, head = NumberKind.POLICE_FILING, f"{prefix}公网安备"
        serial, end = _read_digits(text, _skip_gap(text, match.end()), 14, _SERIAL_CHARS)
    else:
        kind, head = NumberKind.TELECOM_LICENCE, f"{prefix}{match.group('telecom').upper()}-"
        serial, end = _read_digits(text, _skip_gap(text, match.end()), 8, _SERIAL_CHARS)
    if not serial:
        return None  # a label ("ICP备案号：", "公网安备案"), not a number
    hao_at = _skip_gap(text, end)
    hao = ""
    if hao_at < len(text) and text[hao_at] == "号":
        hao, end = "号", hao_at + 1
    suffix = ""
    if kind is not NumberKind.POLICE_FILING:
        suffix, end = _read_suffix(text, end)
    return _Read(kind, f"{head}{serial}{hao}{suffix}", serial, match.start(), end)


# -- where a number sits -------------------------------------------------------------------------------------
# Everything here works on the raw bytes: the markup is ASCII in every encoding the scanner reads.

# Raw-text elements whose content is never displayed: (name, opening, closing), searched in the lowered page.
_RAW_TEXT = (
    ("comment", b"<!--", b"-->"),
    ("script", b"<script", b"</script"),
    ("style", b"<style", b"</style"),
    ("template", b"<template", b"</template"),
)
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)
# Attribute words that may open a hidden or footer-like element, searched in the lowered page up to
# _CONTAINER_REACH bytes before a number (a footer or a hidden block opens well within that).
_CONTAINER_NEEDLES = (
    b"foot",
    b"opyright",
    b"contentinfo",
    b"bottom",
    b"hid",  # hidden, hide
    b"isplay",
    b"-none",  # d-none
    b"invisible",
    b'"ft',
)
_CONTAINER_REACH = 32_768
_ATTR = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_TAG_NAME = re.compile(rb"<([A-Za-z][A-Za-z0-9]*)")
_HIDDEN_CLASSES = frozenset({"hidden", "hide", "d-none", "invisible", "is-hidden"})
_FOOTER_WORDS = ("foot", "copyright", "bottom")
_FOOTER_CLASSES = frozenset({"ft", "bq", "g-ft", "copy"})
_LINK_OPENINGS = (b"<a ", b"<A ", b"<a\n", b"<a\t", b"<a>", b"<A>")


def _positions(haystack: bytes, needle: bytes, start: int, end: int) -> list[int]:
    """Every occurrence of `needle` in haystack[start:end], ascending. Searched backwards: CPython's bytes.rfind
    skips through a page about twice as fast as bytes.find (BENCHMARKS.md)."""
    found = []
    pos = haystack.rfind(needle, start, end)
    while pos != -1:
        found.append(pos)
        pos = haystack.rfind(needle, start, pos + len(needle) - 1)
    found.reverse()
    return found


@cache
def _open_or_close(name: str) -> re.Pattern[bytes]:
    return re.compile(rf"<(/?){name}(?![A-Za-z0-9])".encode(), re.IGNORECASE)


def _rfind_any(page: bytes, needles: tuple[bytes, ...], end: int, start: int = 0) -> int:
    return max(page.rfind(n, start, end) for n in needles)


def _find_any(page: bytes, needles: tuple[bytes, ...], start: int, end: int) -> int:
    found = [p for n in needles if (p := page.find(n, start, end)) != -1]
    return min(found) if found else -1


@dataclass(frozen=True, slots=True)
class _Container:
    start: int
    end: int  # end of the opening tag
    name: str
    hidden: bool
    footer: bool


def _attributes(tag: str, name: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _ATTR.finditer(tag, len(name) + 1):
        attrs[m.group(1).lower()] = m.group(2) or m.group(3) or m.group(4) or ""
    return attrs


def _classify(tag: str, name: str) -> tuple[bool, bool]:
    """(hidden, footer) for an opening tag's text."""
    attrs = {k: v.lower() for k, v in _attributes(tag, name).items()}
    style = attrs.get("style", "").replace(" ", "")
    classes = set(attrs.get("class", "").split())
    hidden = (
        "hidden" in attrs
        or "display:none" in style
        or "visibility:hidden" in style
        or bool(classes & _HIDDEN_CLASSES)
        or attrs.get("type") == "hidden"
    )
    names = f"{attrs.get('id', '')} {attrs.get('class', '')}"
    footer = (
        name == "footer"
        or attrs.get("role") == "contentinfo"
        or any(word in names for word in _FOOTER_WORDS)
        or bool(set(names.split()) & _FOOTER_CLASSES)
    )
    return hidden, footer


class _Layout:
    """Lazily computed facts about the raw page, shared by all numbers on it."""

    def __init__(self, page: bytes, low: bytes, encoding: str, title_span: tuple[int, int]) -> None:
        self.page = page
        self.low = low  # the page with ASCII letters in lower case: one search finds <SCRIPT and <script
        self.encoding = encoding
        self.title_span = title_span
        self._containers: list[_Container] = []
        self._scanned_to = 0
        self._scanned_lt = 0  # tags starting before this were classified already

    def containers(self, upto: int) -> list[_Container]:
        """The hidden or footer-like elements opened before `upto` (found incrementally)."""
        if upto > self._scanned_to:
            self._containers.extend(self._find_containers(self._scanned_to, upto))
            self._scanned_to = upto
        return self._containers

    def _find_containers(self, begin: int, upto: int) -> list[_Container]:
        page, low = self.page, self.low
        begin = max(begin, upto - _CONTAINER_REACH)
        starts: set[int] = set()
        for needle in _CONTAINER_NEEDLES:
            for pos in _positions(low, needle, begin, upto):
                lt = page.rfind(b"<", 0, pos)
                if lt >= self._scanned_lt and page.find(b">", lt, pos) == -1:
                    starts.add(lt)
        found = []
        for lt in sorted(starts):
            name_match = _TAG_NAME.match(page, lt)
            if name_match is None:
                continue
            name = name_match.group(1).decode().lower()
            gt = page.find(b">", lt)
            if name in _VOID or gt == -1:
                continue
            hidden, footer = _classify(page[lt:gt].decode(self.encoding, errors="replace"), name)
            if hidden or footer:
                found.append(_Container(lt, gt + 1, name, hidden, footer))
        if found:
            self._scanned_lt = found[-1].start + 1
        return found

    def encloses(self, container: _Container, at: int) -> bool:
        if container.start >= at:
            return False
        depth = 1
        for tag in _open_or_close(container.name).finditer(self.page, container.end, at):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                return False
        return True

    def raw_text_parent(self, at: int) -> str | None:
        """comment / script / style / template / title when `at` is inside one, else None."""
        if self.title_span[0] <= at < self.title_span[1]:
            return "title"
        for name, opening, closing in _RAW_TEXT:
            start = self.low.rfind(opening, 0, at)
            if start != -1 and self.low.find(closing, start + 4, at) == -1:
                return name
        return None

    def link(self, start: int, end: int) -> str | None:
        """The href of a link overlapping [start, end), "" for a link without href, None when not linked."""
        page = self.page
        opening = _rfind_any(page, _LINK_OPENINGS, end, max(0, start - 4000))
        if opening == -1:
            return None
        closing = _find_any(page, (b"</a", b"</A"), opening, end)
        if closing != -1 and closing <= start:
            return None
        gt = page.find(b">", opening)
        tag = page[opening : gt if gt != -1 else opening + 2].decode(self.encoding, errors="replace")
        return html.unescape(_attributes(tag, "a").get("href", "").strip())


_HOST = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#:@]+(?:@[^/?#:]+)?)")


def classify_link(href: str | None) -> LinkTarget:
    """Which filing system a link goes to."""
    if href is None:
        return LinkTarget.NONE
    match = _HOST.match(href.strip())
    if match is None:
        return LinkTarget.OTHER
    host = match.group(1).rsplit("@", 1)[-1].lower().rstrip(".")
    if host == "beian.miit.gov.cn":
        return LinkTarget.MIIT
    if host == "beian.mps.gov.cn":
        return LinkTarget.MPS
    if host in ("miibeian.gov.cn", "www.miibeian.gov.cn", "icp.miit.gov.cn"):
        return LinkTarget.OUTDATED_MIIT
    if host in ("beian.gov.cn", "www.beian.gov.cn"):
        return LinkTarget.OUTDATED_MPS
    return LinkTarget.OTHER


# -- the page --------------------------------------------------------------------------------------------------
# Anchors are literal byte searches in the page's own encoding (memchr speed, no decoding of the whole page).
_ANCHOR_TEXTS = ("ＩＣＰ", "公网安")  # and "icp" in the lowered page
_BIG5_ANCHOR_TEXTS = ("ＩＣＰ", "公網安")
_ENTITY_ANCHORS = (
    b"&#73;&#67;&#80;",
    b"&#x49;&#x43;&#x50;",
    b"&#20844;&#32593;",
    b"&#x516c;&#x7f51;",
    b"&#x516C;&#x7F51;",
)
_TELECOM_BYTES = (b"B1", b"B2")
_DASH_AFTER_B = re.compile(rb"[ ]?(?:-|\xef\xbc\x8d|\xe2\x80[\x90-\x95]|\xa3\xad|\xa1\xaa)")


@cache
def _anchor_needles(encoding: str) -> tuple[bytes, ...]:
    needles = []
    for text in _BIG5_ANCHOR_TEXTS if encoding.startswith("big5") else _ANCHOR_TEXTS:
        try:
            needles.append(text.encode(encoding))
        except UnicodeEncodeError:
            continue
    return tuple(dict.fromkeys(needles))


def _anchors(page: bytes, low: bytes, encoding: str) -> list[int]:
    found: list[int] = []
    needles = _anchor_needles(encoding)
    if page.rfind(b"&#") != -1:
        needles += _ENTITY_ANCHORS
    for haystack, needle in ((low, b"icp"), *((page, n) for n in needles)):
        found.extend(_positions(haystack, needle, 0, len(haystack)))
    for needle in _TELECOM_BYTES:  # B1- / B2- : "B2" alone is common (colours, base64), so look at what follows
        found.extend(p for p in _positions(page, needle, 0, len(page)) if _DASH_AFTER_B.match(page, p + 2))
    found.sort()
    return found


def _windows(page: bytes, anchors: list[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for at in anchors:
        start, end = max(0, at - _BEFORE), min(len(page), at + _AFTER)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


_TITLE = re.compile(rb"<title[^>]*>([^<]*)</title", re.IGNORECASE)
_ASCII_COMPATIBLE_PROBE = "<a href=x>ICP</a>"


def _as_bytes(document: str | bytes, content_type: str | None) -> tuple[bytes, str]:
    """The page as bytes in an ASCII-compatible encoding, and that encoding."""
    if isinstance(document, str):
        return document.encode("utf-8", errors="replace"), "utf-8"
    encoding = detect_encoding(document, content_type)
    if encoding == "utf-8-sig":
        return document[3:], "utf-8"
    try:
        compatible = _ASCII_COMPATIBLE_PROBE.encode(encoding) == _ASCII_COMPATIBLE_PROBE.encode()
    except (UnicodeEncodeError, LookupError):
        compatible = False
    if not compatible:  # UTF-16 with a byte order mark, EBCDIC ...: re-encode once
        return document.decode(encoding, errors="replace").encode("utf-8", errors="replace"), "utf-8"
    return document, encoding


def extract(document: str | bytes, content_type: str | None = None) -> PageExtraction:
    """Every number and placeholder of a page given as bytes (any encoding) or text."""
    page, encoding = _as_bytes(document, content_type)
    title_match = _TITLE.search(page, 0, 16384)
    title = ""
    if title_match:
        title = " ".join(html.unescape(title_match.group(1).decode(encoding, errors="replace")).split())
    low = page.lower()
    anchors = _anchors(page, low, encoding)
    if not anchors:
        return PageExtraction((), (), encoding, title)
    layout = _Layout(page, low, encoding, title_match.span() if title_match else (0, 0))
    numbers: list[FoundNumber] = []
    placeholders: list[Placeholder] = []
    seen: set[int] = set()
    for start, end in _windows(page, anchors):
        window = _window(page, start, end, encoding)
        for match in _HEADS.finditer(window.text):
            read = _read_at(match)
            if read is None:
                continue
            raw_start = window.raw_offset(read.start)
            if raw_start in seen:
                continue
            seen.add(raw_start)
            raw_end = max(raw_start + 1, window.raw_offset(read.end - 1) + 1)
            hidden_by = layout.raw_text_parent(raw_start)
            containers = [c for c in layout.containers(raw_end) if layout.encloses(c, raw_start)]
            if hidden_by is None and any(c.hidden for c in containers):
                hidden_by = "hidden element"
            if _is_placeholder(read.serial):
                placeholders.append(Placeholder(read.text, read.kind, hidden_by is None))
                continue
            numbers.append(_found(read, raw_start, raw_end, hidden_by, containers, layout))
    return PageExtraction(tuple(numbers), tuple(placeholders), encoding, title)


def _found(
    read: _Read, raw_start: int, raw_end: int, hidden_by: str | None, containers: list[_Container], layout: _Layout
) -> FoundNumber:
    try:
        parsed = parse_number(read.text)
        canonical, kind, valid, error = parsed.canonical, parsed.kind, True, None
    except InvalidNumber as exc:
        canonical, kind, valid, error = read.text, read.kind, False, next(iter(exc.fields.values())).en
    href = layout.link(raw_start, raw_end) if hidden_by not in ("comment", "script", "style") else None
    in_footer = any(c.footer for c in containers)
    if not in_footer and not any(c.footer for c in layout.containers(raw_end)):
        in_footer = raw_start >= len(layout.page) * 0.8
    return FoundNumber(
        text=read.text,
        canonical=canonical,
        kind=kind,
        valid=valid,
        error=error,
        displayed=hidden_by is None,
        hidden_by=hidden_by,
        linked=href is not None,
        href=href or None,
        link_target=classify_link(href) if href else LinkTarget.NONE,
        in_footer=in_footer,
        offset=raw_start,
    )
