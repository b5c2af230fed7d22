"""One committed build of the index, read back: where `current` points, and loading a build
directory with its files checked against the checksums in its params.json."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from corpus.model import Clause, Document, ParsedDocument

from .fields import Fields, load as load_fields
from .bm25 import make_bm25
from .dense import DenseIndex
from .errors import IndexFormatError
from .integrity import IntegrityError, verify
from .records import clause_from_json, doc_from_json, document_from_json
from .settings import Settings

FORMAT = 4
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = Path(os.environ.get("POLICYQA_INDEX", PROJECT_ROOT / ".policyqa" / "index"))


@dataclass
class IndexData:
    root: Path
    params: dict
    documents: tuple[ParsedDocument, ...]
    missing: tuple[Document, ...]
    clauses: tuple[Clause, ...]
    tokens: list[list[str]]
    sentences: list[tuple[int, int, str]]   # (clause row, sentence index, passage)
    bm25: "BM25Index | SparseBM25"
    dense: DenseIndex
    fields: "Fields | None" = None          # bigram field, clause vectors, example questions
    build_id: str = ""                      # the build directory's name (see current_id)
    notes: tuple[str, ...] = ()             # what a reader should tell the user (stale, rebuilt)

    @property
    def settings(self) -> Settings:
        return Settings.from_dict(self.params["settings"])


def current_id(root: Path | str = DEFAULT_ROOT) -> str | None:
    """The name of the committed build (`build-…`), or None: one readlink, cheap enough to
    poll; it changes exactly when a new build is committed."""
    try:
        return os.readlink(Path(root) / "current")
    except OSError:
        return None


def current_dir(root: Path | str = DEFAULT_ROOT) -> Path | None:
    link = Path(root) / "current"
    if link.is_symlink() or link.exists():
        target = link.resolve()
        return target if target.is_dir() else None
    return None


def _params(d: Path) -> dict | None:
    try:
        p = json.loads((d / "params.json").read_text(encoding="utf-8"))
        return p if isinstance(p, dict) else None
    except (OSError, ValueError):
        return None


def read_params(root: Path | str = DEFAULT_ROOT) -> dict | None:
    d = current_dir(root)
    return _params(d) if d else None


def _check_vectors(flat, where: Path) -> None:
    n = flat.ntotal
    for i in sorted({int(x) for x in np.linspace(0, n - 1, num=min(n, 64))}) if n else ():
        v = flat.reconstruct(i)
        with np.errstate(all="ignore"):
            norm = float(np.linalg.norm(v))
        if not np.isfinite(norm) or abs(norm - 1) > 0.05:
            raise IndexFormatError(f"index at {where} is damaged (dense vector {i} is not a unit "
                                   "vector); rebuild with `policyqa index --rebuild`")


def load_dir(d: Path, root: Path | str | None = None) -> IndexData:
    """Load one build directory, checking every file against its checksum first."""
    try:
        params = json.loads((d / "params.json").read_text(encoding="utf-8"))
        if params.get("format") != FORMAT:
            raise IndexFormatError(f"index at {d} has format {params.get('format')}, "
                                   f"expected {FORMAT}; rebuild with `policyqa index --rebuild`")
        verify(d, params.get("files"))
        docs = json.loads((d / "documents.json").read_text(encoding="utf-8"))
        clauses = tuple(clause_from_json(c) for c in
                        json.loads((d / "clauses.json").read_text(encoding="utf-8")))
        tokens = json.loads((d / "tokens.json").read_text(encoding="utf-8"))
        sentences = [(int(r), int(i), s) for r, i, s in
                     json.loads((d / "sentences.json").read_text(encoding="utf-8"))]
        flat = faiss.read_index(str(d / "dense.faiss"))
        s = Settings.from_dict(params["settings"])
        bm25 = make_bm25(tokens, k1=s.k1, b=s.b, impl=s.bm25_impl)
        extra = load_fields(d, len(clauses), s.k1, s.b, s.bm25_impl)
    except IntegrityError as exc:
        raise IndexFormatError(f"index at {d} is damaged ({exc}); "
                               "rebuild with `policyqa index --rebuild`") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0][:200]
        raise IndexFormatError(f"index at {d} is incomplete or damaged ({type(exc).__name__}: "
                               f"{reason}); rebuild with `policyqa index --rebuild`") from None
    if len(tokens) != len(clauses) or flat.ntotal != len(sentences):
        raise IndexFormatError(f"index at {d} is inconsistent; rebuild with `policyqa index --rebuild`")
    _check_vectors(flat, d)
    return IndexData(
        root=Path(root or d.parent), params=params,
        documents=tuple(document_from_json(x, clauses) for x in docs["loaded"]),
        missing=tuple(doc_from_json(x) for x in docs["missing"]),
        clauses=clauses, tokens=tokens, sentences=sentences, bm25=bm25,
        dense=DenseIndex(flat, np.array([r for r, _, _ in sentences], dtype=np.int64), len(clauses)),
        fields=extra, build_id=d.name)
