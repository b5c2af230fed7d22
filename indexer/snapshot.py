"""One commit of the index, read back: where `current` points, and loading a commit directory
(its segments, its removed documents, its example questions) with every file checked against
its checksums."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from corpus.model import Document, ParsedDocument

from .clausetable import ClauseTable
from .errors import IndexFormatError
from .fields import FILES as FIELD_FILES, Fields, RowVectors, read_examples
from .integrity import IntegrityError, verify
from .records import doc_from_json, document_from_json
from .rows import ClauseRows
from .segbm25 import SegmentedBM25, row_locations
from .segdense import SegmentedDense
from .segment import Segment
from .settings import Settings

FORMAT = 7          # 7: clause records read by row (clausetable.py)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = Path(os.environ.get("POLICYQA_INDEX", PROJECT_ROOT / ".policyqa" / "index"))
COMMIT_FILES = ("missing.json",) + FIELD_FILES


@dataclass
class IndexData:
    root: Path
    params: dict
    documents: tuple[ParsedDocument, ...]
    missing: tuple[Document, ...]
    clauses: ClauseTable                    # a Sequence[Clause]; given a tuple, made a table
    bm25: "SegmentedBM25"
    dense: "SegmentedDense"
    fields: "Fields | None" = None          # bigram field, clause vectors, example questions
    passage_sent: np.ndarray | None = None   # sentence index (in its clause) of every passage id
    title_vectors: np.ndarray | None = None  # one per document, in `documents` order
    build_id: str = ""                      # the commit directory's name (see current_id)
    notes: tuple[str, ...] = ()             # what a reader should tell the user (stale, rebuilt)

    def __post_init__(self):
        self.clauses = ClauseTable.of(self.clauses)

    @property
    def settings(self) -> Settings:
        return Settings.from_dict(self.params["settings"])

    @cached_property
    def rows(self) -> ClauseRows:
        """Keys, key → row and the result mask, built once for every user of this index."""
        return ClauseRows(self.clauses)

    def passage_rows(self, row: int) -> list[tuple[int, int]]:
        """(passage id, sentence index) of every embedded passage of clause `row`."""
        return [(int(p), int(self.passage_sent[p])) for p in self.dense.passages_of(row)]


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


def _check_vectors(seg, where: Path) -> None:
    n = seg.dense.ntotal
    for i in sorted({int(x) for x in np.linspace(0, n - 1, num=min(n, 16))}) if n else ():
        v = seg.dense.reconstruct(i)
        with np.errstate(all="ignore"):
            norm = float(np.linalg.norm(v))
        if not np.isfinite(norm) or abs(norm - 1) > 0.05:
            raise IndexFormatError(f"index at {where} is damaged (segment {seg.name}, dense vector "
                                   f"{i} is not a unit vector); rebuild with `policyqa index --rebuild`")


def segments_dir(root: Path) -> Path:
    return root / "segments"


def load_dir(d: Path, root: Path | str | None = None) -> IndexData:
    """Load one commit: its own files and every segment it lists, each checked against its
    checksums first; rows of documents the commit removed are left out."""
    root = Path(root or d.parent)
    try:
        params = json.loads((d / "params.json").read_text(encoding="utf-8"))
        if params.get("format") != FORMAT:
            raise IndexFormatError(f"index at {d} has format {params.get('format')}, "
                                   f"expected {FORMAT}; rebuild with `policyqa index --rebuild`")
        verify(d, params.get("files"))
        missing = json.loads((d / "missing.json").read_text(encoding="utf-8"))
        segs = [Segment.load(segments_dir(root) / name) for name in params["segments"]]
        removed = {k: set(v) for k, v in params.get("removed", {}).items()}
        s = Settings.from_dict(params["settings"])
        gmaps, keeps, n = [], [], 0
        for seg in segs:
            keep = seg.clauses.keep(removed.get(seg.name, set()))
            g = np.full(len(seg.clauses), -1, dtype=np.int64)
            g[keep] = np.arange(n, n + int(keep.sum()))
            gmaps.append(g)
            keeps.append(keep)
            n += int(keep.sum())
        where = row_locations(gmaps, n)          # global row -> (segment, local row), once
        clauses = ClauseTable.of_segments([seg.clauses for seg in segs], keeps, where)
        dim = int(params["dim"])
        bm25 = SegmentedBM25([(seg.tok, g) for seg, g in zip(segs, gmaps)], n, s.k1, s.b, where)
        bigram = SegmentedBM25([(seg.bg, g) for seg, g in zip(segs, gmaps)], n, s.k1, s.b, where)
        dense = SegmentedDense([(seg.dense, seg.p_owner, g) for seg, g in zip(segs, gmaps)], n, dim)
        rows = ClauseRows(clauses)
        examples, ev = read_examples(d, rows.row_of)
        fields = Fields(bigram, RowVectors([seg.clause_vectors for seg in segs], where, dim), examples, ev)
        docs, tvec = {}, {}                      # live documents and their title vectors
        for seg in segs:
            for x, v in zip(seg.documents, seg.title_vectors):
                i = x["doc"]["id"]
                if i not in removed.get(seg.name, ()):
                    docs[i], tvec[i] = document_from_json(x, clauses), v
        order = [i for i in params.get("order", []) if i in docs]
        documents = tuple(docs[i] for i in order + sorted(set(docs) - set(order)))
        for seg in segs:
            _check_vectors(seg, d)
    except IntegrityError as exc:
        raise IndexFormatError(f"index at {d} is damaged ({exc}); "
                               "rebuild with `policyqa index --rebuild`") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, IndexError) as exc:
        if isinstance(exc, IndexFormatError):
            raise
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0][:200]
        raise IndexFormatError(f"index at {d} is incomplete or damaged ({type(exc).__name__}: "
                               f"{reason}); rebuild with `policyqa index --rebuild`") from None
    data = IndexData(
        root=root, params=params, documents=documents,
        missing=tuple(doc_from_json(x) for x in missing), clauses=clauses, bm25=bm25,
        dense=dense, fields=fields,
        passage_sent=np.concatenate([seg.p_sent for seg in segs]) if segs else np.zeros(0, np.int32),
        title_vectors=np.asarray([tvec[p.doc.id] for p in documents], np.float32).reshape(len(documents), dim),
        build_id=d.name)
    data.rows = rows                             # built above for the example memory
    return data
