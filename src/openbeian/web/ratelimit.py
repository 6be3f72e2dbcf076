"""Per-client rate limits of the public registry API: a token bucket per client, per worker process.

A client is its API account when it sends a valid bearer token, else its peer address (what uvicorn reports;
behind a proxy, run uvicorn with --proxy-headers and --forwarded-allow-ips). A bucket holds up to `burst` tokens
and refills at `per_minute` / 60 tokens a second; a request takes `cost` tokens (1 for a query, more for a batch)
or is refused with the seconds to wait until it would pass. Time comes from a callable (the app's clock), so tests
move it instead of sleeping. With several worker processes each keeps its own buckets: a client may get up to
`workers` times the configured rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

MAX_CLIENTS = 100_000  # buckets kept before the idle (full) ones are forgotten


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`take(client, cost)` -> 0.0 when the request may go on, else the seconds to wait (> 0)."""

    def __init__(self, per_minute: int, burst: int, now: Callable[[], float], max_clients: int = MAX_CLIENTS) -> None:
        self.rate = per_minute / 60.0
        self.max_clients = max_clients
        self.burst = float(max(burst, 1))
        self.enabled = per_minute > 0
        self._now = now
        self._buckets: dict[str, _Bucket] = {}

    def take(self, client: str, cost: float = 1.0) -> float:
        if not self.enabled:
            return 0.0
        now = self._now()
        bucket = self._buckets.get(client)
        if bucket is None:
            if len(self._buckets) >= self.max_clients:
                self._forget_idle(now)
            bucket = self._buckets[client] = _Bucket(self.burst, now)
        else:
            elapsed = now - bucket.at
            if elapsed > 0:
                bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
                bucket.at = now
        cost = min(cost, self.burst)  # a request dearer than the whole bucket passes when the bucket is full
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return 0.0
        return (cost - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled (their clients were idle long enough): they hold no state."""
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_clients:  # everyone is busy: start afresh rather than grow without bound
            self._buckets.clear()


def retry_after(seconds: float) -> int:
    """The Retry-After header's whole seconds: at least 1, rounded up."""
    return max(1, math.ceil(seconds))
