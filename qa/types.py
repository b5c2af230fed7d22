"""Frozen results: a retrieval Hit and an Answer, each with its JSON form."""
from __future__ import annotations

from dataclasses import dataclass, field

from corpus.model import Clause

KINDS = ("answer", "lookup", "department", "meta", "refusal", "help")
CONFIDENCE = ("answer", "possible", "none")


@dataclass(frozen=True)
class Hit:
    clause: Clause
    doc_title: str
    score: float                       # fused score (or the single method's score)
    bm25_rank: int | None = None
    dense_rank: int | None = None
    bm25_score: float = 0.0
    dense_score: float = 0.0           # best sentence cosine
    matched: tuple[str, ...] = ()      # query terms found in the clause
    coverage: float = 0.0              # IDF-weighted share of query terms in the clause
    doc_short: str = ""                # 柳州措施
    doc_level: str = ""                # national | region | city
    doc_date: str | None = None        # 发布日期 of the document
    bigram_rank: int | None = None
    memory_rank: int | None = None

    @property
    def citation(self) -> str:
        """Document short name + label: 柳州措施（五）."""
        return f"{self.doc_short or self.doc_title}{self.clause.label}"

    @classmethod
    def of(cls, clause: Clause, doc, score: float, **kw) -> "Hit":
        """A hit on `clause`, with the title, short name, level and date of its document."""
        return cls(clause=clause, doc_title=doc.title if doc else clause.doc_id, score=score,
                   doc_short=doc.short if doc else "", doc_level=doc.level if doc else "",
                   doc_date=doc.date if doc else None, **kw)

    @property
    def key(self) -> str:
        return self.clause.key

    @property
    def ranks(self) -> dict[str, int | None]:
        return {"bm25": self.bm25_rank, "bigram": self.bigram_rank, "dense": self.dense_rank,
                "memory": self.memory_rank}

    def to_json(self) -> dict:
        c = self.clause
        return {
            "key": c.key, "doc_id": c.doc_id, "doc_title": self.doc_title,
            "clause_no": c.no, "label": c.label, "heading": c.heading, "text": c.text,
            "lead_units": list(c.lead_units), "partner_units": list(c.partner_units),
            "score": round(float(self.score), 6), "ranks": self.ranks,
            "citation": self.citation, "doc_level": self.doc_level, "doc_date": self.doc_date,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    kind: str
    text: str
    citations: tuple[Hit, ...] = ()
    quotes: tuple[tuple[int, str], ...] = ()   # (citation index 1-based, quoted sentence)
    evidence: dict = field(default_factory=dict, compare=False, hash=False)
    confidence: str = ""           # answer | possible | none ("" = from kind: refusal → none)

    def __post_init__(self):
        if not self.confidence:
            object.__setattr__(self, "confidence", "none" if self.kind == "refusal" else "answer")
        if self.confidence not in CONFIDENCE:
            raise ValueError(f"confidence must be one of {CONFIDENCE} (got {self.confidence!r})")

    @property
    def answered(self) -> bool:
        """True only for a confident answer (the 答复 tier)."""
        return self.kind != "refusal" and self.confidence == "answer"

    def to_json(self) -> dict:
        return {"kind": self.kind, "confidence": self.confidence, "answered": self.answered,
                "answer": self.text, "citations": [h.to_json() for h in self.citations]}
