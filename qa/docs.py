"""The documents table shown by `policyqa docs` and the web app."""
from __future__ import annotations


def docs_table(qa) -> list[dict]:
    table = qa.data.clauses            # clause counts from its columns: no clause is built
    rows = []
    for p in qa.documents:
        d = p.doc
        rows.append({"id": d.id, "title": d.title, "level": d.level, "issuer": d.issuer,
                     "date": d.date, "number": d.number, "loaded": True,
                     "clauses": len(table.document_rows(d.id)[1]), "implements": list(d.implements),
                     "effective": d.effective, "repealed": d.repealed, "format": d.format,
                     "published": d.published, "revised": d.revised, "superseded_by": d.superseded_by})
    for d in qa.missing:
        rows.append({"id": d.id, "title": d.title, "level": d.level, "issuer": d.issuer,
                     "date": d.date, "number": d.number, "loaded": False, "clauses": 0,
                     "implements": list(d.implements), "url": d.url, "repealed": d.repealed})
    return rows
