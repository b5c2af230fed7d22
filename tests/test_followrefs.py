"""Follow-ups that point at more than the last answer (qa/followrefs.py): two clauses at once,
an earlier topic named again, a part of the last answer, the asker's own unit, a unit carried
from the last question; and document questions a follow-up must not swallow."""
from qa.followup import followup_key
from qa.followup import SELF_UNIT_NOTE, is_followup

K = "liuzhou-2021:"


def _turn(a):
    return {"question": a.question, "citations": [h.key for h in a.citations],
            "answered": a.answered, "confidence": a.confidence}


def _chat(qa, *questions):
    history, answers = [], []
    for q in questions:
        a = qa.ask(q, history=history or None)
        answers.append(a)
        history.append(_turn(a))
    return answers


def _cited(a):
    return [h.key.removeprefix(K) for h in a.citations]


def _prior(*nos, possible=False, question="q"):
    return {"question": question, "citations": [f"{K}{n}" for n in nos], "answered": not possible,
            "confidence": "possible" if possible else "answer"}


def test_two_clauses_at_once_their_lead_units_compared(qa):
    *_, same = _chat(qa, "（三）讲什么", "（九）讲什么", "这两条的牵头单位一样吗")
    assert _cited(same) == ["3", "9"] and same.evidence["followup"]["ref"] == "pair"
    assert "各县区人民政府" in same.text and "市发展改革委" in same.text
    assert same.text.endswith("两条的牵头单位不完全相同。")
    *_, each = _chat(qa, "（四）讲什么", "（十）讲什么", "两条各自谁牵头")
    assert _cited(each) == ["4", "10"] and each.text.endswith("两条的牵头单位相同。")


def test_two_clauses_side_by_side_and_a_named_one_beside_this(qa):
    *_, diff = _chat(qa, "（一）讲什么", "（四）讲什么", "这两条有什么区别")
    assert diff.kind == "lookup" and _cited(diff) == ["1", "4"]
    assert "关键核心技术攻关" in diff.text and "中试基地" in diff.text
    *_, named = _chat(qa, "（十二）讲什么", "第十三条也有个15%，跟这个有什么区别")
    assert _cited(named) == ["12", "13"]


def test_two_words_inside_a_new_question_are_not_a_pair(qa):
    history = [_prior(3), _prior(9)]
    a = qa.ask("哪两条措施提到科技金融", history=history)
    assert a.evidence.get("followup", {}).get("ref") != "pair"


def test_back_to_an_earlier_topic_by_its_words(qa):
    *_, back = _chat(qa, "（六）讲什么", "（七）讲什么", "（十七）讲什么", "再回到链长制那条，牵头单位有几个")
    assert _cited(back) == ["6"] and back.evidence["followup"]["ref"] == "back"
    assert "投资促进局" in back.text
    # the clause may be any the earlier turn cited, not only its first
    history = [_prior(7, 8, 13), _prior(3)]
    a = qa.ask("回到产城融合那条，牵头单位是谁", history=history)
    assert _cited(a) == ["13"]


def test_back_with_no_shared_words_takes_the_turn_before_the_last(qa):
    history = [_prior(10), _prior(20)]
    a = qa.ask("回到刚才那个事，谁牵头", history=history)
    assert _cited(a) == ["10"] and "市科技局" in a.text


def test_back_answers_within_the_clause_it_names(qa):
    history = [_prior(19), _prior(3)]
    a = qa.ask("回到组织领导那条，县区要承担什么", history=history)
    assert _cited(a) == ["19"] and "主体责任" in a.text


def test_a_part_of_the_last_answer(qa):
    history = [_prior(11, 4, 13, possible=True)]
    a = qa.ask("我主要想问的是其中管理机构那部分，要求是什么", history=history)
    assert _cited(a) == ["11"] and "规范管理机构权责" in a.text
    assert a.confidence == "possible" and a.text.startswith("上一轮的条款只是可能相关")
    sure = qa.ask("我主要想问的是其中管理机构那部分，要求是什么", history=[_prior(11)])
    assert sure.confidence == "answer" and sure.quotes and "管理机构" in sure.quotes[0][1]


def test_what_about_x_within_the_last_clause(qa):
    history = [_prior(21, question="什么情况下高新区会被市政府责成限期整改？")]
    a = qa.ask("自治区级的呢", history=history)
    assert _cited(a) == ["21"] and "连续2年末2位" in a.text      # the 限期整改 sentence
    b = qa.ask("自治区级高新区呢，有什么要求", history=[_prior(14)])
    assert _cited(b) == ["14"] and "循环化改造" in b.text


def test_what_about_x_elsewhere_stands_on_its_own(qa):
    # 园区 and 建设 are in most clauses: they do not tie 绿色园区建设 to （十三）
    a = qa.ask("那绿色园区建设呢", history=[_prior(13, 12)])
    assert "followup" not in a.evidence and _cited(a)[0] == "14"
    # the rest asks about 融资, which （五） does not hold
    b = qa.ask("瞪羚企业呢，融资上有支持吗", history=[_prior(5)])
    assert "followup" not in b.evidence


def test_the_askers_own_unit_unnamed(qa):
    a = qa.ask("我们局在这条是牵头还是配合", history=[_prior(14)])
    assert a.kind == "department" and a.text.startswith(SELF_UNIT_NOTE)
    assert "市生态环境局" in a.text and _cited(a) == ["14"]
    b = qa.ask("配合单位里有没有我们的监管部门", history=[_prior(17)])
    assert "柳州银保监分局" in b.text


def test_a_unit_carried_from_the_last_question(qa):
    first, more = _chat(qa, "大数据发展局在高新区措施里牵头什么？", "还在哪条当配合")
    assert _cited(first) == ["16"]
    assert more.kind == "department" and _cited(more) == ["7"] and "市大数据发展局" in more.text
    assert not is_followup(qa, "还在哪条当配合", [_prior(16, question="（十六）讲什么")])


def test_document_questions_are_not_followups(qa):
    a = qa.ask("这文件是哪个单位发的", history=[_prior(19)])
    assert a.kind == "meta" and "柳州市人民政府" in a.text


def test_when_the_document_takes_effect_asked_on_its_own(qa):
    for q in ("这份文件什么时候开始施行", "整个文件是哪天生效的", "这份文件有效期几年"):
        a = qa.ask(q)
        assert a.kind == "meta" and "未写明施行（开始执行）日期及有效期" in a.text, q
        assert "2021年12月29日" in a.text and _cited(a) == ["0"]
        assert a.confidence == "possible"        # silent on it: no confident answer
    agreed = qa.ask("这份高新区文件是经过市委市政府同意的吗？")
    assert agreed.kind == "meta" and "已经市委、市人民政府同意" in agreed.text


def test_the_answer_cache_keys_a_followup_by_the_whole_conversation(qa):
    from qa.live import LiveQA
    live = LiveQA(qa, interval=3600)
    a = [_prior(17), _prior(6)]
    b = [_prior(12), _prior(6)]                     # the same last turn, another first one
    assert followup_key(qa, "我第一个问的那条谁牵头", a) != followup_key(qa, "我第一个问的那条谁牵头", b)
    assert followup_key(qa, "牵头单位是谁？", a) == followup_key(qa, "牵头单位是谁？", b)   # both: （六）
    first_a = live.ask("我第一个问的那条谁牵头", history=a)
    first_b = live.ask("我第一个问的那条谁牵头", history=b)
    assert _cited(first_a) == ["17"] and _cited(first_b) == ["12"]


def test_the_askers_unit_named_earlier_is_we(qa):
    history = [_prior(5, question="研发费用加计扣除比例是多少"),
               _prior(5, question="我们税务局在这条里头是什么身份？")]
    a = qa.ask("除了这一条，我们局还在哪几条里当配合单位？", history=history)
    assert a.kind == "department" and "市税务局" in a.text
    assert "5" not in _cited(a) and set(_cited(a)) == {"10", "11", "19", "21"}   # 这一条 left out
    who = qa.ask("我们税务局在这条里头是什么身份？", history=[_prior(5)])
    assert who.kind == "department" and "市税务局：是柳州措施（五）" in who.text and "配合单位" in who.text
    said = [_prior(0, question="我在司法局做合法性审查，想确认这份措施是经过谁同意印发的？")]
    where = qa.ask("我们局在哪几条里出现了？", history=said)
    assert set(_cited(where)) == {"15", "16"} and "市司法局" in where.text


def test_we_in_a_clause_named_by_number(qa):
    history = [_prior(11, question="我们新区管委会在这条里算牵头吗？")]
    a = qa.ask("那十九条里我们又是啥？", history=history)
    assert _cited(a) == ["19"] and "新区管委会：是柳州措施（十九）" in a.text
    text = qa.ask("其中十三条主要讲什么事？", history=[_prior(7, 8, 9, 13)])
    assert _cited(text) == ["13"] and text.kind == "lookup"
    this = qa.ask("这一条牵头单位写的是财政局还是金融办？", history=[_prior(17)])
    assert _cited(this) == ["17"]                    # 这一条 is "this one", not clause （一）


def test_our_described_unit_is_not_a_unit_named_earlier(qa):
    history = [_prior(17, question="市财政局（金融办）牵头哪些"), _prior(17)]
    a = qa.ask("配合单位里有没有我们的监管部门", history=history)
    assert a.text.startswith(SELF_UNIT_NOTE) and "柳州银保监分局" in a.text


def test_they_is_the_unit_named_last(qa):
    history = [_prior(9, question="这条配合单位里有自然资源和规划局吗？")]
    a = qa.ask("那他们牵头的是哪几条", history=history)
    assert a.kind == "department" and set(_cited(a)) == {"12", "13"}


def test_an_earlier_topic_without_back_to(qa):
    history = [_prior(4, question="智能网联汽车关键技术标准有提到吗"), _prior(17), _prior(2)]
    a = qa.ask("前面那个关键技术标准的事，是哪个局牵头？", history=history)
    assert _cited(a) == ["4"] and "市科技局" in a.text


def test_that_sentence_of_the_last_answer(qa):
    a = qa.ask("首购订购那句讲的是什么？", history=[_prior(17, 5, 9, possible=True)])
    assert _cited(a) == ["5"] and "首购、订购" in a.text


def test_back_to_the_document_is_a_document_question(qa):
    a = qa.ask("回到柳州这份高新区措施，落款日期是？", history=[_prior(7), _prior(4)])
    assert a.kind == "meta" and "2021年12月29日" in a.text


def test_a_unit_asked_yes_or_no_lists_its_clauses(qa):
    a = qa.ask("统计局在这份高新区措施里有没有任务？")
    assert a.kind == "department" and _cited(a) == ["11"]
    one = qa.ask("人才引进那条也是科技局牵头吗")          # one clause asked about: not a list
    assert one.kind != "department" or "3" in _cited(one)


def test_a_referenced_document_by_the_end_of_its_title(qa):
    a = qa.ask("那个实施方案是哪天印发的，文号多少？")
    assert a.kind == "refusal" and "科技强桂" in a.text
    assert qa.ask("这份若干措施是哪天印发的").kind == "meta"     # the loaded one ends the same way


def test_units_by_short_forms_the_text_never_uses(qa):
    cat = qa.catalog
    assert cat.find("我们文广旅局是不是配合单位之一") == ("市文化广电旅游局",)
    assert cat.find("人社局在哪几条") == ("市人力资源社会保障局",)
    for q in ("这个局", "哪个局牵头", "我局", "管理局", "公安局"):   # no unit, or no single one
        assert cat.find(q) == (), q


def test_national_level_words_across_a_comma_name_no_document(qa):
    a = qa.ask("企业技术中心想往国家级冲，文件有冇得支持？")
    assert a.evidence.get("not_loaded") is None and "2" in _cited(a)


def test_a_unit_asked_yes_or_no_about_named_clauses_is_not_its_list(qa):
    a = qa.ask("组织领导保障和评价考核这两条的牵头单位都是市科技局吗？配合单位有没有区别？")
    assert not (a.kind == "department" and a.answered and _cited(a)[0] not in ("19", "21"))
    topic = qa.ask("科技金融这块是科技局牵头吗")            # a topic's clause, not 科技局's list
    assert not (topic.kind == "department" and "作为牵头单位的措施" in topic.text)


def test_two_counts_and_names_no_clause(qa):
    a = qa.ask("两条是不是都提到了15%", history=[_prior(12), _prior(13)])
    assert _cited(a)[0] in ("12", "13") and "2" not in _cited(a)   # not clause （二）


def test_a_named_unit_in_the_other_clauses(qa):
    a = qa.ask("组织部在其他条里还出现过没有", history=[_prior(3)])
    assert a.kind == "department" and _cited(a) == ["15"]
    both = qa.ask("组织部在其他条里还出现过没有", history=[_prior(3), _prior(15)])
    assert _cited(both) == ["3"]                    # the clause under discussion is left out
    alone = qa.ask("组织部在其他条里还出现过没有", history=[_prior(15, question="x"), _prior(3, 15)])
    assert _cited(alone) == ["15"]


def test_our_unit_in_two_clauses_and_who_else_leads(qa):
    a = qa.ask("我们局在这两条里分别是啥角色？", history=[_prior(12), _prior(13)])
    assert _cited(a) == ["12", "13"] and a.text.startswith(SELF_UNIT_NOTE)
    b = qa.ask("除了我们局，还有谁一起牵头？", history=[_prior(16)])
    assert _cited(b) == ["16"] and "大数据发展局" in b.text


def test_a_document_by_its_issuer_and_a_demonstrative(qa):
    a = qa.ask("其中国务院那份的文号是多少？", history=[_prior(0)])
    assert a.kind == "refusal" and "国务院" in a.text


def test_a_place_in_a_ranking_is_a_figure_a_threshold_does_not_give():
    from qa.quantity import figure_missing
    threshold = "首次进入全国综合排名前35名的国家高新区或年度全国综合排名提升10位以上"
    assert figure_missing("柳州国家高新区最近一次全国综合排名排第几？", [threshold])
    assert not figure_missing("柳州高新区排第几", ["柳州高新区在全国排名第35位。"])
    assert not figure_missing("进位升级要排名前多少", [threshold])      # the threshold answers it


def test_a_ranking_question_is_not_answered_confidently(qa):
    a = qa.ask("柳州国家高新区最近一次全国综合排名排第几？")
    assert a.confidence != "answer"


def test_a_units_list_leaving_two_clauses_out_is_keyed_by_both(qa):
    q = "除开这两条，人社局还在哪几条里配合"
    a = [_prior(3), _prior(15)]
    b = [_prior(9), _prior(15)]                     # the same last turn, another one before it
    assert followup_key(qa, q, a) != followup_key(qa, q, b)
    assert "3" not in _cited(qa.ask(q, history=a)) and "3" in _cited(qa.ask(q, history=b))
