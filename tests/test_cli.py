import json

import pytest

from ui.cli import main


@pytest.fixture
def run(index_root, capsys):
    def _run(*args, stdin=None, monkeypatch=None):
        code = main(["--index-dir", str(index_root), *args])
        out, err = capsys.readouterr()
        return code, out, err
    return _run


def test_search_json_fields(run):
    code, out, err = run("search", "科技支行", "--top-k", "2", "--json")
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 2
    assert set(hits[0]) == {"key", "doc_id", "doc_title", "clause_no", "label", "heading", "text",
                            "lead_units", "partner_units", "score", "ranks",
                            "citation", "doc_level", "doc_date"}
    assert hits[0]["citation"] == "柳州措施（十七）" and hits[0]["doc_date"] == "2021-12-29"
    assert hits[0]["key"] == "liuzhou-2021:17" and hits[0]["clause_no"] == 17
    assert set(hits[0]["ranks"]) == {"bm25", "bigram", "dense", "memory"}


def test_ask_json(run):
    code, out, _ = run("ask", "园区里能建员工宿舍吗？", "--json")
    a = json.loads(out)
    assert code == 0 and a["kind"] == "answer" and a["confidence"] in ("answer", "possible")
    assert a["answered"] is (a["confidence"] == "answer")
    assert a["citations"][0]["clause_no"] in (12, 13)
    code, out, _ = run("ask", "第五条", "--json")
    a = json.loads(out)
    assert (a["kind"], a["confidence"], a["answered"]) == ("lookup", "answer", True)


def test_ask_text_has_citations(run):
    code, out, _ = run("ask", "第十七条")
    assert code == 0
    assert out.startswith("【答复】\n《柳州市关于促进高新技术产业开发区高质量发展的若干措施》（十七）全文如下【1】：")
    assert "\n引用：\n【1】《柳州市" in out


def test_ask_small_talk_prints_the_help_head(run):
    code, out, _ = run("ask", "你好，你是谁")
    assert code == 0 and out.startswith("【使用说明】\n您好！我是高新区政策问答助手") and "【1】" not in out


def test_small_talk_turn_renders_with_the_assistant_badge(qa):
    from ui.render import message_html, turn_from_answer
    html = message_html(turn_from_answer(qa.ask("你好")), 1, qa)
    assert 'class="pqa-tier pqa-tier-help">助手<' in html and "未找到" not in html


def test_batch_from_file_prints_json_lines(run, tmp_path):
    f = tmp_path / "qs.txt"
    f.write_text("（五）\n\n今天柳州天气怎么样？\n", encoding="utf-8")
    code, out, _ = run("ask", "--batch", str(f))
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and len(lines) == 2
    assert lines[0]["question"] == "（五）" and lines[0]["kind"] == "lookup"
    assert lines[1]["answered"] is False and lines[1]["confidence"] in ("possible", "none")
    code, out, _ = run("search", "--batch", str(f), "--top-k", "1")
    assert [len(json.loads(x)["hits"]) for x in out.splitlines()] == [1, 1]


def test_batch_from_stdin(run, monkeypatch):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("第5条\n"))
    code, out, _ = run("ask", "--batch", "-")
    assert code == 0 and json.loads(out)["citations"][0]["clause_no"] == 5


def test_errors_exit_nonzero_with_one_line(run, tmp_path):
    code, out, err = run("ask", "--batch", str(tmp_path / "missing.txt"))
    assert code == 1 and out == ""
    assert err.startswith("policyqa: error: batch file") and err.count("\n") == 1
    code, _, err = run("ask", "   ")
    assert code == 1 and "empty" in err
    code, _, err = run("search", "高新区", "--top-k", "0")
    assert code == 1 and err == "policyqa: error: top-k must be at least 1 (got 0)\n"
    code, _, err = run("lookup", "科技金融")
    assert code == 1 and "第17条" in err


def test_lookup_out_of_range_exits_1(run):
    code, out, _ = run("lookup", "第30条")
    assert code == 1 and "没有第30条" in out


def test_index_up_to_date(run):
    code, out, _ = run("index")
    assert code == 0 and out.startswith("index is up to date: 22 clauses")


def test_docs_lists_missing_parents(run):
    code, out, _ = run("docs", "--json")
    rows = json.loads(out)
    assert code == 0
    assert [(r["id"], r["loaded"]) for r in rows] == [
        ("liuzhou-2021", True), ("gwy-2020-7", False), ("gx-2021", False), ("liuzhou-kjqg-2021", False)]
    assert rows[0]["clauses"] == 21


def test_usage_error_exits_2(run):
    with pytest.raises(SystemExit) as exc:
        main(["search", "x", "--top-k", "many"])
    assert exc.value.code == 2
