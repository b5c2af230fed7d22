"""The retrieval route of `ask`: rank the clauses, measure the evidence, decide the tier
(答复 / 可能相关 / 未找到, qa/confidence.py) and compose the answer."""
from __future__ import annotations

from . import departments as dept
from .compose import HINT_FLOOR, compose, compose_none, compose_possible, pick_sentences
from .confidence import signals
from .evidence import measure
from .quantity import LATER_NOTE, NOTE, figure_missing as _figure_missing, later_year
from .trace import trace
from .types import CONFIDENCE, Answer, Hit

REFUSAL = "知识库中没有找到相关规定。"


def evidence(qa, question: str, allowed: set[str] | None = None):
    """(runs, top hits, Evidence) for a question on the retrieval path."""
    runs = qa.searcher.runs(question, allowed)
    hits = qa.searcher.hits(runs, "hybrid", top_k=5)
    vocab, covered = qa._basis(allowed)
    bm25 = qa.searcher.bm25_for(runs.allowed)
    ceiling = sum(bm25.idf(t) for t in dict.fromkeys(runs.tokens)) * (bm25.k1 + 1)
    ev = measure(question, max(runs.dense.values(), default=0.0),
                 hits[0].coverage if hits else 0.0, max(runs.bm25.values(), default=0.0),
                 vocab, covered, ceiling)
    return runs, hits, ev


def parents_text(qa, key: str) -> str:
    """上级依据 of a clause: traced parent clauses, and parents that are not loaded."""
    t = trace(qa, key)
    if not t.links and not t.missing:
        return ""
    lines = [f"- {x.parent.short}{x.clause.label}{x.clause.heading}（相似度{x.score:.2f}）"
             for x in t.links[:3]]
    return "\n".join(lines)


def retrieval_answer(qa, question: str, allowed: set[str] | None = None,
                     confident: bool = True) -> Answer:
    """`confident=False`: 可能相关 at best (answers the tiers were not calibrated for)."""
    runs, hits, ev = qa.evidence(question, allowed)
    if not hits:
        return Answer(question, "refusal", compose_none(REFUSAL, [], qa.loaded_names()))
    sig = signals(runs, hits, ev)
    tier, p_out, p_ok = qa.tiers.decide(sig)
    if qa.settings.refuse_at is not None:
        tier = "none" if p_out >= qa.settings.refuse_at else tier
    evidence_ = {**ev.to_json(), **{k: round(v, 4) for k, v in sig.items()},
                 "p_out_of_scope": round(p_out, 4), "p_top_correct": round(p_ok, 4)}
    if ev.foreign_place:           # asks about a place no loaded document covers: refused by rule
        tier = "none"
    if tier == "answer" and not confident:
        tier = "possible"
        evidence_["not_calibrated"] = True
    if tier == "none":
        note = f"（知识库收录的文件没有涉及“{ev.foreign_place}”。）" if ev.foreign_place else ""
        return Answer(question, "refusal",
                      compose_none(REFUSAL, hits[:3], qa.loaded_names(), note),
                      tuple(hits[:3]), evidence=evidence_, confidence="none")
    top = hits[0]
    cited = hits[:3] if tier == "possible" else answer_cites(hits)
    # asks 多少 and no clause the answer would cite gives a figure, or asks about a later
    # year: said so, never 答复
    figure_missing, later = caveats(question, cited)
    if figure_missing:
        tier = "possible"
        evidence_["figure_missing"] = True
    if later:
        tier = "possible"
        evidence_["later_year"] = later
    chosen = hits[:3] if tier == "possible" else cited
    limit = 1 if tier == "answer" and len(chosen) > 1 else 2
    idf = qa.searcher.bm25_for(runs.allowed).idf
    rows = [qa.searcher.row_of[h.key] for h in chosen]
    quotes = [pick_sentences(h.clause, row, runs.qvec, list(runs.tokens), qa.data.dense.vector,
                             qa.data.passage_rows, idf, limit=limit,
                             hints=qa.data.fields.quote_hints(question, runs.qvec, row, HINT_FLOOR))
              for h, row in zip(chosen, rows)]
    quoted = tuple((i + 1, q) for i, qs in enumerate(quotes) for q in qs)
    if tier == "possible":
        who = dept.asks_who(question)
        kind = "department" if who else "answer"
        text = compose_possible(chosen, quotes, dept.who_role(question) if who else "lead")
        if figure_missing:
            text = NOTE.format(citation=top.citation) + "\n" + text
        if later:
            text = LATER_NOTE.format(doc=top.doc_short or top.doc_title,
                                     issued=(top.doc_date or "")[:4], year=later) + "\n" + text
        return Answer(question, kind, text, tuple(chosen),
                      quotes=quoted, evidence=evidence_, confidence="possible")
    kind = "answer"
    text = compose(chosen, quotes, qa.docs)
    parents = qa.parents_text(top.key)
    if parents:
        text += "\n上级依据：\n" + parents
    if dept.asks_who(question):
        kind = "department"
        role = dept.who_role(question)
        if role == "lead":
            text = f"该事项由{'、'.join(top.clause.lead_units) or '（未写明）'}牵头。\n" + text
        else:
            text = f"{top.clause.label}{dept.units_text(top.clause, role)}。\n" + text
    return Answer(question, kind, text, tuple(chosen), quotes=quoted, evidence=evidence_,
                  confidence="answer")


def answer_cites(hits: list[Hit]) -> list[Hit]:
    """The clauses a confident answer cites: the first, and those that also answer."""
    return [hits[0]] + [h for h in hits[1:3] if also_answers(hits[0], h)]


def caveats(question: str, cited: list[Hit]) -> tuple[bool, int | None]:
    """(the question asks for a figure the cited clauses do not give, a year after them that
    they do not name): either keeps an answer out of the confident tier (qa/quantity.py)."""
    texts = [h.clause.text for h in cited]
    return _figure_missing(question, texts), later_year(question, [h.doc_date for h in cited], texts)


def also_answers(top: Hit, other: Hit) -> bool:
    """A second clause is cited when both methods rank it near the top."""
    return (other.bm25_rank or 99) <= 2 and (other.dense_rank or 99) <= 2 and \
        other.coverage >= 0.6 * top.coverage


def strength(a: Answer) -> tuple[int, float]:
    """Order answers by tier, then by the evidence (lower P(out of scope) first)."""
    return (CONFIDENCE.index(a.confidence),
            a.evidence.get("p_out_of_scope", 1.0))
