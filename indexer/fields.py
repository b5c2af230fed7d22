"""The index's second lexical field, its clause-level vectors and the example-question memory.

- bigram: BM25 over character bigrams of every clause (tokenize.char_bigrams), the field that
  needs no dictionary; its postings live in each segment (segment.py, `bg.*`).
- clause vectors: one vector per clause for its whole retrieval text, so a clause whose meaning
  is spread over several sentences is not judged by its best sentence alone (`clause_vectors.npy`
  of each segment, memory-mapped; RowVectors reads them by global row).
- examples: answered example questions (examples.py) with their gold clause keys and vectors,
  written with each commit (`examples.json`, `example_vectors.npy`): they follow the library,
  not a document.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .examples import load_examples
from .tokenize import normalise

FILES = ("examples.json", "example_vectors.npy")


class RowVectors:
    """Vectors of global rows stored in several segments' arrays (`where[row]` = (part, local))."""

    def __init__(self, parts: Sequence[np.ndarray], where: np.ndarray, dim: int):
        self.parts = list(parts)
        self.where = where
        self.shape = (len(where), dim)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        w = self.where[rows]
        for p in np.unique(w[:, 0]):
            m = w[:, 0] == p
            out[m] = self.parts[int(p)][w[m, 1]]
        return out


@dataclass
class Fields:
    bigram: object                 # SegmentedBM25 over char bigrams
    clause_vectors: object         # RowVectors | ndarray (clauses, dim), L2-normalised
    examples: list = None          # [[normalised question, [gold clause rows], [must strings]]]
    example_vectors: np.ndarray = None

    def __post_init__(self):
        ex = self.examples or []
        self._ex_index = np.array([j for j, (_, rows, *_) in enumerate(ex) for _ in rows], dtype=np.int64)
        self._ex_rows = np.array([r for _, rows, *_ in ex for r in rows], dtype=np.int64)
        self._ex_text, self._ex_of_row = {}, {}
        for j, (text, rows, *_) in enumerate(ex):
            self._ex_text.setdefault(text, []).append(j)
            for r in rows:
                self._ex_of_row.setdefault(int(r), []).append(j)

    def clause_cosines(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.clause_vectors[rows] @ np.asarray(qvec, dtype=np.float32)

    def memory(self, question: str, qvec: np.ndarray, n_clauses: int) -> np.ndarray:
        """Per clause row: the best cosine between the question and an example question
        whose gold is that clause (-inf where none); an identical example is skipped."""
        best = np.full(n_clauses, -np.inf)
        if not self.examples:
            return best
        sims = (self.example_vectors @ np.asarray(qvec, dtype=np.float32)).astype(np.float64)
        sims[self._ex_text.get(normalise(question.strip()), [])] = -np.inf
        np.maximum.at(best, self._ex_rows, sims[self._ex_index])
        return best

    def quote_hints(self, question: str, qvec: np.ndarray, row: int, floor: float = 0.88,
                    top: int = 3) -> list[str]:
        """The `must` strings of the (at most `top`) example questions nearest the question,
        at cosine ≥ `floor`, whose gold is clause `row`: words the sentence that answered them
        holds. An identical example is skipped, as in `memory`."""
        js = [j for j in self._ex_of_row.get(int(row), ()) if len(self.examples[j]) > 2
              and self.examples[j][2]]
        if not js:
            return []
        own = set(self._ex_text.get(normalise(question.strip()), []))
        sims = self.example_vectors[js] @ np.asarray(qvec, dtype=np.float32)
        near = sorted(((float(c), j) for c, j in zip(sims, js) if c >= floor and j not in own),
                      reverse=True)[:top]
        return list(dict.fromkeys(m for _, j in near for m in self.examples[j][2]))


def write_examples(out: Path, loaded: set[str],
                   embed_queries: Callable[[list[str]], np.ndarray] | None, dim: int) -> int:
    """Write the example questions whose gold clauses (keys) are `loaded` (gold kept as clause
    keys, so the file does not depend on row numbers). Returns how many."""
    examples = [(q, [g for g in gold if g in loaded], must) for q, gold, must in load_examples()]
    examples = [(q, keys, must) for q, keys, must in examples if keys]
    ev = embed_queries([q for q, _, _ in examples]) if examples and embed_queries else \
        np.zeros((0, dim), np.float32)
    (out / "examples.json").write_text(json.dumps(
        [[normalise(q), keys, list(must)] for q, keys, must in examples[:len(ev)]],
        ensure_ascii=False), encoding="utf-8")
    np.save(out / "example_vectors.npy", np.asarray(ev, dtype=np.float32), allow_pickle=False)
    return int(len(ev))


def read_examples(d: Path, row_of: dict[str, int]) -> tuple[list, np.ndarray]:
    examples = json.loads((d / "examples.json").read_text(encoding="utf-8"))
    ev = np.load(d / "example_vectors.npy", allow_pickle=False)
    if len(examples) != len(ev):
        raise ValueError("examples.json and example_vectors.npy disagree")
    return [[x[0], [row_of[k] for k in x[1] if k in row_of], list(x[2]) if len(x) > 2 else []]
            for x in examples], ev
