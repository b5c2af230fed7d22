"""How strong the retrieved evidence is, and the calibrated decision to refuse.

Signals (all cheap, from the runs already computed for the answer), each measured against the
clauses in scope, never the whole library, so that loading unrelated documents (a library of
laws beside the city measures) does not make a question look answerable:
  dense       best sentence cosine in scope
  coverage    IDF-weighted share of the query terms found in the top clause
  known       share of the question's terms the scope's clauses use (directly or via a synonym)
  bm25_share  top BM25 score over the most the query's terms could score (Σ idf·(k1+1)): raw
              BM25 grows with the library's size (IDF), the share does not
qa/confidence.py turns them (with agreement and margin signals) into the answer tiers. A place
the corpus never mentions (北京, 深圳 …) is refused outright.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from indexer.tokenize import DATA, normalise, synonyms, tokenize



@lru_cache(maxsize=1)
def places() -> tuple[str, ...]:
    words = []
    for line in (DATA / "places.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.extend(line.split())
    return tuple(sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class Evidence:
    dense: float
    coverage: float
    known: float
    bm25: float
    foreign_place: str = ""
    bm25_share: float = 0.0

    def vector(self) -> list[float]:
        return [self.dense, self.coverage, self.known, self.bm25_share]

    def to_json(self) -> dict:
        return {"dense": round(self.dense, 4), "coverage": round(self.coverage, 4),
                "known": round(self.known, 4), "bm25": round(self.bm25, 4),
                "bm25_share": round(self.bm25_share, 4), "foreign_place": self.foreign_place}


def known_share(question: str, vocab: set[str]) -> float:
    toks = list(dict.fromkeys(tokenize(question)))
    if not toks:
        return 0.0
    table = synonyms()
    hit = sum(1 for t in toks if t in vocab or
              any(w in vocab for s in table.get(t, ()) for w in tokenize(s)))
    return hit / len(toks)


def foreign_place(question: str, corpus_text: str) -> str:
    q = normalise(question)
    return next((p for p in places() if p in q and p not in corpus_text), "")


def measure(question: str, dense_best: float, top_coverage: float, bm25_best: float,
            vocab: set[str], corpus_text: str, bm25_ceiling: float = 0.0) -> Evidence:
    """`vocab` and `corpus_text`: those of the clauses in scope; `bm25_ceiling`: the most
    the question's own terms can score (see the module docstring)."""
    share = min(1.0, bm25_best / bm25_ceiling) if bm25_ceiling > 0 else 0.0
    return Evidence(dense=dense_best if math.isfinite(dense_best) else 0.0,
                    coverage=top_coverage, known=known_share(question, vocab),
                    bm25=bm25_best, foreign_place=foreign_place(question, corpus_text),
                    bm25_share=share)
