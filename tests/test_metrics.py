import math

import pytest

from eval.metrics import answer_checks, ranking_metrics, refusal_metrics
from eval.questions import QuestionSetError, load_questions


def test_ranking_metrics_by_hand():
    qrels = {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}}
    run = {"q1": {"x": 3.0, "a": 2.0, "b": 1.0}, "q2": {"c": 1.0, "a": 0.5}}
    m = ranking_metrics(qrels, run)
    assert m["hit_rate@1"] == pytest.approx(0.5)         # only q2 has gold first
    assert m["hit_rate@3"] == pytest.approx(1.0)
    assert m["recall@1"] == pytest.approx(0.5)           # q1: 0/2, q2: 1/1
    assert m["recall@3"] == pytest.approx(1.0)
    assert m["mrr@10"] == pytest.approx((1 / 2 + 1) / 2)
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3)
    assert m["ndcg@10"] == pytest.approx((dcg / idcg + 1) / 2)


def test_query_without_results_scores_zero():
    m = ranking_metrics({"q1": {"a": 1}, "q2": {"b": 1}}, {"q1": {"a": 1.0}})
    assert m["hit_rate@1"] == pytest.approx(0.5) and m["mrr@10"] == pytest.approx(0.5)


def test_refusal_metrics_by_hand():
    refused = {"a": True, "b": True, "c": False, "d": False, "e": True}
    oos = {"a": True, "b": False, "c": True, "d": False, "e": True}
    m = refusal_metrics(refused, oos)
    assert (m["tp"], m["fp"], m["fn"]) == (2, 1, 1)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    assert refusal_metrics({}, {})["f1"] == 0.0


def test_answer_checks():
    a = {"answered": True, "answer": "可按规定享受75%……【1】",
         "citations": [{"key": "d:5"}, {"key": "d:99"}]}
    c = answer_checks(a, ["d:5"], ["75%"], {"d:5", "d:6"})
    assert c == {"answered": True, "first_citation_gold": True, "citations_exist": False,
                 "must_present": True}
    assert not answer_checks({"answer": "", "citations": []}, ["d:5"], ["x"], set())["first_citation_gold"]


def test_question_set_is_valid_and_complete():
    qs = load_questions()
    assert len(qs) >= 200
    types = {q["type"] for q in qs}
    assert types == {"fact", "paraphrase", "lookup", "department", "multi", "meta", "out_of_scope"}
    assert sum(q["type"] == "out_of_scope" for q in qs) >= 30
    for n in range(1, 22):
        assert sum(f"liuzhou-2021:{n}" in q["gold"] for q in qs) >= 5, n


def test_bad_question_file(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "x", "gold": [], "type": "fact"}\n', encoding="utf-8")
    with pytest.raises(QuestionSetError, match="only they"):
        load_questions(f)
    f.write_text('{"id": "a"\n', encoding="utf-8")
    with pytest.raises(QuestionSetError, match=":1: not JSON"):
        load_questions(f)


def test_eval_smoke_on_five_questions(index_root, tmp_path, capsys):
    from ui.cli import main
    code = main(["--index-dir", str(index_root), "eval", "--limit", "5", "--out", str(tmp_path), "--json"])
    assert code == 0
    import json
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"dev", "test", "holdout", "_bridges"}
    m = out["test"]
    assert m["n"] == 5 and set(m["methods"]) == {"bm25", "bigram", "dense", "memory", "hybrid", "auto"}
    assert 0.0 <= m["methods"]["auto"]["hit_rate@1"] <= 1.0
    assert set(m["tiers"]) >= {"in_answer", "in_answer_wrong", "in_none", "out_answer"}
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| search Recall@1 |" in report and "| dev | test |" in report
    assert "## Failed test questions" in report and "## Failed holdout questions" in report
    assert "## Failed dev questions" not in report                 # dev is fitted on
    assert (tmp_path / "recall_at_k.png").stat().st_size > 1000
