"""Questions that ask for a figure (多少钱, 补助多少万, 比例是多少, 几年) or about a later year, and
clauses that cannot answer them.

Most measures say what is supported, not how much (给予财政资金补助). A confident answer to
"孵化器通过国家认定后能补助多少万？" that quotes such a clause reads as if the amount were
there; the honest answer names the clause and says it states no figure. So when a question asks
for a figure and none of the clauses an answer would cite holds one, the answer is given in the
可能相关 tier with that said first (qa/route_retrieval.py). Likewise a question about a year after
the cited documents were issued (2023年…排名第几): the text cannot hold what happened then."""
from __future__ import annotations

import re

_ASKS = re.compile(r"多少|几成|几年|几个月|几万|几千|几百|几倍|几个点|多久|多长时间|百分之几|排第几|第几名|"
                   r"(?:什么|啥|哪个)(?:比例|标准|额度)|比例(?:是|为|有)|金额|额度|上限是|"
                   r"最高(?:能|可以?)?(?:补|奖|给|拿|贴)")
_NOT_A_FIGURE = re.compile(r"多少(?:条|项|部分|个部分)(?:措施|条款)?|有多少(?:个)?(?:部门|单位)")
_N = r"(?:[0-9０-９][0-9０-９.,]*|[一二三四五六七八九十两百千]+)"
# what kind of figure a question asks for, and the figures of each kind a clause can state; a
# question that asks 多少 of no particular kind is answered by any figure
_ASK_KINDS = {
    "money": re.compile(r"多少钱|几万|几千|几百|多少万|多少元|金额|额度|钱数|上限|"
                        r"最高(?:能|可以?)?(?:补|奖|给|拿|贴)|"
                        r"(?:补助|补贴|奖励|资助|奖补|贴息|给钱|发钱|支持|扶持)(?:了|能|可以|有|是)?多少"),
    "share": re.compile(r"几成|百分之几|几个点|比例|税率|费率|利率|多少%|扣除?多少|加计[^，。？?]{0,6}多少"),
    "period": re.compile(r"几年|几个月|多少年|多久|多长时间|期限|有效期|几天|多少天"),
    "count": re.compile(r"多少家|几家|多少个(?!月|点)|几个(?!月|点)|多少名|几名|前几|多少位|几位|多少项|几项"),
    # 排第几 / 第几名: a place in a ranking, which a threshold (前35名) does not state
    "rank": re.compile(r"排第几|排名第几|第几名|第几位|排名(?:是)?多少|排多少名|名次是?多少"),
}
_GIVES = {
    "money": re.compile(_N + r"\s*(?:万元|亿元|元|万|亿)"),
    "share": re.compile(r"[%％]|百分之|" + _N + r"\s*(?:成|倍)"),
    "period": re.compile(r"(?<![0-9０-９])[0-9０-９]{1,2}\s*(?:年|个月|天)|[一二三四五六七八九十两]+(?:年|个月|天)"),
    "count": re.compile(_N + r"\s*(?:个|家|项|名|位|所|强)"),
    "rank": re.compile(r"(?:排名|排|位列|位居|名列)?第\s*" + _N + r"\s*(?:名|位)"),
}
_FIGURE = re.compile(r"[0-9０-９]|百分之|[一二三四五六七八九十两百千万]+(?:万|亿|元|倍|年|个月|名|%|％|成)")
NOTE = "{citation}没有写明问题所问的具体数额（金额、比例或期限）。"
LATER_NOTE = "{doc}印发于{issued}年，没有写到{year}年的情况。"
_YEAR = re.compile(r"(?<![0-9０-９])(20[0-9]{2})(?![0-9])")


def asks_figure(question: str) -> bool:
    """Does the question ask for an amount, a share or a period?"""
    q = _NOT_A_FIGURE.sub("", question)
    return bool(_ASKS.search(q))


def figure_kinds(question: str) -> frozenset[str]:
    """The kinds of figure asked for (money, share, period, count); empty for a plain 多少."""
    q = _NOT_A_FIGURE.sub("", question)
    return frozenset(k for k, rx in _ASK_KINDS.items() if rx.search(q))


def gives_figure(text: str, kinds: frozenset[str] = frozenset()) -> bool:
    """Does a clause text state a figure — of one of `kinds` when given (a percentage does not
    answer 多少钱, a calendar year does not answer 几年), of any kind otherwise?"""
    if not kinds:
        return bool(_FIGURE.search(text))
    return any(_GIVES[k].search(text) for k in kinds)


def figure_missing(question: str, texts) -> bool:
    """The question asks for a figure and none of `texts` states one of the kind asked."""
    if not asks_figure(question):
        return False
    kinds = figure_kinds(question)
    return not any(gives_figure(t, kinds) for t in texts)


def later_year(question: str, issued: list[str | None], texts) -> int | None:
    """A year the question asks about that is after every cited document was issued and that
    no cited clause names (2023年柳州高新区排名第几 against a 2021 document), or None: what
    happened later cannot be in the text."""
    years = sorted({int(y) for y in _YEAR.findall(question)})
    dates = [int(d[:4]) for d in issued if d and d[:4].isdigit()]
    if not years or not dates:
        return None
    return next((y for y in years if y > max(dates) and not any(str(y) in t for t in texts)), None)
