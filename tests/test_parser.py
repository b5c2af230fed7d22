from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.model import Document
from corpus.numerals import cn_to_int, int_to_cn
from corpus.parser import join_segments, parse_measures
from corpus.units import parse_units

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "liuzhou-gxq-measures-2021.txt"


def test_builtin_copy_is_byte_for_byte(manifest):
    doc = manifest.get("liuzhou-2021")
    data = manifest.source_path(doc).read_bytes()
    if SEED.exists():
        assert data == SEED.read_bytes()
    assert data.decode("utf-8").count("（牵头单位") + data.decode("utf-8").count("〔牵头单位") == 21


def test_five_parts_and_21_measures(parsed):
    assert [p.label for p in parsed.parts] == ["一、", "二、", "三、", "四、", "五、"]
    assert parsed.parts[0].title == "提高产业自主创新能力"
    assert [c.no for c in parsed.clauses] == list(range(1, 22))
    assert sum(len(p.numbers) for p in parsed.parts) == 21
    assert parsed.parts[4].numbers == (19, 20, 21)


def test_headings(parsed):
    assert parsed.clause(1).heading == "加强关键核心技术攻关。"
    assert parsed.clause(5).heading == "发展壮大科技企业群。"
    assert parsed.clause(16).heading == "“放管服”优化营商环境。"
    assert parsed.clause(17).heading == "创新开展科技金融服务。"
    assert parsed.clause(21).heading == "承上开展评价考核。"   # the stray word is kept


def test_labels_keys_and_preamble(parsed):
    c = parsed.clause(17)
    assert c.label == "（十七）" and c.key == "liuzhou-2021:17"
    assert parsed.preamble.no == 0 and parsed.preamble.key == "liuzhou-2021:0"
    assert parsed.preamble.text.startswith("根据《国务院关于促进国家高新技术产业开发区")
    assert len(parsed.cited_titles) == 3


def test_title_broken_over_lines_is_joined(parsed):
    assert parsed.title == "柳州市关于促进高新技术产业开发区高质量发展的若干措施"


def test_notice(parsed):
    n = parsed.notice
    assert n.date == "2021-12-29"
    assert n.issuer == "柳州市人民政府"
    assert n.addressees.startswith("各县、区人民政府")


def test_round_trip_segments_tile_the_text(parsed):
    assert join_segments(parsed) == parsed.raw
    for c in parsed.all_clauses:
        assert parsed.raw[c.start:c.end] == c.text
        assert c.text.startswith(c.body)
        assert c.body + c.text[len(c.body):] == c.text


def test_stray_word_kept_verbatim(parsed):
    assert "承上建立产业链链长制" in parsed.clause(6).text
    assert parsed.clause(21).text.count("承上") == 2


def test_units_of_5_12_17(parsed):
    c5 = parsed.clause(5)
    assert c5.lead_units == ("市科技局",)
    assert c5.partner_units == ("各县区人民政府", "新区管委会", "市发展改革委",
                                "市工业和信息化局", "市财政局", "市税务局")
    c12 = parsed.clause(12)
    assert c12.lead_units == ("市自然资源和规划局",)
    assert c12.partner_units == ("各县区人民政府", "新区管委会", "市科技局", "市住房城乡建设局")
    c17 = parsed.clause(17)
    assert c17.units_text.startswith("〔牵头单位：市财政局（金融办）")
    assert c17.lead_units == ("市财政局（金融办）",)
    assert "人民银行柳州市中心支行" in c17.partner_units and "柳州银保监分局" in c17.partner_units
    assert "市科技局" in c17.partner_units


def test_prefix_carry_over_and_deng_dropped():
    lead, partner = parse_units("（牵头单位：市发展改革委、工业和信息化局、财政局；"
                                "配合单位：市委组织部、编办，各县区人民政府、新区管委会，市税务局等）")
    assert lead == ("市发展改革委", "市工业和信息化局", "市财政局")
    assert partner == ("市委组织部", "市委编办", "各县区人民政府", "新区管委会", "市税务局")


def test_market_bureau_is_not_a_city_prefix():
    lead, _ = parse_units("（牵头单位：市科技局、市场监管局；配合单位：市商务局）")
    assert lead == ("市科技局", "市市场监管局")


def test_half_width_parentheses_parse():
    doc = Document(id="t", title="测试措施", short="测试", issuer="测试", date=None, level="city")
    raw = ("测试措施\n根据有关文件，制定如下措施。\n一、第一部分\n"
           "(一)第一条标题。正文内容。(牵头单位:市科技局;配合单位:市财政局、税务局)\n"
           "(二)第二条标题。正文。\n")
    p = parse_measures(raw, doc)
    assert [c.label for c in p.clauses] == ["(一)", "(二)"]
    assert p.clauses[0].lead_units == ("市科技局",)
    assert p.clauses[0].partner_units == ("市财政局", "市税务局")
    assert p.clauses[1].units_text == ""
    assert join_segments(p) == raw


def test_text_without_measures_is_a_clear_error():
    doc = Document(id="t", title="x", short="x", issuer="x", date=None, level="city")
    with pytest.raises(CorpusError, match="no numbered measures"):
        parse_measures("只是一段话，没有编号。", doc)


def test_duplicate_measure_number_is_an_error():
    doc = Document(id="t", title="x", short="x", issuer="x", date=None, level="city")
    with pytest.raises(CorpusError, match="appears twice"):
        parse_measures("（一）甲。\n（一）乙。\n", doc)


@pytest.mark.parametrize("cn,n", [("一", 1), ("十", 10), ("十七", 17), ("二十", 20),
                                  ("二十一", 21), ("九十九", 99), ("一百零五", 105)])
def test_numerals(cn, n):
    assert cn_to_int(cn) == n
    assert int_to_cn(n) == cn
