"""The hybrid ranking: qa/search.Searcher's fused runs plus exact-phrase evidence.

CombSUM over z-scores weighs the dense and memory runs 4 to 1 against the lexical ones (chosen
by CV on dev). That is right while every run is unsure, but it lets dense similarity outvote a
clause both lexical runs single out — a query term rare in the corpus that names the clause's
subject (生物医药企业有什么支持 → （七）, the only clause naming 生物医药). The bonus
`lex_boost × (min lexical z − lex_z)` (indexer.fusion.lexical_consensus) keeps such a clause in
front; `lex_z` and `lex_boost` were chosen by 5-fold CV on dev (`python -m eval.tune`).
"""
from __future__ import annotations

from indexer.fusion import lexical_consensus

from . import search


class Searcher(search.Searcher):
    def fuse(self, runs: search.Runs, method: str = "hybrid") -> list[tuple[str, float]]:
        fused = super().fuse(runs, method)
        s = self.settings
        if method != "hybrid" or not getattr(s, "lex_boost", 0):
            return fused
        bonus = lexical_consensus([runs.bm25, runs.bigram], s.lex_z)
        if not bonus:
            return fused
        scored = {k: v + s.lex_boost * bonus.get(k, 0.0) for k, v in fused}
        scored.update({k: s.lex_boost * b for k, b in bonus.items() if k not in scored})
        return sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))
