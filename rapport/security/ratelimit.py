"""A token bucket per credential: `rate` requests a second on average, bursts up to `burst`.

Buckets live in this process; with N uvicorn workers a client can reach N times the limit.
Idle buckets are full buckets, so forgetting them loses nothing; that bounds the memory.
"""

from __future__ import annotations

import math
import time

_MAX_BUCKETS = 100_000


class TokenBucketLimiter:
    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = max(burst, 1)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, key: str, now: float | None = None) -> float:
        """Take one token for `key`: 0.0 when allowed, else the seconds until one is free."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > _MAX_BUCKETS:
                self._forget_full(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def wait(self, key: str, now: float | None = None) -> float:
        """Like `acquire` but takes nothing: 0.0 when a token is free, else the seconds to wait."""
        if not self.enabled or key not in self._buckets:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets[key]
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after(wait_s: float) -> int:
        """Whole seconds for the Retry-After header (at least 1)."""
        return max(1, math.ceil(wait_s))

    def _forget_full(self, now: float) -> None:
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
