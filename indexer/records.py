"""Clause and document records <-> plain JSON (no pickle)."""
from __future__ import annotations

from dataclasses import asdict, fields
from functools import cached_property

from corpus.model import Clause, Document, Notice, ParsedDocument, Part


def clause_to_json(c: Clause) -> dict:
    return asdict(c)


_CLAUSE_FIELDS = frozenset(f.name for f in fields(Clause))


def clause_from_json(d: dict) -> Clause:
    d = dict(d)
    d["lead_units"] = tuple(d.get("lead_units", ()))
    d["partner_units"] = tuple(d.get("partner_units", ()))
    if d.keys() != _CLAUSE_FIELDS:
        return Clause(**d)            # missing or unknown fields: the constructor says which
    c = object.__new__(Clause)        # every field present: skip the frozen __init__ (3x faster,
    c.__dict__.update(d)              # 10^5 clauses at load); equal to Clause(**d) (tested)
    return c


def document_to_json(p: ParsedDocument) -> dict:
    return {
        "doc": asdict(p.doc),
        "title": p.title,
        "notice": asdict(p.notice) if p.notice else None,
        "parts": [asdict(x) for x in p.parts],
        "cited_titles": list(p.cited_titles),
    }


def doc_from_json(d: dict) -> Document:
    d = dict(d)
    d["aliases"] = tuple(d.get("aliases", ()))
    d["implements"] = tuple(d.get("implements", ()))
    return Document(**d)


class LazyDocument(ParsedDocument):
    """A ParsedDocument whose preamble and clauses are built from the loaded index's clause
    table (indexer/clausetable.py) when first asked for; equal to the eager one."""

    @cached_property
    def preamble(self) -> Clause | None:
        table = self.__dict__["_table"]
        row = table.document_rows(self.doc.id)[0]
        return table[row] if row is not None else None

    @cached_property
    def clauses(self) -> tuple[Clause, ...]:
        table = self.__dict__["_table"]
        return tuple(table[int(r)] for r in table.document_rows(self.doc.id)[1])

    def __eq__(self, other):
        if not isinstance(other, ParsedDocument):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(ParsedDocument))

    __hash__ = ParsedDocument.__hash__


def document_from_json(d: dict, table) -> ParsedDocument:
    """The document of record `d`; its preamble and clauses are its rows of `table` (a
    ClauseTable: ClauseTable.document_rows)."""
    p = object.__new__(LazyDocument)
    p.__dict__.update(
        doc=doc_from_json(d["doc"]), raw="", title=d["title"],
        notice=Notice(**d["notice"]) if d.get("notice") else None,
        parts=tuple(Part(label=x["label"], title=x["title"], numbers=tuple(x["numbers"]))
                    for x in d["parts"]),
        segments=(), cited_titles=tuple(d.get("cited_titles", ())), _table=table)
    return p
