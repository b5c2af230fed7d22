"""Frozen results: a retrieval Hit and an Answer, each with its JSON form."""
from __future__ import annotations

from dataclasses import dataclass, field

from corpus.model import Clause

KINDS = ("answer", "lookup", "department", "meta", "refusal")


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
        return {"bm25": self.bm25_rank, "dense": self.dense_rank}

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

    @property
    def answered(self) -> bool:
        return self.kind != "refusal"

    def to_json(self) -> dict:
        return {"kind": self.kind, "answered": self.answered, "answer": self.text,
                "citations": [h.to_json() for h in self.citations]}
