import math

import pytest

from indexer.bm25 import VARIANT, BM25Index
from indexer.errors import EmptyCorpusError
from indexer.fusion import ranks, rrf


def test_empty_corpus_is_a_clear_error():
    with pytest.raises(EmptyCorpusError, match="empty corpus"):
        BM25Index([])
    with pytest.raises(EmptyCorpusError):
        BM25Index([[], []])


def test_variant_is_pinned_and_idf_never_negative():
    assert VARIANT == "okapi-lucene-idf"
    docs = [["高新区", "企业"], ["高新区", "土地"], ["高新区", "金融"], ["人才"]]
    bm = BM25Index(docs)
    n = len(docs)
    # term in 3 of 4 documents: rank-bm25's Okapi IDF would be negative here
    assert bm.idf("高新区") == pytest.approx(math.log(1 + (n - 3 + 0.5) / (3 + 0.5)))
    assert bm.idf("高新区") > 0
    # IDF falls as document frequency rises
    assert bm.idf("人才") > bm.idf("高新区")


def test_term_in_every_document_keeps_positive_weight():
    bm = BM25Index([["a", "x"], ["a", "y"], ["a", "z"]])
    s = bm.scores(["a"])
    assert (s > 0).all()


def test_tiny_corpus_order_by_hand():
    docs = [["土地", "供应"], ["金融", "科技", "金融"], ["科技", "人才"], ["土地"]]
    bm = BM25Index(docs, k1=1.5, b=0.75)
    s = bm.scores(["金融", "科技"])
    # doc 1 has both terms (金融 twice); doc 2 has 科技 only; docs 0 and 3 have none
    assert list(s.argsort()[::-1][:2]) == [1, 2]
    assert s[0] == 0 and s[3] == 0
    # hand-computed score of doc 2 for 科技: idf * tf(k1+1) / (tf + k1(1-b+b*dl/avgdl))
    idf = math.log(1 + (4 - 2 + 0.5) / (2 + 0.5))
    avgdl = (2 + 3 + 2 + 1) / 4
    expected = idf * (1 * 2.5) / (1 + 1.5 * (1 - 0.75 + 0.75 * 2 / avgdl))
    assert bm.scores(["科技"])[2] == pytest.approx(expected)


def test_unknown_terms_score_zero_and_coverage():
    bm = BM25Index([["土地"], ["金融"]])
    assert bm.scores(["天气"]).tolist() == [0.0, 0.0]
    assert bm.coverage(["金融", "天气"], 1) < 0.6
    assert bm.coverage(["金融"], 1) == 1.0
    assert bm.matched(["金融", "天气", "金融"], 1) == ["金融"]


def test_rrf_by_hand():
    runs = {"bm25": {"a": 3.0, "b": 2.0, "c": 1.0}, "dense": {"b": 0.9, "a": 0.8, "c": 0.1}}
    fused, rk = rrf(runs, k=60)
    assert fused["a"] == pytest.approx(1 / (60 + 1) + 1 / (60 + 2))
    assert fused["b"] == pytest.approx(1 / (60 + 2) + 1 / (60 + 1))
    assert fused["c"] == pytest.approx(2 / (60 + 3))
    assert rk["bm25"] == {"a": 1, "b": 2, "c": 3}


def test_rrf_weights_and_missing_keys():
    runs = {"bm25": {"a": 1.0}, "dense": {"b": 1.0, "a": 0.5}}
    fused, _ = rrf(runs, k=60, weights={"bm25": 2.0, "dense": 1.0})
    assert fused["a"] == pytest.approx(2 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 61)
    with pytest.raises(ValueError):
        rrf(runs, k=0)
    with pytest.raises(ValueError, match="do not exist"):
        rrf(runs, weights={"sparse": 1.0})


def test_ranks_ties_are_deterministic():
    assert ranks({"b": 1.0, "a": 1.0, "c": 2.0}) == {"c": 1, "a": 2, "b": 3}


def _clause_tokens(qa):
    from indexer.tokenize import tokenize
    return [tokenize(c.body) for c in qa.data.clauses]


def test_sparse_implementation_matches_rank_bm25(qa):
    from indexer.bm25 import SparseBM25
    from indexer.tokenize import query_tokens
    docs = _clause_tokens(qa)
    ref, fast = BM25Index(docs), SparseBM25(docs)
    for q in ["高新技术企业研发费用能加计扣除多少？", "园区里能建员工宿舍吗？", "天气", "高新区 高新区 科技"]:
        toks = query_tokens(q)
        assert fast.scores(toks) == pytest.approx(ref.scores(toks), rel=1e-9, abs=1e-12)
    with pytest.raises(EmptyCorpusError):
        SparseBM25([])


def test_sparse_helpers_match_and_auto_switch(qa):
    from indexer.bm25 import SPARSE_ABOVE, SparseBM25, make_bm25
    docs = _clause_tokens(qa)
    ref, fast = BM25Index(docs), SparseBM25(docs)
    q = ["科技支行", "银行", "天气"]
    for row in range(len(docs)):
        assert fast.matched(q, row) == ref.matched(q, row)
        assert fast.coverage(q, row) == pytest.approx(ref.coverage(q, row))
    assert fast.idf("科技支行") == pytest.approx(ref.idf("科技支行"))
    assert isinstance(make_bm25(docs), BM25Index)
    assert isinstance(make_bm25([["a"]] * (SPARSE_ABOVE + 1)), SparseBM25)
    with pytest.raises(ValueError, match="rank-bm25"):
        make_bm25(docs, impl="lucene")
