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
from .examples import load_examples
from .tokenize import char_bigrams, normalise

FILES = ("bigrams.json", "clause_vectors.npy", "examples.json", "example_vectors.npy")
CLAUSE_CHARS = 512     # the encoder reads at most ~512 tokens; longer texts are cut here


@dataclass
class Fields:
    bigram: object                 # BM25Index | SparseBM25 over char bigrams
    clause_vectors: np.ndarray     # (clauses, dim) float32, L2-normalised
    examples: list = None          # [[normalised question, [gold clause rows]]]
    example_vectors: np.ndarray = None

    def clause_cosines(self, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.clause_vectors[rows] @ np.asarray(qvec, dtype=np.float32)

    def memory(self, question: str, qvec: np.ndarray, n_clauses: int) -> np.ndarray:
        """Per clause row: the best cosine between the question and an example question
        whose gold is that clause (-inf where none); an identical example is skipped."""
        best = np.full(n_clauses, -np.inf)
        if not self.examples:
            return best
        sims = self.example_vectors @ np.asarray(qvec, dtype=np.float32)
        me = normalise(question.strip())
        for (text, rows), s in zip(self.examples, sims):
            if text != me:
                for r in rows:
                    if s > best[r]:
                        best[r] = s
        return best


def build(out: Path, texts: list[str], doc_ids: list[str],
          embed: Callable[[str, list[str]], np.ndarray], keys: list[str] | None = None,
          embed_queries: Callable[[list[str]], np.ndarray] | None = None) -> dict:
    """Write the files for `texts` (one per clause, in row order) into `out`; `embed(doc_id,
    passages)` returns vectors (cached per document); `embed_queries` encodes the example
    questions whose gold clauses (`keys`) are loaded. Returns counts for params.json."""
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
    row = {k: i for i, k in enumerate(keys or [])}
    examples = [(q, [row[g] for g in gold if g in row]) for q, gold in load_examples()]
    examples = [(q, rows) for q, rows in examples if rows]
    ev = embed_queries([q for q, _ in examples]) if examples and embed_queries else \
        np.zeros((0, vecs.shape[1] if len(vecs) else 1), np.float32)
    (out / "examples.json").write_text(json.dumps(
        [[normalise(q), rows] for q, rows in examples[:len(ev)]], ensure_ascii=False), encoding="utf-8")
    np.save(out / "example_vectors.npy", np.asarray(ev, dtype=np.float32), allow_pickle=False)
    return {"bigram_tokens": sum(len(g) for g in grams), "clause_vectors": int(len(vecs)),
            "examples": int(len(ev))}


def load(d: Path, n_clauses: int, k1: float, b: float, impl: str = "auto") -> Fields:
    grams = json.loads((d / "bigrams.json").read_text(encoding="utf-8"))
    vecs = np.load(d / "clause_vectors.npy", allow_pickle=False, mmap_mode="r")
    if len(grams) != n_clauses or vecs.shape[0] != n_clauses:
        raise ValueError(f"bigrams.json/clause_vectors.npy hold {len(grams)}/{vecs.shape[0]} "
                         f"rows for {n_clauses} clauses")
    examples = json.loads((d / "examples.json").read_text(encoding="utf-8"))
    ev = np.load(d / "example_vectors.npy", allow_pickle=False)
    if len(examples) != len(ev) or any(r >= n_clauses for _, rows in examples for r in rows):
        raise ValueError("examples.json and example_vectors.npy disagree")
    return Fields(make_bm25(grams, k1=k1, b=b, impl=impl), vecs, examples, ev)
