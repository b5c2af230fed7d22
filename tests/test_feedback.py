import json
import sqlite3

import pytest

from eval.questions import QuestionSetError, load_questions
from qa.feedback import FeedbackError, FeedbackStore
from ui.cli import main


def test_votes_are_stored_and_exported_as_eval_lines(tmp_path):
    fb = FeedbackStore(tmp_path / "fb.sqlite3")
    fb.add("科技支行找谁？", "由市财政局牵头【1】", "department", ["liuzhou-2021:17"], 1, "有用")
    fb.add("宿舍", "…", "answer", ["liuzhou-2021:12"], -1)
    fb.add("宿舍", "…", "answer", ["liuzhou-2021:13"], 1, "改了")      # same question: latest wins
    rows = fb.rows()
    assert [r["rating"] for r in rows] == [1, -1, 1] and rows[0]["citations"] == ["liuzhou-2021:17"]
    lines = fb.export_lines()
    assert [ln["question"] for ln in lines] == ["科技支行找谁？", "宿舍"]
    assert lines[0]["type"] == "department" and lines[0]["gold"] == []
    assert lines[1]["feedback"]["cited"] == ["liuzhou-2021:13"] and lines[1]["feedback"]["comment"] == "改了"


@pytest.mark.parametrize("kw,msg", [({"question": " "}, "缺少问题"), ({"rating": 0}, "rating"),
                                    ({"comment": "长" * 501}, "意见超过"), ({"question": "问" * 501}, "问题超过")])
def test_bad_feedback_is_refused_in_chinese(tmp_path, kw, msg):
    fb = FeedbackStore(tmp_path / "fb.sqlite3")
    args = {"question": "q", "answer": "a", "kind": "answer", "citations": [], "rating": 1, "comment": ""}
    with pytest.raises(FeedbackError, match=msg):
        fb.add(**{**args, **kw})
    assert fb.rows() == []


def test_text_is_stored_as_data_not_sql(tmp_path):
    fb = FeedbackStore(tmp_path / "fb.sqlite3")
    evil = "'); DROP TABLE feedback; --"
    fb.add(evil, evil, "answer", [], -1, evil)
    assert fb.rows()[0]["question"] == evil
    assert sqlite3.connect(tmp_path / "fb.sqlite3").execute("select count(*) from feedback").fetchone() == (1,)


def test_cli_export_writes_lines_eval_refuses_until_gold_is_filled(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POLICYQA_FEEDBACK", str(tmp_path / "fb.sqlite3"))
    FeedbackStore().add("园区能建宿舍吗", "…", "answer", ["liuzhou-2021:12"], -1, "没答到点子上")
    out = tmp_path / "new.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    line = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert line["question"] == "园区能建宿舍吗" and line["gold"] == []
    with pytest.raises(QuestionSetError, match="empty gold"):
        load_questions(out)
    line["gold"] = ["liuzhou-2021:12"]
    out.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    assert load_questions(out)[0]["gold"] == ["liuzhou-2021:12"]
    assert main(["feedback", "export"]) == 0
    assert "园区能建宿舍吗" in capsys.readouterr().out
