"""Follow-up questions: "牵头单位是谁？", "那配合单位呢", "这条什么时候开始执行", "上一条的原文".

A follow-up names no topic of its own; it refers to the clauses the previous answer cited.
`resolve(qa, question, history)` answers it from those clauses, or returns None when the
question stands on its own (then `ask` proceeds as usual). `history` is a list of prior turns,
oldest first, each a dict {"question": str, "citations": [clause keys], "answered": bool?,
"confidence": "answer" | "possible" | "none"?}.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from corpus.numerals import cn_to_int

from . import followrefs as refs
from .followanswers import (SELF_UNIT_NOTE, member_answer, text_answer, unit_list_answer,
                            units_answer, within_answer)
from .followrefs import clause_index, prior  # noqa: F401  (clause_index: ui imports it here)
from .meta import meta_intent
from .refs import find_reference
from .route_meta import effective_answer
from .types import Answer

_ANAPHORA = re.compile(r"这条|该条|那条|上一条|上条|前一条|这一条|这项|该项|那项|这个措施|该措施|这些措施|"
                       r"这一块|这块|这方面|这件事|这事|"
                       r"这几条|上述|以上|刚才|上面|前面|它的|其")
_INTENTS = (
    ("partner", re.compile(r"配合单位|配合部门|谁配合|哪些?(?:部门|单位)配合|协助单位|协办|参与单位|"
                           r"配合的(?:是|有)(?:谁|哪)")),
    ("lead", re.compile(r"牵头单位|牵头部门|谁牵头|由谁牵头|牵头的(?:是|有)(?:谁|哪)|谁是牵头|哪个(?:部门|单位)牵头|谁负责|负责单位|"
                        r"负责部门|责任单位|主管部门|哪(?:个|些|几个|几家)(?:部门|单位|局|委|办)|找谁|谁管|归谁管|分工|"
                        r"谁(?:一起|一同|共同|也)牵头")),
    ("effective", re.compile(r"(?:什么时候|何时|哪天|从哪天|从什么时候|几时)(?:开始)?(?:执行|施行|实施|生效|有效)|"
                             r"(?:执行|施行|实施|生效)(?:时间|日期)|有效期|开始执行|开始施行|开始实施")),
    ("text", re.compile(r"原文|全文|完整内容|具体内容|原话|怎么写的|怎么规定的|讲(?:的|了)?(?:什么|啥)|"
                        r"说(?:的|了)?(?:什么|啥)|内容是(?:什么|啥)|什么内容|啥内容|第几条|哪一条|标题")),
    # "具体补多少钱写了没", "给多少？": a figure of the last answer's clause (asked with it as context)
    ("figure", re.compile(r"(?:补|给|奖|贴|发)?(?:多少钱|多少万|多少|几万|金额|额度|比例)")),
    # "这两条有什么区别", "跟这个有什么不同": the clauses side by side
    ("compare", re.compile(r"区别|不同|差别|差异|异同|一样吗|一样不|一样么|相同|有何不同|一回事")),
)
# what is left of a follow-up once the intent words and fillers are taken out
_FILLER = re.compile(r"[\s，,。？?！!：:、“”\"'（）()]|那么|那|呢|吗|嘛|啊|的|是|谁|请问|请|一下|这|该|哪个|哪些|"
                     r"部门|单位|开始|时候|什么|有|还|又|再|看看|看|给我|我|要|想|知道|具体|呀|吧|一|条|项|个|"
                     r"牵头|配合|负责|分别|和|及|与|都|几|家|叫|啥|写|了|没|补|给|奖|钱|来着|各自|两|俩|者|"
                     r"除了|除开|一起|一同|共同")
# "海关也是配合单位吗", "组织部有参与吗", "柳州海关呢？", "是教育局牵头吗": a unit's part in the
# last answer's clauses (a unit named and, besides it, only words of taking part)
_MEMBER_FILLER = re.compile(r"参与|参加|角色|作用|扮演|里面|里头|其中|在|里|有没有|也|算不算|算|是不是|包括|"
                            r"包含|之一|中|了|没|还是|负责|干|做|它|管|嘛|有份|身份|位置|地位|排第几|第几个|"
                            r"并列|我们|又|啥|什么|是")
# "我们局在这条是牵头还是配合", "配合单位里有没有我们的监管部门": the asker's own unit, unnamed
_SELF_UNIT = re.compile(r"(?:我们|咱们|我|本)(?:的)?(?:[\u4e00-\u9fff]{0,4}?)(?:单位|部门|机构|机关|局|委|办|行|部)")
# 那十九条里 / 其中十三条: a clause by its number with a demonstrative (a bare 十九条 is not one)
_NUMBERED = re.compile(r"(?:那|这|其中)?第?[一二三四五六七八九十\d]{1,3}条")
_DEM_NO = re.compile(r"(?:那|这|其中)(?!一条)([一二三四五六七八九十]{1,3})条")     # 这一条 is "this one"
_UNIT_LIST = re.compile(r"哪些|哪几|哪条|哪项|几条|几项|列出|全部|所有")
# "你说的第二条", "上面第二个", "第三个": an item of the last answer's list, not clause （二）
_ORDINAL = re.compile(r"(?:(?:你|您)(?:刚才|刚刚)?(?:说|提|列|讲)(?:到)?的|(?:上面|前面|刚才|刚刚)"
                      r"(?:说的|提到的|列的|列出的)?的?)第([一二三四五六七八九十]|\d{1,2})(?:条|个|项|点)|"
                      r"第([一二三四五六七八九十]|\d{1,2})个")
MAX_MEMBER_CLAUSES = 5


def intent_of(question: str) -> str | None:
    for name, pat in _INTENTS:
        if pat.search(question):
            return name
    return None


def _topic_free(question: str) -> bool:
    rest = question
    for _, pat in _INTENTS:
        rest = pat.sub("", rest)
    rest = _ANAPHORA.sub("", rest)
    return len(_FILLER.sub("", rest)) <= 1


# "我第一个问的那条", "最先问的", "头一个问的": the conversation's first turn, not the last
_FIRST_ASKED = re.compile(r"(?:我)?(?:第一个|第一次|最先|最早|头一个|一开始|开头|最开始)(?:问|说|提)的")


def prior_keys(qa, history) -> list[str]:
    """Clause keys a follow-up resolves against (`prior`)."""
    return prior(qa, history)[0]


POSSIBLE_PRIOR = "上一轮的条款只是可能相关，以下按这些条款回答，请对照原文核实："


# "加大财政投入力度那条", "科技金融这项": a topic named right before the demonstrative names the
# clause itself — the question stands on its own
_NAMED = re.compile(r"[\u4e00-\u9fff]{2}(?<![那这该是的说看问讲才面述上前刚后下])(?:那|这|该)(?:一)?(?:条|项)")


def member_units(qa, question: str) -> tuple[str, ...]:
    """The units a membership follow-up asks about ("海关也是配合单位吗"), or ()."""
    units = qa.catalog.find(question)
    if not units or _UNIT_LIST.search(question):
        return ()
    rest = _MEMBER_FILLER.sub("", qa.catalog.strip(question))
    return units if _topic_free(rest) else ()


def ordinal(question: str) -> int | None:
    """N of "你说的第N条" / "上面第N个" / "第N个", or None."""
    m = _ORDINAL.search(question)
    if not m:
        return None
    try:
        return cn_to_int(m.group(1) or m.group(2))
    except ValueError:
        return None


@dataclass(frozen=True)
class Ref:
    """What a follow-up points back at: `keys` (clause keys), whether they were only offered as
    可能相关, and the question without the words that point back."""
    kind: str                # last | first | ordinal | pair | back | part | self | named
    keys: tuple[str, ...]
    tentative: bool
    rest: str
    topic: str = ""          # part: the words naming the part; back: the rest's words
    tie: str = ""            # part of "X呢": the last question (which respect X is asked in)


# "我们局在这条是牵头还是配合": besides the asker's own unit only words of taking part
_SELF_REST = re.compile(r"牵头|配合|参与|参加|有份|有没有|在|里面|里头|其中|里|中|这条|该条|那条|这一条|是|还是|吗|呢|吧|"
                        r"什么|啥|身份|位置|角色|又|算|分别|各自|"
                        r"的|也|都|有|单位|部门|[\s，,。？?！!]")
# 跟这个有什么区别 (with a clause named): the named clause beside the last one
_WITH_THIS = re.compile(r"(?:跟|和|与|同|比)(?:这|那|上面|前面|刚才|刚刚)|^(?:那|这|刚才|刚刚|前面|上面)")


def _number(numeral: str) -> int | None:
    try:
        return cn_to_int(numeral)
    except ValueError:              # 十十条 is no number
        return None


def _self_only(question: str) -> bool:
    """我们局在这条是牵头还是配合: the asker's unnamed unit and only words of taking part."""
    return bool(_SELF_UNIT.search(question)) and not _SELF_REST.sub("", _SELF_UNIT.sub("", question))


def refer(qa, question: str, history) -> Ref | None:
    """What `question` points back at in `history`, or None when it stands on its own."""
    if not history:
        return None
    if meta_intent(question) not in (None, "effective"):
        return None                 # 这文件是哪个单位发的 / 回到这份措施，落款日期是: the document
    own = refs.own_unit(qa, history, question) if refs.SELF_REF.search(question) \
        and not qa.catalog.find(question) else None
    if own:                         # 我们局还在这条吗 → the unit the asker named as theirs
        question = refs.SELF_REF.sub(own, question, count=1)
    first = _FIRST_ASKED.search(question)
    if first:
        keys, tentative = refs.prior(qa, history, first=True)
        return Ref("first", tuple(keys), tentative, _FIRST_ASKED.sub("", question)) if keys else None
    back = refs.BACK.search(question) or refs.BACK_BARE.search(question)
    if back and ordinal(question) is None:
        keys, tentative = refs.back(qa, history, back.group("topic"))
        rest = (question[:back.start()] + question[back.end():]).strip("，,。 ")
        words = _FILLER.sub("", _ASKING.sub("", rest))      # 县区要承担什么 → 县区承担
        return Ref("back", tuple(keys), tentative, rest, topic=words) if keys else None
    keys, tentative = refs.prior(qa, history)
    if not keys:
        return None
    if ordinal(question) is not None:
        return Ref("ordinal", tuple(keys), tentative, question)
    pair = refs.PAIR.search(question)
    dem = _DEM_NO.search(question)
    no = find_reference(question) or (_number(dem.group(1)) if dem else None)
    if pair and no is None:
        rest = refs.PAIR.sub("", question)
        if _topic_free(rest) or member_units(qa, rest) or _self_only(rest):
            two, tent = refs.pair(qa, history)
            if len(two) == 2:
                return Ref("pair", tuple(two), tent, rest)
    if no is not None:
        named = f"{keys[0].rsplit(':', 1)[0]}:{no}"
        if named not in clause_index(qa):
            return None
        if intent_of(question) == "compare" and _WITH_THIS.search(question) and named != keys[0]:
            return Ref("pair", (keys[0], named), tentative, question)
        if member_units(qa, _NUMBERED.sub("", question)):   # 第三条里人社局呢 / 那十九条里我们又是啥
            return Ref("named", (named,), False, _NUMBERED.sub("", question))
        if dem and (intent_of(question) or _topic_free(_DEM_NO.sub("", question))):
            return Ref("named", (named,), False, question)      # 其中十三条主要讲什么事
        return None
    if qa.catalog.find(question):
        return Ref("last", tuple(keys), tentative, question) if member_units(qa, question) else None
    if _self_only(question):
        return Ref("self", tuple(keys), tentative, question)     # the asker's unit, never named
    if _NAMED.search(question):
        return None
    part = refs.PART.search(question)
    if part:
        topic = part.group("topic") or part.group("said")
        found = refs.part(qa, keys, topic)
        if found:
            rest = (question[:part.start()] + question[part.end():]).strip("，,。 ")
            return Ref("part", (found[0],), tentative, rest or topic, topic=topic)
    if _ANAPHORA.search(question) or (intent_of(question) and _topic_free(_SELF_UNIT.sub("", question))):
        return Ref("last", tuple(keys), tentative, question)
    ell = refs.ELLIPSIS.search(question)
    if ell:                         # 自治区级的呢 / 自治区级高新区呢，有什么要求
        topic, rest = ell.group("topic"), ell.group("rest") or ""
        found = refs.part(qa, keys, topic)
        words = _FILLER.sub("", _ASKING.sub("", rest))
        if found and words:         # the rest asks about something of its own: in that clause too?
            found = [k for k in found if refs.part(qa, [k], words)]
        if found:
            return Ref("part", (found[0],), tentative, f"{topic}{rest}", topic=f"{topic}{words}",
                       tie="" if rest else _last_question(history))
    return None


# words of asking that name nothing ("有什么要求" asks, 要求 names): left out of a rest's words
_ASKING = re.compile(r"有什么|是什么|有哪些|有没有|有无|怎么|如何|能不能|可不可以|要求|规定|支持|政策|说法|内容")


def _last_question(history) -> str:
    for t in reversed(list(history)[-refs.MAX_TURNS:]):
        if isinstance(t, dict) and isinstance(t.get("question"), str):
            return t["question"][:200]
    return ""


def target(qa, question: str, history):
    """What a follow-up points at: a Ref (earlier clauses), a UnitQuery (a unit carried from
    the conversation, or a named unit's other clauses), or None when it stands on its own."""
    ref = refer(qa, question, history)
    if ref is not None:
        return ref
    return refs.carried_unit(qa, question, history) or refs.unit_elsewhere(qa, question, history)


def _left_out(qa, question: str, history) -> list[str]:
    """除了这一条，我们局还在哪几条里当配合单位: the clause under discussion (the two, for
    这两条), left out of a unit's list; [] when the question leaves nothing out."""
    if not refs.EXCEPT.search(question):
        return []
    return refs.pair(qa, history)[0] if refs.PAIR.search(question) else refs.prior(qa, history)[0][:1]


def followup_key(qa, question: str, history) -> tuple:
    """What an answer to `question` takes from `history` (for the answer cache): the clauses
    and words it points back at, or the unit it carries; () when it stands on its own."""
    to = target(qa, question, history)
    if to is None:
        return ()
    if isinstance(to, Ref):
        return ("ref", to)
    return ("unit", to.units, to.role, tuple(_left_out(qa, question, history)))


def is_followup(qa, question: str, history) -> bool:
    """Whether `question` refers to earlier answers rather than standing on its own."""
    return target(qa, question, history) is not None


def resolve(qa, question: str, history) -> Answer | None:
    """The answer to a follow-up, from the clauses it points back at; None otherwise."""
    to = target(qa, question, history)
    if to is None:
        return None
    if not isinstance(to, Ref):
        return unit_list_answer(qa, question, to, _left_out(qa, question, history))
    a = _resolve(qa, to)
    return replace(a, question=question) if a is not None else None


def _resolve(qa, ref: Ref) -> Answer | None:
    keys, tentative, question = list(ref.keys), ref.tentative, ref.rest
    n = ordinal(question) if ref.kind == "ordinal" else None
    if n is not None:
        if not 1 <= n <= len(keys):
            return None                 # no such item: the question is asked as it stands
        keys = [keys[n - 1]]
        question_rest = _ORDINAL.sub("", question)
        intent = intent_of(question_rest) or ("text" if _topic_free(question_rest) else None)
    else:
        intent = intent_of(question)
    units = member_units(qa, question)
    if units:
        intent = "member"
    elif ref.kind == "self" or (ref.kind == "pair" and _self_only(question)):
        intent = "self"
    elif ref.kind == "pair" and intent in (None, "figure"):
        intent = "compare"
    clauses = [clause_index(qa)[k] for k in keys]
    evidence = {"followup": {"intent": intent or "topic", "of": keys, "ref": ref.kind,
                             **({"prior": "possible"} if tentative else {})}}
    a = None
    with_units = [c for c in clauses if c.lead_units or c.partner_units]
    if intent in ("member", "lead", "partner", "self") and not with_units:
        return None                 # the last answer cited only a preamble: nothing to name
    if intent == "member":
        a = member_answer(qa, question, with_units[:MAX_MEMBER_CLAUSES], units, evidence)
    elif intent in ("lead", "partner", "self"):
        a = units_answer(qa, question, with_units, "lead" if intent == "self" else intent,
                          evidence, compare=ref.kind == "pair")
        if intent == "self":
            a = replace(a, text=f"{SELF_UNIT_NOTE}\n{a.text}")
    elif intent == "effective":
        a = effective_answer(qa, question, [c.doc_id for c in clauses], evidence)
    elif intent in ("text", "compare"):
        a = text_answer(qa, question, clauses, evidence)
    if a is None and ref.kind in ("part", "back") and ref.topic:
        a = within_answer(qa, question, keys[0], ref.topic, ref.tie, evidence)
    if a is not None:               # the last turn only offered its clauses: so does this one
        return replace(a, text=f"{POSSIBLE_PRIOR}\n{a.text}", confidence="possible") \
            if tentative and a.kind != "refusal" and a.confidence == "answer" else a
    # a topic question about "this clause": ask it with the clause's heading as context
    heading = clauses[0].heading.rstrip("。")
    rewritten = _ANAPHORA.sub("", question).strip() or question
    a = qa.ask(f"{heading}：{rewritten}")
    return Answer(question, a.kind, a.text, a.citations, a.quotes, confidence=a.confidence,
                  evidence={**a.evidence, "followup": {"intent": intent or "topic", "of": keys,
                                                       "ref": ref.kind,
                                                       "asked": f"{heading}：{rewritten}"}})
