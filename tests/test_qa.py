import pytest

from qa import SearchError
from qa.refs import find_reference


@pytest.mark.parametrize("q", ["（十七）", "（十七）讲什么", "第十七条", "第17条", "措施十七", "十七条",
                               "(17)", "第十七条是什么内容", "十七条讲的啥", "措施十七主要讲什么？",
                               "17条的要点有哪些", "十七条的重点", "措施十七要点"])
def test_reference_forms(q):
    assert find_reference(q) == 17


@pytest.mark.parametrize("q", ["柳州措施有21条措施吗", "首台（套）保险", "“5+5”产业", "高新技术企业研发费用",
                               "这21条措施有哪些要点", "21条措施分几部分"])
def test_not_references(q):
    assert find_reference(q) is None


def test_lookup_returns_clause_verbatim(qa, parsed):
    a = qa.ask("（十七）讲什么")
    assert a.kind == "lookup" and a.answered
    assert parsed.clause(17).text in a.text
    assert [h.key for h in a.citations] == ["liuzhou-2021:17"]
    assert qa.lookup("第5条").citations[0].clause.text == parsed.clause(5).text


def test_lookup_out_of_range(qa):
    a = qa.ask("第三十条")
    assert a.kind == "refusal" and not a.answered and "21条" in a.text
    with pytest.raises(SearchError, match="第17条"):
        qa.lookup("科技金融")


def test_department_lead(qa):
    a = qa.ask("市科技局牵头哪些措施")
    assert a.kind == "department"
    keys = {h.clause.no for h in a.citations}
    expected = {c.no for c in qa.clauses if "市科技局" in c.lead_units}
    assert keys == expected and len(keys) == 13
    assert "共13条" in a.text


def test_department_partner_with_short_name(qa):
    a = qa.ask("税务局配合哪些工作")
    assert a.kind == "department"
    assert [h.clause.no for h in a.citations] == [5, 10, 11, 19, 21]


def test_department_alias(qa):
    a = qa.ask("发改委牵头了哪些措施？")
    assert {h.clause.no for h in a.citations} == {c.no for c in qa.clauses if "市发展改革委" in c.lead_units}


def test_who_leads_a_topic(qa):
    a = qa.ask("科技金融那条谁牵头")
    assert a.kind == "department"
    assert a.citations[0].clause.no == 17
    assert "市财政局（金融办）" in a.text


def test_answer_quotes_clause_and_cites(qa, parsed):
    a = qa.ask("高新技术企业研发费用能加计扣除多少？")
    assert a.kind == "answer" and a.citations[0].clause.no == 5
    assert "75%" in a.text and "100%" in a.text and "【1】" in a.text
    for n, quote in a.quotes:                     # every quote is verbatim clause text
        assert quote in a.citations[n - 1].clause.text


@pytest.mark.parametrize("q", ["今天柳州天气怎么样？", "社保断缴了怎么补？", "如何注册一家个体工商户？",
                               "北京中关村有哪些补贴？"])
def test_out_of_scope_is_never_answered_confidently(qa, q):
    """Out of scope → 未找到, or 可能相关 saying plainly that the answer may not be here."""
    a = qa.ask(q)
    assert a.confidence in ("none", "possible") and not a.answered
    from qa.compose import POSSIBLE_HEAD
    assert a.text.startswith("知识库中没有找到" if a.confidence == "none" else POSSIBLE_HEAD)
    assert 1 <= len(a.citations) <= 3


@pytest.mark.parametrize("q, name", [
    ("国务院意见对高新区的土地政策是怎么规定的？", "国发〔2020〕7号"),
    # the parent named by a long description, asking what the city document's meta route
    # would otherwise answer about the city measures (its date)
    ("广西那份促进高新区高质量发展的措施是哪天印发的？", "2021-08-04"),
    ("国务院那个关于国家高新区高质量发展的意见里，对考核评价是怎么规定的？", "国发〔2020〕7号")])
def test_not_loaded_document_is_named(qa, q, name):
    a = qa.ask(q)
    assert not a.answered and a.kind == "refusal"
    assert name in a.text and "未加载" in a.text


@pytest.mark.parametrize("q,fragment", [("这份文件是什么时候发布的？", "2021年12月29日"),
                                        ("措施的发文单位是谁？", "柳州市人民政府"),
                                        ("这个措施是依据哪些文件制定的？", "国发〔2020〕7号"),
                                        # the document as "this", fillers between the words
                                        ("这份东西什么时候出的？", "2021年12月29日"),
                                        ("这个是依据什么定的？", "国发〔2020〕7号"),
                                        ("这份措施的正式全称是什么？", "文件全称为"),
                                        ("印发前经过了谁同意？", "已经市委、市人民政府同意"),
                                        ("序言里引用的自治区文件叫什么名字？", "广西壮族自治区关于"),
                                        ("这些措施要为柳州奠定什么基础？", "区域性国际科技创新中心"),
                                        ("这套措施只管国家级高新区吗？", "在柳各级高新技术产业开发区")])
def test_meta_questions(qa, q, fragment):
    a = qa.ask(q)
    assert a.kind == "meta" and fragment in a.text


def test_asking_which_document_names_none(qa):
    from qa.meta import mentioned
    assert mentioned("这文件是根据国务院哪个文件定的？", qa.missing) == []
    assert [d.number for d in mentioned("国务院的文件对土地怎么说？", qa.missing)] == ["国发〔2020〕7号"]


def test_search_hits_carry_ranks(qa):
    hits = qa.search("科技企业能拿专利去银行抵押贷款吗？", top_k=3)
    assert hits[0].clause.no == 17
    assert hits[0].ranks["bm25"] >= 1 and hits[0].ranks["dense"] >= 1
    assert hits[0].score >= hits[1].score >= hits[2].score
    only_bm25 = qa.search("科技支行", top_k=2, method="bm25")
    assert only_bm25[0].clause.no == 17


def test_bad_input(qa):
    with pytest.raises(SearchError, match="empty"):
        qa.ask("   ")
    with pytest.raises(SearchError, match="under"):
        qa.ask("高新区" * 300)
    with pytest.raises(SearchError, match="top-k"):
        qa.search("高新区", top_k=0)
    with pytest.raises(SearchError, match="method"):
        qa.search("高新区", method="magic")


@pytest.mark.parametrize("q", ["市大数据发展局出现在哪几条里？", "市投资促进局牵头的是哪一条？"])
def test_unit_mentions_and_single_clause_questions_list_the_units_clauses(qa, q):
    from qa import departments as dept
    a = qa.ask(q)
    assert qa.route(q) == "department" and a.kind == "department"
    uq = dept.parse_unit_query(q, qa.catalog)
    expected = [c.key for cs in dept.clauses_for(uq, qa.clauses).values() for c in cs]
    assert [h.key for h in a.citations] == expected and expected


def test_document_facts_in_everyday_words(qa, parsed):
    a = qa.ask("这个通知都发给了哪些单位？")
    assert a.kind == "meta" and parsed.notice.addressees in a.text
    a = qa.ask("出台这个是想把柳州打造成什么？")
    quoted = a.text.split("“", 1)[1].split("”", 1)[0]
    assert a.kind == "meta" and quoted.startswith("为") and quoted in parsed.preamble.text
    a = qa.ask("这东西是哪个衙门发的？")
    assert a.kind == "meta" and parsed.notice.issuer in a.text


@pytest.mark.parametrize("q", ["企业研发的设备能补贴吗", "研发的投入怎么算加计扣除", "产业园区建成什么样",
                               "文件对河西柳州高新区提了哪些目标？"])
def test_questions_about_measures_are_not_document_facts(qa, q):
    from qa.meta import meta_intent
    assert meta_intent(q) is None and qa.route(q) == "retrieval"


def test_clause_of_a_document_not_loaded_is_not_the_home_clause(qa):
    q = "广西那份高新区若干措施的第一条讲的是什么"
    assert qa.route(q) == "not_loaded" and qa.pinned(q) == []
    a = qa.ask(q)
    assert a.kind == "refusal" and not a.answered and "未加载" in a.text
    assert qa.ask("第一条讲的是什么").citations[0].key == "liuzhou-2021:1"


@pytest.mark.parametrize("q, term", [
    ("文件中哪几条措施提到了“一事一议”？", "一事一议"), ("提到科技支行的条款有哪些", "科技支行"),
    ("“飞地”出现在哪几条？", "飞地"), ("文件里哪里提到了院士", "院士"),
    ("有哪些条款涉及“揭榜挂帅”", "揭榜挂帅"), ("市科技局牵头哪些措施", None),
    ("高校在这些措施里能参与哪些事？", None), ("“首购首用”是什么意思", None),
    ("一共有几条措施", None),
    # a verb of what the text states, a word or two before the quote
    ("文件中哪几条写明给予“财政资金”支持？", "财政资金"), ("哪些条款规定了“一事一议”", "一事一议"),
    ("文件里说的“双百双新”是什么意思", None)])
def test_mention_term(q, term):
    from qa.mentions import mention_term
    assert mention_term(q) == term


@pytest.mark.parametrize("term", ["一事一议", "院士", "人才"])
def test_where_the_text_uses_a_word_lists_every_clause_that_does(qa, parsed, term):
    q = f"哪几条措施提到了“{term}”？"
    expected = [c.key for c in parsed.clauses if term in c.text]
    assert expected and qa.route(q) == "mentions"
    a = qa.ask(q)
    assert a.answered and [h.key for h in a.citations] == expected[:12]
    for i, sentence in a.quotes:                       # verbatim sentences holding the word
        assert term in sentence and sentence in a.citations[i - 1].clause.text
    assert f"共{len(expected)}条" in a.text
    assert [h.key for h in qa.search(q, top_k=len(expected))] == expected


def test_a_word_no_clause_uses_goes_on_to_retrieval(qa):
    q = "哪几条措施提到了“蓝鲸保护”？"
    assert qa.route(q) == "retrieval" and not qa.ask(q).answered


@pytest.mark.parametrize("q, asks", [("孵化器通过国家认定后能补助多少万？", True),
                                     ("研发费用加计扣除的比例是多少", True), ("最高能补多少", True),
                                     ("人才公寓怎么申请", False), ("一共有多少条措施", False)])
def test_asks_figure(q, asks):
    from qa.quantity import asks_figure
    assert asks_figure(q) is asks


@pytest.mark.parametrize("text, gives", [("给予财政资金补助。", False), ("享受75%研发经费投入", True),
                                         ("奖励一百万元", True), ("提高至百分之十五", True),
                                         ("支持建设一批孵化器", False)])
def test_gives_figure(text, gives):
    from qa.quantity import gives_figure
    assert gives_figure(text) is gives


@pytest.mark.parametrize("q, text, missing", [
    # a percentage does not answer 多少钱; a calendar year does not answer 几年
    ("中试基地财政资金具体支持多少钱？有没有上限？", "享受75%研发经费投入加计扣除政策。", True),
    ("研发费用加计扣除能连续享受几年？", "2021年起享受75%研发经费投入加计扣除政策。", True),
    ("研发费用加计扣除的比例是多少", "享受75%研发经费投入加计扣除政策。", False),
    ("整改期是多久", "给予1年整改期的处理。", False),
    ("排名前进多少位能拿支持", "排名提升10位以上的给予支持。", False),
    ("奖励有多少", "奖励一百万元。", False),
    ("补助多少万", "给予财政资金补助。", True),
    ("高新区一共有多少条措施", "给予财政资金补助。", False),     # not a figure question
    ("能加计扣除多少", "提高至百分之十五", False),                # a share: 百分之 gives one
])
def test_figure_of_the_kind_asked(q, text, missing):
    from qa.quantity import figure_missing
    assert figure_missing(q, [text]) is missing


def test_a_figure_the_clause_does_not_give_is_never_a_confident_answer(qa):
    a = qa.ask("孵化器通过国家认定后能补助多少万？")
    assert a.confidence == "possible" and a.evidence.get("figure_missing")
    assert a.text.startswith(f"{a.citations[0].citation}没有写明问题所问的具体数额")
    assert a.citations[0].clause.no == 9                 # the clause is still shown first
    b = qa.ask("高新技术企业研发费用能加计扣除多少？")     # the clause gives 75% / 100%
    assert b.answered and "75%" in b.text and not b.evidence.get("figure_missing")


@pytest.mark.parametrize("q, kind", [("你好", "hello"), ("你好，你是谁", "hello"), ("您好！请问你是机器人吗？", "hello"),
                                     ("谢谢，辛苦了", "thanks"), ("好的谢谢", "thanks"), ("在吗", "hello"),
                                     ("你好，研发费用能加计扣除多少", None), ("讲个笑话", None),
                                     ("高新区", None), ("好", None)])
def test_small_talk(q, kind):
    from qa.smalltalk import small_talk
    assert small_talk(q) == kind


def test_small_talk_gets_a_reply_not_a_refusal(qa):
    a = qa.ask("你好，你是谁")
    assert (a.kind, a.confidence, a.answered, a.citations) == ("help", "none", False, ())
    assert "政策问答助手" in a.text and "柳州措施" in a.text and "未找到" not in a.text
    assert qa.route("你好，你是谁") == "smalltalk"
    assert qa.ask("谢谢，辛苦了").text.startswith("不客气")
    b = qa.ask("你好，研发费用能加计扣除多少")          # a greeting before a question: answered
    assert b.kind == "answer" and "75%" in b.text


@pytest.mark.parametrize("q, route", [("市科技局负责人在高新区管理机构里担任什么角色？", "retrieval"),
                                      ("市科技局负责哪些措施", "department"),
                                      ("市科技局主要负责人和管委会是什么关系", "retrieval"),
                                      # the unit is where the asker works; the question asks
                                      # for a topic's lead unit (dev6)
                                      ("我今年刚考进市科技局，没人带我。开展评价考核这一条的牵头单位是哪个？",
                                       "retrieval"),
                                      ("市科技局是哪些措施的牵头单位？", "department")])
def test_a_units_head_is_a_person_not_the_role(qa, q, route):
    assert qa.route(q) == route


@pytest.mark.parametrize("q, intent", [("文件的全称叫什么？", "title"), ("这份文件叫什么", "title"),
                                       ("那个惠企平台叫什么，在文件哪一条？", None),
                                       ("几个园区抱团合起来，官方管这叫什么？", None),
                                       # colloquial forms of the document's facts (dev6)
                                       ("这措施是照着上头哪几个文件定的？", "basis"),
                                       ("这份措施的政策依据是什么", "basis"),
                                       ("柳东新区管委会在不在这个文的发送对象里头？", "addressees"),
                                       ("这份柳州的措施是经过谁同意以后才印发的？", "issuer"),
                                       # whether a plan has support is not the document's basis
                                       ("想把自贸区的通关便利做法搬到柳州园区来用，有政策依据吗？", None),
                                       ("这么做有没有政策依据", None)])
def test_title_intent_only_of_the_document(q, intent):
    from qa.meta import meta_intent
    assert meta_intent(q) == intent


@pytest.mark.parametrize("q, issued, texts, year", [
    ("2023年柳州国家高新区在全国综合排名第几？", ["2021-12-29"], ["排名前35名"], 2023),
    ("2023年柳州国家高新区在全国综合排名第几？", ["2021-12-29"], ["2021－2023年实施"], None),
    ("2021年出台的措施有什么支持", ["2021-12-29"], ["支持"], None),
    ("2025年以后还有吗", [None], ["支持"], None),                 # no date to compare with
])
def test_later_year(q, issued, texts, year):
    from qa.quantity import later_year
    assert later_year(q, issued, texts) == year


def test_a_later_year_is_never_a_confident_answer(qa):
    a = qa.ask("2023年柳州国家高新区在全国综合排名第几？")
    assert a.confidence != "answer" and a.evidence.get("later_year") == 2023
    assert a.text.startswith("柳州措施印发于2021年，没有写到2023年的情况。")


def test_traditional_characters_are_understood(qa):
    trad, simp = "高新技術企業研發費用能加計扣除多少？", "高新技术企业研发费用能加计扣除多少？"
    a, b = qa.ask(trad), qa.ask(simp)
    assert a.question == trad                           # the answer keeps the question as typed
    assert [h.key for h in a.citations] == [h.key for h in b.citations] and a.text == b.text
    assert [h.key for h in qa.search(trad)] == [h.key for h in qa.search(simp)]
    assert qa.route("請問這份措施是哪個單位發佈的？") == "meta"


@pytest.mark.parametrize("q, route", [("哪几条措施明确提到支持关键核心技术攻关？", "retrieval"),
                                      ("一共有几条措施", "meta"),
                                      ("你好，你是谁开发的？你都会做什么？", "smalltalk"),
                                      ("这文件谁发的", "meta")])
def test_which_clauses_is_not_how_many_and_who_made_you_is_small_talk(qa, q, route):
    assert qa.route(q) == route


@pytest.mark.parametrize("q, nos", [("第十条和第二十条有什么不同？", [10, 20]),
                                    ("（十二）和（十三）都提到了15%，区别在哪", [12, 13]),
                                    ("措施十七和措施十八讲什么", [17, 18]),
                                    ("第十七条第二款讲什么", [17]),
                                    ("（十七）讲什么", [17]),
                                    ("科技金融有哪些支持", [])])
def test_every_clause_a_question_names(q, nos):
    from qa.refs import find_references
    assert find_references(q) == nos


def test_two_clauses_named_are_both_quoted_and_a_missing_number_is_said(qa, parsed):
    a = qa.ask("第十九条和第二十一条分别说了什么？")
    assert a.kind == "lookup" and a.answered
    assert [h.clause.no for h in a.citations] == [19, 21]
    assert parsed.clause(19).text in a.text and parsed.clause(21).text in a.text
    assert [h.clause.no for h in qa.search("第十九条和第二十一条的区别", top_k=2)] == [19, 21]
    b = qa.ask("第3条和第30条分别讲什么？")
    assert [h.clause.no for h in b.citations] == [3]
    assert parsed.clause(3).text in b.text and "没有第30条" in b.text


def test_a_question_for_two_document_facts_gets_both(qa):
    from qa.meta import meta_intents
    q = "这份若干措施是哪个单位印发的，成文日期是哪天？"
    assert meta_intents(q) == ["issuer", "date"]
    a = qa.ask(q)
    assert a.kind == "meta" and "柳州市人民政府" in a.text and "2021年12月29日" in a.text
    assert meta_intents("这个文件什么时候发布的") == ["date"]


@pytest.mark.parametrize("q, role", [("科技金融那条谁牵头", "lead"), ("科技金融那条有哪些配合单位", "partner"),
                                     ("科技金融那条的牵头和配合单位都有谁", "any"),
                                     ("这事找哪个部门", "lead")])
def test_who_role(q, role):
    from qa.departments import who_role
    assert who_role(q) == role


def test_a_topics_partner_units_are_given_when_asked(qa, parsed):
    a = qa.ask("推动产城创新融合发展有哪些配合单位？")
    assert a.kind == "department" and a.citations[0].clause.no == 13
    # the units as the clause's bracket publishes them (not our normalised names)
    published = parsed.clause(13).units_text.split("配合单位：")[1].rstrip("）")
    assert published.startswith("各县区人民政府") and "配合单位：" + published in a.text
    lead = qa.ask("推动产城创新融合发展的牵头单位是谁？")
    assert "配合单位：" not in lead.text and "市发展改革委" in lead.text
    # （二十）: "市财政局、发展改革委，各县区人民政府、新区管委会" as published, 市 not repeated
    assert "牵头单位：市财政局、发展改革委，各县区人民政府、新区管委会" in qa.ask("加大财政投入力度那条由谁牵头？").text


@pytest.mark.parametrize("q", ["研发费用加计扣除这条，税务局在里面是什么角色？",
                               "科技金融那条里人民银行扮演什么角色"])
def test_a_units_role_in_a_topic_gives_both_roles(qa, q):
    from qa.departments import asks_who, who_role
    assert asks_who(q) and who_role(q) == "any"
    a = qa.ask(q)
    assert "牵头单位：" in a.text and "配合单位：" in a.text


def test_possible_tier_quotes_up_to_two_sentences_per_clause(qa):
    # the clause's second-best sentence is shown when it scores nearly as well: here it is
    # the one naming the 服务券 the asker describes (one sentence alone showed another)
    a = qa.ask("小公司买检测、咨询这些技术服务，有没有那种代金券可以用")
    assert a.confidence == "possible" and a.citations[0].clause.no == 17
    assert "科技创新服务券" in a.text
    counts = [sum(1 for i, _ in a.quotes if i == n) for n in range(1, len(a.citations) + 1)]
    assert max(counts) == 2 and min(counts) >= 1
    for n, quote in a.quotes:
        assert quote in a.citations[n - 1].clause.text


def test_clauses_two_units_share_a_role_are_listed_first(qa):
    both = {c.no for c in qa.clauses if {"市发展改革委", "市科技局"} <= set(c.lead_units)}
    a = qa.ask("市发展改革委和市科技局同为牵头单位的措施有哪几条？")
    first = a.text.splitlines()[0]
    assert a.kind == "department" and f"共{len(both)}条" in first and len(both) == 3
    assert [h.clause.no for h in a.citations[:3]] == sorted(both)
    # 市财政局 and 市财政局（金融办） are one mention of 财政局, not two units to intersect
    b = qa.ask("财政局和税务局都参与的措施有哪些")
    assert b.text.startswith("市税务局和市财政局都作为配合单位的措施")
    # without 同为/都/共同 the answer is each unit's list, as before
    assert "都作为" not in qa.ask("市科技局和市财政局牵头哪些措施").text


@pytest.mark.parametrize("bracket, want", [
    ("（牵头单位：市科技局；配合单位：市财政局、税务局等）", "牵头单位：市科技局；配合单位：市财政局、税务局等"),
    ("（牵头单位：市科技局，配合单位：市财政局等）", "牵头单位：市科技局；配合单位：市财政局等"),
    ("〔牵头单位：市财政局（金融办）；配合单位：市发展改革委等〕", "牵头单位：市财政局（金融办）；配合单位：市发展改革委等")])
def test_units_are_quoted_as_the_bracket_publishes_them(parsed, bracket, want):
    from dataclasses import replace
    from qa.departments import units_text
    assert units_text(replace(parsed.clause(5), units_text=bracket), "any") == want
