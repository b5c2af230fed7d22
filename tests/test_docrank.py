"""Document evidence added to clause scores (qa/docrank.py), with hand-computed values."""
import math

import pytest

from qa import docrank

DOC = {"a:1": "a", "a:2": "a", "b:1": "b", "c:1": "c"}.get


def test_support_is_the_share_of_the_best_documents_evidence():
    scored = {"a:1": 3.0, "a:2": 2.0, "b:1": 2.5, "c:1": 0.0}
    # median of [0, 2, 2.5, 3] (upper middle) = 2.5: a gathers 0.5 + 0, b 0, c 0
    assert docrank.support(scored, DOC) == {"a": 1.0, "b": 0.0, "c": 0.0}
    flat = {"a:1": 1.0, "b:1": 1.0}
    assert docrank.support(flat, DOC) == {"a": 0.0, "b": 0.0}


def test_title_match_weights_rare_title_words():
    titles = {"a": {"专利法"}, "b": {"商标法"}, "c": {"专利", "促进", "条例"}}
    m = docrank.title_match(["专利", "申请", "专利"], titles)
    idf = lambda df: math.log(1 + (3 - df + 0.5) / (df + 0.5))  # noqa: E731
    assert m["c"] == pytest.approx(idf(1) / (idf(1) + idf(0)))  # 专利 in c's title, 申请 nowhere
    assert m["a"] == 0.0 and m["b"] == 0.0
    assert docrank.title_match(["专利"], {"a": {"专利"}}) == {"a": 0.0}   # one document: no signal


def test_rerank_moves_clauses_of_the_supported_document_and_leaves_one_document_alone():
    doc = lambda k: k.split(":")[0]  # noqa: E731
    low = {f"c:{i}": -1.0 for i in range(6)}
    scored = {"a:1": 1.0, "a:2": 0.9, "b:1": 1.05, **low}
    # 9 scores, floor = the 5th smallest = -1.0: a gathers 2.0 + 1.9 = 3.9, b 2.05, c 0
    sup = docrank.support(scored, doc)
    assert sup["a"] == pytest.approx(1.0) and sup["b"] == pytest.approx(2.05 / 3.9) and sup["c"] == 0
    titles = {"a": {"企业所得税法"}, "b": {"土地管理法"}, "c": {"条例"}}.get
    out = docrank.rerank(scored, doc, ["亏损"], titles, w_doc=0.5, w_title=0.0)
    assert max(out, key=out.get) == "a:1"                   # b:1 led on the clause score alone
    assert out["b:1"] == pytest.approx(1.05 + 0.5 * 2.05 / 3.9)
    by_title = docrank.rerank(scored, doc, ["企业所得税法"], titles, w_doc=0.0, w_title=0.5)
    assert max(by_title, key=by_title.get) == "a:1"
    only_a = {"a:1": 1.0, "a:2": 0.5}
    assert docrank.rerank(only_a, doc, ["x"], titles, 1.0, 1.0) == only_a
    assert docrank.rerank(scored, doc, ["x"], titles, 0.0, 0.0) == scored
