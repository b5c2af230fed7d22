"""Term postings of one segment: the bag of words of each clause, stored as plain arrays.

A segment's field (jieba terms, or character bigrams) is kept twice over the same numbers:
  by term  (CSC)  t_indptr[t]:t_indptr[t+1] → rows, tfs   what scoring reads
  by row   (CSR)  r_indptr[r]:r_indptr[r+1] → term ids, tfs what `matched`/`coverage`/merge read
plus the length (token count) of every row and the segment's own vocabulary. Files:
`<name>.terms.json` (the vocabulary, a JSON list) and `<name>.{t_indptr,t_rows,t_tf,r_indptr,
r_terms,r_tf,lengths}.npy`: the pointer arrays and lengths read whole (a query reads them by
scalar, slow from a memory map), the entry arrays memory-mapped (only sliced). Nothing here knows BM25: bm25.SegmentedBM25 scores
a list of these with statistics of the whole library.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

ARRAYS = ("t_indptr", "t_rows", "t_tf", "r_indptr", "r_terms", "r_tf", "lengths")
MAPPED = ("t_rows", "t_tf", "r_terms", "r_tf")


def files(name: str) -> tuple[str, ...]:
    return (f"{name}.terms.json",) + tuple(f"{name}.{a}.npy" for a in ARRAYS)


@dataclass
class Postings:
    terms: list[str]
    t_indptr: np.ndarray
    t_rows: np.ndarray
    t_tf: np.ndarray
    r_indptr: np.ndarray
    r_terms: np.ndarray
    r_tf: np.ndarray
    lengths: np.ndarray
    _lookup: dict | None = field(default=None, repr=False)

    @property
    def n_rows(self) -> int:
        return len(self.lengths)

    @property
    def lookup(self) -> dict[str, int]:
        if self._lookup is None:
            self._lookup = {t: i for i, t in enumerate(self.terms)}
        return self._lookup

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(local rows, term frequencies) of one term; empty when the segment lacks it."""
        j = self.lookup.get(term)
        if j is None:
            return _EMPTY_I, _EMPTY_I
        a, b = int(self.t_indptr[j]), int(self.t_indptr[j + 1])
        return self.t_rows[a:b], self.t_tf[a:b]

    def row_terms(self, row: int) -> set[str]:
        a, b = int(self.r_indptr[row]), int(self.r_indptr[row + 1])
        terms = self.terms
        return {terms[j] for j in self.r_terms[a:b].tolist()}

    def save(self, out: Path, name: str) -> None:
        (out / f"{name}.terms.json").write_text(json.dumps(self.terms, ensure_ascii=False),
                                                 encoding="utf-8")
        for a in ARRAYS:
            np.save(out / f"{name}.{a}.npy", getattr(self, a), allow_pickle=False)

    @classmethod
    def load(cls, d: Path, name: str) -> "Postings":
        terms = json.loads((d / f"{name}.terms.json").read_text(encoding="utf-8"))
        # the pointer arrays are read by scalar (slow from a memory map): read whole; the
        # big entry arrays are only sliced: memory-mapped (cold start, RSS)
        arr = {a: np.load(d / f"{name}.{a}.npy", allow_pickle=False,
                          mmap_mode="r" if a in MAPPED else None) for a in ARRAYS}
        p = cls(terms, **arr)
        n, v = len(p.lengths), len(terms)
        if len(p.t_indptr) != v + 1 or len(p.r_indptr) != n + 1 or len(p.t_rows) != len(p.t_tf) \
                or len(p.t_rows) != len(p.r_terms) or len(p.r_tf) != len(p.r_terms) or (len(p.t_rows) and int(p.t_indptr[-1]) != len(p.t_rows)):
            raise ValueError(f"{name} postings in {d} disagree with each other")
        return p


_EMPTY_I = np.zeros(0, dtype=np.int32)


def _from_coo(terms: list[str], rows: np.ndarray, cols: np.ndarray, tfs: np.ndarray,
              lengths: np.ndarray) -> Postings:
    """Both layouts from (row, term id, tf) triples (each (row, term) once)."""
    n, v = len(lengths), len(terms)
    by_row = np.lexsort((cols, rows))
    by_term = np.lexsort((rows, cols))
    t_indptr = np.zeros(v + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=v), out=t_indptr[1:])
    r_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=r_indptr[1:])
    return Postings(terms, t_indptr, rows[by_term].astype(np.int32), tfs[by_term].astype(np.int32),
                    r_indptr, cols[by_row].astype(np.int32), tfs[by_row].astype(np.int32),
                    lengths.astype(np.int32))


def build(docs: Sequence[Iterable[str]]) -> Postings:
    """Postings of token lists, one per row."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    tfs: list[int] = []
    lengths = np.zeros(len(docs), dtype=np.int32)
    for i, doc in enumerate(docs):
        counts: dict[int, int] = {}
        k = 0
        for t in doc:
            j = vocab.setdefault(t, len(vocab))
            counts[j] = counts.get(j, 0) + 1
            k += 1
        lengths[i] = k
        rows.extend([i] * len(counts))
        cols.extend(counts)
        tfs.extend(counts.values())
    return _from_coo(list(vocab), np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
                     np.asarray(tfs, dtype=np.int64), lengths)


def merge(parts: Sequence[tuple[Postings, np.ndarray]]) -> Postings:
    """One segment's postings from several, keeping the rows where `keep` is True (in order):
    no text is tokenised again, term ids are mapped onto the union vocabulary."""
    vocab: dict[str, int] = {}
    rows, cols, tfs, lengths = [], [], [], []
    offset = 0
    for p, keep in parts:
        keep = np.asarray(keep, dtype=bool)
        new_row = np.cumsum(keep) - 1 + offset
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in p.terms), dtype=np.int64,
                          count=len(p.terms))
        r = np.repeat(np.arange(p.n_rows), np.diff(np.asarray(p.r_indptr)))
        m = keep[r]
        rows.append(new_row[r[m]])
        cols.append(ids[np.asarray(p.r_terms)[m]])
        tfs.append(np.asarray(p.r_tf)[m])
        lengths.append(np.asarray(p.lengths)[keep])
        offset += int(keep.sum())
    cat = (lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt))
    return _from_coo(list(vocab), cat(rows, np.int64), cat(cols, np.int64), cat(tfs, np.int64),
                     cat(lengths, np.int32))
