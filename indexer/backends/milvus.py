"""The Milvus backend: the same bm25 / bigram / dense runs, computed by Milvus.

- bm25: Milvus's BM25 function over our own jieba tokens (milvus_schema: hex terms), with
  k1 and b set to settings.k1 / settings.b. Milvus's IDF is log(1 + (N - n + 0.5)/(n + 0.5)),
  the same as ours (indexer/bm25.py). A query cannot carry term weights, but Milvus counts a
  term repeated in the query text that many times (score = Σ tf_q · idf · tf-part), so the
  weighted 同义词词林 expansion is sent as repetitions: the user's terms `a` times and the
  synonyms `b` times with b/a = settings.thesaurus (0.4 = 2/5); the scores are divided by `a`.
- bigram: the same over our character bigrams (repetitions kept, as in the embedded run).
- dense: the `dense_sentences` nearest passage vectors (inner product = cosine; FLAT, exact, or
  the approximate IVF_FLAT / HNSW of POLICYQA_MILVUS_INDEX, milvus_schema), best per clause,
  the `fusion_depth` best clauses; then + clause_vec × the clause vector's cosine, searched
  among exactly those clauses (FLAT).
Filters are Milvus filter expressions (`searchable == true and (doc_id in [...] or key in
[...])`) applied inside each search: Milvus returns the best *allowed* clauses. (The embedded
dense run filters the nearest passages afterwards, so under a narrow filter Milvus can return
allowed clauses the embedded run misses; without filters the two agree.) BM25 statistics are
the collection's in every scope; the embedded backend scores a filtered search with the
statistics of the documents in scope (indexer/scopestats.py, settings.scope_stats), so the two
agree exactly when nothing is filtered or scope_stats is off.
"""
from __future__ import annotations

import json
from fractions import Fraction

import numpy as np

from ..thesaurus import expand_weighted
from ..tokenize import char_bigrams
from . import BackendConfig, BackendError, LexDense
from . import milvus_schema as ms


def weighted_query(tokens: list[str], weight: float, max_den: int = 10) -> tuple[str, int]:
    """(query text, scale): the distinct tokens repeated `a` times and their thesaurus synonyms
    `b` times, b/a the closest fraction to `weight` with a ≤ max_den."""
    terms = expand_weighted(list(dict.fromkeys(tokens)), lambda t: True, weight)
    frac = Fraction(weight).limit_denominator(max_den) if weight > 0 else Fraction(0)
    a, b = frac.denominator, frac.numerator
    out = []
    for t, w in terms.items():
        out += [ms.term(t)] * (a if w >= 1 else b)
    return " ".join(out), a


class MilvusBackend:
    name = "milvus"
    scope_stats = False           # the collection's statistics in every scope (module docstring)

    def __init__(self, client, uri: str, config: BackendConfig):
        self.client, self.uri, self.config = client, uri, config
        self.names = ms.names(config.collection)
        self.lite = ms.is_lite(uri)
        self.data = None

    @classmethod
    def connect(cls, config: BackendConfig, index_root) -> "MilvusBackend":
        client, uri = ms.connect(config, index_root)
        return cls(client, uri, config)

    def attach(self, data) -> None:
        """Map Milvus's answers onto the loaded index: keys → rows (passage ordinals → passage
        ids through data.dense.passages_of)."""
        self.data = data
        self.row_of = data.rows.row_of
        self.doc_keys: dict[str, set[str]] = {}
        t = data.clauses
        for doc_id in t.by_doc:
            live = t.keys[t.document_rows(doc_id)[1]].tolist()
            if live:
                self.doc_keys.setdefault(doc_id, set()).update(live)

    # ---- filters ---------------------------------------------------------------------
    def expr(self, allowed: set[str] | None) -> str | None:
        """The filter expression for an allowed key set; None when it allows nothing."""
        base = "searchable == true"
        if allowed is None:
            return base
        whole = sorted(d for d, ks in self.doc_keys.items() if ks <= allowed)
        covered = set().union(*(self.doc_keys[d] for d in whole)) if whole else set()
        rest = sorted(k for k in allowed - covered if k in self.row_of)
        parts = ([f"doc_id in {json.dumps(whole, ensure_ascii=False)}"] if whole else []) + \
                ([f"key in {json.dumps(rest, ensure_ascii=False)}"] if rest else [])
        if not parts:
            return None
        return f"{base} and ({' or '.join(parts)})"

    # ---- runs ------------------------------------------------------------------------
    def _search(self, collection: str, data, field: str, limit: int, expr: str, out: list[str],
                metric: str, params: dict | None = None):
        sp = {"metric_type": metric, **({"params": params} if params else {})}
        try:
            res = self.client.search(self.names[collection], data=[data], anns_field=field,
                                     limit=limit, filter=expr, output_fields=out, search_params=sp,
                                     timeout=self.config.timeout * 6)
        except Exception as exc:     # MilvusException, gRPC errors: one line that says what to do
            why = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
            raise BackendError(f"Milvus search failed at {self.uri} ({why}); check that the server "
                               "is up, or copy the index again: policyqa index --backend milvus "
                               "--rebuild") from None
        return res[0] if res else []

    def _bm25(self, field: str, text: str, scale: int, depth: int, expr: str) -> dict[str, float]:
        if not text:
            return {}
        # milvus-lite reports -score as the distance, a server +score: BM25 scores are > 0
        hits = self._search("clauses", text, field, depth, expr, ["key"], "BM25")
        return {h["entity"]["key"]: abs(float(h["distance"])) / scale for h in hits
                if h["distance"]}

    def runs(self, question, tokens, qvec, allowed, settings) -> LexDense:
        expr = self.expr(allowed)
        if expr is None:
            return LexDense({}, {}, {}, {})
        depth = settings.fusion_depth
        text, scale = weighted_query(tokens, settings.thesaurus)
        bm25 = self._bm25("words_sparse", text, scale, depth, expr)
        bigram = self._bm25("grams_sparse", ms.terms_text(char_bigrams(question)), 1, depth, expr)
        q = np.asarray(qvec, dtype=np.float32).tolist()
        best: dict[str, tuple[float, int]] = {}
        n = settings.dense_sentences
        for h in self._search("passages", q, "vec", n, expr, ["key", "ord"], "IP",
                              ms.search_params(self.config, n)):
            e = h["entity"]
            if e["key"] not in best:                     # hits come best first
                best[e["key"]] = (float(h["distance"]), int(e["ord"]))
        cand = sorted(best, key=lambda k: (-best[k][0], k))[:depth]
        dense = {k: best[k][0] for k in cand}
        if settings.clause_vec and cand:
            keys = json.dumps(cand, ensure_ascii=False)
            for h in self._search("clauses", q, "clause_vec", len(cand), f"key in {keys}",
                                  ["key"], "IP"):
                dense[h["entity"]["key"]] += settings.clause_vec * float(h["distance"])
        rows = {}
        for k in dense:
            r = self.row_of.get(k)
            if r is None:
                raise BackendError(f"Milvus returned clause {k} that the loaded index does not "
                                   "have; run `policyqa index --backend milvus --rebuild`")
            ids = self.data.dense.passages_of(r)        # global passage ids, in clause order
            rows[k] = int(ids[best[k][1]]) if best[k][1] < len(ids) else -1
        return LexDense(bm25, bigram, dense, rows)

    def counts(self) -> dict[str, int]:
        out = {}
        for what, expr in (("clauses", ""), ("passages", ""), ("documents", ms.NOT_MARKER)):
            res = self.client.query(self.names["docs" if what == "documents" else what],
                                    filter=expr, output_fields=["count(*)"])
            out[what] = int(res[0]["count(*)"]) if res else 0
        return out

    def sync(self, data, encoder=None) -> dict:
        from .sync import sync
        return sync(self, data, encoder)
