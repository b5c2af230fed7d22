"""`policyqa chat` (interactive, with follow-up questions) and `policyqa feedback export`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .cli import _open, render_answer

MAX_TURNS = 20
PROMPT = "问> "


def add_parsers(sub) -> None:
    s = sub.add_parser("chat", help="interactive questions with follow-ups (牵头单位是谁？)")
    s.set_defaults(func=chat_command)
    s = sub.add_parser("feedback", help="feedback given in the web app")
    fsub = s.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    e = fsub.add_parser("export", help="write the rated questions as eval lines (gold left to fill)")
    e.add_argument("--out", default="-", help="JSON-lines file (default: stdout)")
    e.add_argument("--db", default=None, help="feedback SQLite file (default .policyqa/feedback.sqlite3; "
                                             "env POLICYQA_FEEDBACK)")
    e.set_defaults(func=feedback_command)


def chat_command(args) -> int:
    """Read questions line by line; each is asked with the earlier turns, so a follow-up such
    as 牵头单位是谁？ refers to the last answer. 'clear' (清空) starts over, 'exit' (退出) ends."""
    from qa.search import SearchError
    qa = _open(args)
    interactive = sys.stdin.isatty()
    if interactive:
        print("政策问答（输入问题；“清空”重新开始，“退出”或 Ctrl-D 结束）")
    history: list[dict] = []
    while True:
        try:
            line = input(PROMPT if interactive else "")
        except EOFError:
            break
        q = line.strip()
        if not q:
            continue
        if q in ("exit", "quit", "退出"):
            break
        if q in ("clear", "清空"):
            history = []
            print("（已清空对话）")
            continue
        try:
            a = qa.ask(q, history=history)
        except SearchError as exc:
            print(f"policyqa: error: {exc}", file=sys.stderr)
            continue
        if not interactive:
            print(f"{PROMPT}{q}")
        print(render_answer(a))
        print()
        history = (history + [{"question": q, "citations": [h.key for h in a.citations],
                               "answered": a.answered, "confidence": a.confidence}])[-MAX_TURNS:]
    return 0


def feedback_command(args) -> int:
    from qa.feedback import FeedbackStore
    store = FeedbackStore(args.db) if args.db else FeedbackStore()
    lines = store.export_lines()
    text = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    if args.out and args.out != "-":
        out = Path(args.out)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
        print(f"wrote {len(lines)} question(s) to {out}; fill `gold` (clause keys) before adding "
              "them to eval/questions.jsonl", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
