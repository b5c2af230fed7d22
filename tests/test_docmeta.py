"""Titles and dates read from the text (invented texts in the layouts of real ones)."""
import pytest

from corpus.docmeta import read_dates, read_title, split_head

LAW = """中华人民共和国蓝鲸促进法（测试用虚构文本）

1993年7月2日 第八届全国人民代表大会常务委员会第二次会议通过

2007年12月29日 第十届全国人民代表大会常务委员会第三十一次会议修订

根据2021年12月24日第十三届全国人民代表大会常务委员会第三十二次会议《关于修改〈中华人民共和国蓝鲸促进法〉的决定》第二次修正


第一章 总则

第一条 为了促进蓝鲸，制定本法。

第二条 本法自2022年1月1日起施行。
"""

BRACKET = """（2002年6月29日第九届全国人民代表大会常务委员会第二十八次会议通过　根据2017年9月1日第十二届全国人民代表大会常务委员会第二十九次会议《关于修改〈中华人民共和国中小企业促进法〉的决定》修订）
第一章 总则
第一条 为了改善中小企业经营环境，制定本法。
第二条 本法自2018年1月1日起施行。
"""

REGULATION = """黄河蓝鲸调度条例（测试用虚构文本）
2006年7月5日 国务院第142次常务会议通过
2006年7月24日 中华人民共和国国务院令第472号公布
2006年8月1日 施行
第一章 总则
第一条 为了加强蓝鲸调度，制定本条例。
第二条 本条例适用于黄河。
"""

CITY = """临沂市蓝鲸条例（测试用虚构文本）
2014年7月23日 临沂市第十五届人民代表大会常务委员会第十五次会议通过
2014年9月26
日山东省第十二届人民代表大会常务委员会第十次会议批准
第一条 甲。
第二条 乙。
"""


def test_law_with_revisions_dates_its_version_by_the_latest_revision():
    d = read_dates(LAW)
    assert d.published == "1993-07-02"
    assert d.revisions == ("2007-12-29", "2021-12-24") and d.revised == "2021-12-24"
    assert d.in_force == "2021-12-24" and d.effective == "2022-01-01"
    assert read_title(LAW) == "中华人民共和国蓝鲸促进法（测试用虚构文本）"


def test_adoption_bracket_is_never_the_title():
    assert read_title(BRACKET) == ""
    assert read_title(BRACKET, "中华人民共和国中小企业促进法") == "中华人民共和国中小企业促进法"
    d = read_dates(BRACKET)
    assert (d.published, d.revised, d.effective) == ("2002-06-29", "2017-09-01", "2018-01-01")


@pytest.mark.parametrize("text,published,revised,effective", [
    (REGULATION, "2006-07-24", None, "2006-08-01"),     # 公布 after 通过; a 施行 line
    (CITY, "2014-09-26", None, None),                   # 批准, its date broken over lines
    (CITY.replace("第一条", "2018年6月1日 临沂市…会议《关于修改〈临沂市蓝鲸条例〉的决定》修正\n第一条"),
     "2014-09-26", "2018-06-01", None),
])
def test_publication_approval_and_effective_lines(text, published, revised, effective):
    d = read_dates(text)
    assert (d.published, d.revised, d.effective) == (published, revised, effective)


def test_title_broken_over_lines_and_repeated_title_not_joined():
    text = "最高人民法院关于蓝鲸案件的解释\n\n最高人民法院\n\n关于蓝鲸案件的解释\n\n第一条 甲。\n第二条 乙。\n"
    assert read_title(text) == "最高人民法院关于蓝鲸案件的解释"
    text = "测试市关于促进蓝鲸\n\n产业发展的若干措施\n\n根据有关文件，制定本措施。\n（一）甲。\n（二）乙。\n"
    h = split_head(text, text.index("（一）"))
    assert h.title == "测试市关于促进蓝鲸产业发展的若干措施" and text[h.body_start:].startswith("根据")
    assert read_title("\u200b\n\u200b\n蓝鲸条例\n2001年1月1日 通过\n第一条 甲。\n") == "蓝鲸条例"


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>中华人民共和国蓝鲸促进法（测试用虚构文本）_测试市科学技术局</title></head><body>
<nav>首页 | 政策法规</nav><div class="article">
<h1>中华人民共和国蓝鲸促进法（测试用虚构文本）</h1>
<p>（2002年6月29日第九届全国人民代表大会常务委员会第二十八次会议通过　根据2017年9月1日第十二届全国人民代表大会常务委员会第二十九次会议修订）</p>
<p>第一条 为了改善蓝鲸经营环境，促进蓝鲸健康发展，制定本法。</p>
<p>第二条 本法所称蓝鲸，是指依法设立的虚构测试对象。</p>
<p>第三条 本法自2018年1月1日起施行。</p></div></body></html>"""


def test_added_web_page_takes_its_h1_title_and_the_version_in_force(tmp_path):
    from corpus import library
    from corpus.loaders import html_title
    page = tmp_path / "law.html"
    page.write_text(PAGE, encoding="utf-8")
    r = library.add(str(page), tmp_path / "home", doc_id="whale-law", level="national")
    d = r.doc
    assert d.title == "中华人民共和国蓝鲸促进法（测试用虚构文本）"
    assert (d.published, d.revised, d.effective, d.date) == \
        ("2002-06-29", "2017-09-01", "2018-01-01", "2017-09-01")
    assert r.clauses == 3
    back = library.effective_manifest(tmp_path / "home").get("whale-law")
    from dataclasses import replace
    assert replace(back, source="") == replace(d, source="")   # the new fields survive the manifest
    assert html_title("<title>（2002年6月29日…通过）</title>") == ""
    assert html_title("<title>蓝鲸办法 | 测试市政府</title>") == "蓝鲸办法"
