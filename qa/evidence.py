"""How strong the retrieved evidence is: the signals behind answering or refusing."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from indexer.settings import Settings
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
    dense: float          # best sentence cosine over the whole index
    coverage: float       # IDF-weighted share of query terms in the top clause
    known: float          # share of the question's terms the corpus uses (directly or via synonyms)
    foreign_place: str    # a place named in the question that the corpus never mentions

    @property
    def score(self) -> float:
        return self.dense + 0.5 * self.coverage + 0.25 * self.known

    def weak(self, s: Settings) -> bool:
        return bool(self.foreign_place) or self.dense < s.min_dense or \
            self.score < s.min_evidence or (self.coverage < s.min_coverage and self.known < 0.5)

    def to_json(self) -> dict:
        return {"dense": round(self.dense, 4), "coverage": round(self.coverage, 4),
                "known": round(self.known, 4), "score": round(self.score, 4),
                "foreign_place": self.foreign_place}


def known_share(question: str, vocab: set[str]) -> float:
    toks = list(dict.fromkeys(tokenize(question)))
    if not toks:
        return 0.0
    table = synonyms()
    hit = 0
    for t in toks:
        if t in vocab or any(w in vocab for s in table.get(t, ()) for w in tokenize(s)):
            hit += 1
    return hit / len(toks)


def foreign_place(question: str, corpus_text: str) -> str:
    q = normalise(question)
    for p in places():
        if p in q and p not in corpus_text:
            return p
    return ""


def measure(question: str, dense_best: float, top_coverage: float, vocab: set[str],
            corpus_text: str) -> Evidence:
    return Evidence(dense=dense_best if math.isfinite(dense_best) else 0.0,
                    coverage=top_coverage, known=known_share(question, vocab),
                    foreign_place=foreign_place(question, corpus_text))
