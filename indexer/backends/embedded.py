"""The embedded backend: the committed index in this process (BM25 over jieba tokens and over
character bigrams, faiss over passage vectors). Writes are indexer.store's: the embedded
index *is* the committed index, so `sync` has nothing to do."""
from __future__ import annotations


import numpy as np

from ..scopestats import lexical
from ..thesaurus import expand_weighted
from ..tokenize import char_bigrams
from . import LexDense


SCOPE_EXACT = 5000        # clauses: a scope this small is scanned exactly (~23k passages, 35 MB)


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores (unordered beyond that); all when k >= len."""
    if k >= len(scores):
        return np.arange(len(scores))
    return np.argpartition(-scores, k)[:k]


class EmbeddedBackend:
    name = "embedded"
    scope_stats = True            # lexical(): the scope's statistics when settings.scope_stats

    def __init__(self, data):
        self.data = data
        self._keys = data.rows.keys
        self.row_of = data.rows.row_of

    def runs(self, question, tokens, qvec, allowed, settings) -> LexDense:
        """bm25: jieba terms (+ curated synonyms at 1, 同义词词林 synonyms at `thesaurus`);
        bigram: character bigrams; dense: best passage cosine among the `dense_sentences`
        nearest passages + `clause_vec` × whole-clause cosine. The filter is applied to the
        scores of all clauses (dense: to the clauses of the nearest passages)."""
        s, data = settings, self.data
        depth = s.fusion_depth
        bm25, bigram = lexical(data, allowed, s)       # the statistics of the documents searched
        bm = bm25.weighted_scores(expand_weighted(
            list(dict.fromkeys(tokens)), lambda t: bm25.idf(t) > 0, s.thesaurus))
        bg = bigram.scores(char_bigrams(question))
        if allowed is not None and 0 < len(allowed) <= SCOPE_EXACT and data.dense.ntotal > SCOPE_EXACT:
            # a small scope of a large library (the home family among thousands of laws): the
            # library's nearest passages may hold none of its own, so scan the scope's passages
            scope = data.rows.memo(allowed, "dense", lambda a: data.dense.scope(
                sorted(data.rows.rows_in(a))))
            best, best_row = data.dense.search_in(qvec, scope, s.dense_sentences)
        else:
            best, best_row = data.dense.search(qvec, s.dense_sentences)
        ok = self.data.rows.ok(allowed)
        bm = np.where(ok & (bm > 0), bm, 0.0)
        bg = np.where(ok & (bg > 0), bg, 0.0)
        best = np.where(ok, best, -np.inf)
        cand = top(best, depth)
        cand = cand[np.isfinite(best[cand])]
        if s.clause_vec and len(cand):
            best[cand] += s.clause_vec * data.fields.clause_cosines(qvec, cand)
        keys = self._keys
        bm25_run = {keys[i]: float(bm[i]) for i in top(bm, depth) if bm[i] > 0}
        bigram_run = {keys[i]: float(bg[i]) for i in top(bg, depth) if bg[i] > 0}
        dense_run = {keys[i]: float(best[i]) for i in cand}
        rows = {k: int(best_row[self.row_of[k]]) for k in dense_run}
        return LexDense(bm25_run, bigram_run, dense_run, rows)

    def counts(self) -> dict[str, int]:
        return {"documents": len(self.data.documents), "clauses": len(self.data.clauses),
                "passages": int((self.data.dense.owners >= 0).sum())}

    def sync(self, data, encoder=None) -> dict:
        return {"backend": self.name, "note": "the embedded index is the committed index"}
