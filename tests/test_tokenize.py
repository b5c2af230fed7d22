import pytest
from hypothesis import given, strategies as st

from indexer.tokenize import expand, normalise, query_tokens, tokenize


@pytest.mark.parametrize("term", ["高新区", "高新技术企业", "瞪羚企业", "专精特新", "独角兽企业",
                                  "加计扣除", "科创贷", "链长制", "放管服", "一事一议",
                                  "保障性租赁住房", "牵头单位"])
def test_dictionary_terms_stay_whole(term):
    assert term in tokenize(f"关于{term}的规定")


def test_bracketed_dictionary_term():
    assert "首台套" in tokenize("落实首台（套）重大技术装备保险")
    assert tokenize("首台(套)") == tokenize("首台（套）")


def test_full_and_half_width_meet():
    assert normalise("（一）ＡＢＣ１２３") == "(一)abc123"
    assert tokenize("ＡＢＣ公司") == tokenize("abc公司")


def test_stopwords_and_punctuation_removed():
    toks = tokenize("高新技术企业研发费用能加计扣除多少？")
    assert "多少" not in toks and "能" not in toks and "？" not in toks
    assert "承上" not in tokenize("承上建立产业链链长制")


def test_same_tokenizer_for_corpus_and_query():
    text = "支持金融机构在高新区开展知识产权质押融资"
    assert query_tokens(text)[: len(tokenize(text))] == tokenize(text)


def test_synonym_expansion_is_query_side_data():
    assert "高新技术企业" in expand(["高企"])
    assert "保障性租赁住房" in expand(["宿舍"])
    assert "知识产权" in expand(["专利"])
    assert "发展改革委" in expand(["发改委"])
    assert expand(["没有同义词的词"]) == ["没有同义词的词"]


@given(st.text(max_size=60))
def test_tokenize_never_fails_and_gives_clean_tokens(text):
    for t in tokenize(text):
        assert t and t == t.strip()


def test_memoised_tokenize_hands_out_fresh_lists_equal_to_a_fresh_cut():
    from indexer.tokenize import MEMO_CHARS, _tokenize
    short = "首台（套）重大技术装备奖励"
    first = tokenize(short)
    first.append("被调用方改掉")
    assert tokenize(short) == list(_tokenize.__wrapped__(short)) and "被调用方改掉" not in tokenize(short)
    long = "高新技术企业研发费用加计扣除。" * (MEMO_CHARS // 10)
    assert len(long) > MEMO_CHARS
    before = _tokenize.cache_info().currsize
    assert tokenize(long) == list(_tokenize.__wrapped__(long))
    assert _tokenize.cache_info().currsize == before       # long texts are not kept


def test_preload_and_first_question_build_the_tokenizer_once():
    import threading
    from indexer import tokenize as tk
    tk._build_jieba.cache_clear()
    try:
        threads = [tk.preload() for _ in range(3)]
        got = []
        callers = [threading.Thread(target=lambda: got.append(tk._jieba())) for _ in range(3)]
        for t in callers:
            t.start()
        for t in threads + callers:
            t.join()
        assert tk._build_jieba.cache_info().misses == 1      # built once, the rest waited
        assert len({id(x) for x in got}) == 1 and got[0] is tk._jieba()
        assert "高新技术企业" in tokenize("关于高新技术企业的规定")
    finally:
        tk._build_jieba.cache_clear()
