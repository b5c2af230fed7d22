"""Follow-up questions resolved against the previous answer's clauses."""
import pytest

from qa.followup import is_followup, prior_keys


def _turn(a):
    return {"question": a.question, "citations": [h.key for h in a.citations], "answered": a.answered}


def _chat(qa, *questions):
    history, answers = [], []
    for q in questions:
        a = qa.ask(q, history=history)
        answers.append(a)
        history.append(_turn(a))
    return answers


def test_lead_then_partner_after_a_lookup(qa):
    first, lead, partner = _chat(qa, "（十七）讲什么", "牵头单位是谁？", "那配合单位呢")
    assert [h.key for h in first.citations] == ["liuzhou-2021:17"]
    assert lead.kind == "department" and [h.key for h in lead.citations] == ["liuzhou-2021:17"]
    assert "牵头单位：市财政局（金融办）" in lead.text and "【1】" in lead.text
    assert partner.evidence["followup"]["intent"] == "partner"
    assert "配合单位：市发展改革委" in partner.text and "牵头单位" not in partner.text


def test_same_question_without_history_is_not_a_followup(qa):
    alone = qa.ask("牵头单位是谁？")
    assert "followup" not in alone.evidence


def test_followup_follows_the_latest_answer(qa):
    *_, lead = _chat(qa, "（十七）讲什么", "新办企业被认定为高企后，研发经费税前加计扣除按多少比例？", "牵头单位是谁？")
    assert [h.key for h in lead.citations] == ["liuzhou-2021:5"]
    assert "市科技局" in lead.text


def test_when_it_takes_effect_and_the_text(qa):
    _, when, text = _chat(qa, "（十七）讲什么", "这条什么时候开始执行", "上一条的原文")
    assert when.evidence["followup"]["intent"] == "effective"
    assert "未写明施行" in when.text and "2021年12月29日" in when.text
    assert text.kind == "lookup" and "全文如下【1】" in text.text
    assert text.citations[0].clause.text in text.text


def test_a_new_topic_is_not_taken_for_a_followup(qa):
    history = [{"question": "（十七）讲什么", "citations": ["liuzhou-2021:17"]}]
    assert not is_followup(qa, "高新技术企业研发费用能加计扣除多少？", history)
    assert not is_followup(qa, "市科技局牵头哪些措施", history)
    assert not is_followup(qa, "（五）讲什么", history)
    a = qa.ask("园区里能建员工宿舍吗？", history=history)
    assert "liuzhou-2021:17" not in [h.key for h in a.citations]


def test_a_clause_named_before_那条_is_not_a_followup(qa):
    """Seen in the browser: after a document answer (citing the preamble) "加大财政投入力度那条
    由谁牵头？" was taken for a follow-up and answered "序言——牵头单位：未写明"."""
    _, named = _chat(qa, "这个是依据什么定的？", "加大财政投入力度那条由谁牵头？")
    assert "followup" not in named.evidence and named.citations[0].key == "liuzhou-2021:20"
    assert "牵头单位：市财政局、发展改革委，各县区人民政府、新区管委会" in named.text
    history = [{"question": "（十七）讲什么", "citations": ["liuzhou-2021:17"]}]
    assert is_followup(qa, "刚才那条的配合单位呢", history)
    assert not is_followup(qa, "科技金融那条谁牵头", history)


def test_units_of_a_preamble_are_not_a_followup_answer(qa):
    _, lead = _chat(qa, "这个是依据什么定的？", "牵头单位是谁？")
    assert "followup" not in lead.evidence and "未写明" not in lead.text


def test_refused_turns_and_unknown_keys_are_skipped(qa):
    history = [{"question": "（十七）讲什么", "citations": ["liuzhou-2021:17"]},
               {"question": "天气", "citations": ["liuzhou-2021:3"], "answered": False},
               {"question": "x", "citations": ["no-such:1", 5]}, "junk"]
    assert prior_keys(qa, history) == ["liuzhou-2021:17"]
    assert qa.ask("牵头单位是谁？", history=history).citations[0].key == "liuzhou-2021:17"


def test_topic_followup_asks_with_the_clause_as_context(qa):
    _, more = _chat(qa, "（十七）讲什么", "这条支持哪些贷款")
    assert more.evidence["followup"]["intent"] == "topic"
    assert more.citations and more.citations[0].key == "liuzhou-2021:17"


@pytest.mark.parametrize("history", [None, [], "not a list", [{"citations": []}]])
def test_no_usable_history_means_a_normal_answer(qa, history):
    a = qa.ask("（十七）讲什么", history=history)
    assert a.kind == "lookup" and "followup" not in a.evidence


def test_cli_chat_carries_the_conversation(index_root):
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "ui.cli", "--index-dir", str(index_root), "chat"],
                       input="（十七）讲什么\n牵头单位是谁？\n清空\n牵头单位是谁？\n退出\n（五）\n",
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    turns = r.stdout.split("问> ")
    assert "全文如下" in turns[1]
    assert "牵头单位：市财政局（金融办）" in turns[2] and "（已清空对话）" in turns[2]
    assert "创新开展科技金融服务" not in turns[3]          # after 清空 there is nothing to refer to
    assert len(turns) == 4                                 # 退出 ends before （五）


def test_a_followup_of_a_possibly_related_answer_stays_possibly_related(qa):
    first = qa.ask("园子合并后税收咋分")
    assert first.confidence == "possible" and not first.answered
    keys = [h.key for h in first.citations]
    turn = {"question": first.question, "citations": keys, "answered": first.answered,
            "confidence": first.confidence}
    lead = qa.ask("牵头单位是谁？", history=[turn])
    assert lead.evidence["followup"] == {"intent": "lead", "of": keys, "ref": "last", "prior": "possible"}
    assert lead.confidence == "possible" and not lead.answered
    assert lead.text.startswith("上一轮的条款只是可能相关")
    assert [h.key for h in lead.citations] == keys                # every clause it offered
    text = qa.ask("上一条的原文", history=[turn])
    assert text.confidence == "possible" and text.citations[0].key == keys[0]
    refused = dict(turn, confidence="none")                       # a refusal's nearest clauses
    assert "followup" not in qa.ask("牵头单位是谁？", history=[refused]).evidence
    old_client = {k: v for k, v in turn.items() if k != "confidence"}   # no tier sent: skipped
    assert "followup" not in qa.ask("牵头单位是谁？", history=[old_client]).evidence


def test_a_units_part_in_the_last_answers_clause(qa):
    _, customs, org, role = _chat(qa, "（十一）讲什么", "海关也是配合单位吗", "组织部有参与吗",
                                  "科技局在里面算什么角色")
    assert customs.evidence["followup"]["intent"] == "member"
    assert customs.text.startswith("柳州海关：是柳州措施（十一）科学规划建设高新区的配合单位")
    assert org.text.startswith("市委组织部：不在柳州措施（十一）")
    assert "牵头单位：市科技局" in org.text                      # the bracket, to check by eye
    assert role.text.startswith("市科技局：是柳州措施（十一）科学规划建设高新区的牵头单位")
    bank = qa.ask("人民银行有参与吗", history=[{"question": "（十七）讲什么",
                                              "citations": ["liuzhou-2021:17"], "answered": True}])
    assert bank.text.startswith("人民银行柳州市中心支行：是柳州措施（十七）")   # the name before its place
    listed = qa.ask("财政局牵头的有哪几条", history=[_turn(customs)])     # names its own subject
    assert "followup" not in listed.evidence and len(listed.citations) == 3


def test_an_item_of_the_last_list_by_its_place(qa):
    history = [{"question": "q", "citations": ["liuzhou-2021:13", "liuzhou-2021:12"], "answered": True}]
    second = qa.ask("你说的第二条是谁牵头的", history=history)
    assert second.evidence["followup"] == {"intent": "lead", "of": ["liuzhou-2021:12"], "ref": "ordinal"}
    first = qa.ask("上面第一个讲的啥", history=history)
    assert first.kind == "lookup" and [h.key for h in first.citations] == ["liuzhou-2021:13"]
    assert qa.ask("第二条讲什么", history=history).citations[0].key == "liuzhou-2021:2"   # clause （二）
    assert "followup" not in qa.ask("你说的第五条是谁牵头的", history=history).evidence   # no 5th item


def test_figure_and_unit_list_followups(qa):
    _, money, units = _chat(qa, "（九）讲什么", "具体补多少钱写了没", "牵头和配合分别是哪些单位")
    assert money.evidence["followup"]["intent"] == "figure" and money.citations[0].key == "liuzhou-2021:9"
    assert units.evidence["followup"]["intent"] == "lead"
    assert "配合单位：各县区人民政府、新区管委会，市教育局" in units.text


def test_effective_date_followup_cites_where_the_issue_date_stands(qa):
    _, when = _chat(qa, "（十七）讲什么", "这个措施从什么时候开始执行的")
    assert "未写明施行" in when.text and [h.key for h in when.citations] == ["liuzhou-2021:0"]
    assert qa.ask("这文件是啥时候发的").kind == "meta"


def test_a_topic_followup_keeps_the_tier_of_its_answer(qa):
    history = [{"question": "孵化器有补助吗", "citations": ["liuzhou-2021:9"], "answered": True}]
    a = qa.ask("具体能补多少万", history=history)          # （九） gives no amount
    assert a.evidence["followup"]["intent"] == "figure"
    assert a.confidence == "possible" and not a.answered and "没有写明" in a.text


def test_a_unit_named_with_only_words_of_taking_part(qa):
    history = [{"question": "（十一）讲什么", "citations": ["liuzhou-2021:11"], "answered": True}]
    assert qa.ask("柳州海关呢？", history=history).text.startswith("柳州海关：是柳州措施（十一）")
    edu = qa.ask("这个是教育局牵头吗", history=history)
    assert edu.text.startswith("市教育局：不在柳州措施（十一）")
    assert "followup" not in qa.ask("市科技局牵头哪些？", history=history).evidence   # a list: its own


def test_the_first_question_of_the_conversation(qa):
    history = [{"question": "孵化器有补助吗", "citations": ["liuzhou-2021:9"], "answered": True},
               {"question": "土地呢", "citations": ["liuzhou-2021:12"], "answered": True}]
    a = qa.ask("我第一个问的孵化器那条，是谁牵头？", history=history)
    assert a.question == "我第一个问的孵化器那条，是谁牵头？"
    assert a.evidence["followup"]["of"] == ["liuzhou-2021:9"] and a.kind == "department"
    assert qa.ask("牵头的是谁", history=history).citations[0].key == "liuzhou-2021:12"   # the last
