"""Which earlier clauses a follow-up question means (qa/followup.py answers it).

- the last answer's (`prior`): 牵头单位是谁？ / 这条什么时候执行
- the conversation's first answer: 我第一个问的那条
- two at once (`pair`): 这两条的牵头单位一样吗 / 两条有什么区别 — the last two topics
- an earlier topic named again (`back`): 回到用地那条，谁牵头 — the earlier turn whose question
  and clause share most of the named words
- a part of the last answer (`part`): 其中管理机构那部分 / 自治区级的呢 — the clause of the last
  answer holding the named words

A turn counts when it cited clauses as an answer or as 可能相关 (`"confidence": "possible"`);
a refusal's nearest clauses do not.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from corpus.model import Clause
from indexer.tokenize import char_bigrams

from .departments import parse_unit_query, role_of

MAX_TURNS = 50            # only this many prior turns are looked at
MAX_KEYS = 30             # and this many clause keys of each
MAX_BACK_KEYS = 8         # a "回到X那条" looks at this many of each turn's clauses


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


@dataclass(frozen=True)
class Turn:
    question: str
    keys: tuple[str, ...]
    tentative: bool          # only offered as 可能相关


def turns(qa, history) -> list[Turn]:
    """The prior turns that cited clauses of the loaded index, oldest first."""
    if not isinstance(history, (list, tuple)):
        return []
    known = clause_index(qa)
    out = []
    for turn in list(history)[-MAX_TURNS:]:
        if not isinstance(turn, dict):
            continue
        tentative = turn.get("answered") is False
        if tentative and turn.get("confidence") != "possible":
            continue
        keys = [k for k in (turn.get("citations") or [])[:MAX_KEYS] if isinstance(k, str) and k in known]
        if keys:
            q = turn.get("question")
            out.append(Turn(q if isinstance(q, str) else "", tuple(dict.fromkeys(keys)), tentative))
    return out


def prior(qa, history, first: bool = False) -> tuple[list[str], bool]:
    """Clause keys cited by the latest prior turn that cited any (the first such turn when
    `first`), and whether that turn only offered them as 可能相关."""
    ts = turns(qa, history)
    if not ts:
        return [], False
    t = ts[0] if first else ts[-1]
    return list(t.keys), t.tentative


# 这两条 / 两条的牵头单位一样不 / 二者 / 这俩
PAIR = re.compile(r"(?:这|那|上面|前面|刚才|刚刚)?(?:两|俩)(?:条|项|个|者)(?:措施|条款|政策)?|二者|这俩|那俩")


def pair(qa, history) -> tuple[list[str], bool]:
    """The clauses of the last two topics, in the order they came up: the first clause of each
    of the two latest turns that cited different ones (or the latest turn's first two)."""
    ts = turns(qa, history)
    firsts: list[str] = []
    used: list[Turn] = []
    for t in reversed(ts):
        if t.keys[0] not in firsts:
            firsts.append(t.keys[0])
            used.append(t)
        if len(firsts) == 2:
            return firsts[::-1], any(u.tentative for u in used)
    if ts and len(ts[-1].keys) >= 2:
        return list(ts[-1].keys[:2]), ts[-1].tentative
    return [], False


# 回到用地那条 / 再回到链长制那条 / 说回刚才创建那个事
BACK = re.compile(r"(?:再)?(?:回到|回过头(?:来)?(?:说|看|问)?|说回|绕回|返回)(?:到)?"
                  r"(?:刚才|刚刚|前面|上面|之前|最开始|开头)?(?:的|说的|问的|提的|聊的)?"
                  r"(?P<topic>[^，,。？?！!]{0,12}?)"
                  r"(?:那一?条|这一?条|那项|这项|那个|这个|那件事|那事|的事|那块|那部分|那边|问题)")


# 前面那个关键技术标准的事 / 刚才说的住房那个: an earlier topic without 回到
BACK_BARE = re.compile(r"^(?:那|再说|还有)?(?:前面|刚才|刚刚|之前|上面)(?:说的|问的|提的|聊的|提到的)?(?:那个|那件)?"
                       r"(?P<topic>[^，,。？?！!]{2,12}?)(?:的事|那事|的问题|那个问题|那条|那块|那部分|那个)")




def back(qa, history, topic: str) -> tuple[list[str], bool]:
    """The clause of the earlier turn a "回到X那条" names: the turn whose question, clause
    heading and text share most of X's character pairs (ties: the earlier turn); with no
    shared pair, the turn before the last."""
    ts = turns(qa, history)
    if not ts:
        return [], False
    idx = clause_index(qa)
    want = set(char_bigrams(topic))
    best, pick = 0, None
    for t in ts:                    # every clause each turn cited; ties: the earlier one
        for k in t.keys[:MAX_BACK_KEYS]:
            score = len(want & set(char_bigrams(f"{t.question} {idx[k].heading} {idx[k].text}")))
            if score > best:
                best, pick = score, (k, t.tentative)
    if pick is None:
        t = ts[-2] if len(ts) >= 2 else ts[-1]
        return [t.keys[0]], t.tentative
    return [pick[0]], pick[1]


# 其中管理机构那部分 / 其中跟营商环境有关的那条 / 自治区级的呢 / 那自治区级高新区呢，有什么要求
PART = re.compile(r"其中(?:跟|和|与|关于|讲|说)?(?P<topic>[^，,。？?！!]{2,12}?)(?:有关|相关)?的?"
                  r"(?:那一?部分|这一?部分|部分|那一?条|那项|那块|方面|内容)|"
                  r"(?P<said>[^，,。？?！!那这]{2,10})(?:那|这)句")          # 首购订购那句
ELLIPSIS = re.compile(r"^(?:那|那么|还有|再|而)?(?P<topic>[^，,。？?！!呢]{2,12}?)(?:方面|那边|这边|那块)?的?呢"
                      r"(?:[，,]\s*(?P<rest>[^，,。？?！!]{1,14}))?[？?。！!\s]*$")


_IDF: dict[int, tuple[object, dict[str, float]]] = {}      # id(parsed document) → (it, idf)


def _weights(qa, doc_id: str) -> dict[str, float]:
    """{character pair: idf} over the clauses of one document: a pair most clauses share (园区,
    建设) says little about which clause is meant, and one no clause has (the junction of two
    words, 区承 of 县区承担) nothing. Kept for the last 64 documents asked about."""
    parsed = qa.parsed(doc_id)
    if parsed is None:
        return {}
    hit = _IDF.get(id(parsed))
    if hit is not None and hit[0] is parsed:
        return hit[1]
    texts = [c.heading + c.text for c in parsed.all_clauses]
    df: dict[str, int] = {}
    for t in texts:
        for g in set(char_bigrams(t)):
            df[g] = df.get(g, 0) + 1
    n = len(texts)
    idf = {g: math.log((n + 1) / (d + 1)) for g, d in df.items()}
    if len(_IDF) >= 64:
        _IDF.pop(next(iter(_IDF), None), None)
    _IDF[id(parsed)] = (parsed, idf)
    return idf


def _covered(want: set[str], text: str, idf: dict[str, float], total: float) -> float:
    """The idf-weighted share of the pairs `want` that `text` holds."""
    return sum(idf.get(g, 0.0) for g in want & set(char_bigrams(text))) / total


def part(qa, keys: list[str], topic: str) -> list[str]:
    """The clauses of `keys` holding at least half of the topic's character pairs, each pair
    weighted by its idf in the clauses' document; the most first; [] when none does."""
    want = set(char_bigrams(topic))
    if not want or not keys:
        return []
    idx = clause_index(qa)
    idf = _weights(qa, idx[keys[0]].doc_id)
    total = sum(idf.get(g, 0.0) for g in want)
    if not total:
        return []
    scored = []
    for i, k in enumerate(keys):
        share = _covered(want, idx[k].heading + idx[k].text, idf, total)
        if share >= 0.5:
            scored.append((share, -i, k))
    return [k for _, _, k in sorted(scored, reverse=True)]


def best_sentence(qa, key: str, topic: str, tie: str = "") -> str | None:
    """The sentence of clause `key` holding at least half of the topic's character pairs
    (idf-weighted as in `part`), the most first; `tie` (the last question) breaks ties. None
    when no sentence does."""
    from indexer.dense import split_sentences
    c = clause_index(qa)[key]
    want, extra = set(char_bigrams(topic)), set(char_bigrams(tie))
    if not want:
        return None
    idf = _weights(qa, c.doc_id)
    total = sum(idf.get(g, 0.0) for g in want)
    if not total:
        return None
    best, pick = 0.0, None
    for s in split_sentences(c.text):
        share = _covered(want, s, idf, total)
        score = share + 0.01 * sum(idf.get(g, 0.0) for g in extra & set(char_bigrams(s)))
        if share >= 0.5 and score > best:
            best, pick = score, s
    return pick


# the asker's own unit: 我们税务局 / 我在司法局做… / 我是教育局的 / 作为投促局
_SELF_CLAIM = re.compile(r"我们|咱们|我在|我是|我司|作为|本")
SELF_REF = re.compile(r"(?:我们|咱们)(?!的)(?:这个)?(?:局|行|部|委|办|处|单位|部门|这边)?|"
                      r"我局|本局|我行|本行|我部|我委|我办")        # 我们的监管部门 describes, names no unit
OTHER_REF = re.compile(r"他们|它们|这个单位|该单位|这个局|这家单位")


def own_unit(qa, history, question: str = "") -> str | None:
    """The unit the asker said is theirs (我们税务局…, 我在司法局…), latest first, this question
    included; else the unit the conversation named last; None when it named none."""
    texts = [question] + [t.get("question") for t in reversed(list(history or [])[-MAX_TURNS:])
                          if isinstance(t, dict) and isinstance(t.get("question"), str)]
    for text in texts:
        for m in _SELF_CLAIM.finditer(text):
            units = qa.catalog.find(text[m.end():m.end() + 16])
            if units:
                return units[0]
    return last_unit(qa, history)


def last_unit(qa, history) -> str | None:
    """The unit the latest question naming one named (first of them)."""
    for t in reversed(list(history or [])[-MAX_TURNS:]):
        q = t.get("question") if isinstance(t, dict) else None
        units = qa.catalog.find(q) if isinstance(q, str) else ()
        if units:
            return units[0]
    return None


# 还在哪条当配合 / 那作为配合单位的呢: a unit question whose unit is the last question's
CARRY_REST = re.compile(r"还|在|哪|条|项|些|几|当|作为|担任|是|的|呢|吗|那|也|又|另外|其他|其它|别的|措施|条款|"
                         r"里|中|单位|部门|有|什么|做|牵头|配合|参与|出现|列进去|列|进去|把|了|除了|除开|以外|之外|"
                         r"这一?|两|[\s，,。？?！!]")
# 除了这一条 / 除开这两条 / 另外 / 还在哪几条: the clauses just discussed are left out of the list
EXCEPT = re.compile(r"除了|除开|除去|以外|之外|另外|其他|其它|别的|还在|还有哪|还把")


def carried_unit(qa, question: str, history):
    """A unit question without its unit (还在哪条当配合, 那作为配合单位的呢) after a question
    that named one: the UnitQuery with the last named unit; else None."""
    if not history or qa.catalog.find(question):
        return None
    own = SELF_REF.search(question)
    other = OTHER_REF.search(question)
    q = OTHER_REF.sub("", SELF_REF.sub("", question))
    if not (re.search(r"牵头|配合|参与", q) or ((own or other) and re.search(r"哪", q))) \
            or CARRY_REST.sub("", q):
        return None
    unit = own_unit(qa, history) if own else last_unit(qa, history)
    if unit is None:
        return None
    return parse_unit_query(f"{unit}{role_word(q)}哪几条", qa.catalog)


def role_word(question: str) -> str:
    role = role_of(question)
    return {"lead": "牵头", "partner": "配合"}.get(role, "参与")


# 组织部在其他条里还出现过没有 / 大数据局在别的条里露过面没: a named unit's other clauses
_ELSEWHERE = re.compile(r"(?:其他|其它|别的|另外的?|其余)(?:几)?(?:条|项|措施|地方)|还在哪|还有哪")
_APPEARS = re.compile(r"出现|露面|露过面|提到|提及|列|有它|有他|牵头|配合|参与")


def unit_elsewhere(qa, question: str, history):
    """A unit named with "the other clauses" after an answer (组织部在其他条里还出现过没有): the
    UnitQuery for its list (the clauses just discussed are left out by the caller); else None."""
    if not history or not _ELSEWHERE.search(question) or not _APPEARS.search(question):
        return None
    units = qa.catalog.find(question)
    if not units or not prior(qa, history)[0]:
        return None
    return parse_unit_query(f"{units[0]}{role_word(question)}哪几条", qa.catalog)
