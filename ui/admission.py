"""Bounded admission for the REST API's answer computations.

At most `workers` answers are computed at once (threads; the encoder releases the GIL), the
rest wait first come first served; when `max_waiting` requests are already waiting, a new one
is refused at once with `Busy` (the API turns it into 503 + Retry-After) instead of joining an
ever longer queue. Retry-After is the time the queue ahead needs at the recent service rate.

Defaults (POLICYQA_WORKERS, POLICYQA_MAX_QUEUE): one worker per core; 100 waiting — 50 clients
that each wait for their answer are never refused, a burst of hundreds is. More workers let
query-encoding batches form (indexer/batching.py, 2-7 % less CPU per new question) but cost
more than that when cached answers are served beside them (measured in eval/BENCH.md, "Load
run"; suspected: GIL hand-offs), so the default stays at one per core.
Counters are only touched on the event loop (one thread), so they need no lock.
"""
from __future__ import annotations

import math
import os
import time

import anyio


class Busy(Exception):
    def __init__(self, waiting: int, retry_after: int):
        super().__init__(f"服务繁忙：已有 {waiting} 个问题在排队，请 {retry_after} 秒后重试")
        self.waiting, self.retry_after = waiting, retry_after


def _env_int(name: str, default: int, low: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < low:
        raise ValueError(f"{name} must be a whole number ≥ {low} (got {raw!r}); unset it for the default {default}")
    return int(raw)


class Admission:
    def __init__(self, workers: int, max_waiting: int):
        if workers < 1 or max_waiting < 0:
            raise ValueError(f"workers must be ≥ 1 and max_waiting ≥ 0 (got {workers}, {max_waiting})")
        self.workers, self.max_waiting = workers, max_waiting
        self._limiter = anyio.CapacityLimiter(workers)
        self.pending = 0              # admitted and not finished (running + waiting)
        self.refused = 0
        self._service = 0.05          # moving average of one computation, seconds

    @classmethod
    def from_env(cls) -> "Admission":
        return cls(_env_int("POLICYQA_WORKERS", os.cpu_count() or 1, 1), _env_int("POLICYQA_MAX_QUEUE", 100, 0))

    @property
    def waiting(self) -> int:
        return max(0, self.pending - self.workers)

    def retry_after(self) -> int:
        return max(1, min(60, math.ceil(self.pending * self._service / self.workers)))

    async def run(self, fn):
        """fn() in a worker thread, or Busy when `max_waiting` requests already wait."""
        if self.pending >= self.workers + self.max_waiting:
            self.refused += 1
            raise Busy(self.waiting, self.retry_after())
        self.pending += 1

        def timed():
            t = time.perf_counter()
            return fn(), time.perf_counter() - t
        try:
            result, took = await anyio.to_thread.run_sync(timed, limiter=self._limiter)
        finally:
            self.pending -= 1
        self._service += 0.1 * (took - self._service)
        return result
