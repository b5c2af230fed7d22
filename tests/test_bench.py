"""eval/bench.py measures what the product runs (not a timing test: no latency is asserted)."""
import time

import numpy as np

from eval import bench


def test_warm_fusion_stage_times_the_products_fusion_of_four_runs(qa, monkeypatch):
    seen = []
    real = qa.searcher.fuse

    def spy(runs, method="hybrid"):
        seen.append((method, {m: len(r) for m, r in runs.named().items()}))
        time.sleep(0.02)                 # a mark: the fusion stage must time this call
        return real(runs, method)

    monkeypatch.setattr(qa.searcher, "fuse", spy)
    out = bench.bench_warm(qa, ["研发费用加计扣除", "生物医药企业有什么支持"], repeat=1)
    assert set(out) == {"bm25", "encode", "faiss", "runs", "fusion", "search", "ask"}
    assert all(len(v) == 2 and min(v) >= 0 for v in out.values())
    assert min(out["fusion"]) >= 20.0
    timed = [s for m, s in seen if m == "hybrid"]
    assert timed and all(set(s) == {"bm25", "bigram", "dense", "memory"} for s in timed)
    assert all(min(s.values()) > 0 for s in timed[:1])       # every run fed the first fusion


def test_product_search_runs_on_a_synthetic_corpus(qa):
    docs = bench.synthetic_corpus(qa, 200)
    dim = qa.data.dense.dim
    rng = np.random.default_rng(0)
    vecs = bench._unit(rng.standard_normal((400, dim))).astype(np.float32)
    queries = ["研发费用加计扣除", "孵化器补助"]
    from indexer.tokenize import query_tokens
    row = bench.product_search(qa, docs, vecs, vecs[:2], [query_tokens(q) for q in queries], queries)
    assert row["product_p50"] > 0 and row["product_p95"] >= row["product_p50"]
