"""A PolicyQA that follows the committed index: when `policyqa add/remove` (or an upload from
the browser) commits a new index, the next request is answered from it, without a restart.

`LiveQA.get()` checks the committed index's identity (at most every `interval` seconds) and
reopens the index when it changed; requests keep using the old PolicyQA until the new one is
loaded, and one thread loads at a time.

`LiveQA.ask()` keeps recent answers (LRU, `POLICYQA_ANSWER_CACHE` entries, default 2048,
0 = off) keyed by the index build, the normalised question (`normal_question`: outer
whitespace dropped, inner runs as one space — the question is asked in that form, cached or
not, so a hit is the answer a miss would give), the filters, the day and — for a follow-up
only — the clauses it refers to; a reload starts a fresh cache. Concurrent asks of one key
are computed once: the others wait for that answer (a burst of one popular question costs
one retrieval).
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path

from indexer import store
from indexer.errors import IndexError_

from .engine import PolicyQA
from .followup import followup_key
from .types import Answer


def current_id(root: Path | str) -> str | None:
    """The identity of the committed index under `root` (None when there is none).
    Uses indexer.store.current_id when it exists; else the `current` symlink's target and
    the mtime of its params.json (written last by a build)."""
    fn = getattr(store, "current_id", None)
    if fn is not None:
        return fn(root)
    link = Path(root) / "current"
    try:
        target = os.readlink(link)
        mtime = (link / "params.json").stat().st_mtime_ns
    except OSError:
        return None
    return f"{target}@{mtime}"


def normal_question(question: str) -> str:
    return " ".join(question.split())


class LiveQA:
    def __init__(self, qa: PolicyQA, root: Path | str | None = None, interval: float = 1.0):
        self._qa = qa
        self._gen = 0                         # reloads so far: the build part of cache keys
        self._state = (qa, 0)
        self.root = Path(root) if root is not None else Path(qa.data.root)
        self.interval = interval
        self._id = current_id(self.root)
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.reloads = 0
        self.last_error: str | None = None
        self.cache_size = int(os.environ.get("POLICYQA_ANSWER_CACHE", "2048"))
        self._cache: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()
        self._inflight: dict = {}             # key -> Future of the answer being computed
        self.hits = self.misses = self.shared = 0

    def _current(self):
        self.get()
        return self._state                    # (qa, generation), replaced as one object

    def _key(self, state, question, filters, history):
        qa, gen = state
        follow = ()
        if history:                          # what the follow-up points at, not the whole chat
            follow = followup_key(qa, question, history)
        return (gen, question, filters, follow, time.strftime("%Y-%m-%d"))

    def _lookup(self, key) -> Answer | None:
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                self.hits += 1
            return hit

    def cached(self, question: str, filters=None, history=None) -> Answer | None:
        """The cached answer, or None (cheap: no retrieval, safe to call on the event loop)."""
        if self.cache_size <= 0:
            return None
        return self._lookup(self._key(self._current(), normal_question(question), filters, history))

    def ask(self, question: str, filters=None, history=None) -> Answer:
        """qa.ask through the answer cache (Answers are frozen, so they can be shared)."""
        state = self._current()
        qa, question = state[0], normal_question(question)
        if self.cache_size <= 0:
            return qa.ask(question, filters=filters, history=history)
        key = self._key(state, question, filters, history)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        with self._cache_lock:
            pending = self._inflight.get(key)
            if pending is None:
                self._inflight[key] = mine = Future()
            else:
                self.shared += 1
        if pending is not None:
            return pending.result()           # the same question, being answered right now
        try:
            answer = qa.ask(question, filters=filters, history=history)
        except BaseException as exc:
            with self._cache_lock:
                del self._inflight[key]
            mine.set_exception(exc)
            raise
        with self._cache_lock:
            self.misses += 1
            self._cache[key] = answer
            del self._inflight[key]
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        mine.set_result(answer)
        return answer

    def get(self) -> PolicyQA:
        if time.monotonic() - self._checked >= self.interval:
            self.refresh()
        return self._qa

    def refresh(self, force: bool = False) -> bool:
        """Reopen the index if the committed one changed. True when it was reloaded."""
        self._checked = time.monotonic()
        now = current_id(self.root)
        if now is None or (now == self._id and not force):
            return False
        if not self._lock.acquire(blocking=False):
            return False                      # another thread is loading it
        try:
            now = current_id(self.root)
            if now == self._id and not force:
                return False
            old = self._qa
            try:
                data = store.load(self.root)
            except (IndexError_, OSError) as exc:     # e.g. replaced again while being read
                self.last_error = str(exc)
                return False                          # keep answering from the old index
            self._qa = PolicyQA(data, old.searcher.encoder, old.settings)
            self._id = now
            self._gen += 1
            self._state = (self._qa, self._gen)
            with self._cache_lock:
                self._cache.clear()
            self.reloads += 1
            return True
        finally:
            self._lock.release()
