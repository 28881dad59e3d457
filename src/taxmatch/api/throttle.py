"""Calls per minute per client: a sliding window, kept in the serving process.

Pure apart from its own memory; the clock is passed in so that tests need no
sleeping. Each serving process counts its own calls: run one process per
deployment (or divide the limit by the processes) for the limit to hold as set.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque


class Throttle:
    """At most `limit` calls by one key in any `window` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _expire(self, key: str, now: float) -> deque[float]:
        calls = self._calls[key]
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        return calls

    def wait(self, key: str, now: float) -> float:
        """The seconds until one more is allowed for `key` (0.0 now), counting nothing."""
        with self._lock:
            calls = self._expire(key, now)
            return calls[0] + self.window - now if len(calls) >= self.limit else 0.0

    def record(self, key: str, now: float) -> None:
        """Count one (a failed attempt, say) against `key`."""
        with self._lock:
            self._expire(key, now).append(now)

    def admit(self, key: str, now: float) -> float:
        """Count a call and return 0.0, or count nothing and return the seconds until one is allowed."""
        with self._lock:
            calls = self._calls[key]
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                return calls[0] + self.window - now
            calls.append(now)
            return 0.0
