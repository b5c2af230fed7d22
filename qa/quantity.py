"""Questions that ask for a figure (多少钱, 补助多少万, 比例是多少, 几年) and clauses that give none.

Most measures say what is supported, not how much (给予财政资金补助). A confident answer to
"孵化器通过国家认定后能补助多少万？" that quotes such a clause reads as if the amount were
there; the honest answer names the clause and says it states no figure. So when a question asks
for a figure and none of the clauses an answer would cite holds one, the answer is given in the
可能相关 tier with that said first (qa/route_retrieval.py)."""
from __future__ import annotations

import re

_ASKS = re.compile(r"多少|几成|几年|几个月|几万|几千|几百|几倍|几个点|多久|多长时间|百分之几|"
                   r"(?:什么|啥|哪个)(?:比例|标准|额度)|比例(?:是|为|有)|金额|额度|上限是|"
                   r"最高(?:能|可以?)?(?:补|奖|给|拿|贴)")
_NOT_A_FIGURE = re.compile(r"多少(?:条|项|部分|个部分)(?:措施|条款)?|有多少(?:个)?(?:部门|单位)")
_FIGURE = re.compile(r"[0-9０-９]|百分之|[一二三四五六七八九十两百千万]+(?:万|亿|元|倍|年|个月|名|%|％|成)")
NOTE = "{citation}没有写明问题所问的具体数额（金额、比例或期限）。"


def asks_figure(question: str) -> bool:
    """Does the question ask for an amount, a share or a period?"""
    q = _NOT_A_FIGURE.sub("", question)
    return bool(_ASKS.search(q))


def gives_figure(text: str) -> bool:
    """Does a clause text state any amount, share, count or period?"""
    return bool(_FIGURE.search(text))
