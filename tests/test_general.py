"""The general parser on law layouts (invented texts): headings broken over lines, 第X条之一,
numbers past 一千, citations at a line start, the head (title, adoption lines, preamble)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.general import SUB_ARTICLE, join_segments, parse_general
from corpus.model import Document

DOC = Document(id="t", title="t", short="t", issuer="", date=None, level="national", parser="general")

BROKEN = """测试市科学技术进步条例（测试用虚构文本）

2001年5月1日测试市人民代表大会常务委员会第九次会议通过

第一章 总则

第一条 为了促进蓝鲸科技进步，制定本条例。

第二条 本条例适用于测试市。

第二章　科学技术研究开发

机构

第三条 研究开发机构应当公开蓝鲸数据。

第三章

促进与保障

第四条 对研究开发机构给予奖励。

第四章 审查和批准决算，听取和审议国民经济和

社会发展计划、预算的执行情况报告

第五条 本条例自2002年1月1日起施行。
"""


def test_heading_broken_over_lines_is_neither_clause_nor_shift():
    p = parse_general(BROKEN, DOC)
    assert [c.label for c in p.clauses] == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    assert [c.no for c in p.clauses] == [1, 2, 3, 4, 5]
    assert [x.label for x in p.parts] == ["第一章", "第二章", "第三章", "第四章"]
    assert p.parts[1].title == "科学技术研究开发机构"
    assert p.parts[2].title == "促进与保障"
    assert p.parts[3].title.endswith("预算的执行情况报告")
    assert p.clause(3).part == "第二章　科学技术研究开发机构"
    assert join_segments(p) == BROKEN


def test_head_title_and_adoption_line():
    p = parse_general(BROKEN, DOC)
    assert p.title == "测试市科学技术进步条例（测试用虚构文本）"
    assert p.preamble.text.startswith("2001年5月1日") and p.preamble.no == 0
    assert [s.kind for s in p.segments[:3]] == ["title", "preamble", "part"]


def test_unnumbered_text_under_a_heading_keeps_later_numbers():
    text = ("第一章 总则\n\n本条例所称蓝鲸，是指虚构的测试对象，适用本条例。\n\n"
            "第二条 甲。\n\n第三条 乙。\n")
    p = parse_general(text, DOC)
    assert [c.label for c in p.clauses] == ["第一章", "第二条", "第三条"]
    assert p.clause(2).label == "第二条" and p.clause(3).label == "第三条"
    assert join_segments(p) == text


def test_sub_articles_and_numbers_past_one_thousand():
    text = ("第一千二百五十九条 甲。\n第一千二百五十九条之一 乙。\n第一千二百六十条 丙。\n")
    p = parse_general(text, DOC)
    assert [c.label for c in p.clauses] == ["第一千二百五十九条", "第一千二百五十九条之一", "第一千二百六十条"]
    assert [c.no for c in p.clauses] == [1259, 1259 * SUB_ARTICLE + 1, 1260]
    assert len({c.key for c in p.clauses}) == 3


def test_article_cited_at_a_line_start_is_not_an_article():
    text = ("第一条 甲，依照下列规定：\n第五条规定的情形除外。\n第二条 乙。\n"
            "第三条的决定》第一次修正\n第三条 丙。\n")
    p = parse_general(text, DOC)
    assert [c.label for c in p.clauses] == ["第一条", "第二条", "第三条"]
    assert "第五条规定的情形除外" in p.clause(1).text


def test_unnumbered_document_still_gets_its_heading_as_title():
    text = "最高人民法院关于蓝鲸案件管辖的批复（测试用虚构文本）\n\n2001年1月1日 通过\n\n经研究，批复如下：蓝鲸案件由中级法院管辖。\n"
    p = parse_general(text, DOC)
    assert p.title == "最高人民法院关于蓝鲸案件管辖的批复（测试用虚构文本）"
    assert join_segments(p) == text


LINES = ["第一章 总则", "第二章　科学技术研究开发", "机构", "第一条 甲，制定本办法。", "第二条 乙。",
         "第三条之一 丙。", "第五条规定的除外。", "一、总体要求", "（一）加强攻关。（牵头单位：市科技局）",
         "（二）建设平台。", "1. 第一项。", "根据有关文件，制定本办法。", "为了促进发展，制定本办法。",
         "2001年5月1日 测试市人民代表大会常务委员会第九次会议通过", "各区人民政府：", "测试市人民政府",
         "测试市蓝鲸促进条例", "（2002年6月29日…通过）", "公开方式：主动公开", "", " ", "\u3000", "\u200b"]


@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=30), st.sampled_from(["\n", "\n\n"]))
@settings(max_examples=300, deadline=None)
def test_segments_tile_any_mixture_of_layouts(lines, sep):
    text = sep.join(lines) + "\n"
    if not text.strip():
        return
    p = parse_general(text, DOC)
    assert join_segments(p) == text
    assert all(text[c.start:c.end] == c.text for c in p.all_clauses)
    assert len({c.key for c in p.all_clauses}) == len(p.all_clauses)
    assert all(a.end <= b.start for a, b in zip(p.segments, p.segments[1:]))
