"""Domain names: parse what a user types or pastes into one canonical `DomainName`.

`parse_domain` accepts an internationalised name in either form (例子.中国 or xn--fsqu00a.xn--fiqs8s),
any case, a trailing dot, surrounding spaces, full-width dots (。．｡) and a pasted URL (scheme, user
info, port, path, query and fragment are dropped). It applies UTS #46 mapping and IDNA 2008 through the
`idna` package, and finds the public suffix with `publicsuffixlist` from the list bundled in that
package (never fetched).

Only the ICANN section of the public suffix list counts. Its private section lists hosting names such
as github.io; an ICP filing is made for the domain registered with a registrar, so a host under a
provider's domain (foo.github.io) belongs to the provider's registrable domain (github.io), which is
the one that must be filed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache

import idna
from publicsuffixlist import PublicSuffixList

from openbeian.errors import ValidationError

__all__ = ["MAX_INPUT_LENGTH", "DomainName", "parse_domain", "registrable_domain"]

#: Longer input is refused before any parsing (a pasted URL may be long, a domain may not).
MAX_INPUT_LENGTH = 2048

_MAX_LABEL = 63
_MAX_NAME = 253
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_URL_TAIL = re.compile(r"[/?#\\]")
_LDH = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True, slots=True)
class DomainName:
    """A checked domain name.

    `ascii` is the lower-case A-label form (xn--fsqu00a.xn--fiqs8s), `unicode` the U-label form
    (例子.中国), `registrable` the ascii registrable domain (eTLD+1, e.g. example.com.cn for
    www.example.com.cn) and `tld` the ascii public suffix (com.cn, xn--fiqs8s).
    """

    ascii: str
    unicode: str
    registrable: str
    tld: str

    @property
    def is_registrable(self) -> bool:
        """True when the name is itself the registrable domain (no sub-domain labels)."""
        return self.ascii == self.registrable

    def __str__(self) -> str:
        return self.ascii


@cache
def _suffix_list() -> PublicSuffixList:
    # Reads the list bundled in the package: no network. Unknown TLDs are not public suffixes.
    return PublicSuffixList(accept_unknown=False, only_icann=True)


def _invalid(field: str, en: str, zh: str) -> ValidationError:
    return ValidationError.for_field(field, en, zh)


def _host_of(text: str) -> str:
    """The host part of what was typed: drops scheme, credentials, port, path; maps full-width dots."""
    host = text.strip().translate(_DOTS)
    host = _SCHEME.sub("", host, count=1)
    if host.startswith("//"):
        host = host[2:]
    host = _URL_TAIL.split(host, maxsplit=1)[0]
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    if host.startswith("[") and "]" in host:
        return host[1 : host.index("]")]  # an IPv6 literal, refused as an IP address later
    if host.count(":") == 1:
        name, port = host.split(":")
        if port == "" or port.isdigit():
            host = name
    return host.strip()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _describe(codepoint: int | None) -> str:
    if codepoint is None:
        return ""
    char = chr(codepoint)
    shown = repr(char) if char.isprintable() and not char.isspace() else f"U+{codepoint:04X}"
    return f" {shown}"


def _label_error(field: str, label: str, err: idna.IDNAError) -> ValidationError:
    code = getattr(err, "code", None)
    message = str(err).lower()
    if code in ("label_too_long", "input_too_long") or "too long" in message:
        return _invalid(
            field,
            f"the label {label!r} is too long: at most {_MAX_LABEL} characters between dots",
            f"“{label}”这一级太长：两个点之间最多 {_MAX_LABEL} 个字符",
        )
    if code == "hyphen_start_end" or "start or end with a hyphen" in message:
        return _invalid(
            field,
            f"the label {label!r} must not start or end with a hyphen",
            f"“{label}”这一级不能以连字符“-”开头或结尾",
        )
    if code == "hyphen_3_4" or "3rd and 4th" in message:
        return _invalid(
            field,
            f"the label {label!r} must not have hyphens in the 3rd and 4th position",
            f"“{label}”这一级的第 3、4 个字符不能都是连字符“-”",
        )
    if code in ("invalid_alabel", "non_canonical_alabel") or "a-label" in message:
        return _invalid(
            field,
            f"the label {label!r} is not a valid xn-- (Punycode) label",
            f"“{label}”不是有效的 xn--（Punycode）编码",
        )
    char = _describe(getattr(err, "codepoint", None))
    return _invalid(
        field,
        f"the label {label!r} contains a character not allowed in a domain name{char}",
        f"“{label}”含有域名中不允许的字符{char}",
    )


def _plain_ascii_label(label: str) -> bool:
    """An LDH label that IDNA would pass through unchanged (the common case, checked without idna)."""
    return (
        0 < len(label) <= _MAX_LABEL
        and _LDH.match(label) is not None
        and not label.startswith("-")
        and not label.endswith("-")
        and label[2:4] != "--"
    )


def _to_ascii_labels(host: str, field: str) -> list[str]:
    fast = host.lower().removesuffix(".") if host.isascii() else ""
    if fast and fast.count(".") >= 1 and all(_plain_ascii_label(label) for label in fast.split(".")):
        return fast.split(".")
    try:
        mapped = idna.uts46_remap(host, std3_rules=True)
    except idna.IDNAError as err:
        char = _describe(getattr(err, "codepoint", None))
        raise _invalid(
            field,
            f"contains a character not allowed in a domain name{char}",
            f"含有域名中不允许的字符{char}",
        ) from err
    if mapped.endswith("."):  # a trailing dot marks a fully qualified name; drop one
        mapped = mapped[:-1]
    labels = mapped.split(".")
    if "" in labels:
        raise _invalid(
            field,
            "has an empty label: a leading dot or two dots in a row",
            "有空的一级：开头是点或有连续的点",
        )
    if len(labels) < 2:
        raise _invalid(
            field,
            "needs at least two labels, such as example.com",
            "至少需要两级，例如 example.com",
        )
    result: list[str] = []
    for label in labels:
        if label.isascii() and len(label) > _MAX_LABEL:
            raise _invalid(
                field,
                f"the label {label[:20]!r}... is too long: at most {_MAX_LABEL} characters between dots",
                f"“{label[:20]}...”这一级太长：两个点之间最多 {_MAX_LABEL} 个字符",
            )
        try:
            encoded = idna.alabel(label).decode("ascii").lower()
        except idna.IDNAError as err:
            raise _label_error(field, label, err) from err
        if not _LDH.match(encoded):  # belt and braces: only letters, digits and hyphens remain
            raise _invalid(
                field,
                f"the label {label!r} contains a character not allowed in a domain name",
                f"“{label}”含有域名中不允许的字符",
            )
        result.append(encoded)
    return result


# A plain host name as typed: LDH labels, the last beginning with a letter (so it cannot be an IP address).
_PLAIN_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")


def parse_domain(text: str, field: str = "domain") -> DomainName:
    """Parse and check a domain name; raises `ValidationError` for `field` with a bilingual message."""
    if len(text) <= _MAX_NAME and text.isascii():
        plain = _parse_plain(text.lower())
        if plain is not None:
            return plain
    return _parse_any(text, field)


def _parse_plain(name: str) -> DomainName | None:
    """The fast path of the hot lookups: a lower-case ASCII name without `--` (so no xn-- label to check), URL
    parts, spaces or a trailing dot gives the same DomainName as `_parse_any` without idna or URL handling;
    anything else (or any error to report) returns None for the full path."""
    if "--" in name or _PLAIN_NAME.fullmatch(name) is None:
        return None
    suffix = _suffix_list().publicsuffix(name)
    if suffix is None or len(suffix) >= len(name):
        return None
    start = name.rfind(".", 0, len(name) - len(suffix) - 1) + 1
    return DomainName(ascii=name, unicode=name, registrable=name[start:], tld=suffix)


def _parse_any(text: str, field: str) -> DomainName:
    """The full path: URLs, IDN in either form, full-width characters, and the error of what is wrong."""
    if len(text) > MAX_INPUT_LENGTH:
        raise _invalid(field, "is far too long for a domain name", "太长了，不是域名")
    host = _host_of(text)
    if not host or host == ".":
        raise _invalid(field, "enter a domain name, such as example.com", "请输入域名，例如 example.com")
    if _is_ip(host):
        raise _invalid(field, "an IP address is not a domain name", "IP 地址不是域名，请填写域名")
    labels = _to_ascii_labels(host, field)
    name = ".".join(labels)
    if all(label.isdigit() for label in labels) or _is_ip(name):
        raise _invalid(field, "an IP address is not a domain name", "IP 地址不是域名，请填写域名")
    if len(name) > _MAX_NAME:
        raise _invalid(
            field,
            f"is too long: a domain name has at most {_MAX_NAME} characters",
            f"太长：域名最多 {_MAX_NAME} 个字符",
        )
    try:
        unicode = idna.decode(name) if "xn--" in name else name
    except idna.IDNAError as err:  # pragma: no cover - every label was just encoded by idna
        raise _label_error(field, name, err) from err

    psl = _suffix_list()
    suffix = psl.publicsuffix(name)
    if suffix is None:
        tld = idna.decode(labels[-1])
        raise _invalid(
            field,
            f"has an unknown top-level domain “.{tld}” (not in the public suffix list)",
            f"顶级域“.{tld}”未知（不在公共后缀列表中）",
        )
    if suffix == name:
        raise _invalid(
            field,
            f"{unicode} is a public suffix, not a domain one can register; enter a name under it, "
            f"such as example.{unicode}",
            f"{unicode} 是公共后缀，不是可注册的域名；请填写其下的域名，例如 example.{unicode}",
        )
    registrable = psl.privatesuffix(name)
    if registrable is None:  # pragma: no cover - a name longer than its public suffix has one
        raise _invalid(field, "is not a registrable domain name", "不是可注册的域名")
    return DomainName(ascii=name, unicode=unicode, registrable=registrable, tld=suffix)


def registrable_domain(text: str) -> str:
    """The ascii registrable domain (eTLD+1) of a name or URL, e.g. www.example.com.cn -> example.com.cn."""
    return parse_domain(text).registrable
