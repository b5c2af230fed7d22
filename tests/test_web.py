"""The web handlers and the safe HTML they build (the browser tests drive the served app)."""
import re

import pytest

gr = pytest.importorskip("gradio")

from qa.live import LiveQA  # noqa: E402
from ui import render  # noqa: E402
from ui.web import _clean_turns, clear, respond  # noqa: E402

PAYLOADS = ['<img src=x onerror=alert(1)>', '<svg onload=alert(1)>', '<a href="javascript:alert(1)">x</a>',
            '"><script>alert(1)</script>', "![x](javascript:alert(1))", "[点我](javascript:alert(1))",
            "<img src=x onerror=\"document.title='PWNED'\">", "${alert(1)} {{constructor}}"]


@pytest.fixture()
def live(qa):
    return LiveQA(qa)


def _tags(html: str) -> set[str]:
    return {m.lower() for m in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html)}


def test_answer_with_citations_and_markers(live):
    turns, conv, panel, box, notice = respond(live, "新办企业被认定为高企后，研发经费税前加计扣除按多少比例？", [])
    assert box == "" and notice == "" and len(turns) == 1
    assert turns[0]["citations"] == ["liuzhou-2021:5"] and turns[0]["answered"] is True
    assert 'class="pqa-ref" href="#pqa-1-1" data-turn="1" data-n="1"' in conv and "75%" in conv
    assert 'id="pqa-1-1"' in panel and "（五）发展壮大科技企业群。" in panel
    assert "<mark>" in panel and "牵头单位：市科技局" in panel
    assert "答复" in conv and render.DISCLAIMER in conv      # tier badge; disclaimer in the copy text


def test_every_turn_keeps_its_own_clauses(live):
    turns, *_ = respond(live, "（十七）讲什么", [])
    turns, conv, panel, *_ = respond(live, "园区里能建员工宿舍吗？", turns)
    assert 'id="pqa-1-1"' in panel and 'id="pqa-2-1"' in panel
    sec1 = re.search(r'<section class="pqa-cites" data-turn="1" hidden>.*?</section>', panel, re.S)
    assert sec1 and "liuzhou-2021:17" in sec1.group(0)           # older turn: present, hidden
    assert '<section class="pqa-cites" data-turn="2">' in panel   # newest: shown
    assert 'data-turn="1" data-n="1"' in conv and 'data-turn="2" data-n="1"' in conv


def test_followup_in_the_chat(live):
    turns, *_ = respond(live, "（十七）讲什么", [])
    turns, conv, *_ = respond(live, "牵头单位是谁？", turns)
    assert turns[1]["kind"] == "department" and turns[1]["citations"] == ["liuzhou-2021:17"]
    assert "市财政局（金融办）" in conv
    turns, *_ = respond(live, "园子合并后税收咋分", turns)          # a 可能相关 turn
    assert turns[2]["confidence"] == "possible"
    turns, conv, *_ = respond(live, "牵头单位是谁？", turns)
    assert turns[3]["confidence"] == "possible" and turns[3]["citations"] == turns[2]["citations"]
    assert "上一轮的条款只是可能相关" in conv


@pytest.mark.parametrize("payload", PAYLOADS)
def test_typed_payloads_are_escaped(live, payload):
    turns, conv, panel, *_ = respond(live, payload, [])
    assert _tags(conv) <= {"div", "span", "a", "br", "textarea", "button", "input"}
    assert _tags(panel) <= {"div", "section", "h3", "h4", "p", "br", "mark", "span"}
    assert all(h.startswith("#pqa-") for h in re.findall(r'href="([^"]*)"', conv + panel))
    assert render.esc(payload) in conv                # shown as typed, as text
    if "<" in payload:
        assert payload not in conv and payload not in panel


def test_document_text_is_escaped_in_panel_and_browser():
    out = render.highlight('<script>alert(1)</script>科技支行', ["科技支行"], ["科技支行"])
    assert out.startswith("&lt;script&gt;") and "<mark>科技支行</mark>" in out
    assert "<script" not in out


def test_copy_text_is_plain_with_citations(live):
    turns, conv, *_ = respond(live, "想设立科技支行找哪个部门？", [])
    plain = render.plain_text(turns[0], live.get())
    assert "<" not in plain and "【1】《柳州市关于促进高新技术产业开发区高质量发展的若干措施》（十七）" in plain
    assert plain.endswith(render.DISCLAIMER)


def test_chinese_errors_and_clear(live):
    turns, conv, panel, box, notice = respond(live, "  ", [])
    assert turns == [] and "请输入问题" in notice
    long_q = "研发" * 300
    turns, _, _, box, notice = respond(live, long_q, [])
    assert "问题太长（600字）" in notice and box == long_q
    turns, *_ = respond(live, "（十七）讲什么", [])
    empty, conv, panel, notice = clear(live)
    assert empty == [] and "pqa-turn-a" not in conv and "pqa-cites" not in panel


def test_web_text_drops_command_line_hints(live):
    q = "国务院意见对高新区的土地政策是怎么规定的？"     # names a parent that is not loaded
    a = live.get().ask(q)
    assert "policyqa" not in a.text and "“文件”页" in a.text   # answers carry no CLI hints
    turns, conv, panel, *_ = respond(live, q, [])
    assert "policyqa" not in conv and "policyqa" not in panel and "“文件”页" in conv


def test_turns_from_the_browser_are_checked_and_bounded():
    junk = [None, 5, {"question": 3}, {"question": "q", "citations": ["k", 7], "quotes": [[1, "s"], ["x"]],
                                      "confidence": "<b>", "answer": "a" * 50_000}]
    (t,) = _clean_turns(junk)
    assert t["citations"] == ["k"] and t["quotes"] == [[1, "s"]] and t["confidence"] is None
    assert len(t["answer"]) == 20_000
    assert len(_clean_turns([{"question": str(i)} for i in range(100)])) == 20


def test_tier_badge_uses_confidence_when_present():
    base = {"question": "q", "answer": "a", "citations": [], "kind": "answer"}
    assert render.tier_of({**base, "answered": True}) == "answer"
    assert render.tier_of({**base, "answered": False}) == "none"
    assert render.tier_of({**base, "answered": False, "confidence": "possible"}) == "possible"


def test_documents_table_in_chinese(qa):
    from qa.docs import docs_table
    page = render.docs_html(docs_table(qa))
    assert "市级" in page and "国家级" in page and "自治区级" in page
    assert ">city<" not in page and ">region<" not in page


def test_browse_lists_every_measure_with_lead_units(qa):
    page = render.browse_html(qa)
    assert page.count("<details>") == 22
    assert "一、提高产业自主创新能力" in page and "牵头：市财政局（金融办）" in page


def _qa_with(tmp_path, encoder, seed, text: str, doc_id: str):
    """The city measures plus one document of `text`, indexed, as a PolicyQA."""
    from corpus import library
    from indexer import store
    from indexer.settings import Settings
    from qa import PolicyQA
    home = tmp_path / "home"
    src = tmp_path / f"{doc_id}.txt"
    src.write_text(text, encoding="utf-8")
    library.add(str(src), home, doc_id=doc_id)
    m = library.effective_manifest(home)
    store.build(m, Settings(), seed(home / "index"), encoder=encoder)
    return PolicyQA.open(home / "index", manifest=m, encoder=encoder)


def test_browse_lists_clauses_of_unnumbered_documents(tmp_path, encoder, seed_embeddings):
    qa = _qa_with(tmp_path, encoder, seed_embeddings, "测试市通知（测试用虚构文本）\n没有编号的第一段正文，讲鲸落园区<b>。\n第二段正文。\n",
                  "test-plain")
    page = render.browse_html(qa)
    assert "鲸落园区&lt;b&gt;" in page and page.count("<details>") == 22 + 1


def test_clause_cross_links_name_other_clauses_of_the_same_document(tmp_path, encoder, seed_embeddings):
    from qa.followup import clause_index
    qa = _qa_with(tmp_path, encoder, seed_embeddings, "测试市蓝莓办法（测试用虚构文本）\n第一条 为了扶持蓝莓种植，制定本办法。\n"
                  "第二条 对蓝莓基地给予补贴。\n第三条 补贴标准按照第二条执行，第九条不存在。\n", "test-xref")
    third = clause_index(qa)["test-xref:3"]
    assert render.cross_refs(qa, third) == [(third.text.index("第二条"), third.text.index("第二条") + 3,
                                            "test-xref:2")]
    html = render.clause_block(qa, "test-xref:3", 1, 1, [], [])
    assert 'data-key="test-xref:2"' in html and "第九条" in html and html.count("pqa-xref") == 1


def test_browse_spells_out_documents_up_to_a_clause_budget_then_lists_titles(tmp_path, encoder, seed_embeddings):
    qa = _qa_with(tmp_path, encoder, seed_embeddings, "测试条例<i>（测试用虚构文本）\n第一条 鲸落园区的管理。\n第二条 鲸落园区的补助。\n",
                  "test-b")
    whole = render.browse_html(qa)
    assert "鲸落园区的补助" in whole and "其余" not in whole
    page = render.browse_html(qa, limit=5)          # the city measures alone pass the budget
    assert page.count("<details>") == 22 and "鲸落园区" not in page
    assert "其余1个文件（只列标题）" in page and "测试条例&lt;i&gt;" in page and "<i>" not in page
    assert "（，" not in page and "，，" not in page            # no empty issuer or date
    assert render.browse_html(qa, limit=0).count("<details>") == 22     # the first always shown
