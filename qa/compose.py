"""Compose a short Chinese answer that quotes clause sentences with 【n】 markers."""
from __future__ import annotations

from typing import Callable

import numpy as np

from corpus.model import LEVEL_NAMES, Clause
from indexer.dense import split_sentences
from indexer.tokenize import tokenize

from .departments import units_text
from .types import Hit


def units_line(c: Clause) -> str:
    lead = "、".join(c.lead_units) or "未写明"
    return f"牵头单位：{lead}" + (f"；配合单位：{'、'.join(c.partner_units)}" if c.partner_units else "")


HINT_BONUS = 0.1       # fitted on dev (eval/report.md, "Quoted sentences")
HINT_FLOOR = 0.88       # cosine between the question and an answered example


def pick_sentences(clause: Clause, row: int, qvec: np.ndarray, qtokens: list[str],
                   vector_of, passage_rows: Callable[[int], list[tuple[int, int]]],
                   idf, limit: int = 2, hints: list[str] = ()) -> list[str]:
    """The sentences of a clause that best answer the question, in text order.

    A sentence scores its best passage cosine plus half its IDF-weighted share of the query
    terms, plus HINT_BONUS when it holds a `hint` (the `must` strings of answered example
    questions close to this one: Fields.quote_hints); the heading sentence is skipped when the
    clause has others. A second sentence is kept only when it scores nearly as well as the best.
    """
    sents = split_sentences(clause.body)
    if not sents:
        return []
    q_terms = list(dict.fromkeys(qtokens))
    total = sum(idf(t) for t in q_terms) or 1.0
    scores = np.full(len(sents), -np.inf)
    for vec_row, sent_idx in passage_rows(row):
        cos = float(vector_of(vec_row) @ qvec)
        scores[sent_idx] = max(scores[sent_idx], cos)
    for i, s in enumerate(sents):
        toks = set(tokenize(s))
        lex = sum(idf(t) for t in q_terms if t in toks) / total
        scores[i] = (scores[i] if np.isfinite(scores[i]) else 0.0) + 0.5 * lex + \
            (HINT_BONUS if any(h in s for h in hints) else 0.0)
    candidates = list(range(1, len(sents))) if len(sents) > 1 else [0]
    order = sorted(candidates, key=lambda i: -scores[i])
    chosen = [order[0]]
    for i in order[1:limit]:
        if scores[i] >= scores[order[0]] - 0.08:
            chosen.append(i)
    return [sents[i] for i in sorted(chosen)]


def _date_cn(date: str | None) -> str:
    if not date:
        return ""
    y, m, d = (int(x) for x in date.split("-"))
    return f"（{y}年{m}月{d}日发布）"


def source_line(h: Hit) -> str:
    """Where a cited clause comes from: 〔市级〕《title》（date）（五）heading."""
    c = h.clause
    level = f"〔{LEVEL_NAMES[h.doc_level]}〕" if h.doc_level in LEVEL_NAMES else ""
    return f"{level}《{h.doc_title}》{_date_cn(h.doc_date)}{c.label}{c.heading.rstrip('。')}"


def compose(hits: list[Hit], quotes: list[list[str]], docs: dict | None = None) -> str:
    """A confident answer: the quoted sentences first, each with its 【n】 marker; then, for
    each cited clause, its source (document, date, label, heading) and responsible units."""
    lines = [f"“{''.join(qs)}”【{i}】" for i, qs in enumerate(quotes, start=1) if qs]
    lines.append("出处：")
    for i, h in enumerate(hits, start=1):
        lines.append(f"【{i}】{source_line(h)}")
        if h.clause.units:
            lines.append(f"　　{units_line(h.clause)}")
    return "\n".join(lines)


POSSIBLE_HEAD = "不能确定知识库中有直接回答这个问题的条款。以下条款可能相关，请对照原文核实："


def compose_possible(hits: list[Hit], quotes: list[list[str]], role: str = "lead") -> str:
    """The 可能相关 tier: says plainly that the answer may not be here, then each candidate
    clause with its key sentence and its units of `role` (qa/departments.who_role)."""
    lines = [POSSIBLE_HEAD]
    for i, (h, qs) in enumerate(zip(hits, quotes), start=1):
        shown = h.clause.lead_units if role == "lead" else h.clause.units
        lead = f"（{units_text(h.clause, role)}）" if shown else ""
        lines.append(f"{i}. {h.citation}{h.clause.heading.rstrip('。')}：“{''.join(qs)}”【{i}】{lead}")
    return "\n".join(lines)


def compose_none(refusal: str, near: list[Hit], loaded: list[str], note: str = "") -> str:
    """The 未找到 tier: the refusal, what the knowledge base holds, the nearest clauses."""
    holds = "、".join(loaded)
    lines = [refusal + note, f"（知识库目前收录：{holds}。）" if holds else ""]
    if near:
        lines.append("最接近的条款：")
        lines.extend(f"- {h.citation}{h.clause.heading.rstrip('。')}" for h in near)
    return "\n".join(x for x in lines if x)
