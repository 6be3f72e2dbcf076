"""The token bucket of the public API's rate limits (web/ratelimit.py), on a clock the test moves."""

from __future__ import annotations

from openbeian.web.ratelimit import RateLimiter, retry_after


class Clock:
    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


def test_a_client_gets_its_burst_then_waits_for_the_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, now=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == 1.0  # one token a second
    assert limiter.take("b") == 0.0  # another client has its own bucket
    clock.at += 0.5
    assert limiter.take("a") == 0.5
    clock.at += 0.5
    assert limiter.take("a") == 0.0


def test_a_refused_request_takes_nothing_and_the_bucket_never_overfills() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=2, now=clock)
    limiter.take("a", 2)
    for _ in range(5):
        assert limiter.take("a") > 0
    clock.at += 3600
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 1.0]


def test_a_request_dearer_than_the_bucket_passes_on_a_full_bucket() -> None:
    limiter = RateLimiter(per_minute=60, burst=5, now=Clock())
    assert limiter.take("a", 100) == 0.0
    assert limiter.take("a") > 0


def test_a_zero_rate_turns_the_limit_off() -> None:
    limiter = RateLimiter(per_minute=0, burst=1, now=Clock())
    assert all(limiter.take("a") == 0.0 for _ in range(1000))


def test_idle_clients_are_forgotten_when_the_table_is_full() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=2, now=clock, max_clients=3)
    for name in ("a", "b", "c"):
        limiter.take(name, 2)
    clock.at += 1
    assert limiter.take("c") == 0.0  # c is busy again: its bucket will not be full a second later
    clock.at += 1  # a and b have refilled
    limiter.take("d")
    assert set(limiter._buckets) == {"c", "d"}
    assert limiter.take("c", 2) > 0
    assert limiter.take("a") == 0.0


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert [retry_after(s) for s in (0.01, 1.0, 1.2, 59.9)] == [1, 1, 2, 60]
