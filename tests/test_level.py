"""Issuer and level read from a document's own title and head (corpus/level.py), and used by
`add` when neither --issuer nor --level is given. Texts are invented, in the layouts of real
ones (../shared/laws)."""
import pytest

from corpus import library
from corpus.level import guess_level, head_lines, read_issuer

LOCAL = """东湖市蓝鲸保护条例

2023年1月6日 东湖市第十七届人民代表大会常务委员会第九次会议通过

2023年2月10日 浙江省第十四届人民代表大会常务委员会第一次会议批准

第一条 为了保护蓝鲸，根据《中华人民共和国野生动物保护法》，经国务院批准，制定本条例。

第二条 本条例自2023年3月1日起施行。
"""

PROVINCE = """河南省蓝鲸促进条例
1995年9月6日 河南省第八届人大常委会第十五次会议通过
第一章 总则
第一条 为了促进蓝鲸，制定本条例。
"""

STATE = """蓝鲸水量调度条例
2006年7月5日 国务院第142次常务会议通过
2006年7月24日 中华人民共和国国务院令第472号公布
第一条 为了调度蓝鲸水量，制定本条例。
"""

MINISTRY = """蓝鲸航运交易管理规定
1996年10月3日 中华人民共和国交通部令第8号发布
第一条 经国务院批准，制定本规定。
"""


@pytest.mark.parametrize("title, text, issuer, level", [
    ("国务院关于促进蓝鲸高质量发展的若干意见", "", "国务院", "national"),
    ("中共中央 国务院关于新时代推进蓝鲸的指导意见", "", "中共中央 国务院", "national"),
    ("财政部 税务总局关于蓝鲸费用加计扣除的公告", "", "财政部 税务总局", "national"),
    ("广西壮族自治区人民政府办公厅关于印发蓝鲸措施的通知", "", "广西壮族自治区人民政府办公厅", "region"),
    ("柳州市人民政府办公室关于印发蓝鲸措施的通知", "", "柳州市人民政府办公室", "city"),
    ("柳州市科学技术局关于蓝鲸的通知", "", "柳州市科学技术局", "city"),
    ("东湖市蓝鲸保护条例", LOCAL, "东湖市人民代表大会常务委员会", "city"),   # not 浙江省 (approval)
    ("河南省蓝鲸促进条例", PROVINCE, "河南省人民代表大会常务委员会", "province"),
    ("蓝鲸水量调度条例", STATE, "国务院", "national"),
    ("蓝鲸航运交易管理规定", MINISTRY, "交通部", "national"),
    ("上海市蓝鲸条例", "上海市蓝鲸条例\n第一条 经国务院批准通过。", "", "province"),
    ("上海蓝鲸港口条例", "上海蓝鲸港口条例\n第一条 略。", "", "province"),
    ("中华人民共和国蓝鲸法", "中华人民共和国蓝鲸法\n第一条 略。", "", "national"),
    ("关于印发蓝鲸措施的通知", "关于印发蓝鲸措施的通知\n（一）略。", "", "city"),
])
def test_issuer_and_level_from_title_and_head(title, text, issuer, level):
    assert read_issuer(title, text) == issuer
    assert guess_level(title, issuer) == level


def test_a_body_named_in_an_article_is_never_the_issuer():
    text = "蓝鲸办法\n第一条 本办法经国务院第1次常务会议通过。\n"
    assert head_lines(text) == ["蓝鲸办法"]
    assert read_issuer("蓝鲸办法", text) == ""


def test_add_without_issuer_or_level_reads_them_and_given_ones_win(tmp_path):
    (tmp_path / "p.txt").write_text(PROVINCE, encoding="utf-8")
    r = library.add(str(tmp_path / "p.txt"), tmp_path / "home", doc_id="henan-whale")
    assert (r.doc.issuer, r.doc.level, r.doc.level_name) == \
        ("河南省人民代表大会常务委员会", "province", "省级")
    (tmp_path / "s.txt").write_text(STATE, encoding="utf-8")
    r = library.add(str(tmp_path / "s.txt"), tmp_path / "home", doc_id="state-whale",
                    issuer="蓝鲸办公室", level="city")
    assert (r.doc.issuer, r.doc.level) == ("蓝鲸办公室", "city")
    back = library.effective_manifest(tmp_path / "home").get("henan-whale")
    assert (back.issuer, back.level) == ("河南省人民代表大会常务委员会", "province")
