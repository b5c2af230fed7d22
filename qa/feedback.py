"""👍/👎 feedback on answers, in a local SQLite file, exported as evaluation lines.

One row per vote: time, question, answer text, answer kind, cited clause keys, rating (+1/-1),
an optional comment. `export` writes lines shaped like eval/questions.jsonl with `gold` left
empty for staff to fill, so real questions grow the evaluation set.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

MAX_QUESTION = 500
MAX_ANSWER = 20_000
MAX_COMMENT = 500
MAX_CITATIONS = 50
SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts TEXT NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  kind TEXT NOT NULL,
  citations TEXT NOT NULL,
  rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
  comment TEXT NOT NULL DEFAULT ''
)"""


class FeedbackError(ValueError):
    """Feedback that cannot be stored; the message says what to change."""


def default_path() -> Path:
    from corpus.library import home
    return Path(os.environ.get("POLICYQA_FEEDBACK", home() / "feedback.sqlite3"))


class FeedbackStore:
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_path()
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, question: str, answer: str, kind: str, citations, rating: int,
            comment: str = "") -> int:
        """Store one vote; returns its id. Raises FeedbackError for bad input."""
        if not isinstance(question, str) or not question.strip():
            raise FeedbackError("反馈缺少问题（question）")
        if rating not in (1, -1):
            raise FeedbackError("评价（rating）只能是 1（有帮助）或 -1（没有帮助）")
        if len(question) > MAX_QUESTION:
            raise FeedbackError(f"问题超过{MAX_QUESTION}字")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT:
            raise FeedbackError(f"意见超过{MAX_COMMENT}字，请精简后再提交")
        cites = [c for c in (citations or []) if isinstance(c, str)][:MAX_CITATIONS]
        row = (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), question.strip(),
               str(answer or "")[:MAX_ANSWER], str(kind or "")[:20],
               json.dumps(cites, ensure_ascii=False), int(rating), comment)
        with self._lock, self._connect() as db:
            cur = db.execute("INSERT INTO feedback (ts, question, answer, kind, citations, rating, "
                             "comment) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
            return int(cur.lastrowid)

    def rows(self) -> list[dict]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            out = [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]
        for r in out:
            r["citations"] = json.loads(r["citations"])
        return out

    def export_lines(self) -> list[dict]:
        """Evaluation lines: one per distinct question (latest vote wins). `gold` is empty and
        `type` a guess from the answer kind: eval refuses the line until staff fill `gold`
        (or set type out_of_scope)."""
        latest: dict[str, dict] = {}
        for r in self.rows():
            latest[r["question"]] = r
        lines = []
        for r in latest.values():
            kind = r["kind"] if r["kind"] in ("lookup", "department", "meta") else "fact"
            lines.append({"id": f"fb{r['id']:05d}", "question": r["question"], "gold": [],
                          "type": kind, "must": [],
                          "feedback": {"rating": r["rating"], "comment": r["comment"],
                                       "answer_kind": r["kind"], "cited": r["citations"],
                                       "answer": r["answer"], "ts": r["ts"]}})
        return lines
