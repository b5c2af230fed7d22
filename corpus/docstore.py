"""The stored documents under `<home>/documents/`, changed all-or-nothing.

  manifest.json                 the user's entries; replacing it (one rename) commits a change
  manifest.json.bak             a copy of the last committed manifest, to restore it by hand
  write.lock                    held by the one add/remove/index at a time (corpus.lock)
  <id>/<version>/text.txt       extracted text (UTF-8, as published); version = sha256[:16]
  <id>/<version>/original.<ext> the bytes as given
  <id>/<version>/entry.json     the manifest entry, so a lost manifest can be rebuilt by hand
  <id>/.<version>.<pid>.tmp/    a version being written by process <pid>

A change writes a new version folder (never touching the committed one), the caller builds the
index from the new entries, then `commit` replaces manifest.json. Version folders no committed
entry points at are deleted by `cleanup` under the lock. Sources in manifest.json are relative
to POLICYQA_HOME, so a moved or copied home reads its own files.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from functools import lru_cache
from pathlib import Path

import orjson

from .errors import CorpusError
from .lock import pid_alive, writer_lock


def docs_dir(h: Path) -> Path:
    return h / "documents"


def writer(h: Path):
    """The lock every add/remove/index holds while it changes the knowledge base."""
    return writer_lock(docs_dir(h) / "write.lock", what="add/remove/index")


@lru_cache(maxsize=1 << 16)
def resolve_source(h: Path, source: str) -> Path:
    """A manifest source as a path under this home. Absolute paths (written by older
    versions) are re-rooted at their `documents/` component, so a moved or copied home
    reads its own files. (Pure and kept: one add resolves every source of the library
    several times; 10^4 Path constructions were a third of an add at 3,466 documents.)"""
    p = Path(source)
    if not p.is_absolute():
        return h / p
    parts = p.parts
    if "documents" in parts:
        i = len(parts) - 1 - parts[::-1].index("documents")
        return h.joinpath(*parts[i:])
    return p


def _stored_ids(h: Path) -> list[str]:
    d = docs_dir(h)
    if not d.is_dir():
        return []
    return sorted(x.name for x in d.iterdir()
                  if x.is_dir() and not x.name.startswith(".") and next(x.rglob("text.txt"), None))


def read_entries(h: Path) -> list[dict]:
    """The committed user entries. A missing or unreadable manifest while documents are stored
    is an error that says how to restore it, never a silently empty knowledge base."""
    path = docs_dir(h) / "manifest.json"
    bak = path.with_name("manifest.json.bak")
    fix = (f"restore it with `cp {bak} {path}`" if bak.exists() else
           "restore it from a backup (each document's entry.json holds its entry)")
    if not path.exists():
        stored = _stored_ids(h)
        if stored:
            raise CorpusError(f"{path} is missing but {len(stored)} added document(s) are stored "
                              f"({', '.join(stored[:5])}); {fix}")
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["documents"]
        if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("id") for e in entries):
            raise ValueError("'documents' must be a list of entries with an id")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise CorpusError(f"{path} cannot be read ({reason}); {fix}") from None
    return entries


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def relative_entry(h: Path, entry: dict) -> dict:
    e = dict(entry)
    if e.get("source"):
        p = resolve_source(h, e["source"])
        try:
            e["source"] = p.relative_to(h).as_posix()
        except ValueError:
            pass
    return e


def commit(h: Path, entries: list[dict]) -> None:
    """Replace manifest.json in one rename: the moment a change takes effect."""
    d = docs_dir(h)
    d.mkdir(parents=True, exist_ok=True)
    data = orjson.dumps({"documents": [relative_entry(h, e) for e in entries]},
                        option=orjson.OPT_INDENT_2)
    _write_atomic(d / "manifest.json", data)
    try:
        _write_atomic(d / "manifest.json.bak", data)
    except OSError:
        pass       # the commit stands; the copy is a convenience


def stage(h: Path, doc_id: str, text: str, original: bytes, fmt: str, entry: dict) -> Path:
    """Write a new version folder for `doc_id`; returns it. Nothing is committed."""
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    if not (docs_dir(h) / "manifest.json").exists():
        # an empty manifest first: a stored folder without a manifest then always means the
        # manifest was lost, never a first add still in progress
        commit(h, [])
    parent = docs_dir(h) / doc_id
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{version}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name, data in (("text.txt", text.encode("utf-8")), (f"original.{fmt}", original),
                           ("entry.json", json.dumps(entry, ensure_ascii=False, indent=1).encode())):
            with open(tmp / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        final = parent / version
        if final.exists():                     # an uncommitted leftover of the same content
            shutil.rmtree(final)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(parent)
    return final


def version_source(h: Path, folder: Path) -> str:
    return (folder / "text.txt").relative_to(h).as_posix()


def cleanup(h: Path, entries: list[dict]) -> None:
    """Delete what no committed entry points at: old versions, staging of dead processes,
    folders of removed documents. Call it holding `writer(h)`, after `commit`."""
    d = docs_dir(h)
    if not d.is_dir():
        return
    # the kept folders as paths relative to documents/ (every source is re-rooted under this
    # home by resolve_source, so comparing names is exact; no realpath per folder: 10^4 calls
    # were most of the cost of one add at 3,466 documents)
    keep: set[tuple[str, ...]] = set()
    for e in entries:
        if e.get("source"):
            rel = os.path.relpath(os.path.normpath(resolve_source(h, e["source"]).parent), d)
            if not rel.startswith(".."):
                keep.add(tuple(Path(rel).parts))
    holds = {k[:i] for k in keep for i in range(1, len(k))}   # folders that contain a kept one
    with os.scandir(d) as items:                 # scandir: file types without a stat each
        items = list(items)
    for item in items:
        is_dir = item.is_dir(follow_symlinks=False)
        if item.name.startswith("manifest.json.") and item.name.endswith(".tmp"):
            pid = item.name.split(".")[-2]
            if not (pid.isdigit() and pid_alive(int(pid))):
                Path(item.path).unlink(missing_ok=True)
            continue
        if item.name.startswith(".") and is_dir:          # older versions' staging
            shutil.rmtree(item.path, ignore_errors=True)
            continue
        if not is_dir:
            continue
        here = (item.name,)
        if here not in keep and here not in holds:         # (a set lookup: 10^3+ documents)
            shutil.rmtree(item.path, ignore_errors=True)
            continue
        with os.scandir(item.path) as subs:
            subs = list(subs)
        for sub in subs:
            if not sub.is_dir(follow_symlinks=False) or (item.name, sub.name) in keep:
                continue
            if sub.name.endswith(".tmp"):
                pid = sub.name.rsplit(".", 2)[-2] if sub.name.count(".") >= 2 else ""
                if pid.isdigit() and pid_alive(int(pid)) and int(pid) != os.getpid():
                    continue
            shutil.rmtree(sub.path, ignore_errors=True)


def repair_texts(h: Path, entries: list[dict], reextract, contents: bool = True) -> list[str]:
    """Check every stored text against its sha256; a missing or altered one is extracted again
    from the original kept beside it. `contents=False`: restore missing texts only (a stat
    each, not a read of the whole library). Returns notes; raises CorpusError when it cannot."""
    notes = []
    for e in entries:
        if not e.get("source") or not e.get("sha256"):
            continue
        path = resolve_source(h, e["source"])
        if not contents and os.path.exists(path):
            continue
        try:
            ok = hashlib.sha256(path.read_bytes()).hexdigest() == e["sha256"]
        except OSError:
            ok = False
        if ok:
            continue
        originals = sorted(path.parent.glob("original.*"))
        text = None
        for orig in originals:
            try:
                text = reextract(orig)
            except Exception:  # noqa: BLE001 - any failure means: cannot restore from it
                text = None
            if text is not None and hashlib.sha256(text.encode("utf-8")).hexdigest() == e["sha256"]:
                break
            text = None
        if text is None:
            raise CorpusError(f"{e['id']}: the stored text {path} is missing or was changed after it "
                              f"was added, and cannot be restored from the original; add the "
                              f"document again (policyqa add FILE --id {e['id']}) or remove it "
                              f"(policyqa remove {e['id']})")
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, text.encode("utf-8"))
        notes.append(f"{e['id']}: restored {path.name} from {orig.name} (it was missing or altered)")
    return notes
