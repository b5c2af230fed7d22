"""Dense retrieval: clauses embedded sentence by sentence, scored by their best sentence.

Vectors are L2-normalised and kept in a faiss IndexFlatIP (inner product = cosine).
"""
from __future__ import annotations

import re

import faiss
import numpy as np

_SPLIT_RE = re.compile(r"(?<=[。；;！？!?])")


_COMMA_RE = re.compile(r"(?<=[，,])")
LONG_SENTENCE = 60   # characters; longer sentences also get windows of WINDOW comma pieces
WINDOW = 3


def split_sentences(text: str) -> list[str]:
    """Split on 。；！？ keeping the mark with its sentence; blank pieces dropped."""
    return [s.strip() for s in _SPLIT_RE.split(text) if s.strip()]


def passages(text: str) -> list[tuple[int, str]]:
    """(sentence index, passage) pairs to embed: every sentence, and for a long sentence
    also sliding windows of comma-separated pieces, so one topic in a long list-like
    sentence is not drowned by the others."""
    out: list[tuple[int, str]] = []
    for i, sent in enumerate(split_sentences(text)):
        out.append((i, sent))
        if len(sent) > LONG_SENTENCE:
            pieces = [p for p in _COMMA_RE.split(sent) if p]
            for j in range(len(pieces)):
                window = "".join(pieces[j:j + WINDOW])
                if window != sent:
                    out.append((i, window))
    return out


class DenseIndex:
    """Sentence vectors with, for each, the row of the clause it belongs to."""

    def __init__(self, vectors: np.ndarray, owners: np.ndarray, n_docs: int,
                 index: "faiss.Index | None" = None):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(owners):
            raise ValueError("vectors must be 2-D with one owner per row")
        self.vectors = vectors
        self.owners = np.asarray(owners, dtype=np.int64)
        self.n_docs = n_docs
        if index is None:
            index = faiss.IndexFlatIP(vectors.shape[1])
            if len(vectors):
                index.add(vectors)
        elif index.ntotal != len(vectors):
            raise ValueError("faiss index and vectors disagree")
        self.index = index

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def search(self, query_vec: np.ndarray, k_sentences: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(best cosine per clause, best sentence row per clause); clauses with no
        sentence among the top `k_sentences` get -inf and row -1."""
        best = np.full(self.n_docs, -np.inf, dtype=np.float64)
        best_row = np.full(self.n_docs, -1, dtype=np.int64)
        total = self.index.ntotal
        if total == 0:
            return best, best_row
        k = total if k_sentences is None else min(k_sentences, total)
        q = np.ascontiguousarray(query_vec, dtype=np.float32).reshape(1, -1)
        sims, rows = self.index.search(q, k)
        sims, rows = sims[0], rows[0]
        keep = rows >= 0
        sims, rows = sims[keep], rows[keep]
        owners = self.owners[rows]
        # rows come sorted by similarity: the first hit per owner is its best sentence
        _, first = np.unique(owners, return_index=True)
        best[owners[first]] = sims[first]
        best_row[owners[first]] = rows[first]
        return best, best_row

    def sentence_scores(self, query_vec: np.ndarray, rows: list[int]) -> np.ndarray:
        return self.vectors[rows] @ np.asarray(query_vec, dtype=np.float32).ravel()
