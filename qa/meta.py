"""Questions about the documents themselves, and about documents that are not loaded."""
from __future__ import annotations

import functools
import re

from corpus.manifest import find_document, plain_title
from corpus.model import Document, ParsedDocument

_DOC = r"(?:这份|该|这个|这套|这些|本|此|柳州|市里|市政府)?(?:文件|措施|政策|通知|文|若干措施|东西)"
PATTERNS = {
    "date": re.compile(r"(什么时候|啥时候|几时|何时|哪天|哪一天|哪年|日期|时间|几号|多久前).{0,6}(发布|印发|出台|发文|下发|公布)|"
                       r"(发布|印发|出台|发文|下发|公布|成文)(的)?(日期|时间|于|在哪)|落款(日期|时间)|"
                       + _DOC + r".{0,4}(什么时候|啥时候|几时|何时|哪年).{0,4}(的|出)"),
    "issuer": re.compile(r"(发文|印发|发布|出台|制定)(单位|机关|部门|机构)|(谁|哪个(单位|部门|机关)).{0,4}(发布|印发|发的|出台|制定)|"
                         r"(由谁|是谁)(发布|印发|出台)|(谁|哪个[^，。？?]{0,4}?|哪家[^，。？?]{0,4}?)(?<!研)(?<!开)(发的|出的)|"
                         r"(经|经过)了?(谁|哪个[^，。？?]{0,4}?|哪家[^，。？?]{0,4}?)(同意|批准)|谁(批准|同意|批)的|"
                         r"(经|经过)了?[^，。？?]{1,12}(同意|批准)(的)?(吗|么|嘛|没有|没)"),
    # 这份文件什么时候开始施行 / 哪天生效 / 有效期几年: when it takes effect, not when issued
    "effective": re.compile(r"(什么时候|啥时候|几时|何时|哪天|哪一天|从哪天|哪年|几号)(开始|起)?(生效|施行|执行|实施)|"
                            r"(生效|施行|实施|执行)(的)?(日期|时间)|有效期|开始(施行|执行|实施)(的)?(吗|么|了吗|没)"),
    "addressees": re.compile(r"发给|主送|下发给|下发到|发到了?(哪些|哪里|哪儿|谁)|印发给|抄送|"
                             r"发送(对象|范围|单位)|发文对象|送达(哪些|谁)"),
    "purpose": re.compile(r"(目的|宗旨|初衷)(是什么|是啥|何在)?|为了什么|为什么(要)?(出台|制定|印发|发)|"
                          r"想把.{0,8}(打造|建设|建)成|(打造|建设|建)成(什么|啥)|"
                          # the document's own aim (制定这些措施想要达到什么目标), not a target a
                          # clause sets for something it names (对河西高新区提了哪些目标)
                          r"(制定|出台|印发)[^，。？?对]{0,8}(什么|啥|哪些)(总体)?目标|"
                          r"(达到|实现)(什么|啥)(总体)?目标|奠定.{0,6}基础"),
    # 适用范围 / 只管国家级高新区吗: whom the document applies to
    "scope": re.compile(r"适用(范围|对象|于(哪|什么|谁))|(只|仅)(管|适用|针对|面向)[^，。？?]{0,12}(吗|么|嘛)"),
    # 有政策依据吗 asks whether something the asker wants has support, not the document's basis
    "basis": re.compile(r"(?<!有)(?<!有没有)(?<!有无)(?:"
                        r"(依据|根据|上位|上级|参照|贯彻|落实).{0,6}"
                        r"(哪些|什么|哪个|哪几)?.{0,4}(文件|政策|精神|依据)(?![吗么])|"
                        r"(照着|上头|上面).{0,6}(哪些|什么|哪个|哪几).{0,4}(文件|政策|精神)|"
                        r"(政策|制定)依据(?!吗|么|没有)|依据是什么|根据什么(制定|出台)|"
                        r"(依据|根据|按照|参照)(什么|啥|哪些|哪个|哪份)[^，。？?]{0,4}(定|制定|出台|写|来)的|"
                        r"(序言|前言|开头)[^，。？?]{0,6}(引用|援引|提到|提及)(了|的)?[^，。？?]{0,10}(文件|意见|方案|措施))"),
    # 哪几条措施提到X / 哪几条的牵头单位… ask which clauses have a property, not how many there are
    "structure": re.compile(r"(一共|总共|共有|有)(几|多少)(条|项)|(?<!哪)(几|多少)(条|项)(措施|条款)|(几|哪几|哪些)(个)?部分|"
                            r"分为|(这份|该|本|这个)(文件|措施).{0,4}(主要内容|哪些措施|结构)"),
    "number": re.compile(r"文号|发文字号|几号文"),
    # 叫什么 only of the document itself (文件叫什么), not of a thing named in it (平台叫什么)
    "title": re.compile(r"(文件|措施|政策)(的)?(正式|完整|具体)?(的)?(全称|标题|名称|名字)|"
                        r"(文件|措施|这份|本文|它)[^，。；？?]{0,4}叫什么"),
}
_ABOUT_DOC = re.compile(_DOC + r"|文号|发文|印发|出台|发布|这(?:个|份|套)?东西|(?<!研)(?<!开)发的|发给|"
                        r"序言|前言|^(?:请问)?这(?:个|份|套)?是")


# 这份措施里 / 你们这个政策 / 文件里: the asker means the document in front of them (the home
# document, or the one the question names) — not any document of the library
_THIS_DOC = re.compile(r"(?:这|该|本|此|你们这?|咱们?这?)(?:一)?(?:份|个|套|些|项|部)?"
                       r"(?:文件|措施|政策|通知|若干措施)|(?<![的])(?:文件|措施)(?:里|中|上|内|当中)")


def speaks_of_this_document(question: str) -> bool:
    return bool(_THIS_DOC.search(question))


def meta_intent(question: str) -> str | None:
    """Which attribute of the document a question asks for first, or None."""
    intents = meta_intents(question)
    return intents[0] if intents else None


def meta_intents(question: str) -> list[str]:
    """Every attribute of the document a question asks for, in priority order ("哪个单位印发
    的，成文日期是哪天" → issuer and date)."""
    q = question.strip()
    if not _ABOUT_DOC.search(q):
        return []
    found = []
    for name in ("number", "basis", "addressees", "issuer", "effective", "date", "title", "purpose",
                 "scope", "structure"):
        if PATTERNS[name].search(q):
            if name == "structure" and not re.search(r"措施|条款|部分|文件|内容", q):
                continue
            if name == "title" and "basis" in found:    # 序言引用的文件叫什么: a cited title
                continue
            found.append(name)
    return found


def _doc_name(doc: Document) -> str:
    return f"《{doc.title}》"


# the preamble's sentence of purpose: "为…，(特)制定…。" (group 1: the purpose itself)
_AIM = re.compile(r"(为(?:了)?[^。]*?)，?(?:特)?制定[^。]*。?")


def answer_meta(intent: str, parsed: ParsedDocument, all_docs: dict[str, Document]) -> str:
    doc, notice = parsed.doc, parsed.notice
    name = _doc_name(doc)
    issuer = (notice.issuer if notice else doc.issuer) or "（文中未写明）"
    if intent == "date":
        if notice and notice.date:
            return f"{name}由{issuer}于{cn_date(notice.date)}印发（见印发通知落款）。"
        facts = [f"公布于{cn_date(doc.published)}" if doc.published else "",
                 f"最近一次修改于{cn_date(doc.revised)}" if doc.revised else "",
                 f"自{cn_date(doc.effective)}起施行" if doc.effective else ""]
        facts = [f for f in facts if f] or [f"日期为{cn_date(doc.date)}" if doc.date else "文中未写明日期"]
        return f"{name}" + "，".join(facts) + "。"
    if intent == "effective":      # beside another attribute; alone: route_meta.effective_answer
        if doc.effective:
            return f"{name}自{cn_date(doc.effective)}起施行。"
        return f"{name}未写明施行（开始执行）日期及有效期。"
    if intent == "issuer":
        agreed = re.search(r"已经[^，。]*同意", notice.text) if notice else None
        return f"{name}的发文单位是{issuer}" + (f"；印发通知写明“{agreed.group(0)}”" if agreed else "") + "。"
    if intent == "number":
        if doc.number:
            return f"{name}的文号是{doc.number}。"
        return f"{name}未印有文号；落款为{issuer}" + (f"，{doc.date}" if doc.date else "") + "。"
    if intent == "title":
        via = f"，以《{parsed.title}》的通知印发" if notice and parsed.title != doc.title else ""
        return f"文件全称为{name}{via}。"
    if intent == "addressees":
        if notice and notice.addressees:
            return f"{name}的印发通知主送：{notice.addressees}。"
        return f"{name}没有印发通知，文中未写明主送单位。"
    if intent == "purpose":
        pre = parsed.preamble.text if parsed.preamble else ""
        m = _AIM.search(pre)
        if m:
            return f"{name}的序言写明制定目的：“{m.group(1)}”。"
        return f"{name}的序言：“{pre}”" if pre else f"{name}未写明制定目的。"
    if intent == "scope":
        stated = next((c for c in parsed.clauses if re.search(r"适用于|适用范围", c.text)), None)
        if stated:
            m = re.search(r"[^。；]*(适用于|适用范围)[^。；]*[。；]?", stated.text)
            return f"{name}{stated.label}写明：“{m.group(0)}”"
        pre = parsed.preamble.text if parsed.preamble else ""
        m = _AIM.search(pre)
        if m:
            return f"{name}未单列适用范围条款；序言写明：“{m.group(0)}”"
        return f"{name}未写明适用范围。"
    if intent == "structure":
        parts = "；".join(f"{p.label}{p.title}（{_range(p.numbers)}）" for p in parsed.parts)
        return f"{name}共{len(parsed.parts)}个部分、{len(parsed.clauses)}条措施：{parts}。"
    # basis
    lines = []
    for title in parsed.cited_titles:
        target = find_document(all_docs.values(), title)
        status = ("已加载" if target.loaded else "未加载") if target else "未登记"
        num = f"（{target.number}）" if target and target.number else ""
        lines.append(f"《{title}》{num}——{status}")
    return (f"{name}的序言写明，措施依据以下文件精神制定：\n" + "\n".join(f"- {x}" for x in lines))


def cn_date(date: str) -> str:
    """2021-12-29 → 2021年12月29日 (unchanged when it is not an ISO date)."""
    try:
        y, m, d = (int(x) for x in date.split("-"))
    except ValueError:
        return date
    return f"{y}年{m}月{d}日"


def _range(numbers: tuple[int, ...]) -> str:
    from corpus.numerals import int_to_cn
    if not numbers:
        return ""
    return f"（{int_to_cn(numbers[0])}）至（{int_to_cn(numbers[-1])}）"


# how a question names a document that may not be loaded
_MENTIONS = {
    "national": re.compile(r"国务院[^，。；？?！!]{0,16}(意见|文件|规定|政策)|国务院的?(那|这)(份|篇)|"
                           r"国家[^，。；？?！!]{0,4}(层面|级)?[^，。；？?！!]{0,4}(意见|文件)|国发"),
    "region": re.compile(r"(广西|自治区)(壮族自治区)?的?(那|这)(份|篇)|"
                         r"(广西|自治区)(壮族自治区)?(的|级|层面|这边)?[^，。；？?！!]{0,16}"
                         r"(若干措施|措施|文件|规定|政策|意见)"),
}


@functools.lru_cache(maxsize=65536)
def _plain_names(d: Document) -> tuple[str, ...]:
    """A document's names as `mentioned` matches them (computed once per document)."""
    names = [d.title, d.short, *d.aliases] + ([d.number] if d.number else [])
    # the core of a title quoted inside another: 《科技强桂三年行动方案（…）》 → 科技强桂三年行动方案
    names += [re.sub(r"（.*?）|\(.*?\)", "", t) for n in names for t in re.findall(r"《(.+?)》", n)]
    return tuple(p for p in dict.fromkeys(plain_title(n) for n in names) if p)


def mentioned(question: str, docs, loaded=()) -> list[Document]:
    """The documents (of `docs`) a question names: title, short name, alias, 文号, a level
    phrase such as 国务院的意见 / 广西的措施, or the last four characters of its title (那个实施
    方案) when no document of `loaded` ends the same way."""
    q = plain_title(question)
    out = []
    for d in docs:
        if any(n in q for n in _plain_names(d)):
            out.append(d)
            continue
        tail = plain_title(d.title)[-4:]
        if len(tail) == 4 and tail in q and not any(tail in plain_title(x.title) for x in loaded):
            out.append(d)
            continue
        pat = _MENTIONS.get(d.level)
        m = pat.search(question) if pat else None
        # 国务院哪个文件 asks which document, it names none
        if m and "柳州" not in question and not re.search(r"哪|什么|啥", m.group(0)):
            out.append(d)
    return out


mentioned_missing = mentioned


def not_loaded_text(docs: list[Document]) -> str:
    lines = []
    for d in docs:
        num = f"（{d.number}）" if d.number else ""
        date = f"，{d.date}" if d.date else ""
        lines.append(f"{_doc_name(d)}{num}，{d.issuer}{date}")
    body = "；".join(lines)
    return (f"知识库尚未加载{body}，无法回答其中的具体规定。"
            f"如需查询，需由管理人员先添加该文件全文（见“文件”页）。")
