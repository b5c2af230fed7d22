"""Trace a measure up to the clauses it implements in its parent documents.

Similarity of a clause and a parent clause = half the best cosine between any passage of one
and any passage of the other (rescaled from e5's [0.94, 1.00] band, where aligned sentences
sit, to [0, 1]) plus half the IDF-weighted share of the parent clause's terms that the clause
uses. Links at or above THRESHOLD are shown, best first, with their score. On the test family
the true links score 0.57–0.79 and the best unrelated pair 0.42 (see tests/test_family.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpus.model import Clause, Document

THRESHOLD = 0.45


@dataclass(frozen=True)
class Link:
    parent: Document
    clause: Clause
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Trace:
    clause: Clause
    links: tuple[Link, ...]
    missing: tuple[Document, ...]      # parents named by the manifest but not loaded


def passage_matrix(qa, row: int) -> np.ndarray:
    cache = qa.__dict__.setdefault("_passages_by_row", {})
    if row not in cache:
        dense = qa.data.dense
        vrows = [int(v) for v in dense.passages_of(row)]
        cache[row] = np.stack([dense.vector(v) for v in vrows]) if vrows else \
            np.zeros((0, dense.dim), dtype=np.float32)
    return cache[row]


def similarity(qa, child: int, parent: int) -> tuple[float, float, float]:
    """(score, best passage cosine, lexical share) of a child and a parent clause."""
    a, b = passage_matrix(qa, child), passage_matrix(qa, parent)
    cos = float((a @ b.T).max()) if len(a) and len(b) else 0.0
    lex = qa.data.bm25.coverage(sorted(qa.data.bm25.doc_terms(parent)), child)
    d = min(1.0, max(0.0, (cos - 0.94) / 0.06))
    return 0.5 * d + 0.5 * lex, cos, lex


def trace(qa, key: str, top: int = 3, threshold: float = THRESHOLD) -> Trace:
    rows = qa.data.rows.row_of
    if key not in rows:
        from .search import SearchError
        raise SearchError(f"no clause {key!r}; keys look like liuzhou-2021:5 (see `policyqa search --json`)")
    row = rows[key]
    clause = qa.clauses[row]
    doc = qa.docs[clause.doc_id]
    links, missing = [], []
    for pid in doc.implements:
        parent = qa.docs.get(pid)
        if parent is None:
            continue
        if not parent.loaded:
            missing.append(parent)
            continue
        t = qa.data.clauses
        cand = t.document_rows(pid)[1].tolist()
        scored = []
        for i in cand:
            score, cos, lex = similarity(qa, row, i)
            scored.append(Link(parent, qa.clauses[i], score, cos, lex))
        scored.sort(key=lambda x: -x.score)
        links.extend(x for x in scored[:top] if x.score >= threshold)
    links.sort(key=lambda x: -x.score)
    return Trace(clause, tuple(links), tuple(missing))


def trace_text(t: Trace, limit: int = 3) -> str:
    lines = []
    for link in t.links[:limit]:
        c = link.clause
        lines.append(f"- {link.parent.short}{c.label}{c.heading}（相似度{link.score:.2f}）")
    for d in t.missing:
        num = f"（{d.number}）" if d.number else ""
        lines.append(f"- 上级文件《{d.title}》{num}未加载，无法追溯；可用 policyqa add 添加")
    return "\n".join(lines)
