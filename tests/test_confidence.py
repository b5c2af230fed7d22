"""Confidence tiers: the model, the Answer fields, and what `ask` does with them."""
import json

import pytest

from qa.confidence import OUT_FEATURES, TOP_FEATURES, Logistic, TierModel
from qa.types import Answer


def _model(none_at=0.5, out_at=0.2, ok_at=0.7):
    # P(out) rises with `known` falling; P(correct) rises with `agree`
    out = Logistic(OUT_FEATURES, (0, 0, 0.5, 0), (1, 1, 0.1, 1), (0, 0, -1.0, 0), 0.0)
    top = Logistic(TOP_FEATURES, (1.5, 0, 0, 0, 0, 0), (0.5, 1, 1, 1, 1, 1), (1.0, 0, 0, 0, 0, 0), 0.0)
    return TierModel(out, top, none_at, out_at, ok_at)


def _sig(known, agree):
    return {"dense": 0.9, "coverage": 0.5, "known": known, "bm25_share": 0.5, "agree": agree,
            "margin": 0.1, "dense_margin": 0.01, "memory": 0.8}


def test_tiers_from_the_two_probabilities():
    m = _model()
    assert m.decide(_sig(known=0.2, agree=3))[0] == "none"        # P(out) = σ(3) ≥ 0.5
    assert m.decide(_sig(known=0.9, agree=3))[0] == "answer"      # P(out) = σ(-4), P(ok) = σ(3)
    assert m.decide(_sig(known=0.9, agree=1))[0] == "possible"    # P(ok) = σ(-1) < 0.7
    assert m.decide(_sig(known=0.6, agree=3))[0] == "possible"    # P(out) = σ(-1) ≥ 0.2
    p = m.out_of_scope.probability(_sig(known=0.2, agree=3))
    assert p == pytest.approx(1 / (1 + 2.718281828 ** -3), rel=1e-6)


def test_model_round_trips_and_rejects_other_features():
    m = _model()
    assert TierModel.from_json(json.loads(json.dumps(m.to_json()))) == m
    bad = m.to_json()
    bad["top_correct"]["features"] = ["agree"]
    with pytest.raises(ValueError, match="recalibrate"):
        TierModel.from_json(bad)


def test_answered_only_for_the_confident_tier():
    assert Answer("q", "answer", "t").answered                        # default: answer
    assert not Answer("q", "answer", "t", confidence="possible").answered
    assert Answer("q", "refusal", "t").confidence == "none"
    j = Answer("q", "answer", "t", confidence="possible").to_json()
    assert j["confidence"] == "possible" and j["answered"] is False and j["kind"] == "answer"
    with pytest.raises(ValueError, match="confidence"):
        Answer("q", "answer", "t", confidence="sure")


def test_shipped_model_is_fitted_for_the_default_encoder(qa):
    assert qa.tiers.encoder == qa.data.params["encoder"]
    assert 0 < qa.tiers.out_at <= qa.tiers.none_at < 1


@pytest.mark.parametrize("q", [
    "个人所得税专项附加扣除怎么算", "深圳高新区对企业有什么补贴", "今天柳州天气怎么样？"])
def test_out_of_scope_is_never_a_confident_answer(qa, q):
    a = qa.ask(q)
    assert a.confidence != "answer" and not a.answered
    assert "知识库" in a.text and len(a.citations) >= 1


def test_refusal_names_what_the_knowledge_base_holds(qa):
    a = qa.ask("北京中关村对企业有什么补贴")       # a place the corpus never names
    assert a.confidence == "none" and a.kind == "refusal"
    assert "知识库目前收录：柳州措施" in a.text and "中关村" in a.text and "只收录" not in a.text
    assert "最接近的条款" in a.text and len(a.citations) == 3


@pytest.mark.parametrize("ok_at,tier", [(1.01, "possible"), (0.0, "answer")])
def test_ask_follows_the_tier_model(qa, monkeypatch, ok_at, tier):
    from qa.compose import POSSIBLE_HEAD
    from qa.engine import PolicyQA
    shipped = qa.tiers
    model = TierModel(shipped.out_of_scope, shipped.top_correct, 1.01, 1.01, ok_at)
    monkeypatch.setattr(PolicyQA, "tiers", property(lambda self: model))
    a = qa.ask("研发费用加计扣除")
    assert a.confidence == tier and a.answered == (tier == "answer")
    if tier == "possible":
        assert a.text.startswith(POSSIBLE_HEAD) and len(a.citations) == 3
        assert all(f"【{i}】" in a.text for i in (1, 2, 3))
    else:
        assert "出处：" in a.text and a.citations[0].clause.no == 5


def test_confident_answer_quotes_first_then_sources(qa, monkeypatch):
    from qa.engine import PolicyQA
    shipped = qa.tiers
    always = TierModel(shipped.out_of_scope, shipped.top_correct, 1.01, 1.01, 0.0)
    monkeypatch.setattr(PolicyQA, "tiers", property(lambda self: always))
    a = qa.ask("高新技术企业研发费用能加计扣除多少？")
    assert a.confidence == "answer" and a.citations[0].clause.no == 5
    first, rest = a.text.split("\n", 1)
    assert first.startswith("“") and "75%" in first and first.endswith("【1】")
    assert "出处：" in rest and "（五）" in rest and "牵头单位：市科技局" in rest
    assert "policyqa add" not in a.text and "未加载" not in a.text


def test_a_clause_naming_the_industry_outright_comes_first(qa):
    # 生物医药 appears in （七） only: both lexical runs single it out, dense prefers （二）
    runs = qa.searcher.runs("生物医药企业有什么支持")
    top_dense = max(runs.dense, key=runs.dense.get)
    assert top_dense != "liuzhou-2021:7"              # the case the exact-phrase bonus is for
    assert qa.search("生物医药企业有什么支持", top_k=1)[0].clause.no == 7


def test_exact_phrase_bonus_can_be_switched_off(qa):
    from dataclasses import replace
    from qa.ranking import Searcher
    # a lighter lexical weight and no memory run (the example memory has a question about
    # 生物医药 since dev5), under which the dense run outvotes the lexical ones
    base = replace(qa.settings, w_bm25=0.5, w_memory=0.0)
    on = Searcher(qa.data, qa.searcher.encoder, base)
    off = Searcher(qa.data, qa.searcher.encoder, replace(base, lex_boost=0.0))
    runs = off.runs("生物医药企业有什么支持")
    assert off.fuse(runs)[0][0] != "liuzhou-2021:7"
    assert on.fuse(runs)[0][0] == "liuzhou-2021:7"


def test_tuning_and_calibration_refuse_the_test_split():
    from eval import calibrate, tune
    assert tune.main(["--dev", "eval/test.jsonl"]) == 2
    assert calibrate.main(["--dev", "eval/test.jsonl"]) == 2
    assert tune.main(["--dev", "eval/holdout.jsonl"]) == 2
    assert calibrate.main(["--dev", "eval/questions.jsonl", "eval/holdout.jsonl"]) == 2


def test_evidence_is_measured_in_scope_not_over_the_library(tmp_path, manifest, index_root, encoder):
    """A library that holds a Beijing regulation beside the city measures: in the default
    scope a question about Beijing still names a place the scope never mentions, and the
    lexical signals do not grow with the library."""
    import shutil
    from corpus import library
    from indexer import store
    from indexer.settings import Settings
    from qa import PolicyQA
    from qa.filters import Filters, allowed_keys
    home, root = tmp_path / "home", tmp_path / "idx"
    root.mkdir()
    shutil.copytree(index_root / "embeddings", root / "embeddings")
    src = tmp_path / "bj.txt"
    src.write_text("北京市科技企业补贴办法（测试用虚构文本）\n第一条 北京市对高新技术企业给予研发补贴。\n"
                   "第二条 北京市科技企业孵化器按面积给予奖励。\n", encoding="utf-8")
    library.add(str(src), home, doc_id="bj-test", level="city")
    store.build(library.effective_manifest(home), Settings(), root, encoder=encoder)
    qa = PolicyQA(store.load(root), encoder, Settings())
    q = "北京市的高新技术企业有什么研发补贴？"
    family = allowed_keys(qa, Filters())
    _, _, ev = qa.evidence(q, family)
    assert ev.foreign_place == "北京"
    _, _, ev_all = qa.evidence(q, allowed_keys(qa, Filters(scope="all")))
    assert ev_all.foreign_place == ""                     # the library does mention it
    assert 0 < ev.bm25_share <= 1 and 0 < ev_all.bm25_share <= 1
    city = PolicyQA.open(index_root, manifest=manifest, settings=Settings(), encoder=encoder)
    q2 = "高新技术企业研发费用加计扣除"
    _, _, alone = city.evidence(q2)
    _, _, beside = qa.evidence(q2, family)
    assert beside.known == pytest.approx(alone.known)     # the same clauses in scope


@pytest.mark.parametrize("figure_missing, confident", [(True, 4), (False, 0)])
def test_calibration_spends_no_budget_on_questions_the_figure_rule_demotes(figure_missing, confident):
    """An out-of-scope question asking for a figure its clauses lack is shown as 可能相关 by
    qa/quantity.py whatever the tiers say: it must not block confident answers elsewhere."""
    import numpy as np
    from eval.calibrate import choose
    rows = [{"oos": False, "correct": True} for _ in range(4)] + \
        [{"oos": True, "correct": False, "demoted": figure_missing}]
    p_out, p_ok = np.full(5, 0.01), np.full(5, 0.99)
    _, _, stats = choose(rows, p_out, p_ok, max_refused=0.0, max_wrong=0.0)
    assert stats["confident_in_scope"] == confident
    assert stats["confident_out_of_scope"] == 0


def test_backend_parity_compares_the_products_ranking_on_both_sides(qa):
    """eval/parity.py's embedded side must rank as the product does (exact-phrase bonus
    included), so that any difference it reports is the backend's."""
    from dataclasses import replace
    from types import SimpleNamespace
    from eval.parity import parity
    from qa.ranking import Searcher
    # settings under which the bonus decides the first clause (see the test above)
    s = replace(qa.settings, w_bm25=0.5, w_memory=0.0)
    engine = SimpleNamespace(data=qa.data, searcher=Searcher(qa.data, qa.searcher.encoder, s))
    qs = [{"id": "a", "question": "生物医药企业有什么支持", "gold": ["liuzhou-2021:7"],
           "type": "paraphrase"}]
    out = parity(engine, qs)
    assert out["hybrid_top1_agree"] == 1.0
    assert out["methods"]["hybrid"]["engine_r1"] == out["methods"]["hybrid"]["embedded_r1"] == 1.0
