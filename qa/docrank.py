"""The right document first: document evidence added to the fused clause scores.

In a library of many documents a clause can match a question's words while its document is
about something else (a land-use regulation answering a question about SME loans). Two pieces
of document-level evidence, both normalised to 0..1 per question and added to the fused score
of every clause of the document with their weights (Settings.w_doc, Settings.w_title):
  support  how much of the fused evidence the document gathers: the sum of its `TOP` best
           clause scores (above the question's median fused score) over the best document's
  title    IDF-weighted share of the question's terms that the document's title holds (IDF
           over the titles of the documents in the ranking)
With one document among the candidates nothing changes.
"""
from __future__ import annotations

import math
from typing import Callable

TOP = 3


def support(scored: dict[str, float], doc_of: Callable[[str], str]) -> dict[str, float]:
    if not scored:
        return {}
    vals = sorted(scored.values())
    floor = vals[len(vals) // 2]
    per: dict[str, list[float]] = {}
    for key, s in scored.items():
        per.setdefault(doc_of(key), []).append(max(s - floor, 0.0))
    raw = {d: sum(sorted(v, reverse=True)[:TOP]) for d, v in per.items()}
    best = max(raw.values())
    return {d: (v / best if best > 0 else 0.0) for d, v in raw.items()}


def title_match(tokens: list[str], titles: dict[str, set[str]]) -> dict[str, float]:
    """Per document: IDF-weighted share of the question's distinct terms in its title."""
    terms = [t for t in dict.fromkeys(tokens) if len(t) > 1]
    if not terms or len(titles) < 2:
        return {d: 0.0 for d in titles}
    n = len(titles)
    df = {t: sum(1 for words in titles.values() if t in words) for t in terms}
    idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in terms}
    total = sum(idf.values())
    return {d: (sum(idf[t] for t in terms if t in words) / total if total else 0.0)
            for d, words in titles.items()}


def rerank(scored: dict[str, float], doc_of: Callable[[str], str], tokens: list[str],
           titles: Callable[[str], set[str]], w_doc: float, w_title: float) -> dict[str, float]:
    """`scored` with the document evidence added; unchanged with a single document."""
    docs = {doc_of(k) for k in scored}
    if len(docs) < 2 or (w_doc <= 0 and w_title <= 0):
        return scored
    sup = support(scored, doc_of) if w_doc > 0 else {}
    tit = title_match(tokens, {d: titles(d) for d in docs}) if w_title > 0 else {}
    return {k: s + w_doc * sup.get(doc_of(k), 0.0) + w_title * tit.get(doc_of(k), 0.0)
            for k, s in scored.items()}
