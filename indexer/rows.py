"""Row bookkeeping of a loaded index, built once and shared by the searcher and the backends:
clause keys by row, key → row, and which rows may be search results."""
from __future__ import annotations

import threading

import numpy as np

from .clausetable import ClauseTable


class KeySet(frozenset):
    """A frozenset of clause keys that also knows their rows in one loaded index (`rows`; `of`:
    that index's keys array), so ClauseRows.rows_in need not look 10^5 keys up."""

    def __new__(cls, keys, rows: np.ndarray, of: np.ndarray):
        s = super().__new__(cls, keys)
        s.rows, s.of = rows, of
        return s


class ClauseRows:
    def __init__(self, clauses):
        """`clauses`: a ClauseTable (its columns are used, no clause is built) or a sequence."""
        table = ClauseTable.of(clauses)
        self.keys = table.keys
        self.row_of = dict(zip(table.keys.tolist(), range(len(table))))
        # the preamble states the basis, not a measure: it is never a search result
        # (questions about the document reach it through PolicyQA.pinned)
        self.results = table.no != 0
        self._memo: dict[tuple[str, int], tuple[object, object, int]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.keys)

    MEMO_ENTRIES = 32
    MEMO_BYTES = 256 * 2**20        # arrays kept in all: a scope's passage vectors are ≤ ~35 MB

    def memo(self, allowed, what: str, compute):
        """`compute(allowed)` for a set of clause keys, kept for the last few sets: a filter's
        set (qa.filters.allowed_keys) is the same object for every question that uses it. At
        most MEMO_ENTRIES sets and MEMO_BYTES of arrays are kept; the oldest go first."""
        hit = self._memo.get((what, id(allowed)))
        if hit is not None and hit[0] is allowed:
            return hit[1]
        value = compute(allowed)
        size = _nbytes(value)
        with self._lock:
            self._memo.pop((what, id(allowed)), None)
            while self._memo and (len(self._memo) >= self.MEMO_ENTRIES or
                                  sum(e[2] for e in self._memo.values()) + size > self.MEMO_BYTES):
                self._memo.pop(next(iter(self._memo)), None)
            if size <= self.MEMO_BYTES:
                self._memo[(what, id(allowed))] = (allowed, value, size)
        return value

    def ok(self, allowed) -> np.ndarray:
        """Rows that may be results: not a preamble, and in `allowed` (a set of clause keys;
        None = all)."""
        return self.results if allowed is None else self.memo(allowed, "ok", self._mask)

    def rows_in(self, allowed):
        """The rows of the keys in `allowed` (a set of clause keys) that this index holds."""
        if isinstance(allowed, KeySet) and allowed.of is self.keys:
            return allowed.rows
        return [self.row_of[k] for k in allowed if k in self.row_of]

    def _mask(self, allowed) -> np.ndarray:
        m = np.zeros(len(self.keys), dtype=bool)
        m[self.rows_in(allowed)] = True
        return m & self.results


def _nbytes(value) -> int:
    """Bytes of the arrays in a memoised value (an array, or a tuple/list of them)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    return 0
