"""Follow-up questions: "牵头单位是谁？", "那配合单位呢", "这条什么时候开始执行", "上一条的原文".

A follow-up names no topic of its own; it refers to the clauses the previous answer cited.
`resolve(qa, question, history)` answers it from those clauses, or returns None when the
question stands on its own (then `ask` proceeds as usual). `history` is a list of prior turns,
oldest first, each a dict {"question": str, "citations": [clause keys], "answered": bool?,
"confidence": "answer" | "possible" | "none"?}.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from corpus.model import Clause
from corpus.numerals import cn_to_int

from .departments import units_text
from .meta import cn_date as _cn_date
from .refs import find_reference
from .types import Answer

MAX_TURNS = 50            # only this many prior turns are looked at
MAX_KEYS = 30             # and this many clause keys of the one used

_ANAPHORA = re.compile(r"这条|该条|那条|上一条|上条|前一条|这一条|这项|该项|那项|这个措施|该措施|这些措施|"
                       r"这几条|上述|以上|刚才|上面|前面|它的|其")
_INTENTS = (
    ("partner", re.compile(r"配合单位|配合部门|谁配合|哪些?(?:部门|单位)配合|协助单位|协办|参与单位|"
                           r"配合的(?:是|有)(?:谁|哪)")),
    ("lead", re.compile(r"牵头单位|牵头部门|谁牵头|由谁牵头|牵头的(?:是|有)(?:谁|哪)|谁是牵头|哪个(?:部门|单位)牵头|谁负责|负责单位|"
                        r"负责部门|责任单位|主管部门|哪(?:个|些|几个|几家)(?:部门|单位)|找谁|谁管|归谁管|分工")),
    ("effective", re.compile(r"(?:什么时候|何时|哪天|从哪天|从什么时候|几时)(?:开始)?(?:执行|施行|实施|生效|有效)|"
                             r"(?:执行|施行|实施|生效)(?:时间|日期)|有效期|开始执行|开始施行|开始实施")),
    ("text", re.compile(r"原文|全文|完整内容|具体内容|原话|怎么写的|怎么规定的|讲(?:的|了)?(?:什么|啥)|"
                        r"说(?:的|了)?(?:什么|啥)|内容是(?:什么|啥)|什么内容|啥内容|第几条|哪一条|标题")),
    # "具体补多少钱写了没", "给多少？": a figure of the last answer's clause (asked with it as context)
    ("figure", re.compile(r"(?:补|给|奖|贴|发)?(?:多少钱|多少万|多少|几万|金额|额度|比例)")),
)
# what is left of a follow-up once the intent words and fillers are taken out
_FILLER = re.compile(r"[\s，,。？?！!：:、“”\"'（）()]|那么|那|呢|吗|嘛|啊|的|是|谁|请问|请|一下|这|该|哪个|哪些|"
                     r"部门|单位|开始|时候|什么|有|还|又|再|看看|看|给我|我|要|想|知道|具体|呀|吧|一|条|项|个|"
                     r"牵头|配合|负责|分别|和|及|与|都|几|家|叫|啥|写|了|没|补|给|奖|钱|来着")
# "海关也是配合单位吗", "组织部有参与吗", "柳州海关呢？", "是教育局牵头吗": a unit's part in the
# last answer's clauses (a unit named and, besides it, only words of taking part)
_MEMBER_FILLER = re.compile(r"参与|参加|角色|作用|扮演|里面|里头|其中|在|里|有没有|也|算不算|算|是不是|包括|"
                            r"包含|之一|中|了|没|还是|负责|干|做")
_UNIT_LIST = re.compile(r"哪些|哪几|哪条|哪项|几条|几项|列出|全部|所有")
# "你说的第二条", "上面第二个", "第三个": an item of the last answer's list, not clause （二）
_ORDINAL = re.compile(r"(?:(?:你|您)(?:刚才|刚刚)?(?:说|提|列|讲)(?:到)?的|(?:上面|前面|刚才|刚刚)"
                      r"(?:说的|提到的|列的|列出的)?的?)第([一二三四五六七八九十]|\d{1,2})(?:条|个|项|点)|"
                      r"第([一二三四五六七八九十]|\d{1,2})个")
MAX_MEMBER_CLAUSES = 5


class _ByKey(Mapping):
    """{key: clause} over the loaded index's rows; a clause is built when looked up."""

    def __init__(self, data):
        self.row_of, self.table = data.rows.row_of, data.clauses

    def __getitem__(self, key: str) -> Clause:
        return self.table[self.row_of[key]]

    def __contains__(self, key) -> bool:
        return key in self.row_of

    def __iter__(self):
        return iter(self.row_of)

    def __len__(self) -> int:
        return len(self.row_of)


def clause_index(qa) -> Mapping[str, Clause]:
    """{key: clause} of the loaded index."""
    return _ByKey(qa.data)


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


def prior(qa, history, first: bool = False) -> tuple[list[str], bool]:
    """Clause keys cited by the latest prior turn that cited any, and whether that turn only
    offered them as 可能相关 (its "confidence" was "possible"). Answered turns and 可能相关 turns
    count; a refusal's nearest clauses do not."""
    if not isinstance(history, (list, tuple)):
        return [], False
    known = clause_index(qa)
    turns = list(history)[-MAX_TURNS:]
    for turn in (turns if first else reversed(turns)):
        if not isinstance(turn, dict):
            continue
        tentative = turn.get("answered") is False
        if tentative and turn.get("confidence") != "possible":
            continue
        keys = [k for k in (turn.get("citations") or [])[:MAX_KEYS] if isinstance(k, str) and k in known]
        if keys:
            return list(dict.fromkeys(keys)), tentative
    return [], False


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


def is_followup(qa, question: str, history) -> bool:
    """Whether `question` refers to the previous answer rather than standing on its own."""
    if not history:
        return False
    if ordinal(question) is not None or _FIRST_ASKED.search(question):
        return True
    if find_reference(question) is not None:
        return False
    if qa.catalog.find(question):
        return bool(member_units(qa, question))
    if _NAMED.search(question):
        return False
    return bool(_ANAPHORA.search(question) or (intent_of(question) and _topic_free(question)))


def resolve(qa, question: str, history) -> Answer | None:
    """The answer to a follow-up, from the clauses the previous answer cited (the first
    turn's, for "我第一个问的…"); None otherwise."""
    if not is_followup(qa, question, history):
        return None
    first = bool(_FIRST_ASKED.search(question))
    a = _resolve(qa, _FIRST_ASKED.sub("", question) if first else question, history, first)
    return replace(a, question=question) if a is not None else None


def _resolve(qa, question: str, history, first: bool) -> Answer | None:
    keys, tentative = prior(qa, history, first=first)
    if not keys:
        return None
    n = ordinal(question)
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
    clauses = [clause_index(qa)[k] for k in keys]
    evidence = {"followup": {"intent": intent or "topic", "of": keys,
                             **({"prior": "possible"} if tentative else {})}}
    a = None
    with_units = [c for c in clauses if c.lead_units or c.partner_units]
    if intent in ("member", "lead", "partner") and not with_units:
        return None                 # the last answer cited only a preamble: nothing to name
    if intent == "member":
        a = _member_answer(qa, question, with_units[:MAX_MEMBER_CLAUSES], units, evidence)
    elif intent in ("lead", "partner"):
        a = _units_answer(qa, question, with_units, intent, evidence)
    elif intent == "effective":
        a = _effective_answer(qa, question, clauses, evidence)
    elif intent == "text":
        a = _text_answer(qa, question, clauses, evidence)
    if a is not None:               # the last turn only offered its clauses: so does this one
        return replace(a, text=f"{POSSIBLE_PRIOR}\n{a.text}", confidence="possible") \
            if tentative and a.kind != "refusal" else a
    # a topic question about "this clause": ask it with the clause's heading as context
    heading = clauses[0].heading.rstrip("。")
    rewritten = _ANAPHORA.sub("", question).strip() or question
    a = qa.ask(f"{heading}：{rewritten}")
    return Answer(question, a.kind, a.text, a.citations, a.quotes, confidence=a.confidence,
                  evidence={**a.evidence, "followup": {"intent": intent or "topic", "of": keys,
                                                       "asked": f"{heading}：{rewritten}"}})


def _name(qa, c: Clause) -> str:
    doc = qa.docs.get(c.doc_id)
    return f"{doc.short if doc else c.doc_id}{c.label}"


def _units_answer(qa, question, clauses, intent, evidence) -> Answer:
    lines = []
    for i, c in enumerate(clauses, 1):          # the units as the clause's bracket has them
        head = f"{_name(qa, c)}{c.heading.rstrip('。')}"
        if intent == "lead":
            tail = units_text(c, "any" if c.partner_units else "lead")
        else:
            tail = units_text(c, "partner") if c.partner_units else \
                f"未写明配合单位（{units_text(c, 'lead')}）"
        lines.append(f"{head}——{tail}【{i}】")
    return Answer(question, "department", "\n".join(lines),
                  tuple(qa.hit_for(c) for c in clauses), evidence=evidence)


def _member_answer(qa, question, clauses, units, evidence) -> Answer:
    lines = []
    for i, c in enumerate(clauses, 1):
        head = f"{_name(qa, c)}{c.heading.rstrip('。')}"
        for u in units:
            role = "牵头单位" if u in c.lead_units else "配合单位" if u in c.partner_units else ""
            said = f"是{head}的{role}" if role else f"不在{head}列出的单位中"
            lines.append(f"{u}：{said}（{units_text(c, 'any')}）【{i}】")
    return Answer(question, "department", "\n".join(lines), tuple(qa.hit_for(c) for c in clauses),
                  evidence=evidence)


_EFFECTIVE_SENT = re.compile(r"[^。；\n]*(?:施行|起执行|开始执行|有效期|生效)[^。；\n]*[。；]?")


def _effective_answer(qa, question, clauses, evidence) -> Answer:
    lines, cited = [], []
    for doc_id in dict.fromkeys(c.doc_id for c in clauses):
        doc = qa.docs.get(doc_id)
        parsed = next((p for p in qa.documents if p.doc.id == doc_id), None)
        if doc is None or parsed is None:
            continue
        if doc.effective:
            lines.append(f"{doc.citation_title}自{_cn_date(doc.effective)}起施行。")
            continue
        found = [(c, m.group(0)) for c in parsed.all_clauses for m in _EFFECTIVE_SENT.finditer(c.text)]
        if found:
            c, sent = found[0]
            cited.append(c)
            lines.append(f"{doc.citation_title}{c.label}：“{sent.strip()}”【{len(cited)}】")
            continue
        issued = (parsed.notice.date if parsed.notice else None) or doc.date
        when = f"，印发日期为{_cn_date(issued)}" if issued else ""
        lines.append(f"{doc.citation_title}未写明施行（开始执行）日期{when}；"
                     "具体执行时间请以原文及主管部门通知为准。")
        preamble = clause_index(qa).get(f"{doc_id}:0") if issued else None
        if preamble is not None:                # where the issue date stands
            cited.append(preamble)
            lines[-1] += f"【{len(cited)}】"
    if not lines:
        return Answer(question, "refusal", "上一轮引用的条款所在文件未加载，无法回答施行日期。")
    return Answer(question, "meta", "\n".join(lines), tuple(qa.hit_for(c) for c in cited),
                  evidence=evidence)


def _text_answer(qa, question, clauses, evidence) -> Answer:
    shown = clauses[:3]
    parts = [f"{qa.docs[c.doc_id].citation_title if c.doc_id in qa.docs else ''}{c.label}"
             f"全文如下【{i}】：\n{c.text}" for i, c in enumerate(shown, 1)]
    if len(clauses) > len(shown):
        parts.append(f"（上一轮共引用{len(clauses)}条，这里列出前{len(shown)}条。）")
    return Answer(question, "lookup", "\n".join(parts), tuple(qa.hit_for(c) for c in shown),
                  evidence=evidence)



