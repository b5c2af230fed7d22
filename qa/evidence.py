"""How strong the retrieved evidence is, and the calibrated decision to refuse.

Signals (all cheap, from the runs already computed for the answer):
  dense     best sentence cosine over the whole index
  coverage  IDF-weighted share of the query terms found in the top clause
  known     share of the question's terms the corpus uses (directly or via a synonym)
  bm25      top BM25 score (log1p)
qa/confidence.py turns them (with agreement and margin signals) into the answer tiers. A question
asking about the policy of a place no loaded document covers (深圳高新区对… ) is refused outright
(qa/places.py); a place named only as context is not.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from indexer.tokenize import synonyms, tokenize

from .places import foreign_place


@dataclass(frozen=True)
class Evidence:
    dense: float
    coverage: float
    known: float
    bm25: float
    foreign_place: str = ""

    def vector(self) -> list[float]:
        return [self.dense, self.coverage, self.known, math.log1p(max(self.bm25, 0.0))]

    def to_json(self) -> dict:
        return {"dense": round(self.dense, 4), "coverage": round(self.coverage, 4),
                "known": round(self.known, 4), "bm25": round(self.bm25, 4),
                "foreign_place": self.foreign_place}


def known_share(question: str, vocab: set[str]) -> float:
    toks = list(dict.fromkeys(tokenize(question)))
    if not toks:
        return 0.0
    table = synonyms()
    hit = sum(1 for t in toks if t in vocab or
              any(w in vocab for s in table.get(t, ()) for w in tokenize(s)))
    return hit / len(toks)


def measure(question: str, dense_best: float, top_coverage: float, bm25_best: float,
            vocab: set[str], covered: frozenset[str]) -> Evidence:
    return Evidence(dense=dense_best if math.isfinite(dense_best) else 0.0,
                    coverage=top_coverage, known=known_share(question, vocab),
                    bm25=bm25_best, foreign_place=foreign_place(question, covered))
