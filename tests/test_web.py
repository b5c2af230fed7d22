import urllib.request

import pytest

gr = pytest.importorskip("gradio")

from ui.web import browse_html, build_app, highlight, respond, serve  # noqa: E402


def test_handler_returns_answer_with_citations(qa):
    history, panel, cleared = respond(qa, "高新技术企业研发费用能加计扣除多少？", [])
    assert cleared == ""
    assert history[0] == {"role": "user", "content": "高新技术企业研发费用能加计扣除多少？"}
    msg = history[1]["content"]
    assert history[1]["role"] == "assistant"
    assert '<a href="#pqa-1-1">【1】</a>' in msg and "75%" in msg
    assert 'id="pqa-1-1"' in panel and "（五）发展壮大科技企业群。" in panel
    assert "<mark>" in panel and "牵头单位：市科技局" in panel


def test_handler_second_turn_and_refusal(qa):
    history, _, _ = respond(qa, "（十七）", [])
    history, panel, _ = respond(qa, "今天柳州天气怎么样？", history)
    assert len(history) == 4
    assert "知识库中没有找到" in history[3]["content"] or "不能确定知识库" in history[3]["content"]
    assert "最接近的条款" in panel and 'id="pqa-2-1"' in panel


def test_handler_empty_input(qa):
    history, panel, _ = respond(qa, "  ", [])
    assert history == [] and "请输入问题" in panel


def test_highlight_escapes_and_marks():
    out = highlight("<b>科技支行</b>和科技", ["科技支行"], [])
    assert out.startswith("&lt;b&gt;<mark>科技支行</mark>&lt;/b&gt;")


def test_browse_lists_every_measure_with_lead_units(qa):
    page = browse_html(qa)
    assert page.count("<details>") == 22
    assert "一、提高产业自主创新能力" in page and "牵头：市财政局（金融办）" in page


def test_app_builds_and_serves_on_loopback(qa):
    app = build_app(qa)
    assert isinstance(app, gr.Blocks)
    served = serve(qa, host="127.0.0.1", port=7871, block=False)
    try:
        page = urllib.request.urlopen("http://127.0.0.1:7871/", timeout=20).read().decode()
        assert "高新区政策问答助手" in page
    finally:
        served.close()


def test_browse_lists_clauses_of_unnumbered_documents(tmp_path, encoder):
    from corpus import library
    from indexer import store
    from indexer.settings import Settings
    from qa import PolicyQA
    home = tmp_path / "home"
    src = tmp_path / "plain.txt"
    src.write_text("测试市通知（测试用虚构文本）\n没有编号的第一段正文，讲鲸落园区。\n第二段正文。\n", encoding="utf-8")
    library.add(str(src), home, doc_id="test-plain")
    m = library.effective_manifest(home)
    store.build(m, Settings(), home / "index", encoder=encoder)
    page = browse_html(PolicyQA.open(home / "index", manifest=m, encoder=encoder))
    assert "鲸落园区" in page and page.count("<details>") == 22 + 1
