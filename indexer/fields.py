"""The index's second lexical field and its clause-level vectors, saved beside the rest.

- `bigrams.json`: character-bigram tokens of every clause (tokenize.char_bigrams), the field
  that needs no dictionary; BM25 over it is the `bigram` run.
- `clause_vectors.npy`: one vector per clause for its whole retrieval text, so a clause whose
  meaning is spread over several sentences is not judged by its best sentence alone.
Both are rebuilt with the index; clause vectors use the per-document embedding cache.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .bm25 import make_bm25
from .tokenize import char_bigrams

FILES = ("bigrams.json", "clause_vectors.npy")
CLAUSE_CHARS = 512     # the encoder reads at most ~512 tokens; longer texts are cut here


@dataclass
class Fields:
    bigram: object                 # BM25Index | SparseBM25 over char bigrams
    clause_vectors: np.ndarray     # (clauses, dim) float32, L2-normalised

    def clause_cosines(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.clause_vectors[rows] @ np.asarray(qvec, dtype=np.float32)


def build(out: Path, texts: list[str], doc_ids: list[str],
          embed: Callable[[str, list[str]], np.ndarray]) -> dict:
    """Write both files for `texts` (one per clause, in row order) into `out`; `embed(doc_id,
    passages)` returns vectors (cached per document). Returns counts for params.json."""
    grams = [char_bigrams(t) for t in texts]
    (out / "bigrams.json").write_text(json.dumps(grams, ensure_ascii=False), encoding="utf-8")
    blocks, start = [], 0
    while start < len(texts):
        end = start
        while end < len(texts) and doc_ids[end] == doc_ids[start]:
            end += 1
        blocks.append(embed(doc_ids[start], [t[:CLAUSE_CHARS] for t in texts[start:end]]))
        start = end
    vecs = np.concatenate(blocks).astype(np.float32) if blocks else np.zeros((0, 1), np.float32)
    np.save(out / "clause_vectors.npy", vecs, allow_pickle=False)
    return {"bigram_tokens": sum(len(g) for g in grams), "clause_vectors": int(len(vecs))}


def load(d: Path, n_clauses: int, k1: float, b: float, impl: str = "auto") -> Fields:
    grams = json.loads((d / "bigrams.json").read_text(encoding="utf-8"))
    vecs = np.load(d / "clause_vectors.npy", allow_pickle=False, mmap_mode="r")
    if len(grams) != n_clauses or vecs.shape[0] != n_clauses:
        raise ValueError(f"bigrams.json/clause_vectors.npy hold {len(grams)}/{vecs.shape[0]} "
                         f"rows for {n_clauses} clauses")
    return Fields(make_bm25(grams, k1=k1, b=b, impl=impl), vecs)
