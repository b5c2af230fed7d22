"""Dense retrieval over segments: one faiss index per segment, searched together.

Passage ids are global: the passages of segment i are numbered from `offsets[i]`. A passage of
a removed document (its clause maps to −1) is never returned. The result is the same as one
index over all live passages: every segment gives its k best, the k best of those are kept.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


class SegmentedDense:
    def __init__(self, parts: Sequence[tuple[object, np.ndarray, np.ndarray]], n_docs: int, dim: int):
        """`parts`: (faiss index, clause row (local) of each passage, gmap local → global row)."""
        self.parts = [(ix, np.asarray(own, dtype=np.int64), np.asarray(g, dtype=np.int64))
                      for ix, own, g in parts]
        for ix, own, _ in self.parts:
            if ix.ntotal != len(own):
                raise ValueError("faiss index and passage owners disagree")
        self.n_docs = n_docs
        self.dim = dim
        sizes = [len(own) for _, own, _ in self.parts]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.ntotal = int(self.offsets[-1])
        # owner (global clause row, −1 when removed) of every global passage id
        self.owners = np.concatenate([g[own] for _, own, g in self.parts]) if self.parts else \
            np.zeros(0, np.int64)
        self._dead = [int((g[own] < 0).sum()) for _, own, g in self.parts]
        self._by_owner = None

    def vector(self, pid: int) -> np.ndarray:
        i = int(np.searchsorted(self.offsets, pid, side="right") - 1)
        return self.parts[i][0].reconstruct(int(pid - self.offsets[i]))

    def search(self, query_vec: np.ndarray, k_sentences: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """(best cosine per clause, best passage id per clause); clauses with no passage among
        the top `k_sentences` live passages get −inf and −1."""
        best = np.full(self.n_docs, -np.inf, dtype=np.float64)
        best_row = np.full(self.n_docs, -1, dtype=np.int64)
        q = np.ascontiguousarray(query_vec, dtype=np.float32).reshape(1, -1)
        sims_all, ids_all = [], []
        for (ix, own, g), off, dead in zip(self.parts, self.offsets, self._dead):
            total = ix.ntotal
            if total == 0:
                continue
            k = total if k_sentences is None else min(k_sentences + dead, total)
            sims, ids = ix.search(q, k)
            sims, ids = sims[0], ids[0]
            keep = ids >= 0
            sims, ids = sims[keep], ids[keep]
            live = g[own[ids]] >= 0
            sims_all.append(sims[live])
            ids_all.append(ids[live] + off)
        if not sims_all:
            return best, best_row
        return self._best(np.concatenate(sims_all), np.concatenate(ids_all), k_sentences)

    def _best(self, sims: np.ndarray, ids: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(best cosine per clause, its passage id) among the `k` most similar of the passages
        `ids` (similarities `sims`; ties broken by id)."""
        best = np.full(self.n_docs, -np.inf, dtype=np.float64)
        best_row = np.full(self.n_docs, -1, dtype=np.int64)
        order = np.lexsort((ids, -sims))
        if k is not None:
            order = order[:k]
        sims, ids = sims[order], ids[order]
        owners = self.owners[ids]
        _, first = np.unique(owners, return_index=True)     # sorted by similarity: first = best
        best[owners[first]] = sims[first]
        best_row[owners[first]] = ids[first]
        return best, best_row

    def scope(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, global passage ids) of the live passages of clause `rows`: what
        `search_in` scans when a small scope of a large library is searched."""
        pids = [self.passages_of(int(r)) for r in rows]
        pids = np.concatenate(pids) if pids else np.zeros(0, np.int64)
        vecs = np.stack([self.vector(int(p)) for p in pids]).astype(np.float32) if len(pids) \
            else np.zeros((0, self.dim), np.float32)
        return vecs, pids.astype(np.int64)

    def search_in(self, query_vec: np.ndarray, scope: tuple[np.ndarray, np.ndarray],
                  k_sentences: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """`search` restricted to a scope's passages (from `scope`), exactly: the nearest
        passages *of the scope*, not the scope's share of the library's nearest ones."""
        vecs, ids = scope
        return self._best(vecs @ np.asarray(query_vec, dtype=np.float32).reshape(-1), ids, k_sentences)

    def passages_of(self, row: int) -> np.ndarray:
        """Global passage ids of a clause row, ascending."""
        if self._by_owner is None:
            order = np.argsort(self.owners, kind="stable")
            self._by_owner = (order, self.owners[order])
        order, sorted_owners = self._by_owner
        a, b = np.searchsorted(sorted_owners, [row, row + 1])
        return order[a:b]
