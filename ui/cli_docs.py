"""The document commands of `policyqa`: add, remove, trace."""
from __future__ import annotations

import time
from pathlib import Path

from corpus.library import effective_manifest
from indexer import store

from .cli import _open, _print_json, _settings


def _reindex(args, what: str) -> None:
    settings = _settings(args)
    t = time.perf_counter()
    final = store.build(effective_manifest(), settings, Path(args.index_dir))
    p = store.read_params(Path(args.index_dir))
    fresh = {k: v for k, v in p["embedded"].items() if v}
    print(f"{what}; index rebuilt in {time.perf_counter() - t:.1f}s "
          f"({p['counts']['clauses']} clauses; re-embedded: "
          f"{', '.join(f'{k} {v} passages' for k, v in fresh.items()) or 'nothing'})")


def add_command(args) -> int:
    from corpus.library import add
    r = add(args.source, doc_id=args.id, title=args.title, level=args.level, issuer=args.issuer,
            date=args.date, number=args.number, implements=args.implements,
            effective=args.effective, repealed=args.repealed)
    if r.status == "unchanged":
        print(f"{r.doc.id}: same content as the loaded version; nothing to do")
        return 0
    filled = "（补全了被引用的文件）" if r.filled else ""
    _reindex(args, f"{r.status} {r.doc.id}《{r.doc.title}》: {r.clauses} clauses{filled}")
    return 0


def remove_command(args) -> int:
    from corpus.library import remove
    d = remove(args.id)
    _reindex(args, f"removed {d.id}《{d.title}》")
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
