"""Multi-turn conversations: each turn asked with the earlier turns as its history, as the web
app passes them (question, cited clause keys, answered, tier).

`python -m eval.conversations --questions eval/conv1.jsonl [--index-dir DIR]` prints, for
follow-up turns and for standalone turns apart: how many; first citation in gold; a gold
clause among the citations; the `must` strings in the answer; refused; and, for turns the text
does not cover (gold []), how many were answered confidently; then every turn that failed a
check. A conversation file has one JSON object per line:
{"id", "persona", "turns": [{"question", "gold": [clause keys], "must": [...], "followup": bool}]}
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


class ConversationError(ValueError):
    """A conversation file that cannot be read; the message says which line and why."""


def load_conversations(path: str | Path) -> list[dict]:
    from .questions import jsonl_rows
    path = Path(path)
    out = []
    for n, c in jsonl_rows(path, ConversationError, "conversation file"):
        turns = c.get("turns") if isinstance(c, dict) else None
        if not isinstance(turns, list) or not turns or not all(
                isinstance(t, dict) and isinstance(t.get("question"), str) for t in turns):
            raise ConversationError(f"{path}:{n}: needs \"turns\": [{{\"question\": …}}, …]")
        out.append(c)
    return out


def run_conversation(qa, conv: dict) -> list[dict]:
    """Each turn's `ask` answer (as a dict), asked with the turns before it as history."""
    history, answers = [], []
    for t in conv["turns"]:
        a = qa.ask(t["question"], history=list(history) or None)
        answers.append(a.to_json())
        history.append({"question": t["question"], "citations": [h.key for h in a.citations],
                        "answered": a.answered, "confidence": a.confidence})
    return answers


def turn_checks(turn: dict, answer: dict) -> dict[str, bool]:
    cites = [c["key"] for c in answer.get("citations", [])]
    gold, must = turn.get("gold") or [], turn.get("must") or []
    if not gold:
        return {"not_confident": answer.get("confidence") != "answer"}
    return {"first_gold": bool(cites) and cites[0] in gold,
            "gold_cited": bool(set(cites) & set(gold)),
            "must": all(m in answer.get("answer", "") for m in must),
            "not_refused": answer.get("confidence") != "none"}


def summarise(convs: list[dict], answers: list[list[dict]]) -> dict[str, dict[str, float]]:
    """{"followup" | "standalone": {"turns", check: share}} over in-scope turns, and the
    share of out-of-scope turns not answered confidently."""
    groups: dict[str, list[dict]] = {"followup": [], "standalone": [], "out_of_scope": []}
    for conv, ans in zip(convs, answers):
        for t, a in zip(conv["turns"], ans):
            key = "out_of_scope" if not t.get("gold") else (
                "followup" if t.get("followup") else "standalone")
            groups[key].append(turn_checks(t, a))
    out = {}
    for key, rows in groups.items():
        out[key] = {"turns": len(rows)}
        for check in (rows[0] if rows else {}):
            out[key][check] = sum(r[check] for r in rows) / len(rows)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", required=True, help="conversation file (JSON lines)")
    ap.add_argument("--index-dir", default=None)
    args = ap.parse_args(argv)
    from indexer import store
    from qa import PolicyQA
    try:
        convs = load_conversations(args.questions)
    except ConversationError as exc:
        print(f"eval.conversations: {exc}", file=sys.stderr)
        return 2
    qa = PolicyQA.open(args.index_dir or store.DEFAULT_ROOT, settings=None)
    answers = [run_conversation(qa, c) for c in convs]
    summary = summarise(convs, answers)
    print(f"{len(convs)} conversations from {args.questions}")
    print("| turns | n | first citation gold | gold cited | must | not refused | not confident |")
    print("|---|---|---|---|---|---|---|")
    for key, m in summary.items():
        cells = [f"{m[c]:.3f}" if c in m else "" for c in
                 ("first_gold", "gold_cited", "must", "not_refused", "not_confident")]
        print(f"| {key} | {m['turns']} | " + " | ".join(cells) + " |")
    print("\nFailed turns:")
    for conv, ans in zip(convs, answers):
        for i, (t, a) in enumerate(zip(conv["turns"], ans), 1):
            bad = [k for k, ok in turn_checks(t, a).items() if not ok]
            if bad:
                cites = ",".join(c["key"].split(":")[-1] for c in a.get("citations", [])[:3])
                print(f"- {conv.get('id', '?')} turn {i} ({'follow-up' if t.get('followup') else 'standalone'}) "
                      f"{t['question']!r}: gold {[g.split(':')[-1] for g in t.get('gold') or []]}, "
                      f"got {a.get('confidence')} [{cites}] — {', '.join(bad)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
