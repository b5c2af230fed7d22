"""Search and ask filters: by document, level, department and scope; repealed and superseded
documents left out unless asked for.

Scope (`--scope`): `home` = the home document (the city measures); `family` = the home document
and the documents it implements, transitively (含上级文件); `all` = every loaded document. The
default scope is `family`; `ask` falls back to `all` when the family gives no confident answer,
and a question naming a loaded document searches that document whatever the scope.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from indexer.rows import KeySet

from .search import SearchError


@dataclass(frozen=True)
class Filters:
    docs: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    dept: str | None = None
    include_repealed: bool = False
    scope: str = ""                    # home | family | all; "" = the default (family)
    include_superseded: bool = False

    def __post_init__(self):
        if self.scope not in SCOPES:
            raise SearchError(f"unknown scope {self.scope!r}; use home (只看本文件), "
                              "family (含上级文件) or all (全部)")

    @property
    def active(self) -> bool:
        return bool(self.docs or self.levels or self.dept)


_LOCK = threading.Lock()
SCOPES = ("", "home", "family", "all")
DEFAULT_SCOPE = "family"


def scope_docs(qa, scope: str) -> set[str]:
    """Loaded document ids in a scope (see the module docstring)."""
    loaded = {p.doc.id: p.doc for p in qa.documents}
    home = qa.documents[0].doc.id
    if scope == "all":
        return set(loaded)
    if scope == "home":
        return {home}
    family, todo = {home}, [home]
    while todo:
        for parent in loaded[todo.pop()].implements:
            if parent in loaded and parent not in family:
                family.add(parent)
                todo.append(parent)
    return family


def allowed_keys(qa, f: Filters | None) -> set[str] | None:
    """Clause keys the filters allow; None = every clause. A filter that matches nothing is
    an error that says so, never a silent search of everything. Kept per filter for the
    loaded index (a library of 10^5 clauses would otherwise be walked on every question)."""
    f = f or Filters()
    cache = qa.__dict__.setdefault("_allowed_cache", {})
    try:
        return cache[f]
    except KeyError:
        pass
    keys = _allowed_keys(qa, f)
    keys = frozenset(keys) if keys is not None and not isinstance(keys, frozenset) else keys
    with _LOCK:
        if len(cache) >= 64:
            cache.pop(next(iter(cache)), None)
        cache[f] = keys
    return keys


def _allowed_keys(qa, f: Filters) -> set[str] | None:
    docs = {p.doc.id: p.doc for p in qa.documents}
    repealed = {i for i, d in docs.items() if d.is_repealed()}
    superseded = {i for i, d in docs.items() if d.superseded and not f.include_superseded}
    in_scope = scope_docs(qa, f.scope or DEFAULT_SCOPE) if not f.docs else set(docs)
    if not f.active and (f.include_repealed or not repealed) and not superseded \
            and in_scope == set(docs):
        return None
    unknown = [d for d in f.docs if d not in docs]
    if unknown:
        missing = {d.id for d in qa.missing}
        why = "is referenced but not loaded (add it with `policyqa add`)" if set(unknown) <= missing \
            else "is not a document id (`policyqa docs` lists them)"
        raise SearchError(f"--doc {', '.join(unknown)} {why}")
    table = qa.data.clauses                 # columns: no clause is built here
    keys, rows_in = set(), []
    for doc_id, rows in table.by_doc.items():
        d = docs[doc_id]
        if doc_id in repealed and not f.include_repealed:
            continue
        if doc_id in superseded or doc_id not in in_scope:
            continue
        if f.docs and doc_id not in f.docs:
            continue
        if f.levels and d.level not in f.levels:
            continue
        keys.update(table.keys[rows].tolist())
        rows_in.append(rows)
    if f.dept:
        units = set(qa.catalog.find(f.dept))
        if not units:
            raise SearchError(f"--dept {f.dept!r} names no responsible unit in the loaded documents; "
                              "try a name like 市科技局 or 财政局")
        keys &= {table.keys[r] for r, (lead, partner) in table.units.items() if units & set(lead + partner)}
    elif keys:                              # with its rows: masks need no key lookups
        keys = KeySet(keys, np.sort(np.concatenate(rows_in)), qa.data.rows.keys)
    if not keys:
        raise SearchError("no clause matches these filters"
                          + (" (repealed documents are left out; add --include-repealed)" if repealed else "")
                          + (" (superseded versions are left out; add --include-superseded)" if superseded else "")
                          + "; `policyqa docs` lists the documents")
    return keys
