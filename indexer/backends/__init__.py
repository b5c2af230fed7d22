"""Retrieval backends: where a query's lexical and dense runs are computed.

Two implementations behind one interface (`Backend`):
  embedded  the committed index in this process (rank-bm25/sparse BM25 + faiss) — the default
  milvus    a Milvus collection set (milvus-lite file, or a Milvus server/cluster by URI),
            kept in step with the committed index by `sync` (indexer/backends/sync.py)

Chosen by environment: POLICYQA_BACKEND=embedded|milvus, POLICYQA_MILVUS_URI (a path ending in
.db → milvus-lite in this process; http://host:19530 → a server), POLICYQA_MILVUS_INDEX (the
passage vectors' index: FLAT, exact, the default; IVF_FLAT or HNSW, approximate — docs/scale.md). Fusion, the answered-example
("memory") run, answers, citations and refusal stay in qa/ whichever backend runs; qa/ only
constructs `Searcher`, which asks `make_backend` for the configured one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import IndexError_

BACKENDS = ("embedded", "milvus")
# the passage vectors' index in Milvus: FLAT is exact (parity with the embedded faiss index);
# IVF_FLAT and HNSW are approximate (milvus-lite 2.5 accepts FLAT and IVF_FLAT only)
MILVUS_INDEXES = ("FLAT", "IVF_FLAT", "HNSW")


class BackendError(IndexError_):
    """A backend that cannot be used as configured; the message says how to fix it."""


class BackendUnavailable(BackendError):
    """The configured backend cannot be reached or its package is not installed."""


@dataclass(frozen=True)
class BackendConfig:
    name: str = "embedded"
    milvus_uri: str = ""                 # path/to/file.db (milvus-lite) or http(s)://host:port
    collection: str = "policyqa"         # prefix of the Milvus collections
    timeout: float = 5.0                 # seconds to reach a Milvus server
    token: str = ""                      # Milvus server credentials (user:password or API key)
    index: str = "FLAT"                  # passage vectors: FLAT | IVF_FLAT | HNSW (MILVUS_INDEXES)
    nprobe: int = 128                    # IVF_FLAT: lists searched per query (of ~4·sqrt(n));
                                         # recall@10 0.92 on real vectors (eval/ivf_recall.py)
    ef: int = 512                        # HNSW: search breadth (at least the passages fetched)

    @classmethod
    def from_env(cls, **overrides) -> "BackendConfig":
        """POLICYQA_BACKEND, POLICYQA_MILVUS_URI, POLICYQA_MILVUS_COLLECTION,
        POLICYQA_MILVUS_TIMEOUT, POLICYQA_MILVUS_TOKEN, POLICYQA_MILVUS_INDEX,
        POLICYQA_MILVUS_NPROBE, POLICYQA_MILVUS_EF; then explicit overrides (None = keep)."""
        env = os.environ
        try:
            timeout = float(env.get("POLICYQA_MILVUS_TIMEOUT") or cls.timeout)
        except ValueError:
            raise BackendError("POLICYQA_MILVUS_TIMEOUT must be a number of seconds, e.g. 5") from None
        search = {}
        for field, var, example in (("nprobe", "POLICYQA_MILVUS_NPROBE", 128),
                                    ("ef", "POLICYQA_MILVUS_EF", 512)):
            try:
                search[field] = int(env.get(var) or getattr(cls, field))
            except ValueError:
                raise BackendError(f"{var} must be a whole number, e.g. {example}") from None
        c = cls(name=(env.get("POLICYQA_BACKEND") or "embedded").strip().lower(),
                milvus_uri=(env.get("POLICYQA_MILVUS_URI") or "").strip(),
                collection=(env.get("POLICYQA_MILVUS_COLLECTION") or cls.collection).strip(),
                timeout=timeout, token=env.get("POLICYQA_MILVUS_TOKEN", ""),
                index=(env.get("POLICYQA_MILVUS_INDEX") or cls.index).strip().upper(), **search)
        c = replace(c, **{k: v for k, v in overrides.items() if v is not None})
        c.check()
        return c

    def check(self) -> None:
        if self.name not in BACKENDS:
            raise BackendError(f"unknown backend {self.name!r}; set POLICYQA_BACKEND (or --backend) "
                               f"to {' or '.join(BACKENDS)}")
        if not self.collection.replace("_", "").isalnum() or not self.collection[:1].isalpha():
            raise BackendError(f"POLICYQA_MILVUS_COLLECTION {self.collection!r}: use letters, digits "
                               "and '_' starting with a letter (e.g. policyqa)")
        if self.timeout <= 0:
            raise BackendError("POLICYQA_MILVUS_TIMEOUT must be positive")
        if self.index not in MILVUS_INDEXES:
            raise BackendError(f"unknown POLICYQA_MILVUS_INDEX {self.index!r}; use FLAT (exact, the "
                               "default), IVF_FLAT or HNSW (approximate, faster on large corpora)")
        if self.nprobe < 1 or self.ef < 1:
            raise BackendError("POLICYQA_MILVUS_NPROBE and POLICYQA_MILVUS_EF must be positive")

    def resolved_uri(self, index_root: Path | str) -> str:
        """The Milvus URI; by default a milvus-lite file beside the index."""
        return self.milvus_uri or str(Path(index_root) / "milvus.db")


@dataclass(frozen=True)
class LexDense:
    """What a backend returns for one query: runs {clause_key: score}, each cut to
    `fusion_depth`, and the best passage (its global passage id in the loaded index) per clause."""
    bm25: dict[str, float]
    bigram: dict[str, float]
    dense: dict[str, float]
    dense_rows: dict[str, int]


class Backend(Protocol):
    name: str
    # whether a filtered search is scored with the BM25 statistics of its scope
    # (indexer/scopestats.py, when settings.scope_stats) or always with the whole collection's
    scope_stats: bool

    def runs(self, question: str, tokens: list[str], qvec: np.ndarray,
             allowed: set[str] | None, settings) -> LexDense:
        """bm25 / bigram / dense runs of one query, restricted to the `allowed` clause keys
        (None = all) inside the engine; preamble clauses are never results."""

    def counts(self) -> dict[str, int]:
        """documents / clauses / passages the backend holds."""

    def sync(self, data, encoder=None) -> dict:
        """Make the backend hold exactly the committed index `data` (per document, keyed by
        document id + content hash). Returns what it did."""


def make_backend(data, encoder=None, config: BackendConfig | None = None) -> Backend:
    """The configured backend for the loaded index `data` (a Milvus one is synced to it)."""
    config = config or BackendConfig.from_env()
    if config.name == "embedded":
        from .embedded import EmbeddedBackend
        return EmbeddedBackend(data)
    from .milvus import MilvusBackend
    backend = MilvusBackend.connect(config, data.root)
    backend.attach(data)
    backend.sync(data, encoder)
    return backend
