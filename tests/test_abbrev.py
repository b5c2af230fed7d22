"""Abbreviations typed for terms the documents spell out (indexer/abbrev.py)."""
from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st

from indexer.abbrev import Abbreviations, in_order

VOCAB = ["综合保税区", "外国人", "当家作主", "博士后科研工作站", "院士工作站", "高新技术企业", "知识产权", "科技创新服务券",
         "新型研发机构", "国家重点", "国家重大专项", "国有重点企业", "国家重点研发计划", "博士后",
         "孵化器", "小额贷款"]


def known_of(words):
    ws = set(words)
    return ws.__contains__


@pytest.mark.parametrize("q,expected", [
    ("博后站", ["博士后科研工作站"]),         # the longest window wins over 博后 → 博士后
    ("院士站 建设", ["院士工作站"]),
    ("综保区 企业", ["综合保税区"]),
    ("外人 当作", []),                       # two-character words are ordinary words
    ("科技券怎么领", ["科技创新服务券"]),
    ("孵化器给多少钱", []),                   # a term the documents use is no abbreviation
    ("国重 申报", []),                       # three candidates: ambiguous, left alone
    ("科小 贷款", []),                       # a space ends a run: not 小+贷款 → 小额贷款
])
def test_expansions(q, expected):
    idx = Abbreviations(VOCAB)
    assert idx.expand(q, known_of(VOCAB)) == expected


def test_only_terms_of_the_documents_searched():
    idx = Abbreviations(VOCAB)
    # the scope does not use 博士后科研工作站: no expansion (博后 alone ends in the stopword 后)
    assert idx.expand("博后站", known_of(["博士后", "院士工作站"])) == []
    assert idx.expand("院士站", known_of(["博士后科研工作站"])) == []


def test_ambiguity_bound_is_a_setting():
    idx = Abbreviations(VOCAB, max_candidates=3)
    # at most 3× the abbreviation's length: 国家重点研发计划 (8) is too long for 国重
    assert idx.expand("国重", known_of(VOCAB)) == ["国家重大专项", "国家重点", "国有重点企业"]


@given(st.text(alphabet="博士后科研工作站院高新技术企业", max_size=8),
       st.text(alphabet="博士后科研工作站院高新技术企业", max_size=12))
def test_in_order_is_subsequence(short, long):
    def brute(s, t):
        if not s:
            return True
        i = t.find(s[0])
        return i >= 0 and brute(s[1:], t[i + 1:])
    assert in_order(short, long) == brute(short, long)


def test_search_finds_the_clause_an_abbreviation_names(qa):
    """博后站 shares no jieba term and no bigram with （二）; its expansion does."""
    s = qa.searcher
    terms = s.query_terms("博后站")
    assert "博士后科研工作站" in terms
    bm25 = s.runs("博后站").bm25
    assert bm25 and max(bm25, key=bm25.get) == "liuzhou-2021:2"
    off = replace(s.settings, abbreviations=False)
    s.settings, base = off, s.settings
    try:
        assert "博士后科研工作站" not in s.query_terms("博后站")
        assert "liuzhou-2021:2" not in s.runs("博后站").bm25
    finally:
        s.settings = base


@settings(deadline=None)          # the first call builds jieba's dictionary
@given(st.text(max_size=300))
def test_any_text_expands_to_vocabulary_terms_only(text):
    """Whatever a person types (emoji, markup, control characters, Latin, very long runs),
    the expansion is a list of vocabulary terms and never raises."""
    idx = Abbreviations(VOCAB)
    out = idx.expand(text, known_of(VOCAB))
    assert isinstance(out, list) and set(out) <= set(VOCAB) and len(out) == len(set(out))
