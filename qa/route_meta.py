"""`ask` routes about documents rather than measures: a document's facts (date, issuer, 文号,
basis, structure, title) and questions naming a document that is referenced but not loaded."""
from __future__ import annotations

import re

from .meta import answer_meta, cn_date, meta_intents, not_loaded_text
from .types import Answer


def meta_answer(qa, question: str, intent: str) -> Answer:
    """`intent` of the loaded document the question names (default: the home document),
    citing its preamble; the other attributes the question also asks for follow."""
    named = qa._named(question)
    doc = next((p for p in qa.documents if named and p.doc.id == named[0]), qa.primary())
    if intent == "effective":               # 这份文件什么时候开始施行 / 有效期几年
        return effective_answer(qa, question, [doc.doc.id])
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


_EFFECTIVE_SENT = re.compile(r"[^。；\n]*(?:施行|起执行|开始执行|有效期|生效)[^。；\n]*[。；]?")


def effective_answer(qa, question: str, doc_ids, evidence=None) -> Answer:
    """When the documents `doc_ids` take effect: the date they state, else the sentence that
    says it, else that none is written (with the issue date, citing the preamble)."""
    from .followrefs import clause_index
    lines, cited, unstated = [], [], False
    for doc_id in dict.fromkeys(doc_ids):
        doc = qa.docs.get(doc_id)
        parsed = qa.parsed(doc_id)
        if doc is None or parsed is None:
            continue
        if doc.effective:
            lines.append(f"{doc.citation_title}自{cn_date(doc.effective)}起施行。")
            continue
        found = [(c, m.group(0)) for c in parsed.all_clauses for m in _EFFECTIVE_SENT.finditer(c.text)]
        if found:
            c, sent = found[0]
            cited.append(c)
            lines.append(f"{doc.citation_title}{c.label}：“{sent.strip()}”【{len(cited)}】")
            continue
        issued = (parsed.notice.date if parsed.notice else None) or doc.date
        when = f"，印发日期为{cn_date(issued)}" if issued else ""
        lines.append(f"{doc.citation_title}未写明施行（开始执行）日期及有效期{when}；"
                     "具体执行时间请以原文及主管部门通知为准。")
        preamble = clause_index(qa).get(f"{doc_id}:0") if issued else None
        if preamble is not None:                # where the issue date stands
            cited.append(preamble)
            lines[-1] += f"【{len(cited)}】"
        unstated = True
    if not lines:
        return Answer(question, "refusal", "所问文件未加载，无法回答施行日期。")
    # a document silent on it gets no confident answer: the issue date is only what is nearest
    return Answer(question, "meta", "\n".join(lines), tuple(qa.hit_for(c) for c in cited),
                  evidence=evidence or {"intent": "effective"},
                  confidence="possible" if unstated else "answer")
