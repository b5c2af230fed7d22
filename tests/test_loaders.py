import http.server
import threading

import pytest

from corpus.errors import CorpusError
from corpus.general import detect_style, parse_general
from corpus.loaders import LoadError, is_traditional, load, to_simplified
from corpus.model import Document
from corpus.parser import join_segments

from .fixtures import ARTICLES, GX, HTML, TRADITIONAL, docx_bytes, pdf_bytes

DOC = Document(id="t", title="t", short="t", issuer="", date=None, level="city", parser="general")


def test_gbk_is_detected_not_assumed(tmp_path):
    f = tmp_path / "gbk.txt"
    f.write_bytes(ARTICLES.encode("gbk"))
    got = load(f)
    assert got.text == ARTICLES and got.encoding == "gb18030"


def test_utf8_with_bom(tmp_path):
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbf" + GX.encode("utf-8"))
    got = load(f)
    assert got.text == GX and got.encoding == "utf-8-sig"


def test_docx_paragraphs_and_table(tmp_path):
    f = tmp_path / "a.docx"
    f.write_bytes(docx_bytes())
    got = load(f)
    assert got.format == "docx"
    assert "第二条 人才公寓租金标准见下表。" in got.text
    assert "一居室\t八百元" in got.text           # the table, in document order
    assert got.text.index("第二条") < got.text.index("一居室")


def test_pdf_with_text_and_scan(tmp_path):
    f = tmp_path / "a.pdf"
    f.write_bytes(pdf_bytes(["测试办法（测试用虚构文本）", "第一条 为了规范管理，制定本办法。",
                             "第二条 本办法适用于高新区。"]))
    got = load(f)
    assert got.format == "pdf" and "第二条 本办法适用于高新区。" in got.text
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(None))
    with pytest.raises(LoadError, match="OCR"):
        load(scan)


@pytest.fixture
def http_server(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYQA_ALLOW_PRIVATE_URLS", "1")     # the test server is on 127.0.0.1
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(tmp_path), **k)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_url_fetch_extracts_main_text(http_server):
    got = load(f"{http_server}/page.html")
    assert got.format == "html"
    assert "紫藤创新券可用于检验检测" in got.text
    assert "联系我们" not in got.text                 # navigation dropped
    assert got.title_hint.startswith("测试市创新券办法")
    with pytest.raises(LoadError, match="HTTP 404"):
        load(f"{http_server}/missing.html")


def test_unreachable_url_and_bad_files(tmp_path, monkeypatch):
    with pytest.raises(LoadError, match="POLICYQA_ALLOW_PRIVATE_URLS"):
        load("http://127.0.0.1:9/nothing")          # loopback is refused unless allowed
    monkeypatch.setenv("POLICYQA_ALLOW_PRIVATE_URLS", "1")
    with pytest.raises(LoadError, match="cannot fetch"):
        load("http://127.0.0.1:9/nothing")
    with pytest.raises(LoadError, match="not found"):
        load(tmp_path / "nope.txt")
    (tmp_path / "x.doc").write_bytes(b"\xd0\xcf\x11\xe0 old word")
    with pytest.raises(LoadError, match=".docx"):
        load(tmp_path / "x.doc")
    (tmp_path / "empty.txt").write_bytes(b"  \n")
    with pytest.raises(LoadError, match="empty"):
        load(tmp_path / "empty.txt")


def test_traditional_detected_and_converted_for_indexing():
    assert is_traditional(TRADITIONAL) and not is_traditional(GX)
    assert "数字经济" in to_simplified(TRADITIONAL)


@pytest.mark.parametrize("text,style,labels", [
    (GX, "paren", ["(一)", "(二)", "(三)"]),
    (ARTICLES, "article", ["第一条", "第二条", "第三条"]),
    (TRADITIONAL, "paren", ["（一）", "（二）"]),
    ("一、总则。本办法如下。\n二、附则。本办法自发布之日起施行。\n", "dun", ["一、", "二、"]),
    ("1. 第一项内容。\n2. 第二项内容。\n（3）第三项内容。\n", "arabic", ["1.", "2.", "（3）"]),
])
def test_numbering_styles_round_trip(text, style, labels):
    assert detect_style(text) == style
    p = parse_general(text, DOC)
    assert [c.label for c in p.clauses] == labels
    assert join_segments(p) == text
    for c in p.clauses:
        assert text[c.start:c.end] == c.text


def test_half_width_units_and_parts():
    p = parse_general(GX, DOC)
    assert p.clauses[2].lead_units == ("自治区科技厅",)
    assert [x.title for x in p.parts] == ["优化高新区布局", "提升自主创新能力"]
    assert p.preamble is not None and "国发〔2020〕7号" in p.preamble.text


def test_articles_under_chapters():
    p = parse_general(ARTICLES, DOC)
    assert [x.label for x in p.parts] == ["第一章", "第二章"]
    assert p.clauses[2].part == "第二章 扶持措施"
    assert p.clauses[2].lead_units == ("市科技局",) and p.clauses[2].partner_units == ("财政局",)
    assert p.clauses[0].heading == "为了规范蓝鲸孵化器的管理，制定本办法。"


def test_restarting_labels_are_qualified_by_part():
    text = "一、甲部分\n（一）甲一。\n（二）甲二。\n二、乙部分\n（一）乙一。\n"
    p = parse_general(text, DOC)
    assert [c.label for c in p.clauses] == ["一（一）", "一（二）", "二（一）"]
    assert len({c.key for c in p.clauses}) == 3 and join_segments(p) == text


def test_unnumbered_text_chunks_without_loss():
    text = ("没有编号的一段很长的文字，" * 60 + "。\n") + "短段落。\n" + "另一段。" * 150 + "\n"
    p = parse_general(text, DOC)
    assert all(len(c.text) <= 400 for c in p.clauses)
    assert join_segments(p) == text
    assert "".join(c.text for c in p.clauses).replace("\n", "") == text.replace("\n", "")


def test_empty_document_is_an_error():
    with pytest.raises(CorpusError, match="empty"):
        parse_general(" \n", DOC)
