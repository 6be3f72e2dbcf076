"""The gate's in-memory index: every filed domain with what decides it, compact enough for the national registry.

Layout (measured by bench/gate_index.py: about 15 bytes per domain at 8 M domains):

- a marisa-trie maps each domain (ascii) to a dense id;
- `array('Q')` holds one 64-bit word per id: status (2 bits: active, cancelled, suspended), an escape bit, an
  open-cleanup-notice bit, an interned provider-set id (16 bits) and the site number packed from its parts
  (province, year, serial, sequence, kind: 44 bits; a number that does not fit is kept in a list and the word
  holds its index, with the escape bit set);
- a dict overlay of domains changed since the trie was built (0 = no filing), folded into a new trie by `fold()`
  (run in a thread by the follower when it grows);
- small dicts for what is rare: blacklisted domains, domains of orders in review, open cleanup notices, and the
  access records' IPs (strict mode only).

The index is kept current by `apply_change()` with the absolute states the change feed carries
(gate/source.py), so applying a change twice or out of date converges to the same state.

For helper "edge" (exports): `GateIndex.allowed(provider_id | None) -> Iterator[str]` and
`openbeian.gate.source.load_index(database_url) -> GateIndex`.
"""

from __future__ import annotations

import re
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import marisa_trie

from openbeian.domain.provinces import all_provinces
from openbeian.gate.decision import (
    BadHost,
    Decision,
    Reason,
    Verdict,
    is_public_suffix,
    make_verdict,
    normalise_host,
    same_address,
    verdict,
)

ACTIVE, CANCELLED, SUSPENDED = 1, 2, 3
_STATUS_OF = {"active": ACTIVE, "cancelled": CANCELLED, "suspended": SUSPENDED}
_ESCAPE = 1 << 2
_NOTICE = 1 << 3
_SET_SHIFT = 4
_SET_MASK = 0xFFFF
_CODE_SHIFT = 20
_KINDS = ("", "A", "X", "K")
_PROVINCES = tuple(p.abbr for p in all_provinces())
_PROVINCE_INDEX = {abbr: i for i, abbr in enumerate(_PROVINCES)}
_SITE_NUMBER = re.compile(r"(.)ICP备(20\d\d)(\d{6})号-(\d{1,3})([AXK]?)")
_CACHE_LIMIT = 65_536

_UNKNOWN_NOT_FILED = verdict(Decision.UNKNOWN, Reason.NOT_FILED)
_ALLOWED, _FILED = Decision.ALLOWED, Reason.FILED
_ALLOWED_BARE = verdict(Decision.ALLOWED, Reason.FILED)
_new_verdict = make_verdict
_NO_REGISTRABLE = verdict(Decision.UNKNOWN, Reason.NO_REGISTRABLE_DOMAIN)


@dataclass(frozen=True, slots=True)
class Review:
    """An order in flight holding a domain: its provider, and whether it is an add-access order of a filed site
    whose first review passed (then allowed for that provider: see gate/decision.py)."""

    provider_id: int
    access_passed: bool = False


@dataclass(frozen=True, slots=True)
class SiteState:
    """The absolute state of one filed site, as the change feed and the snapshot carry it."""

    number: str
    status: str  # active | cancelled | suspended (the subject is blacklisted)
    domains: tuple[str, ...]
    providers: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # provider id -> access IPs
    notice_due: float | None = None  # epoch seconds an open empty-shell notice runs out


@dataclass(frozen=True, slots=True)
class DomainState:
    """The absolute state of one domain outside its site: blacklisted, held by an order in review, or no longer
    held by any site (`site` None: a domain dropped by a change)."""

    domain: str
    site: str | None
    blacklisted: bool = False
    review: Review | None = None


class GateIndex:
    """Domain -> decision, for any provider or one. Not thread-safe for writers: one follower applies changes;
    readers in other threads see either the old or the new structure (swapped as one tuple)."""

    def __init__(self, strict: bool = False, clock: Callable[[], float] = time.time) -> None:
        self.strict = strict
        self.clock = clock  # epoch seconds: when empty-shell notices run out
        self._namer = self.site_number
        self.seq = 0  # the change-log sequence number this index is consistent at
        self.provider_names: dict[int, tuple[str, str]] = {}  # id -> (name, English name)
        self._core: tuple[marisa_trie.Trie, array[int]] = (marisa_trie.Trie([]), array("Q"))
        self._overlay: dict[str, int] = {}
        self._sets: list[frozenset[int]] = [frozenset()]
        self._set_ids: dict[frozenset[int], int] = {frozenset(): 0}
        self._numbers: list[str] = []
        self._number_codes: dict[str, int] = {}
        self._blacklisted: set[str] = set()
        self._review: dict[str, Review] = {}
        self._notices: dict[int, float] = {}  # number code -> due (epoch seconds)
        self._ips: dict[tuple[int, int], frozenset[str]] = {}  # (number code, provider id) -> IPs (strict only)
        self._cache: dict[tuple[int | None, bool], dict[str, Verdict]] = {}  # (provider, detail) -> host -> verdict

    def provider_id(self, name: str) -> int | None:
        """A provider by its name, English name or id."""
        for provider_id, names in self.provider_names.items():
            if name in names or name == str(provider_id):
                return provider_id
        return None

    # -- building ------------------------------------------------------------------------------------------
    def load(self, keys: Iterable[str], entries: Iterable[tuple[str, int]]) -> None:
        """Replace the trie: `keys` every domain (any order), then `entries` (domain, packed word) for each.
        Two passes so that no Python list of 8 M strings is held while the trie builds."""
        trie = marisa_trie.Trie(keys)
        states = array("Q", bytes(8 * len(trie)))
        get = trie.get
        for domain, word in entries:
            i = get(domain)
            if i is not None:
                states[i] = word
        self._core = (trie, states)
        self._overlay = {}
        self._cache = {}

    def pack(self, state: SiteState) -> int:
        """The 64-bit word of a site's domains; remembers the provider set, IPs and notice it refers to."""
        word = self.pack_parts(state.number, state.status, state.providers, state.notice_due)
        if self.strict:
            key = ((word >> _CODE_SHIFT) << 1) | bool(word & _ESCAPE)
            for provider_id, ips in state.providers.items():
                self._ips[(key, provider_id)] = frozenset(ips)
        return word

    def pack_parts(self, number: str, status: str, providers: Iterable[int], notice_due: float | None = None) -> int:
        """`pack` without a SiteState (bulk loads): the number, status, provider ids and open notice's due time."""
        wanted = providers if isinstance(providers, frozenset) else frozenset(providers)
        set_id = self._set_ids.get(wanted)
        if set_id is None:
            set_id = len(self._sets)
            if set_id > _SET_MASK:
                raise OverflowError("more than 65535 distinct provider sets")
            self._sets.append(wanted)
            self._set_ids[wanted] = set_id
        code, escaped = self._code(number)
        word = _STATUS_OF.get(status, CANCELLED) | (set_id << _SET_SHIFT) | (code << _CODE_SHIFT)
        if escaped:
            word |= _ESCAPE
        if notice_due is not None:
            word |= _NOTICE
            self._notices[(code << 1) | escaped] = notice_due
        elif self._notices:
            self._notices.pop((code << 1) | escaped, None)
        return word

    def _code(self, number: str) -> tuple[int, bool]:
        m = _SITE_NUMBER.fullmatch(number)
        if m is not None and m.group(1) in _PROVINCE_INDEX and int(m.group(4)) < 512:
            province, year, serial, seq, kind = m.groups()
            code = (((_PROVINCE_INDEX[province] << 7 | (int(year) - 2000)) << 20 | int(serial)) << 9 | int(seq)) << 2
            return code | _KINDS.index(kind), False
        found = self._number_codes.get(number)
        if found is None:
            found = len(self._numbers)
            self._numbers.append(number)
            self._number_codes[number] = found
        return found, True

    def site_number(self, word: int) -> str:
        code = word >> _CODE_SHIFT
        if word & _ESCAPE:
            return self._numbers[code]
        kind, code = code & 3, code >> 2
        seq, code = code & 511, code >> 9
        serial, code = code & 0xFFFFF, code >> 20
        year, province = code & 127, code >> 7
        return f"{_PROVINCES[province]}ICP备{2000 + year}{serial:06d}号-{seq}{_KINDS[kind]}"

    # -- keeping current -----------------------------------------------------------------------------------
    def apply_site(self, state: SiteState) -> None:
        word = self.pack(state)
        for domain in state.domains:
            self._overlay[domain] = word
        self._cache = {}

    def apply_domain(self, state: DomainState) -> None:
        if state.site is None:
            self._overlay[state.domain] = 0
        if state.blacklisted:
            self._blacklisted.add(state.domain)
        else:
            self._blacklisted.discard(state.domain)
        if state.review is None:
            self._review.pop(state.domain, None)
        else:
            self._review[state.domain] = state.review
        self._cache = {}

    def apply_change(self, seq: int, sites: Iterable[SiteState], domains: Iterable[DomainState]) -> None:
        """One change of the feed: domain states first (they may detach a domain), then site states."""
        for d in domains:
            self.apply_domain(d)
        for s in sites:
            self.apply_site(s)
        self.seq = max(self.seq, seq)

    @property
    def overlay_size(self) -> int:
        return len(self._overlay)

    def fold(self) -> None:
        """Fold the overlay into a new trie, in one go (tests, tools). A follower calls `build_folded` in a thread
        and `swap_folded` on its own thread, so changes applied during the rebuild are kept."""
        self.swap_folded(self.build_folded())

    def build_folded(self) -> tuple[marisa_trie.Trie, array[int], dict[str, int]]:
        """A new trie and state array with the overlay as it is now folded in (readers keep the old ones)."""
        frozen = dict(self._overlay)
        trie, states = self._core
        words = {k: states[i] for k, i in trie.iteritems()}
        words.update(frozen)
        live = sorted(k for k, w in words.items() if w)
        new_trie = marisa_trie.Trie(live)
        new_states = array("Q", bytes(8 * len(new_trie)))
        for k in live:
            new_states[new_trie[k]] = words[k]
        return new_trie, new_states, frozen

    def swap_folded(self, built: tuple[marisa_trie.Trie, array[int], dict[str, int]]) -> None:
        """Use the folded trie; what changed since `build_folded` copied the overlay stays in the overlay."""
        new_trie, new_states, frozen = built
        self._overlay = {k: w for k, w in self._overlay.items() if frozen.get(k, -1) != w}
        self._core = (new_trie, new_states)
        self._cache = {}

    # -- deciding ------------------------------------------------------------------------------------------
    def decide(
        self, host: str, provider_id: int | None = None, server_addr: str | None = None, detail: bool = True
    ) -> Verdict:
        """The decision for a Host header value (any spelling); see gate/decision.py for the vocabulary.
        Decisions are cached per provider and host until the next change (not in strict mode with an address).
        `detail=False` (the auth endpoint) answers the shared verdict of the decision and reason, without the host
        and site number, and allocates nothing on the way."""
        if server_addr is not None and self.strict:
            try:
                return self.decide_name(normalise_host(host), provider_id, server_addr, detail)
            except BadHost as err:
                return verdict(Decision.UNKNOWN, err.reason)
        cache = self._cache.get((provider_id, detail))
        if cache is None:
            cache = self._cache[(provider_id, detail)] = {}
        found = cache.get(host)
        if found is not None:
            return found
        try:
            result = self.decide_name(normalise_host(host), provider_id, None, detail)
        except BadHost as err:
            result = verdict(Decision.UNKNOWN, err.reason)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[host] = result
        return result

    def decide_name(
        self, name: str, provider_id: int | None = None, server_addr: str | None = None, detail: bool = True
    ) -> Verdict:
        """The decision for a normalised ascii name: the name, then each parent, most specific first."""
        overlay = self._overlay
        review = self._review
        trie, states = self._core
        get = trie.get
        if self._blacklisted and self._is_blacklisted(name):
            return Verdict(Decision.SUSPENDED, Reason.BLACKLISTED, None, name)
        candidate = name
        while True:
            word = overlay.get(candidate, -1) if overlay else -1
            if word < 0:
                i = get(candidate)
                word = 0 if i is None else states[i]
            pending = review.get(candidate) if review else None
            if (  # the common case, inline: active, no notice, no review, not strict, hosted by the provider
                pending is None
                and word & 0b1111 == ACTIVE
                and server_addr is None
                and (provider_id is None or provider_id in self._sets[(word >> _SET_SHIFT) & _SET_MASK])
            ):
                if detail:
                    return _new_verdict((_ALLOWED, _FILED, None, name, word, self._namer))
                return _ALLOWED_BARE
            if word or pending is not None:
                found = self._judge(name, word, pending, provider_id, server_addr)
                return found if detail else verdict(found.decision, found.reason)
            dot = candidate.find(".")
            rest = candidate[dot + 1 :]
            if "." not in rest:
                break
            candidate = rest
        if is_public_suffix(name):
            return _NO_REGISTRABLE
        return _UNKNOWN_NOT_FILED

    def _is_blacklisted(self, name: str) -> bool:
        candidate = name
        while True:
            if candidate in self._blacklisted:
                return True
            dot = candidate.find(".")
            if dot < 0:
                return False
            candidate = candidate[dot + 1 :]

    def _judge(
        self, name: str, word: int, pending: Review | None, provider_id: int | None, server_addr: str | None
    ) -> Verdict:
        status = word & 3
        namer = self._namer
        if status == ACTIVE:
            if word & _NOTICE:
                due = self._notices.get(((word >> _CODE_SHIFT) << 1) | bool(word & _ESCAPE))
                if due is not None and due <= self.clock():
                    return _new_verdict((Decision.SUSPENDED, Reason.EMPTY_SHELL, None, name, word, namer))
            providers = self._sets[(word >> _SET_SHIFT) & _SET_MASK]
            if provider_id is None or provider_id in providers:
                strict = self.strict and server_addr is not None
                if strict and not self._address_ok(word, providers, provider_id, server_addr or ""):
                    return _new_verdict((Decision.UNKNOWN, Reason.WRONG_SERVER_ADDRESS, None, name, word, namer))
                return _new_verdict((Decision.ALLOWED, Reason.FILED, None, name, word, namer))
            if pending is not None and pending.provider_id == provider_id:
                if pending.access_passed:
                    return _new_verdict((Decision.ALLOWED, Reason.ACCESS_IN_REVIEW, None, name, word, namer))
                return _new_verdict((Decision.PENDING, Reason.IN_REVIEW, None, name, word, namer))
            return _new_verdict((Decision.UNKNOWN, Reason.FILED_ELSEWHERE, None, name, word, namer))
        named = namer if status else None
        if pending is not None:
            if provider_id is None or pending.provider_id == provider_id:
                return _new_verdict((Decision.PENDING, Reason.IN_REVIEW, None, name, word, named))
            if not status:
                return Verdict(Decision.UNKNOWN, Reason.IN_REVIEW, None, name)
        if status == SUSPENDED:
            return _new_verdict((Decision.SUSPENDED, Reason.BLACKLISTED, None, name, word, named))
        return _new_verdict((Decision.SUSPENDED, Reason.CANCELLED, None, name, word, named))

    def _address_ok(self, word: int, providers: frozenset[int], provider_id: int | None, server_addr: str) -> bool:
        key = ((word >> _CODE_SHIFT) << 1) | bool(word & _ESCAPE)
        wanted = providers if provider_id is None else (provider_id,)
        return any(same_address(server_addr, self._ips.get((key, p), frozenset())) for p in wanted)

    # -- listing -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        trie, _ = self._core
        return len(trie) + sum(1 for k in self._overlay if k not in trie)

    def domains(self) -> Iterator[str]:
        """Every domain the index knows: filed or cancelled (trie and overlay order), then those held only by an
        order in review or a blacklist entry (sorted; they are few)."""
        trie, _ = self._core
        overlay = self._overlay
        for key in trie.iterkeys():
            if key not in overlay:
                yield key
        for key, word in overlay.items():
            if word:
                yield key
        for key in sorted(self._review.keys() | self._blacklisted):
            if not (overlay.get(key) if key in overlay else key in trie):
                yield key

    def allowed(self, provider_id: int | None = None) -> Iterator[str]:
        """The domains a provider (or any provider) may serve now, with their subdomains (an nginx map or HAProxy
        map lists each as `.domain` / a suffix match). Includes add-access orders allowed in review."""
        for domain in self.domains():
            if self.decide_name(domain, provider_id).decision is Decision.ALLOWED:
                yield domain

    def memory_bytes(self) -> int:
        """Bytes held by the trie and the state array (what grows with the registry)."""
        trie, states = self._core
        return len(trie.tobytes()) + states.itemsize * len(states)
