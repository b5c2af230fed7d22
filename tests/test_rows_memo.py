"""The per-scope memo of a loaded index is bounded by entries and by the bytes of its arrays."""
import numpy as np

from indexer.rows import ClauseRows, _nbytes


def _rows(monkeypatch, entries=32, mb=1):
    r = ClauseRows.__new__(ClauseRows)             # the memo needs no clauses
    import threading
    r._memo, r._lock = {}, threading.Lock()
    monkeypatch.setattr(ClauseRows, "MEMO_ENTRIES", entries)
    monkeypatch.setattr(ClauseRows, "MEMO_BYTES", mb * 2**20)
    return r


def test_memo_reuses_a_set_and_evicts_the_oldest_by_bytes(monkeypatch):
    r = _rows(monkeypatch, mb=1)
    calls = []

    def vectors(a):                                  # 400 KB of float32 per scope
        calls.append(a)
        return np.zeros((256, 400), np.float32), np.arange(3)

    a, b, c = frozenset("a"), frozenset("b"), frozenset("c")
    first = r.memo(a, "dense", vectors)
    assert r.memo(a, "dense", vectors) is first and len(calls) == 1
    r.memo(b, "dense", vectors)
    r.memo(c, "dense", vectors)                      # 3 × 409,624 B > 1 MiB: `a` goes
    assert sum(e[2] for e in r._memo.values()) <= 2**20
    r.memo(a, "dense", vectors)
    assert len(calls) == 4                           # recomputed
    r.memo(c, "dense", vectors)
    assert len(calls) == 4                           # still kept


def test_memo_keeps_at_most_its_entries_and_skips_a_value_larger_than_the_bound(monkeypatch):
    r = _rows(monkeypatch, entries=2, mb=1)
    sets = [frozenset([str(i)]) for i in range(3)]
    for s in sets:
        r.memo(s, "keys", lambda a: len(a))
    assert len(r._memo) == 2
    big = frozenset("big")
    r.memo(big, "dense", lambda a: np.zeros(2**19, np.float32))   # 2 MiB: returned, not kept
    assert all(k[1] != id(big) for k in r._memo)
    assert _nbytes((np.zeros(3, np.int64), [np.zeros(2, np.float32)], "x")) == 32
