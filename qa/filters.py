"""Search and ask filters: by document, level, department; repealed documents left out."""
from __future__ import annotations

from dataclasses import dataclass

from .search import SearchError


@dataclass(frozen=True)
class Filters:
    docs: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    dept: str | None = None
    include_repealed: bool = False

    @property
    def active(self) -> bool:
        return bool(self.docs or self.levels or self.dept)


def allowed_keys(qa, f: Filters | None) -> set[str] | None:
    """Clause keys the filters allow; None = every clause. A filter that matches nothing is
    an error that says so, never a silent search of everything."""
    f = f or Filters()
    docs = {p.doc.id: p.doc for p in qa.documents}
    repealed = {i for i, d in docs.items() if d.is_repealed()}
    if not f.active and (f.include_repealed or not repealed):
        return None
    unknown = [d for d in f.docs if d not in docs]
    if unknown:
        missing = {d.id for d in qa.missing}
        why = "is referenced but not loaded (add it with `policyqa add`)" if set(unknown) <= missing \
            else "is not a document id (`policyqa docs` lists them)"
        raise SearchError(f"--doc {', '.join(unknown)} {why}")
    keys = set()
    for c in qa.clauses:
        d = docs[c.doc_id]
        if c.doc_id in repealed and not f.include_repealed:
            continue
        if f.docs and c.doc_id not in f.docs:
            continue
        if f.levels and d.level not in f.levels:
            continue
        keys.add(c.key)
    if f.dept:
        units = set(qa.catalog.find(f.dept))
        if not units:
            raise SearchError(f"--dept {f.dept!r} names no responsible unit in the loaded documents; "
                              "try a name like 市科技局 or 财政局")
        keys &= {c.key for c in qa.clauses if units & set(c.units)}
    if not keys:
        raise SearchError("no clause matches these filters"
                          + (" (repealed documents are left out; add --include-repealed)" if repealed else "")
                          + "; `policyqa docs` lists the documents")
    return keys
