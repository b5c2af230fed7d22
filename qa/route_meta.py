"""`ask` routes about documents rather than measures: a document's facts (date, issuer, 文号,
basis, structure, title) and questions naming a document that is referenced but not loaded."""
from __future__ import annotations

from .meta import answer_meta, meta_intents, not_loaded_text
from .types import Answer


def meta_answer(qa, question: str, intent: str) -> Answer:
    """`intent` of the loaded document the question names (default: the home document),
    citing its preamble; the other attributes the question also asks for follow."""
    named = qa._named(question)
    doc = next((p for p in qa.documents if named and p.doc.id == named[0]), qa.primary())
    cite = (qa.hit_for(doc.preamble),) if doc.preamble else ()
    intents = [intent] + [i for i in meta_intents(question) if i != intent]
    text = "\n".join(answer_meta(i, doc, qa.docs) for i in intents)
    return Answer(question, "meta", text + ("【1】" if cite else ""), cite,
                  evidence={"intent": intent, "intents": intents})


def not_loaded_answer(qa, question: str, missing, allowed=None) -> Answer:
    """A refusal naming the documents that are referenced but not loaded, with the nearest
    clauses of the loaded ones."""
    hits = qa.searcher.hits(qa.searcher.runs(question, allowed), "hybrid", 3)
    text = not_loaded_text(missing)
    if hits:
        text += "\n已收录文件中最相关的条款：\n" + "\n".join(
            f"- {h.citation}{h.clause.heading}" for h in hits)
    return Answer(question, "refusal", text, tuple(hits),
                  evidence={"not_loaded": [d.id for d in missing]})
