"""The clauses of a loaded index, read by row when first asked for.

A segment stores its clauses as
  clauses.jsonl      one JSON record per clause (records.clause_to_json), text verbatim, one a line
  clauses.idx.npy    int64 byte offsets: record i is bytes idx[i]..idx[i+1] (n + 1 values)
  clauses.cols.json  what the hot paths need of every row: key, document (an index into
                     `doc_ids`), number, and the responsible units of the rows that name any
Loading reads the columns and the offsets only; a Clause is built (and kept) the first time its
row is asked for, so a library of 10^5 clauses loads without building 10^5 objects. A record
whose key is not its row's key, or that does not parse, is reported as damage (rebuild), never
returned.
"""
from __future__ import annotations

import mmap
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import orjson

from corpus.model import Clause

from .errors import IndexFormatError
from .records import clause_from_json, clause_to_json

RECORDS, OFFSETS, COLUMNS = "clauses.jsonl", "clauses.idx.npy", "clauses.cols.json"
FILES = (RECORDS, OFFSETS, COLUMNS)


class ClauseWriter:
    """Writes a segment's three clause files, one record at a time."""

    def __init__(self, d: Path):
        self.d = d
        self._f = open(d / RECORDS, "wb")
        self.offsets, self.keys, self.doc, self.no = [0], [], [], []
        self.doc_ids: dict[str, int] = {}
        self.unit_rows, self.lead, self.partner = [], [], []

    def add(self, record: bytes, key: str, doc_id: str, no: int, lead=(), partner=()) -> None:
        self._f.write(record.rstrip(b"\n") + b"\n")
        self.offsets.append(self._f.tell())
        if lead or partner:
            self.unit_rows.append(len(self.keys))
            self.lead.append(list(lead))
            self.partner.append(list(partner))
        self.keys.append(key)
        self.doc.append(self.doc_ids.setdefault(doc_id, len(self.doc_ids)))
        self.no.append(int(no))

    def add_clause(self, c: Clause) -> None:
        self.add(orjson.dumps(clause_to_json(c)), c.key, c.doc_id, c.no, c.lead_units, c.partner_units)

    def close(self) -> int:
        self._f.close()
        np.save(self.d / OFFSETS, np.asarray(self.offsets, dtype=np.int64), allow_pickle=False)
        (self.d / COLUMNS).write_bytes(orjson.dumps({
            "key": self.keys, "doc_ids": list(self.doc_ids), "doc": self.doc, "no": self.no,
            "unit_rows": self.unit_rows, "lead": self.lead, "partner": self.partner}))
        return len(self.keys)


class SegmentClauses:
    """One segment's clause records: columns in memory, records read by local row."""

    def __init__(self, d: Path, n: int):
        self.d = d
        cols = orjson.loads((d / COLUMNS).read_bytes())
        self.keys = np.array(cols["key"], dtype=object).reshape(-1)
        self.doc_ids = list(cols["doc_ids"])
        self.doc = np.asarray(cols["doc"], dtype=np.int64).reshape(-1)
        self.no = np.asarray(cols["no"], dtype=np.int64).reshape(-1)
        self.units = {int(r): (tuple(a), tuple(b))
                      for r, a, b in zip(cols["unit_rows"], cols["lead"], cols["partner"], strict=True)}
        self.offsets = np.load(d / OFFSETS, allow_pickle=False)
        size = (d / RECORDS).stat().st_size
        o = self.offsets
        if not (len(self.keys) == len(self.doc) == len(self.no) == n) or o.dtype != np.int64 or \
                o.shape != (n + 1,) or o[0] != 0 or o[-1] != size or (n and np.any(np.diff(o) <= 0)) or \
                (n and (self.doc.min() < 0 or self.doc.max() >= len(self.doc_ids))) or \
                any(not 0 <= r < n for r in self.units):
            raise ValueError(f"segment {d.name}: {OFFSETS} or {COLUMNS} does not match {RECORDS}")
        self._mm = None
        if size:
            with open(d / RECORDS, "rb") as f:
                self._mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return len(self.keys)

    def doc_id_column(self) -> np.ndarray:
        return np.array(self.doc_ids, dtype=object)[self.doc] if len(self.doc) else np.zeros(0, object)

    def keep(self, removed) -> np.ndarray:
        """Rows whose document is not in `removed` (a set of document ids)."""
        gone = [i for i, x in enumerate(self.doc_ids) if x in removed]
        return ~np.isin(self.doc, gone) if gone else np.ones(len(self.doc), dtype=bool)

    def record(self, i: int) -> bytes:
        return self._mm[int(self.offsets[i]):int(self.offsets[i + 1])]

    def get(self, i: int) -> Clause:
        """The Clause of local row `i`, checked against the row's key."""
        return self._checked(i)[1]

    def copy_to(self, w: ClauseWriter, keep: np.ndarray) -> None:
        """The kept rows' records, byte for byte (each checked first), to another segment."""
        for i in np.flatnonzero(keep).tolist():
            rec, _ = self._checked(i)
            lead, partner = self.units.get(i, ((), ()))
            w.add(rec, self.keys[i], self.doc_ids[self.doc[i]], int(self.no[i]), lead, partner)

    def _checked(self, i: int) -> tuple[bytes, Clause]:
        rec = self.record(i)
        try:
            c = clause_from_json(orjson.loads(rec))
        except (ValueError, TypeError) as exc:
            why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        else:
            if c.key == self.keys[i] and c.doc_id == self.doc_ids[self.doc[i]] and c.no == self.no[i] \
                    and (c.lead_units, c.partner_units) == self.units.get(i, ((), ())):
                return rec, c
            why = f"the record ({c.key!r}) does not match its row ({self.keys[i]!r})"
        raise IndexFormatError(f"index at {self.d.parent.parent} is damaged ({RECORDS} of segment "
                               f"{self.d.name}, row {i}: {why}); rebuild with `policyqa index --rebuild`")


class _Memory:
    """Clauses already in memory, as a table part."""

    def __init__(self, clauses):
        self.clauses = tuple(clauses)

    def get(self, i: int) -> Clause:
        return self.clauses[i]


class ClauseTable(Sequence):
    """All clauses of a loaded index by row: `keys`, `doc_ids`, `no` (arrays over rows) and
    `units` ({row: (lead units, partner units)} of the rows naming any) without building a
    Clause; `table[row]` builds that row's Clause once. Iterating builds every one (correct,
    slow at 10^5 rows: hot paths use the columns)."""

    def __init__(self, parts, where: np.ndarray, keys: np.ndarray, doc_ids: np.ndarray,
                 no: np.ndarray, units: dict[int, tuple[tuple[str, ...], tuple[str, ...]]]):
        self._parts = list(parts)
        self._where = where
        self.keys, self.doc_ids, self.no, self.units = keys, doc_ids, no, units
        self._cache: list[Clause | None] = [None] * len(keys)

    @classmethod
    def of(cls, clauses) -> "ClauseTable":
        """A table of clauses already built (a tuple, a list; a table is returned as is)."""
        if isinstance(clauses, ClauseTable):
            return clauses
        clauses = tuple(clauses)
        n = len(clauses)
        where = np.stack([np.zeros(n, np.int64), np.arange(n, dtype=np.int64)], axis=1)
        t = cls([_Memory(clauses)], where, np.array([c.key for c in clauses], dtype=object).reshape(-1),
                np.array([c.doc_id for c in clauses], dtype=object).reshape(-1),
                np.array([c.no for c in clauses], dtype=np.int64).reshape(-1),
                {i: (c.lead_units, c.partner_units) for i, c in enumerate(clauses)
                 if c.lead_units or c.partner_units})
        t._cache = list(clauses)
        return t

    @classmethod
    def of_segments(cls, parts: Sequence[SegmentClauses], keeps: Sequence[np.ndarray],
                    where: np.ndarray) -> "ClauseTable":
        """The kept rows of each segment, in order; `where[row]` = (part, local row)."""
        cat = (lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dt))
        keys = cat([p.keys[k] for p, k in zip(parts, keeps)], object)
        doc_ids = cat([p.doc_id_column()[k] for p, k in zip(parts, keeps)], object)
        no = cat([p.no[k] for p, k in zip(parts, keeps)], np.int64)
        units, start = {}, 0
        for p, k in zip(parts, keeps):
            new = np.cumsum(k) - 1 + start
            units.update({int(new[r]): u for r, u in p.units.items() if k[r]})
            start += int(k.sum())
        return cls(parts, where, keys, doc_ids, no, dict(sorted(units.items())))

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return tuple(self[i] for i in range(*row.indices(len(self))))
        c = self._cache[row]
        if c is None:
            part, local = self._where[row]
            c = self._cache[row] = self._parts[int(part)].get(int(local))
        return c

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    @cached_property
    def by_doc(self) -> dict[str, np.ndarray]:
        """{document id: its rows, in row order} (a document's rows are contiguous)."""
        d, n = self.doc_ids, len(self.doc_ids)
        if not n:
            return {}
        cuts = [0, *(np.flatnonzero(d[1:] != d[:-1]) + 1).tolist(), n]
        runs: dict[str, list[np.ndarray]] = {}
        for s, e in zip(cuts, cuts[1:]):
            runs.setdefault(d[s], []).append(np.arange(s, e))
        return {k: v[0] if len(v) == 1 else np.concatenate(v) for k, v in runs.items()}

    def rows_of(self, doc_id: str) -> np.ndarray:
        return self.by_doc.get(doc_id, np.zeros(0, np.int64))

    def document_rows(self, doc_id: str) -> tuple[int | None, np.ndarray]:
        """(preamble row or None, clause rows) of a document, as its ParsedDocument holds them:
        the first row numbered 0 is the preamble (序言), the rows numbered 1.. its clauses."""
        rows = self.rows_of(doc_id)
        zero = rows[self.no[rows] == 0]
        return (int(zero[0]) if len(zero) else None), rows[self.no[rows] != 0]
