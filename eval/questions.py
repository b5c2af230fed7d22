"""Read and check the question set (eval/questions.jsonl)."""
from __future__ import annotations

import json
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent / "questions.jsonl"
TYPES = ("fact", "paraphrase", "lookup", "department", "multi", "meta", "out_of_scope")


class QuestionSetError(ValueError):
    """The question file is malformed; the message names the line."""


def jsonl_rows(path: Path, error=ValueError, what: str = "question set"):
    """(line number, object) of each non-blank line of a JSON-lines file; `error` (an
    exception class) names the file and the line when one cannot be read."""
    if not path.is_file():
        raise error(f"{what} {path} not found")
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{n}: not JSON ({exc.msg})") from None


def load_questions(path: str | Path | None = None) -> list[dict]:
    path = Path(path) if path else DEFAULT
    out, seen = [], set()
    for n, q in jsonl_rows(path, QuestionSetError):
        for field in ("id", "question", "gold", "type"):
            if field not in q:
                raise QuestionSetError(f"{path}:{n}: missing field {field!r}")
        if q["type"] not in TYPES:
            raise QuestionSetError(f"{path}:{n}: type {q['type']!r} is not one of {', '.join(TYPES)}")
        if q["id"] in seen:
            raise QuestionSetError(f"{path}:{n}: duplicate id {q['id']!r}")
        if (q["type"] == "out_of_scope") != (not q["gold"]):
            raise QuestionSetError(f"{path}:{n}: out_of_scope questions, and only they, have empty gold")
        seen.add(q["id"])
        q.setdefault("must", [])
        out.append(q)
    return out
