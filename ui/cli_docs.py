"""The document commands of `policyqa`: add, remove, trace."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from corpus import docstore, library
from corpus.lock import fault_point
from indexer import store

from .cli import _open, _print_json, _settings
def _apply(args, h: Path, change, what: str) -> None:
    """Build the index for a staged change, then commit: manifest first (the moment the change
    takes effect), then the index pointer. Any failure before the commit leaves the previous
    state whole; the staged files and the unused build are deleted."""
    settings = _settings(args)
    root = Path(args.index_dir)
    t = time.perf_counter()
    with store.index_lock(root):
        fault_point("staged")
        try:
            # missing texts only: an add or remove parses just the documents it changes (their
            # texts are checked against their sha256 when parsed, inputs.parse_checked), so
            # reading every stored text here made one add grow with the library;
            # `policyqa index` checks them all
            for note in library.repair(h, change.entries, contents=False):
                print(f"policyqa: {note}", file=sys.stderr)
            manifest = library.effective_manifest(h, entries=change.entries)
            final = store.build(manifest, settings, root, commit=False)
            fault_point("built")
        except BaseException:
            library.abort(h, change)
            raise
        try:
            library.commit(h, change)
        except BaseException:
            store.discard(final)
            library.abort(h, change)
            raise
        fault_point("committed")
        store.swap(root, final)
        fault_point("swapped")
    p = store.read_params(root)
    fresh = {k: v for k, v in p["embedded"].items() if v}
    print(f"{what}; index updated in {time.perf_counter() - t:.1f}s "
          f"({p['counts']['clauses']} clauses; re-embedded: "
          f"{', '.join(f'{k} {v} passages' for k, v in fresh.items()) or 'nothing'})")
    _follow(root)


def _follow(root: Path, rebuild: bool = False, strict: bool = False) -> None:
    """After a commit: the Milvus backend (when configured) follows the committed index. For
    add/remove a failure here is a note — the change is committed, and Milvus follows when a
    reader opens it (or the next `policyqa index --backend milvus`)."""
    from indexer.backends import BackendError
    from indexer.backends.sync import describe, sync_after_commit
    try:
        r = sync_after_commit(root, rebuild=rebuild)
    except BackendError as exc:
        if strict:
            raise
        print(f"policyqa: note: the change is committed, but Milvus did not follow yet ({exc}); "
              "it follows when `policyqa serve` reloads, or run `policyqa index --backend milvus`",
              file=sys.stderr)
        return
    if r is not None:
        print(describe(r))


def _finish_interrupted(args, h: Path) -> None:
    store.finish_commit(library.effective_manifest(h), _settings(args), Path(args.index_dir))


SINGLE_OPTIONS = ("id", "title", "level", "issuer", "date", "number", "implements",
                  "effective", "repealed")


def add_command(args) -> int:
    if len(args.sources) > 1 or Path(args.sources[0]).is_dir():
        return bulk_add_command(args)
    h = library.home()
    with docstore.writer(h):
        _finish_interrupted(args, h)
        change = library.stage_add(
            args.sources[0], h, doc_id=args.id, title=args.title, level=args.level,
            issuer=args.issuer, date=args.date, number=args.number, implements=args.implements,
            effective=args.effective, repealed=args.repealed)
        r = change.result
        if change.staged is None:
            print(f"{r.doc.id}: same content as the loaded version; nothing to do")
            return 0
        filled = "（补全了被引用的文件）" if r.filled else ""
        _apply(args, h, change, f"{r.status} {r.doc.id}《{r.doc.title}》: {r.clauses} clauses{filled}")
    return 0


def bulk_add_command(args) -> int:
    """`policyqa add FOLDER|FILE…`: corpus.bulk with a progress line and a summary."""
    from corpus import bulk
    from corpus.progress import Progress
    given = [f"--{o.replace('_', '-')}" for o in SINGLE_OPTIONS if getattr(args, o) is not None]
    if given:
        raise ValueError(f"{', '.join(given)} apply to one document; a bulk add takes ids and "
                         "metadata from the files (add a file on its own to set them)")
    if args.jobs < 1 or args.commit_every < 1:
        raise ValueError("--jobs and --commit-every must be at least 1")
    try:
        s = bulk.run(args.sources, library.home(), Path(args.index_dir), _settings(args),
                     jobs=args.jobs, batch_docs=args.commit_every,
                     progress_factory=lambda n, work: Progress(n, work))
    except KeyboardInterrupt:
        print("policyqa: interrupted; the batches already committed are kept. Run the same "
              "command again to continue (finished documents are skipped)", file=sys.stderr)
        return 130
    for f in s.duplicates:
        print(f"policyqa: unchanged: {f.path}: {f.error}", file=sys.stderr)
    for f in s.failed:
        print(f"policyqa: failed: {f.path}: {f.error}", file=sys.stderr)
    print(s.line())
    _follow(Path(args.index_dir))
    if s.failed:
        print(f"policyqa: error: {len(s.failed)} file(s) failed (listed above); the others were "
              "added. Fix or remove them and run the same command again", file=sys.stderr)
        return 1
    return 0


def remove_command(args) -> int:
    h = library.home()
    with docstore.writer(h):
        _finish_interrupted(args, h)
        change = library.stage_remove(args.id, h)
        d = change.removed
        _apply(args, h, change, f"removed {d.id}《{d.title}》")
    return 0


def index_command(args) -> int:
    """`policyqa index`: a writer; restores damaged stored texts, rebuilds when stale."""
    h = library.home()
    root = Path(args.index_dir)
    settings = _settings(args)
    with docstore.writer(h), store.index_lock(root):
        entries = library._read_user(h)
        for note in library.repair(h, entries):
            print(f"policyqa: {note}", file=sys.stderr)
        manifest = library.effective_manifest(h, entries=entries)
        if not args.rebuild and store.is_fresh(manifest, settings, root):
            data, _ = store.ensure(manifest, settings, root)     # checks the files; rebuilds if damaged
            for note in data.notes:
                print(f"policyqa: {note}", file=sys.stderr)
            p = data.params
            if store.current_id(root) != data.build_id:   # a commit whose pointer swap was cut off
                store.swap(root, root / data.build_id)
            print(f"index is up to date: {p['counts']['clauses']} clauses, "
                  f"{p['counts']['sentences']} passages, encoder {p['encoder']} ({root})")
            _follow(root, rebuild=args.rebuild, strict=True)
            return 0
        t = time.perf_counter()
        store.build(manifest, settings, root, fresh=args.rebuild)
    p = store.read_params(root)
    print(f"built index: {p['counts']['documents']} document(s), {p['counts']['clauses']} clauses, "
          f"{p['counts']['sentences']} passages, encoder {p['encoder']} in "
          f"{time.perf_counter() - t:.1f}s ({root})")
    _follow(root, rebuild=args.rebuild, strict=True)
    return 0




def trace_command(args) -> int:
    from qa.trace import trace
    qa = _open(args)
    t = trace(qa, args.key, top=args.top)
    rows = [{"parent": x.parent.id, "key": x.clause.key, "citation": f"{x.parent.short}{x.clause.label}",
             "heading": x.clause.heading, "score": round(x.score, 4), "dense": round(x.dense, 4),
             "lexical": round(x.lexical, 4)} for x in t.links]
    if args.json:
        _print_json({"key": t.clause.key, "links": rows, "missing": [d.id for d in t.missing]})
        return 0
    print(f"{qa.docs[t.clause.doc_id].short}{t.clause.label}{t.clause.heading}")
    for r in rows:
        print(f"  ↑ {r['citation']}{r['heading']}  score={r['score']:.2f} (dense {r['dense']:.3f}, lexical {r['lexical']:.2f})")
    if not rows and not t.missing:
        print("  （没有相似度达到阈值的上级条款）")
    for d in t.missing:
        print(f"  ↑ 《{d.title}》未加载：policyqa add 文件或网址 --id {d.id}")
    return 0
