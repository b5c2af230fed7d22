"""Clause references in a question: （十七）, (17), 第十七条, 第17条, 措施十七, 十七条 …"""
from __future__ import annotations

import re

from corpus.numerals import cn_to_int

_NUM = r"[零〇一二两三四五六七八九十百\d]{1,4}"
# (17) / （17） with digits: only when the question is essentially that reference ("(1)讲什么"),
# never inside other text ("alert(1)", "符合(1)项条件的")
_PAREN_DIGITS = re.compile(r"[（(]\s*(\d{1,3})\s*[）)]")
_PATTERNS = [
    re.compile(r"[（(]\s*([零〇一二两三四五六七八九十百]{1,4})\s*[）)]"),     # （十七）
    re.compile(rf"第\s*({_NUM})\s*(?:条|项|点|款|部分措施)"),            # 第十七条 第17项
    re.compile(rf"(?:措施|条款|条目)\s*第?\s*({_NUM})"                  # 措施十七 条款17
               r"(?=$|[\s，,。？?！!：:、]|和|与|及|讲|说|是|的|内容|原文|全文|规定|写|呢|吗|怎么|有什么|主要|具体|到底|要点|重点)"),
]
# a bare "十七条" only when the question is about that clause, not a count ("21条措施", "两条是不是都…")
_BARE = re.compile(rf"^\s*(?!两\s*条)({_NUM})\s*条\s*(?:措施)?\s*(?:的)?(?:讲|说|是|写|规定|内容|原文|全文|什么|呢|要点|重点|"
                   rf"大意|意思|主要|具体|$)")
_ASKS_TEXT = re.compile(r"讲|说|是什么|内容|原文|全文|规定|写")


def _bare_digits_ref(q: str) -> int | None:
    m = _PAREN_DIGITS.search(q)
    if not m:
        return None
    rest = re.sub(r"[\s？?。！!，,]", "", q[:m.start()] + q[m.end():])
    if not _ONLY_ASKS_TEXT.fullmatch(rest):
        return None
    return int(m.group(1))


# what may stand around a bare "(7)" for the question to be that reference, in any order
# ("(7)讲什么", "（7）的内容是啥", "请问(7)具体说了啥")
_ONLY_ASKS_TEXT = re.compile(r"(?:柳州措施|这份文件|文件|措施|条款|第|条|项|的|讲|说|写|规定|是|什么|啥|"
                             r"哪些|内容|原文|全文|具体|主要|大意|意思|了|呢|吗|请问|看看|一下)*")


def find_reference(question: str) -> int | None:
    """The clause number a question refers to, or None."""
    q = question.strip()
    no = _bare_digits_ref(q)
    if no is not None:
        return no
    for pat in _PATTERNS:
        m = pat.search(q)
        if m:
            try:
                return cn_to_int(m.group(1))
            except ValueError:
                continue
    m = _BARE.search(q)
    if m:
        try:
            return cn_to_int(m.group(1))
        except ValueError:
            return None
    return None


_SUB_UNITS = ("款", "项", "点")


def find_references(question: str) -> list[int]:
    """Every clause a question names, in order ("第十条和第二十条有什么不同" → [10, 20]). A
    款/项/点 right after a clause reference is part of it (第十七条第二款 → [17])."""
    q = question.strip()
    first = find_reference(q)
    if first is None:
        return []
    found: list[tuple[int, int, str, str]] = []      # start, end, numeral, last character
    for pat in _PATTERNS:
        for m in pat.finditer(q):
            found.append((m.start(), m.end(), m.group(1), m.group(0)[-1]))
    found.sort()
    nos: list[int] = []
    last_end = -1
    for start, end, num, unit in found:
        if start < last_end or (unit in _SUB_UNITS and start == last_end and nos):
            last_end = max(last_end, end)
            continue
        last_end = end
        try:
            nos.append(cn_to_int(num))
        except ValueError:
            continue
    nos = list(dict.fromkeys(nos))
    return nos if first in nos and len(nos) > 1 else [first]


def is_pure_lookup(question: str) -> bool:
    """True when the question only names a clause (and perhaps asks what it says)."""
    q = re.sub(r"[\s？?。！!，,]", "", question)
    rest = q
    if _bare_digits_ref(q) is not None:
        rest = _PAREN_DIGITS.sub("", rest)
    for pat in _PATTERNS + [_BARE]:
        rest = pat.sub("", rest)
    rest = re.sub(r"(柳州措施|这份文件|文件|措施|条款|的|讲|说|了|是|什么|内容|原文|全文|规定|写|呢|吗|请|查看|看看|看|一下|显示|给我|有哪些)", "", rest)
    return len(rest) <= 2
