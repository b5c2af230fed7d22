"""The answers a follow-up gets (qa/followup.py decides what it points at): the units of the
clauses, one unit's part in them, their text side by side, or the sentence of one that holds
the asked words."""
from __future__ import annotations

from dataclasses import replace

from corpus.model import Clause

from . import followrefs as refs
from .compose import compose
from .departments import units_text
from .followrefs import clause_index
from .types import Answer


SELF_UNIT_NOTE = "问题没有写明贵单位的名称；以下列出该条的全部牵头和配合单位，请对照："


def within_answer(qa, question, key, topic, tie, evidence) -> Answer | None:
    """The sentence of the clause the question pointed at that holds the asked words (其中管理
    机构那部分 → the sentence about 管理机构), quoted and cited; None when none holds them."""
    sent = refs.best_sentence(qa, key, topic, tie)
    if sent is None:
        return None
    hit = qa.hit_for(clause_index(qa)[key])
    return Answer(question, "answer", compose([hit], [[sent]]), (hit,), quotes=((1, sent),),
                  evidence=evidence)


def _name(qa, c: Clause) -> str:
    doc = qa.docs.get(c.doc_id)
    return f"{doc.short if doc else c.doc_id}{c.label}"


def units_answer(qa, question, clauses, intent, evidence, compare: bool = False) -> Answer:
    lines = []
    for i, c in enumerate(clauses, 1):          # the units as the clause's bracket has them
        head = f"{_name(qa, c)}{c.heading.rstrip('。')}"
        if intent == "lead":
            tail = units_text(c, "any" if c.partner_units else "lead")
        else:
            tail = units_text(c, "partner") if c.partner_units else \
                f"未写明配合单位（{units_text(c, 'lead')}）"
        lines.append(f"{head}——{tail}【{i}】")
    if compare and len(clauses) == 2:           # 这两条的牵头单位一样吗
        role = "lead_units" if intent == "lead" else "partner_units"
        same = set(getattr(clauses[0], role)) == set(getattr(clauses[1], role))
        word = "牵头单位" if intent == "lead" else "配合单位"
        lines.append(f"两条的{word}{'相同' if same else '不完全相同'}。")
    return Answer(question, "department", "\n".join(lines),
                  tuple(qa.hit_for(c) for c in clauses), evidence=evidence)


def member_answer(qa, question, clauses, units, evidence) -> Answer:
    lines = []
    for i, c in enumerate(clauses, 1):
        head = f"{_name(qa, c)}{c.heading.rstrip('。')}"
        for u in units:
            role = "牵头单位" if u in c.lead_units else "配合单位" if u in c.partner_units else ""
            said = f"是{head}的{role}" if role else f"不在{head}列出的单位中"
            lines.append(f"{u}：{said}（{units_text(c, 'any')}）【{i}】")
    return Answer(question, "department", "\n".join(lines), tuple(qa.hit_for(c) for c in clauses),
                  evidence=evidence)


def text_answer(qa, question, clauses, evidence) -> Answer:
    shown = clauses[:3]
    parts = [f"{qa.docs[c.doc_id].citation_title if c.doc_id in qa.docs else ''}{c.label}"
             f"全文如下【{i}】：\n{c.text}" for i, c in enumerate(shown, 1)]
    if len(clauses) > len(shown):
        parts.append(f"（上一轮共引用{len(clauses)}条，这里列出前{len(shown)}条。）")
    return Answer(question, "lookup", "\n".join(parts), tuple(qa.hit_for(c) for c in shown),
                  evidence=evidence)


def unit_list_answer(qa, question, uq, left_out: list[str]) -> Answer:
    """The clauses of a unit carried from the conversation (还在哪条当配合), without the clauses
    `left_out` (除了这一条) — or with them when nothing else is left."""
    allowed = None
    if left_out:
        doc = left_out[0].rsplit(":", 1)[0]
        allowed = {k for k in clause_index(qa) if k.startswith(doc + ":")} - set(left_out)
    a = qa._unit_answer(question, uq, allowed)
    if allowed is not None and not a.citations:     # nowhere else: say where it is
        a = qa._unit_answer(question, uq)
    return replace(a, evidence={**a.evidence, "followup": {"intent": "unit", "of": list(uq.units)}})
