"""The gate index at national scale: bytes per domain and decisions per second at 1 M and 8 M synthetic domains,
against a Python set of the same domain strings measured in the same run.

    .venv/bin/python bench/gate_index.py                 # 1 M and 8 M domains
    .venv/bin/python bench/gate_index.py --sizes 200000  # quick

Memory: `structure` is the trie's serialised size plus the state array (what grows with the registry); `rss` is the
process's resident-set growth while building (after malloc_trim), which includes every side table; the set's
figure is its RSS growth (strings and table). Decisions: `decide(host, provider)` on distinct random hosts
(uncached path: each host asked once), filed hosts (hits), `www.` + filed hosts (subdomains, two lookups) and
unfiled hosts (misses), as the auth endpoint asks (`detail=False`: the shared verdict, no site number;
`hits+detail` asks with the site number, as `gate check` does); then a hot set (10,000 hosts asked over and
over, as an edge sees its customers), which the decision cache answers; `trie.get` is the bare trie lookup of the
hits (the structure's floor). Half the filed hosts are hosted by the provider asked for, half elsewhere.
Each figure is the median of --rounds rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator

from openbeian.gate.index import GateIndex

TLDS = ("cn", "com", "com.cn", "net", "net.cn", "org", "top", "xn--fiqs8s")
PROVINCES = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝蜀黔滇藏陕陇青宁新"
PROVIDERS = (frozenset({1}), frozenset({2}), frozenset({1, 3}), frozenset({4}))
QUERIES = 200_000


def domain(i: int) -> str:
    """A deterministic, varied synthetic domain for index i (a scrambled hex label, one of eight suffixes)."""
    x = (i * 2_654_435_761) % 4_294_967_291
    return f"{x:x}{i:x}.{TLDS[x % len(TLDS)]}"


def word(index: GateIndex, i: int) -> int:
    """The packed state of domain i: its own site number, one of four provider sets."""
    number = f"{PROVINCES[i % 31]}ICP备{2005 + i % 21}{i % 999_999 + 1:06d}号-{1 + i % 7}"
    return index.pack_parts(number, "active", PROVIDERS[i % len(PROVIDERS)])


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def trimmed_rss() -> int:
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss()


def build(n: int) -> tuple[GateIndex, float, int]:
    index = GateIndex()
    before = trimmed_rss()
    started = time.perf_counter()

    def entries() -> Iterator[tuple[str, int]]:
        for i in range(n):
            yield domain(i), word(index, i)

    index.load((domain(i) for i in range(n)), entries())
    seconds = time.perf_counter() - started
    return index, seconds, trimmed_rss() - before


def rate(run: Callable[[], None], count: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return count / statistics.median(times)


def queries(n: int) -> dict[str, list[str]]:
    rng = random.Random(n)
    picked = [domain(rng.randrange(n)) for _ in range(QUERIES)]
    hot_pool = picked[:10_000]
    return {
        "hits": picked,
        "subdomains": ["www." + d for d in picked],
        "misses": [f"unfiled{rng.randrange(10**9)}.{TLDS[i % len(TLDS)]}" for i in range(QUERIES)],
        "hot set": [hot_pool[rng.randrange(len(hot_pool))] for _ in range(QUERIES)],
    }


def measure_index(n: int, asked: dict[str, list[str]], rounds: int) -> tuple[dict[str, float], int]:
    index, seconds, grown = build(n)
    structure = index.memory_bytes()
    print(f"\n== {n:,} domains: index built in {seconds:.1f} s")
    print(f"index     structure {structure / n:6.1f} B/domain ({structure / 2**20:.0f} MiB)", end="")
    print(f"   rss {grown / n:6.1f} B/domain")
    trie = index._core[0]

    def trie_only() -> None:
        get = trie.get
        for h in asked["hits"]:
            get(h)

    def decisions(hosts: list[str], cold: bool, detail: bool = False) -> Callable[[], None]:
        def run() -> None:
            if cold:
                index._cache.clear()  # distinct hosts: the uncached path each round
            decide = index.decide
            for h in hosts:
                decide(h, 1, None, detail)

        return run

    results = {"trie.get": rate(trie_only, QUERIES, rounds)}
    for name, hosts in asked.items():
        results[name] = rate(decisions(hosts, name != "hot set"), QUERIES, rounds)
    results["hits+detail"] = rate(decisions(asked["hits"], True, True), QUERIES, rounds)
    assert all(index.decide(h, None).allowed for h in asked["hits"][:1000])
    assert all(index.decide(h, None).allowed for h in asked["subdomains"][:1000])
    assert not any(index.decide(h, None).allowed for h in asked["misses"][:1000])
    return results, grown


def measure_set(n: int, asked: dict[str, list[str]], rounds: int) -> tuple[dict[str, float], int]:
    before = trimmed_rss()
    baseline = {domain(i) for i in range(n)}
    grown = trimmed_rss() - before

    def member(hosts: list[str]) -> Callable[[], None]:
        def run() -> None:
            s = baseline
            for h in hosts:
                h in s  # noqa: B015

        return run

    # one lookup each: a set cannot walk parents, normalise or tell why
    results = {"trie.get": rate(member(asked["hits"]), QUERIES, rounds)}
    for name, hosts in asked.items():
        results[name] = rate(member(hosts), QUERIES, rounds)
    results["hits+detail"] = results["hits"]
    return results, grown


def measure(n: int, rounds: int) -> None:
    asked = queries(n)
    gate, gate_bytes = measure_index(n, asked, rounds)
    gc.collect()
    base, set_bytes = measure_set(n, asked, rounds)
    print(f"set       rss {set_bytes / n:6.1f} B/domain   -> index/set memory {gate_bytes / set_bytes:.2f}x")
    print(f"{'decisions/s':<12} {'gate index':>12} {'python set':>12} {'ratio':>7}")
    for name, value in gate.items():
        print(f"{name:<12} {value:>12,.0f} {base[name]:>12,.0f} {value / base[name]:>7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,8000000", help="comma-separated domain counts")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"gate index benchmark, {QUERIES:,} decisions per round, median of {args.rounds}")
    for n in (int(s) for s in args.sizes.split(",")):
        measure(n, args.rounds)


if __name__ == "__main__":
    main()
