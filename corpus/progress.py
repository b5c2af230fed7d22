"""Progress of a bulk add on stderr: one line rewritten in place on a terminal, a plain line
every `every` documents (and at the end) when stderr is a file or a pipe."""
from __future__ import annotations

import sys
import time


def duration(seconds: float) -> str:
    s = int(round(max(0.0, seconds)))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def progress_line(done: int, total: int, passages: int, elapsed: float,
                  work_done: float, work_total: float) -> str:
    """`37/200 documents, 1,234 passages, 45.2 passages/s, about 3m12s left`. Time left is
    the elapsed time scaled by the work (bytes of the files) still to do; unknown (`?`) until
    some work is done."""
    rate = passages / elapsed if elapsed > 0 else 0.0
    if done >= total:
        left = "done"
    elif work_done > 0 and elapsed > 0:
        left = f"about {duration(elapsed * (work_total - work_done) / work_done)} left"
    else:
        left = "time left ?"
    return f"{done}/{total} documents, {passages:,} passages, {rate:.1f} passages/s, {left}"


class Progress:
    def __init__(self, total: int, work_total: float, stream=None, every: int = 25,
                 tty: bool | None = None, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.total, self.work_total, self.every = total, max(work_total, 1.0), max(1, every)
        self.done = self.passages = 0
        self.work_done = 0.0
        self.clock = clock
        self.start = clock()
        self._width = 0

    def line(self) -> str:
        return progress_line(self.done, self.total, self.passages, self.clock() - self.start,
                             self.work_done, self.work_total)

    def update(self, passages: int = 0, work: float = 0.0) -> None:
        """One more document finished (parsed, embedded, or failed)."""
        self.done += 1
        self.passages += passages
        self.work_done += work
        if self.tty:
            text = self.line()
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
            self.stream.flush()
        elif self.done % self.every == 0 or self.done == self.total:
            self.stream.write(f"policyqa: {self.line()}\n")
            self.stream.flush()

    def note(self, text: str) -> None:
        """A line of its own (e.g. a batch committed), not overwritten by the progress line."""
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(f"policyqa: {text}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0
