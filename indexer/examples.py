"""Answered example questions: a memory of questions whose clauses are known.

A question asked in an enterprise's own words often shares no term with its clause and sits far
from it in the encoder's space, yet close to another question somebody asked before about the
same clause. The `memory` run scores a clause by the best cosine between the question and the
example questions whose gold is that clause.

Examples come from the dev split (eval/questions.jsonl, dev2.jsonl … dev9.jsonl; fact, paraphrase and
multi questions — the others are routed) and, when present, `<POLICYQA_HOME>/examples.jsonl`
in the same format (staff add lines from `policyqa feedback export` after filling in `gold`).
The test split is never read. An example identical to the question is skipped, so the dev
figures do not count a question finding itself.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .tokenize import normalise

EVAL = Path(__file__).resolve().parent.parent / "eval"
DEV_FILES = ("questions.jsonl", "dev2.jsonl", "dev3.jsonl", "dev4.jsonl", "dev5.jsonl",
             "dev6.jsonl", "dev7.jsonl", "dev8.jsonl", "dev9.jsonl", "dev10.jsonl")
TYPES = ("fact", "paraphrase", "multi")


def sources() -> list[Path]:
    files = [EVAL / f for f in DEV_FILES]
    home = os.environ.get("POLICYQA_HOME")
    if home:
        files.append(Path(home) / "examples.jsonl")
    return [f for f in files if f.is_file()]


def load_examples() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(question, gold keys, `must` strings) of every usable example, in file order, without
    duplicates. The `must` strings (words a right answer quotes) tell which sentence of the
    clause answered it (qa/compose.pick_sentences)."""
    out, seen = [], set()
    for path in sources():
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            try:
                q = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                continue                         # a staff file with a bad line: skip the line
            if not isinstance(q, dict) or not q.get("gold") or q.get("type", "fact") not in TYPES:
                continue
            text = str(q.get("question", "")).strip()
            key = normalise(text)
            if text and key not in seen:
                seen.add(key)
                must = q.get("must") if isinstance(q.get("must"), list) else []
                out.append((text, tuple(str(g) for g in q["gold"]),
                            tuple(str(m) for m in must if str(m).strip())))
    return out


def fingerprint() -> str:
    h = hashlib.sha256()
    for question, gold, must in load_examples():
        h.update(question.encode() + b"\x00" + "|".join(gold).encode() + b"\x00" +
                 "|".join(must).encode() + b"\x01")
    return h.hexdigest()
