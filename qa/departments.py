"""Questions about responsible units: 市科技局牵头哪些措施, 税务局配合哪些工作, 那条谁牵头."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.model import Clause
from corpus.units import unit_core
from indexer.abbrev import in_order
from indexer.clausetable import ClauseTable
from indexer.dense import split_sentences
from indexer.tokenize import normalise, synonyms

from .places import gazetteer

LEAD_WORDS = ("牵头", "主管", "主责", "负总责")
PARTNER_WORDS = ("配合", "协助", "协办", "参与")
ANY_WORDS = ("负责", "承担", "涉及", "分工", "有关", "相关", "管哪", "管什么", "管几", "管些",
             "出现", "提到", "提及", "点名", "写到",       # 财政局出现在哪几条里
             "任务", "职责", "职能")                       # 统计局在这份措施里有没有任务
_WHO = re.compile(r"谁牵头|谁负责|谁来牵头|谁配合|哪个(?:部门|单位)|哪些(?:部门|单位)|"
                  r"什么(?:部门|单位)|牵头单位|配合单位|责任单位|找谁|归谁管|谁管|"
                  r"(?:什么|啥|哪种)角色|角色是|扮演|起(?:什么|啥)作用")
_PERSON = re.compile(r"(?:主要)?负责(?:人|同志)|主管领导")
# 人才那条也是科技局牵头吗 / 这两条的牵头单位都是科技局吗: about named clauses, not a unit's list
_ONE_CLAUSE = re.compile(r"[这那该][一两俩几]?[条项]|两条|第[一二三四五六七八九十\d]+条")
_YES_NO = re.compile(r"有没有|有无|是否|[吗么嘛][？?。！!\s]*$")     # 税务局参与高新区建设吗
_LIST = re.compile(r"哪些|哪几|哪一|哪项|哪条|哪个|什么|多少|几条|几项|列出|全部|所有")


@dataclass(frozen=True)
class UnitQuery:
    units: tuple[str, ...]       # canonical unit names found in the question
    role: str                    # lead | partner | any


class UnitCatalog:
    """Every unit named in the clauses, findable by full name, core name or alias."""

    def __init__(self, clauses: Sequence[Clause]):
        table = ClauseTable.of(clauses)          # the units column: no clause is built
        names = sorted({u for lead, partner in table.units.values() for u in lead + partner})
        self.names = tuple(names)
        self._cores = tuple((name, unit_core(name)) for name in names)     # for _short_forms
        forms: dict[str, set[str]] = {}
        for name in names:
            for form in {name, unit_core(name), re.sub(r"（.*?）", "", unit_core(name))}:
                if len(form) >= 2:
                    forms.setdefault(normalise(form), set()).add(name)
            for inner in re.findall(r"（(.*?)）", name):          # 金融办 → 市财政局（金融办）
                forms.setdefault(normalise(inner), set()).add(name)
            for place in gazetteer():                              # 海关 → 柳州海关
                at = name.find(place)
                if at == 0 and len(name) - len(place) >= 2:
                    forms.setdefault(normalise(name[len(place):]), set()).add(name)
                    break
                if at >= 4:                                        # 人民银行 → 人民银行柳州市中心支行
                    forms.setdefault(normalise(name[:at]), set()).add(name)
                    break
        for alias, targets in synonyms().items():                  # 发改委 → 发展改革委
            for t in targets:
                if t in forms and alias not in forms:
                    forms[alias] = set(forms[t])
        self._forms = sorted(forms.items(), key=lambda kv: -len(kv[0]))

    def find(self, question: str) -> tuple[str, ...]:
        """Units named in the question, longest mention first; each mention used once."""
        q = normalise(question)
        found: list[str] = []
        for form, targets in self._forms:
            if form in q:
                found.extend(sorted(targets))
                q = q.replace(form, "\u0000")
        found.extend(self._short_forms(q))
        return tuple(dict.fromkeys(found))

    def _short_forms(self, q: str) -> list[str]:
        """Units named by a short form the text never uses: 文广旅局 → 市文化广电旅游局, 人社局,
        住建局 — 3–5 characters ending as the unit does (局/委/办), its first character first,
        the others in order; only a short form that fits exactly one unit."""
        out = []
        for m in re.finditer(r"(?=([\u4e00-\u9fff]{2,4}[局委办]))", q):
            cand = m.group(1)
            for start in range(len(cand) - 2):        # 们文广旅局 → 文广旅局 → 广旅局
                short = cand[start:]
                hits = [n for n, core in self._cores if core.endswith(short[-1])
                        and core[0] == short[0] and len(core) > len(short)
                        and in_order(short, core)]
                if len(hits) == 1:
                    out.append(hits[0])
                    break
        return out

    def strip(self, question: str) -> str:
        """The question (normalised) with every unit mention taken out."""
        q = normalise(question)
        for form, _ in self._forms:
            if form in q:
                q = q.replace(form, "")
        return q


def role_of(question: str, default: str = "any") -> str:
    """lead (牵头…), partner (配合…), any (both named), or `default` when neither is."""
    if any(w in question for w in LEAD_WORDS):
        return "lead" if not any(w in question for w in PARTNER_WORDS) else "any"
    if any(w in question for w in PARTNER_WORDS):
        return "partner"
    return default


def parse_unit_query(question: str, catalog: UnitCatalog) -> UnitQuery | None:
    """A question naming a unit and a role ('市科技局牵头哪些措施'), or None. The unit, the
    role and the list word share one sentence: in '我刚考进市科技局……。评价考核这一条的牵头
    单位是哪个？' the unit is where the asker works, and the question asks for a topic's unit."""
    for sentence in split_sentences(question) or [question]:
        units = catalog.find(sentence)
        if not units:
            continue
        s = _PERSON.sub("", sentence)        # 负责人 is a person, not the role 负责
        has_role = any(w in s for w in LEAD_WORDS + PARTNER_WORDS + ANY_WORDS)
        if has_role and (_LIST.search(s) or s.rstrip("？?。 ").endswith(LEAD_WORDS + PARTNER_WORDS)
                         or _about_the_unit_only(s, catalog)):
            return UnitQuery(units=units, role=role_of(s))
    return None


# what may stand beside the unit in a yes/no question about it: the document, roles, asking
_UNIT_ONLY_REST = re.compile(r"这份|这个|本|高新区|柳州|市里|文件|措施|政策|里面|里头|里|中|在|有没有|有无|是否|"
                             r"吗|么|嘛|呢|的|了|没|有|是|也|都|任务|职责|职能|分工|"
                             + "|".join(LEAD_WORDS + PARTNER_WORDS + ANY_WORDS) + r"|[\s，,。？?！!]")


def _about_the_unit_only(s: str, catalog: UnitCatalog) -> bool:
    """统计局在这份措施里有没有任务 / 税务局参与吗: a yes/no question about the unit and nothing
    else (绿色园区是环保局牵头吗 asks about a topic's clause, 这两条…都是科技局牵头吗 about two)."""
    return bool(_YES_NO.search(s)) and not _ONE_CLAUSE.search(s) \
        and not _UNIT_ONLY_REST.sub("", catalog.strip(s))


def asks_who(question: str) -> bool:
    """'科技金融那条谁牵头' / '找哪个部门': asks for the units of a topic's clause."""
    return bool(_WHO.search(question))


def who_role(question: str) -> str:
    """Which units a 'who' question asks for: partner (有哪些配合单位), any (牵头和配合单位
    都有谁) or lead (the default: 谁牵头, 找哪个部门)."""
    if re.search(r"角色|扮演|作用", question):     # 税务局在里面是什么角色: both roles
        return "any"
    return role_of(question, default="lead")


def _published(c: Clause, word: str) -> str:
    """The units after 牵头单位： / 配合单位： exactly as the clause's bracket has them."""
    m = re.search(word + r"[：:]\s*([^；;]*)", c.units_text)
    if not m:
        return ""
    seg = re.split(r"[，,]?\s*(?:牵头|配合)单位", m.group(1))[0].strip()   # 牵头单位：X，配合单位：Y
    while seg and seg[-1] in "）)〕]" and seg.count(seg[-1]) > seg.count({"）": "（", ")": "(",
                                                                        "〕": "〔", "]": "["}[seg[-1]]):
        seg = seg[:-1]                                  # the bracket's own closing mark
    return seg


def units_text(c: Clause, role: str) -> str:
    """A clause's units of the asked role, as published: '牵头单位：X；配合单位：Y'."""
    lead = f"牵头单位：{_published(c, '牵头单位') or '、'.join(c.lead_units) or '未写明'}"
    partner = f"配合单位：{_published(c, '配合单位') or '、'.join(c.partner_units) or '未写明'}"
    return {"lead": lead, "partner": partner, "any": f"{lead}；{partner}"}[role]


def clauses_for(uq: UnitQuery, clauses: Sequence[Clause], allowed=None) -> dict[str, list[Clause]]:
    """{unit: clauses where it has the asked role}, in clause order; only clauses whose key is
    in `allowed` (a set of keys; None = all). Only the matching clauses are built."""
    table = ClauseTable.of(clauses)
    out: dict[str, list[Clause]] = {}
    for unit in uq.units:
        rows = [r for r, (lead, partner) in table.units.items()
                if ((uq.role in ("lead", "any") and unit in lead) or
                    (uq.role in ("partner", "any") and unit in partner))
                and (allowed is None or table.keys[r] in allowed)]
        out[unit] = [table[r] for r in rows]
    return out
