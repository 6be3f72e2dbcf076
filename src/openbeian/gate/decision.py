"""The gate's decision, pure: what an access provider's edge does with a request for a host.

Vocabulary (stable strings: headers, JSON and the change feed carry them):

- `allowed`: the host, or a parent domain of it, has an active filing whose access includes the provider (any
  provider when none is given: the registry's view). A filing covers its subdomains; parents are tried from the
  host up, so www.example.com.cn is covered by a filing of example.com.cn. No public suffix is ever filed, so
  the walk needs no public suffix list on the hot path.
- `pending`: not (yet) allowed because an order holding the domain is in review (submitted, not a draft).
  One exception, our choice: an **add-access** order (接入备案) of a site that is already filed is `allowed`
  for the new provider once that provider's first review passed (reason `access_in_review`). The site and its
  subject are already filed and checked by the regulator; the open question is only the hosting relation, and the
  provider that passed the first review has checked the customer and the site itself. Before the first review it
  is `pending` like any other order.
- `suspended`: the filing was cancelled, the subject or the domain is blacklisted, or an empty-shell notice
  (空壳清理) on the site ran out and the regulator's timer has not cancelled it yet.
- `unknown`: everything else, with a reason.

Reasons: `filed`, `access_in_review` (allowed); `in_review` (pending, or unknown when the order is with another
provider); `cancelled`, `blacklisted`, `empty_shell` (suspended); `not_filed`, `filed_elsewhere`, `ip_literal`,
`no_registrable_domain`, `wrong_server_address`, `bad_host` (unknown).

Hosts are normalised as the registry does (openbeian.domain.domains): case, a trailing dot, a port and IDN to
punycode; plain ascii host names (A-labels included) take a fast path that never calls idna.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache, partial
from typing import Any

from openbeian.domain.domains import _suffix_list, parse_domain
from openbeian.errors import ValidationError


class Decision(StrEnum):
    ALLOWED = "allowed"
    PENDING = "pending"
    SUSPENDED = "suspended"
    UNKNOWN = "unknown"


class Reason(StrEnum):
    FILED = "filed"
    ACCESS_IN_REVIEW = "access_in_review"
    IN_REVIEW = "in_review"
    CANCELLED = "cancelled"
    BLACKLISTED = "blacklisted"
    EMPTY_SHELL = "empty_shell"
    NOT_FILED = "not_filed"
    FILED_ELSEWHERE = "filed_elsewhere"
    IP_LITERAL = "ip_literal"
    NO_REGISTRABLE_DOMAIN = "no_registrable_domain"
    WRONG_SERVER_ADDRESS = "wrong_server_address"
    BAD_HOST = "bad_host"


class Verdict(tuple[Any, ...]):
    """A decision with its reason, the host decided and the filing that decided it when there is one
    (`site_number`, formatted only when asked: the auth endpoint never asks). A tuple underneath, so the hot path
    builds one with a single C call: `make_verdict((decision, reason, number, host, word, namer))`."""

    __slots__ = ()

    def __new__(
        cls,
        decision: Decision,
        reason: Reason,
        site_number: str | None = None,
        host: str = "",
        word: int = 0,
        namer: Callable[[int], str] | None = None,
    ) -> Verdict:
        return tuple.__new__(cls, (decision, reason, site_number, host, word, namer))

    @property
    def decision(self) -> Decision:
        return self[0]  # type: ignore[no-any-return]

    @property
    def reason(self) -> Reason:
        return self[1]  # type: ignore[no-any-return]

    @property
    def host(self) -> str:
        return self[3]  # type: ignore[no-any-return]

    @property
    def site_number(self) -> str | None:
        if self[2] is None and self[5] is not None:
            return self[5](self[4])  # type: ignore[no-any-return]
        return self[2]  # type: ignore[no-any-return]

    @property
    def allowed(self) -> bool:
        return self[0] is Decision.ALLOWED

    def _key(self) -> tuple[Decision, Reason, str | None, str]:
        return (self[0], self[1], self.site_number, self[3])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Verdict({self[0].value}, {self[1].value}, {self.site_number!r}, {self[3]!r})"

    def to_dict(self, provider: str | None = None) -> dict[str, str | None]:
        return {
            "host": self.host,
            "decision": self.decision.value,
            "reason": self.reason.value,
            "site_number": self.site_number,
            "provider": provider,
        }


#: Build a Verdict from its six parts `(decision, reason, number, host, word, namer)` in one C call (the hot path).
make_verdict: Callable[[tuple[Any, ...]], Verdict] = partial(tuple.__new__, Verdict)


def verdict(decision: Decision, reason: Reason) -> Verdict:
    """The shared verdict without a site number (verdicts are immutable: one object per pair)."""
    return _SHARED[(decision, reason)]


_SHARED = {(d, r): Verdict(d, r) for d in Decision for r in Reason}


# -- host names ---------------------------------------------------------------------------------------------
_PLAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_IPV4ISH = re.compile(r"[0-9.]+")
# Two or more LDH labels, the last starting with a letter (so never an IPv4 address), nothing else.
_CANONICAL = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")


class BadHost(ValueError):
    """The host is not a name the gate can decide on; `reason` says why (ip_literal, no_registrable_domain...)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason


def normalise_host(host: str) -> str:
    """The ascii (A-label) lower-case name of a Host header value; raises BadHost.

    Drops a port and one trailing dot. IP literals (v4, v6 in brackets) are `ip_literal`; a single label or a
    name the registry would refuse is `no_registrable_domain` / `bad_host`.
    """
    if _CANONICAL.fullmatch(host):  # already lower-case ascii labels, no port, no trailing dot: the common case
        return host
    if ":" in host:
        if host.startswith("["):
            raise BadHost(Reason.IP_LITERAL)
        name, _, port = host.rpartition(":")
        if not port.isdigit() and port:
            if _is_ip(host):
                raise BadHost(Reason.IP_LITERAL)
            raise BadHost(Reason.BAD_HOST)
        if ":" in name:
            raise BadHost(Reason.IP_LITERAL if _is_ip(name) or _is_ip(host) else Reason.BAD_HOST)
        host = name
    name = host.lower()
    if name.endswith("."):
        name = name[:-1]
    if name.isascii() and _PLAIN.fullmatch(name):  # xn-- labels included: a bad one simply matches no filing
        if "." not in name:
            raise BadHost(Reason.NO_REGISTRABLE_DOMAIN)
        if name[-1].isdigit() and _IPV4ISH.fullmatch(name):
            raise BadHost(Reason.IP_LITERAL)
        if ".." in name or len(name) > 253:
            raise BadHost(Reason.BAD_HOST)
        return name
    return _slow_normalise(host)


@lru_cache(maxsize=4096)
def _slow_normalise(host: str) -> str:
    """IDN, xn-- labels and anything unusual: the registry's own parser (cached: IDNA mapping is slow)."""
    if _is_ip(host):
        raise BadHost(Reason.IP_LITERAL)
    try:
        return parse_domain(host, "host").ascii
    except ValidationError as err:
        message = str(err)
        if "IP address" in message:
            raise BadHost(Reason.IP_LITERAL) from None
        if "public suffix" in message or "two labels" in message or "top-level" in message:
            raise BadHost(Reason.NO_REGISTRABLE_DOMAIN) from None
        raise BadHost(Reason.BAD_HOST) from None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def is_public_suffix(name: str) -> bool:
    """True for a public suffix such as com.cn: asked when nothing matched (the reason of a miss), so it reads the
    suffix list's rule set directly (set lookups) when the package exposes it, else asks the package."""
    rules = _rules()
    if rules is None:
        return bool(_suffix_list().is_public(name))
    if name in rules:
        return True
    dot = name.find(".")
    return dot > 0 and "*." + name[dot + 1 :] in rules and "!" + name not in rules


@lru_cache(maxsize=1)
def _rules() -> frozenset[str] | None:
    rules = getattr(_suffix_list(), "_publicsuffix", None)
    return rules if isinstance(rules, frozenset) and "com.cn" in rules else None


def parents(name: str) -> list[str]:
    """The name and each parent with at least two labels, most specific first."""
    out = [name]
    i = name.find(".")
    while True:
        rest = name[i + 1 :]
        j = rest.find(".")
        if j < 0:
            return out
        out.append(rest)
        i += j + 1


def same_address(server_addr: str, ips: frozenset[str]) -> bool:
    """Strict mode: the address the request arrived at is one of the access record's IPs (v6 compared parsed)."""
    if server_addr in ips:
        return True
    try:
        wanted = ipaddress.ip_address(server_addr.strip("[]"))
    except ValueError:
        return False
    for ip in ips:
        try:
            if ipaddress.ip_address(ip) == wanted:
                return True
        except ValueError:
            continue
    return False
