"""`ask` routes that look clauses up rather than rank them: a clause by its number
(（十七）, 第17条, 措施十七) and a responsible unit's clauses (市科技局牵头哪些措施)."""
from __future__ import annotations

import re

from corpus.model import Clause
from corpus.numerals import label_for

from . import departments as dept
from .search import SearchError
from .types import Answer


def _document(qa, doc_id: str | None):
    """The loaded document `doc_id` (default: the home document)."""
    doc = qa.parsed(doc_id) if doc_id else qa.primary()
    if doc is None:
        raise SearchError(f"--doc {doc_id} is not a loaded document; `policyqa docs` lists them")
    return doc


def lookup_answer(qa, question: str, no: int, doc_id: str | None = None) -> Answer:
    """Clause `no` of document `doc_id` (default: the home document), quoted in full."""
    doc = _document(qa, doc_id)
    clause = doc.clause(no)
    if clause is None:
        last = len(doc.clauses)
        return Answer(question, "refusal",
                      f"{doc.doc.citation_title}共{last}条措施（（一）至{label_for(last)}），"
                      f"没有第{no}条。")
    hit = qa.hit_for(clause)
    text = (f"{doc.doc.citation_title}{clause.label}全文如下【1】：\n{clause.text}\n"
            f"所属部分：{clause.part}")
    return Answer(question, "lookup", text, (hit,))


def lookups_answer(qa, question: str, nos: list[int], doc_id: str | None = None) -> Answer:
    """Several clauses named at once (第十条和第二十条有什么不同): each quoted in full, in the
    order named; a number the document does not have is said so."""
    doc = _document(qa, doc_id)
    found = {n: doc.clause(n) for n in nos}
    clauses = [c for c in found.values() if c is not None]
    absent = [n for n, c in found.items() if c is None]
    if not clauses:
        return lookup_answer(qa, question, nos[0], doc_id)
    title = doc.doc.citation_title
    lines = [f"{title}{'、'.join(c.label for c in clauses)}全文如下："]
    for i, c in enumerate(clauses, start=1):
        lines.append(f"【{i}】{c.text}\n所属部分：{c.part}")
    if absent:
        last = len(doc.clauses)
        lines.append(f"{title}共{last}条措施（（一）至{label_for(last)}），没有"
                     + "、".join(f"第{n}条" for n in absent) + "。")
    return Answer(question, "lookup", "\n".join(lines), tuple(qa.hit_for(c) for c in clauses))


_TOGETHER = re.compile(r"同为|都是|都作为|都有|共同|同时|一起|都[牵配参负]")


def unit_answer(qa, question: str, uq: dept.UnitQuery, allowed=None) -> Answer:
    """The clauses a unit leads or partners in, listed per unit."""
    found = dept.clauses_for(uq, qa.clauses, allowed)
    role = {"lead": "牵头", "partner": "配合", "any": "牵头或配合"}[uq.role]
    cited: list[Clause] = []
    lines = []
    groups: dict[str, set[str]] = {}     # 市财政局 and 市财政局（金融办） are one mention
    for unit, clauses in found.items():
        groups.setdefault(re.sub(r"（.*?）", "", unit), set()).update(c.key for c in clauses)
    if len(groups) > 1 and _TOGETHER.search(question):     # 同为牵头单位: the clauses they share
        common = set.intersection(*groups.values())
        shared = sorted({c for cs in found.values() for c in cs if c.key in common},
                        key=lambda c: (c.doc_id, c.no))
        names = "和".join(groups)
        if shared:
            cited.extend(shared)
            lines.append(f"{names}都作为{role}单位的措施共{len(shared)}条："
                         + "、".join(f"{c.label}【{i}】" for i, c in enumerate(shared, start=1)))
        else:
            lines.append(f"没有{names}都作为{role}单位的措施。")
    for unit, clauses in found.items():
        if not clauses:
            lines.append(f"{unit}没有作为{role}单位的措施。")
            continue
        lines.append(f"{unit}作为{role}单位的措施共{len(clauses)}条：")
        for c in clauses:
            if c not in cited:
                cited.append(c)
            i = cited.index(c) + 1
            r = "牵头" if unit in c.lead_units else "配合"
            lines.append(f"- {c.label}{c.heading}（{r}）【{i}】")
    return Answer(question, "department", "\n".join(lines),
                  tuple(qa.hit_for(c) for c in cited),
                  evidence={"units": list(uq.units), "role": uq.role})


MENTIONS_SHOWN = 12


def mentions_answer(qa, question: str, term: str, found) -> Answer:
    """Every clause in scope whose text uses `term` (qa/mentions.py), each with the sentence
    that holds it; beyond MENTIONS_SHOWN the rest are named, not quoted."""
    shown, rest = found[:MENTIONS_SHOWN], found[MENTIONS_SHOWN:]
    docs = {m.clause.doc_id for m in found}
    where = "各文件" if len(docs) > 1 else qa.docs[next(iter(docs))].citation_title
    lines = [f"{where}中写到“{term}”的条款共{len(found)}条："]
    hits = [qa.hit_for(m.clause) for m in shown]
    for i, (m, h) in enumerate(zip(shown, hits), start=1):
        lines.append(f"{i}. {h.citation}{m.clause.heading.rstrip('。')}：“{m.sentence}”【{i}】")
    if rest:
        lines.append("另有：" + "、".join(qa.hit_for(m.clause).citation for m in rest) + "。")
    return Answer(question, "lookup", "\n".join(lines), tuple(hits),
                  quotes=tuple((i, m.sentence) for i, m in enumerate(shown, start=1)),
                  evidence={"term": term, "clauses": len(found)})
