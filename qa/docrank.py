"""The right document first: how close the question is to each document's title.

In a library of many documents a clause can match a question's words while its document is
about something else (a company-law article on covering losses answering a question about
carrying a loss forward for income tax). The question's cosine to every document's title
vector (embedded with the index, segment.py), z-scored over the documents, is added to the
fused score of each clause of that document, weighted by Settings.w_title times the question's
spread of fused scores (best − median) — so the weight is a share of that spread. Chosen on
the dev half of eval/laws_questions.jsonl (`python -m eval.lawsfamily --tune`); two other
document signals measured there did not help and were left out (the sum of a document's best
clause scores; IDF-weighted title-word overlap). With one document among the candidates
nothing changes.
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def title_z(cosines: np.ndarray) -> np.ndarray:
    """z-scores of the question's cosines to every document title (0 when all are equal)."""
    cosines = np.asarray(cosines, dtype=np.float64)
    sd = cosines.std()
    return (cosines - cosines.mean()) / sd if len(cosines) > 1 and sd > 0 else np.zeros(len(cosines))


def rerank(scored: dict[str, float], doc_of: Callable[[str], str], doc_z: dict[str, float],
           weight: float) -> dict[str, float]:
    """`scored` with `weight` × spread × the document's title z-score added to each clause."""
    if weight <= 0 or len({doc_of(k) for k in scored}) < 2:
        return scored
    vals = sorted(scored.values())
    spread = vals[-1] - vals[len(vals) // 2]
    if spread <= 0:
        return scored
    return {k: s + weight * spread * doc_z.get(doc_of(k), 0.0) for k, s in scored.items()}
