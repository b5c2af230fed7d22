"""Retrieval, refusal and answer metrics.

Runs and qrels are plain dicts: run = {qid: {clause_key: score}}, qrels = {qid: {clause_key: 1}}.
Ranking metrics come from ranx: `hit_rate@k` (any gold clause in the top k — the figure the
issues call Recall@k), `recall@k` (share of the gold clauses in the top k), `mrr@10`, `ndcg@10`.
"""
from __future__ import annotations

import os
import warnings

KS = (1, 3, 5)
RANK_METRICS = [f"hit_rate@{k}" for k in KS] + [f"recall@{k}" for k in KS] + ["mrr@10", "ndcg@10"]


def ranking_metrics(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict[str, float]:
    """Mean of each ranking metric over the queries in qrels (a query with no results scores 0)."""
    os.environ.setdefault("NUMBA_DISABLE_PERFORMANCE_WARNINGS", "1")
    from ranx import Qrels, Run, evaluate
    if not qrels:
        return {m: 0.0 for m in RANK_METRICS}
    full_run = {q: (run.get(q) or {"__none__": 0.0}) for q in qrels}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = evaluate(Qrels(qrels), Run(full_run), RANK_METRICS, make_comparable=True)
    return {m: float(scores[m]) for m in RANK_METRICS}


def refusal_metrics(refused: dict[str, bool], out_of_scope: dict[str, bool]) -> dict[str, float]:
    """Refusal as the positive class: precision, recall, F1 over the shared question ids."""
    ids = [q for q in out_of_scope if q in refused]
    tp = sum(1 for q in ids if refused[q] and out_of_scope[q])
    fp = sum(1 for q in ids if refused[q] and not out_of_scope[q])
    fn = sum(1 for q in ids if not refused[q] and out_of_scope[q])
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def answer_checks(answer: dict, gold: list[str], must: list[str], known_keys: set[str]) -> dict[str, bool]:
    """Checks on one `ask --json` answer for an in-scope question."""
    cites = [c["key"] for c in answer.get("citations", [])]
    text = answer.get("answer", "")
    return {
        "answered": bool(answer.get("answered")),
        "first_citation_gold": bool(cites) and cites[0] in gold,
        "citations_exist": all(k in known_keys for k in cites),
        "must_present": all(m in text for m in must),
    }


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
