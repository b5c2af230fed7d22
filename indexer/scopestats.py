"""Lexical statistics of the documents searched.

BM25's IDF and average length depend on the collection. When a question is searched in a scope
(the city measures and the documents they implement, one document, a level), ranking inside it
should not change because unrelated documents were loaded beside it: a term rare in the scope
but common in 3,000 laws is still what sets a clause apart there. So the BM25 and bigram runs
of a filtered search are scored with the statistics of the documents that hold an allowed
clause — all their rows, preambles included, exactly as if the index held only them — and an
unfiltered search with the whole library's. (The Milvus backend scores with its collection's
statistics: library-wide in every scope.)
"""
from __future__ import annotations

import numpy as np


def scope_rows(data, allowed) -> np.ndarray | None:
    """Boolean mask of the rows of every document holding an allowed clause; None = all."""
    if allowed is None:
        return None
    row_of, table = data.rows.row_of, data.clauses        # columns: no clause is built
    docs = set(table.doc_ids[data.rows.rows_in(allowed)].tolist())
    mask = np.zeros(len(row_of), dtype=bool)
    for p in data.documents:
        if p.doc.id in docs:                   # its preamble and clauses
            preamble, rows = table.document_rows(p.doc.id)
            mask[rows] = True
            if preamble is not None:
                mask[preamble] = True
    return mask


def lexical(data, allowed, settings):
    """(bm25, bigram) scorers for a search over `allowed` (a set of clause keys or None),
    each with the statistics of its scope when settings.scope_stats; kept per allowed set."""
    if allowed is None or not settings.scope_stats:
        return data.bm25, data.fields.bigram

    def build(allowed):
        mask = scope_rows(data, allowed)
        return data.bm25.scoped(mask), data.fields.bigram.scoped(mask)
    return data.rows.memo(allowed, "scope-stats", build)
