"""Questions that name a place: asking about that place's own policy, or naming it as context.

A document knows its place: the gazetteer places (indexer/data/places.txt) in its title, short
name, aliases and issuer, and those of the documents it implements (the Liuzhou measures
implement the Guangxi measures, so they are Guangxi's too). The loaded documents *cover* those
places. A question is refused by rule only when it asks about the policy of a place no loaded
document covers (深圳高新区对…奖励多少 / 南宁市的人才补贴怎么申请). A place named as context
is left to retrieval and the tiers: where a company comes from or is registered (深圳那边的公司,
在苏州注册的, 从东莞迁过来的), a comparison (和南宁比, 像中关村那样, 对标张江), a destination
(去新加坡建研发中心, 到广东设飞地, 东南亚 建研发中心), people (浙江人, 日本客户).

Each mention of an uncovered place (adjacent places read as one: 北京中关村) is decided in order:
  1. owner   the place governs something the question asks about: P高新区/P…新区/园区,
             P政府/管委会, P对…, or an anaphor 那边的…政策 in a later clause
  2. context a context marker before it (从, 在P注册, 和/跟/比, 像, 对标, 去/到 …) or after it
             (…的公司/企业/客户, 人, 来的, 过来; a verb of setting up: 设, 建, 投资, 收购 …),
             spaces allowed between (search-box style: 东南亚 建研发中心)
  3. owner   P的…补贴/政策/标准 (a policy word within a few characters)
  4. context the question also names a covered place or this place (柳州, 本市, 这边, 当地 …),
             or asks what this document says (这份文件里…, 措施中…: 在欧洲申请专利，这份文件里有说法吗)
  5. owner   otherwise (a bare 杭州有哪些创业补贴)
"""
from __future__ import annotations

import re
from functools import lru_cache

from indexer.tokenize import DATA, normalise

from .meta import speaks_of_this_document

_ADMIN = r"(?:特别行政区|自治区|市|省|区|县)?"
_NAME_FILL = r"[^\s，。,、？?！!；;：:的设建办开立搞在到去和跟与比]{0,4}?"
_POLICY = (r"(?:政策|规定|措施|办法|补贴|补助|奖励|奖补|优惠|标准|条件|待遇|安家费|扶持|资助|"
           r"门槛|流程|额度|认定)")
_OWNER_AFTER = re.compile(
    _ADMIN + r"(?:" + _NAME_FILL + r"(?:高新区|高新技术产业开发区|开发区|新区|园区|科学城|自贸区|"
    r"自由贸易试验区|示范区)|(?:人民)?政府|管委会|对(?!标|比|接|外)|给(?:予)?(?:的)?" + _POLICY + r")")
_CONTEXT_BEFORE = re.compile(
    r"(?:从|自|来自|离开|和|跟|与|同|比|比起|相比|对标|像|如同|学习|参照|借鉴|到|去|赴|往|回|"
    r"总部在|注册在|注册于|位于|老家|老家在)$")
_IN_DOING = re.compile(
    _ADMIN + r"(?:那边|那里)?(?:也|还|都|已经|已)?(?:有|设|建|开|办(?!理)|做|读|念|工作|注册|生活|收购|收|"
    r"买|投资|成立|创业|上学|长大|出差|上过|待过|呆过|干过|发展|布点|申请专利|布局|参展|上市|销售|卖)|" +
    _ADMIN + r"[，,。；;]")
_CONTEXT_AFTER = re.compile(
    _ADMIN + r"\s*(?:那边|那里|当地)?(?:的)?(?:公司|企业|厂|工厂|客户|投资方|投资人|合作伙伴|伙伴|"
    r"团队|高校|大学|老板|朋友|分公司|子公司|总部|母公司|集团|供应商|项目方|"
    r"人(?!才|民|社|大|力|事|员|口)|籍|过来|来的|回来|迁|搬|注册|一样|那样)")
# a destination: the asker sets something up there (新加坡设分公司, 东南亚 建研发中心)
_DESTINATION = re.compile(_ADMIN + r"\s*(?:那边|那里)?(?:设立?|建(?!议)|开设|开办|投资|成立|布点|布局|收购|并购)")
_WEAK_OWNER = re.compile(_ADMIN + r"(?:那边|那里|当地)?的?[^，。,、？?！!；;]{0,6}?(?:" + _POLICY +
                         r"|(?:怎么|如何|去哪)(?:申请|申报|办理|领取))")
_ANAPHOR = re.compile(r"(?:^|[，,。；;！!？?])[^，,。；;]{0,4}?(?:那边|那里)的?[^，。,？?]{0,6}?" + _POLICY)
_HOME_DEIXIS = re.compile(r"本市|我市|市里|这边|这里|这儿|本地|当地|家乡|咱们|咱这|我们这|贵市")


@lru_cache(maxsize=1)
def gazetteer() -> tuple[str, ...]:
    """Place names, longest first (indexer/data/places.txt)."""
    words = []
    for line in (DATA / "places.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.extend(line.split())
    return tuple(sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def _place_re() -> re.Pattern:
    return re.compile("|".join(re.escape(p) for p in gazetteer()))


def places_in(text: str) -> set[str]:
    return set(_place_re().findall(normalise(text or "")))


def doc_places(doc) -> set[str]:
    """The gazetteer places a document names as its own (title, short name, aliases, issuer)."""
    return places_in(" ".join([doc.title, doc.short, doc.issuer or "", *doc.aliases]))


def covered_places(loaded, all_docs: dict) -> frozenset[str]:
    """Places the loaded documents cover: their own and those of the documents they implement
    (transitively, loaded or only referenced)."""
    out: set[str] = set()
    for doc in loaded:
        seen, todo = {doc.id}, [doc]
        while todo:
            d = todo.pop()
            out |= doc_places(d)
            for parent in d.implements:
                if parent in all_docs and parent not in seen:
                    seen.add(parent)
                    todo.append(all_docs[parent])
    return frozenset(out)


def _mentions(q: str) -> list[tuple[int, int, str, str]]:
    """(start, end, name, last part) of each place mention; adjacent places are one mention
    (北京中关村, 广西南宁), named by its most specific — last — part."""
    out: list[tuple[int, int, str, str]] = []
    for m in _place_re().finditer(q):
        if out and out[-1][1] == m.start():
            s, _, name, _ = out[-1]
            out[-1] = (s, m.end(), name + m.group(0), m.group(0))
        else:
            out.append((m.start(), m.end(), m.group(0), m.group(0)))
    return out


def _is_owner(q: str, start: int, end: int, anchored: bool, uncovered: int) -> bool:
    before, after = q[:start], q[end:]
    if _OWNER_AFTER.match(after) or (uncovered == 1 and _ANAPHOR.search(after)):
        return True
    if _CONTEXT_BEFORE.search(before) or _CONTEXT_AFTER.match(after) or _DESTINATION.match(after) \
            or (before.endswith("在") and _IN_DOING.match(after)):
        return False
    if _WEAK_OWNER.match(after):
        return True
    return not anchored


def foreign_place(question: str, covered: frozenset[str] | set[str]) -> str:
    """The place (no loaded document covers it) whose own policy the question asks about, or ""."""
    q = normalise(question)
    mentions = _mentions(q)
    uncovered = [(s, e, n) for s, e, n, last in mentions if last not in covered]
    if not uncovered:
        return ""
    anchored = len(uncovered) < len(mentions) or bool(_HOME_DEIXIS.search(q)) or \
        speaks_of_this_document(q)
    for s, e, name in uncovered:
        s, e = _coordinated(q, mentions, s, e)
        if _is_owner(q, s, e, anchored, len(uncovered)):
            return name
    return ""


_AND = re.compile(r"[、和与及或]|以及")


def _coordinated(q: str, mentions, start: int, end: int) -> tuple[int, int]:
    """The span of the list a mention stands in (在欧洲、美国申请专利: 欧洲、美国), so that
    the list is judged by what stands before its first and after its last place."""
    spans = [(s, e) for s, e, _, _ in mentions]
    i = spans.index((start, end))
    lo = hi = i
    while lo > 0 and _AND.fullmatch(q[spans[lo - 1][1]:spans[lo][0]]):
        lo -= 1
    while hi + 1 < len(spans) and _AND.fullmatch(q[spans[hi][1]:spans[hi + 1][0]]):
        hi += 1
    return spans[lo][0], spans[hi][1]
