"""The hybrid ranking: qa/search.Searcher's fused runs plus exact-phrase evidence.

CombSUM over z-scores weighs the dense and memory runs 4 to 1 against the lexical ones (chosen
by CV on dev). That is right while every run is unsure, but it lets dense similarity outvote a
clause both lexical runs single out — a query term rare in the corpus that names the clause's
subject (生物医药企业有什么支持 → （七）, the only clause naming 生物医药). The bonus
`lex_boost × (min lexical z − lex_z)` (indexer.fusion.lexical_consensus) keeps such a clause in
front; `lex_z` and `lex_boost` were chosen by 5-fold CV on dev (`python -m eval.tune`).
Then, when clauses of several documents compete, the question's closeness to each document's
title (qa/docrank.py).
"""
from __future__ import annotations

import numpy as np

from indexer.fusion import lexical_consensus

from . import docrank, search


class Searcher(search.Searcher):
    def fuse(self, runs: search.Runs, method: str = "hybrid") -> list[tuple[str, float]]:
        fused = super().fuse(runs, method)
        s = self.settings
        if method != "hybrid":
            return fused
        scored = dict(fused)
        bonus = lexical_consensus([runs.bm25, runs.bigram], s.lex_z) if s.lex_boost else {}
        if bonus:
            scored = {k: v + s.lex_boost * bonus.get(k, 0.0) for k, v in fused}
            scored.update({k: s.lex_boost * b for k, b in bonus.items() if k not in scored})
        tv = getattr(self.data, "title_vectors", None)
        if s.w_title > 0 and tv is not None and len(tv) > 1:
            z = docrank.title_z(tv @ np.asarray(runs.qvec, dtype=np.float32))
            doc_z = {p.doc.id: float(v) for p, v in zip(self.data.documents, z)}
            scored = docrank.rerank(scored, self._doc_of_key, doc_z, s.w_title)
        elif not bonus:
            return fused
        return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))

    def _doc_of_key(self, key: str) -> str:
        return self.data.clauses.doc_ids[self.row_of[key]]
