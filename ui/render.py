"""Safe HTML for the web app. Every string from a person or a document goes through `esc`;
the only live markup is what these functions build (links are `#fragment`s, never URLs).

A conversation is a list of turns (plain JSON, kept in the browser):
  {"question", "kind", "answer", "confidence", "answered", "citations": [clause keys],
   "quotes": [[citation index, sentence]]}
"""
from __future__ import annotations

import html
import json
import re

from corpus.model import LEVEL_NAMES
from qa.confidence import TIER_NAMES
from qa.followup import clause_index

KIND_NAMES = {"answer": "回答", "lookup": "条款原文", "department": "部门分工",
              "meta": "文件信息", "refusal": "未找到", "help": "使用说明"}
TIERS = {t: (name, f"pqa-tier-{t}") for t, name in TIER_NAMES.items()}   # badge, CSS class
DISCLAIMER = "回答摘自政策原文，仅供参考，以原文为准。"
# command-line hints in library texts, said the way a web user can act on them
_WEB_HINTS = (
    ("（用 policyqa add 添加后可查，见 policyqa docs）", "（可由工作人员在“文件”页添加）"),
    ("如需查询，请先添加该文件全文（policyqa add 文件或网址）。", "如需查询，请工作人员在“文件”页添加该文件全文。"),
)
_MARKER = re.compile(r"【(\d{1,3})】")


def esc(s) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def web_text(text: str) -> str:
    for cli, web in _WEB_HINTS:
        text = text.replace(cli, web)
    return text


def tier_of(turn: dict) -> str:
    t = turn.get("confidence")
    if t in TIERS:
        return t
    return "answer" if turn.get("answered") else "none"


def turn_from_answer(answer) -> dict:
    """The JSON turn kept in the browser, from a qa Answer."""
    return {"question": answer.question, "kind": answer.kind, "answer": answer.text,
            "confidence": getattr(answer, "confidence", None), "answered": answer.answered,
            "citations": [h.key for h in answer.citations],
            "quotes": [[n, q] for n, q in answer.quotes]}


# ---- chat --------------------------------------------------------------------------------
def _markers(escaped: str, turn: int) -> str:
    return _MARKER.sub(lambda m: (f'<a class="pqa-ref" href="#pqa-{turn}-{m.group(1)}" data-turn="{turn}" '
                                  f'data-n="{m.group(1)}" aria-label="查看引用{m.group(1)}">【{m.group(1)}】</a>'),
                       escaped)


def plain_text(turn: dict, qa) -> str:
    """What Copy puts on the clipboard: the answer and its citations written out."""
    lines = [web_text(turn.get("answer", ""))]
    keys = turn.get("citations") or []
    if keys:
        lines += ["", "引用：" if turn.get("answered") else "最接近的条款："]
        for i, k in enumerate(keys, 1):
            c = clause_index(qa).get(k)
            doc = qa.docs.get(c.doc_id) if c else None
            lines.append(f"【{i}】《{doc.title if doc else c.doc_id}》{c.label}{c.heading}" if c
                         else f"【{i}】{k}（已移除）")
    lines += ["", DISCLAIMER]
    return "\n".join(lines)


def message_html(turn: dict, t: int, qa) -> str:
    tier = tier_of(turn)
    badge, cls = ("助手", "pqa-tier-help") if turn.get("kind") == "help" else TIERS[tier]
    kind = "" if turn.get("kind") == "refusal" else KIND_NAMES.get(turn.get("kind"), "回答")
    body = _markers(esc(web_text(turn.get("answer", ""))).replace("\n", "<br>"), t)
    meta = esc(json.dumps({"question": turn.get("question", ""), "answer": web_text(turn.get("answer", "")),
                           "kind": turn.get("kind"), "citations": turn.get("citations") or []},
                          ensure_ascii=False))
    return (f'<div class="pqa-turn-q" role="article" aria-label="第{t}轮提问">'
            f'<span class="pqa-who">问</span>{esc(turn.get("question", ""))}</div>'
            f'<div class="pqa-turn-a" role="article" aria-label="第{t}轮回答" data-turn="{t}" data-meta="{meta}">'
            f'<div class="pqa-head"><span class="pqa-tier {cls}">{badge}</span>'
            f'<span class="pqa-kind">{esc(kind)}</span></div>'
            f'<div class="pqa-body">{body}</div>'
            f'<textarea class="pqa-plain" hidden readonly aria-hidden="true">{esc(plain_text(turn, qa))}</textarea>'
            f'<div class="pqa-actions"><button type="button" class="pqa-copy">复制</button>'
            # the words beside the emoji: without an emoji font the buttons still say what they do
            f'<button type="button" class="pqa-fb" data-rating="1" aria-label="有帮助">'
            f'<span aria-hidden="true">👍</span> 有帮助</button>'
            f'<button type="button" class="pqa-fb" data-rating="-1" aria-label="没有帮助">'
            f'<span aria-hidden="true">👎</span> 没帮助</button>'
            f'<input class="pqa-comment" maxlength="500" placeholder="意见（可选）" aria-label="意见（可选）">'
            f'<span class="pqa-fb-status" role="status"></span></div></div>')


def conversation_html(turns: list[dict], qa) -> str:
    if not turns:
        return ('<div class="pqa-chat" id="pqa-chat"><p class="pqa-empty">请在下方输入问题，'
                '或点击示例问题。</p></div>')
    msgs = "".join(message_html(turn, t, qa) for t, turn in enumerate(turns, 1))
    return f'<div class="pqa-chat" id="pqa-chat">{msgs}</div>'


# ---- clause panel ------------------------------------------------------------------------
_XREF = re.compile(r"第[一二三四五六七八九十百零〇两\d]{1,4}条|（[一二三四五六七八九十]{1,3}）")


def cross_refs(qa, c) -> list[tuple[int, int, str]]:
    """(start, end, key) of the other clauses of the same document that a clause names
    (按照第二条…, 见（十）…); its own label is not a reference."""
    from corpus.numerals import cn_to_int
    parsed = next((p for p in qa.documents if p.doc.id == c.doc_id), None)
    if parsed is None:
        return []
    out = []
    for m in _XREF.finditer(c.text):
        if m.start() < len(c.label) and c.text.startswith(c.label):
            continue
        try:
            no = cn_to_int(m.group(0).strip("第条（）"))
        except ValueError:
            continue
        target = parsed.clause(no)
        if target is not None and target.no != c.no:
            out.append((m.start(), m.end(), target.key))
    return out


def highlight(text: str, terms: list[str], quotes: list[str] = (),
              links: list[tuple[int, int, str]] = ()) -> str:
    """HTML-escaped clause text with quoted sentences and matched terms marked, and the
    clause references in `links` made into buttons that open the named clause."""
    spans: list[tuple[int, int, str]] = []
    for q in quotes:
        i = text.find(q) if q else -1
        if i >= 0:
            spans.append((i, i + len(q), "q"))
    for term in sorted({x for x in terms if len(x) >= 2}, key=len, reverse=True):
        for m in re.finditer(re.escape(term), text):
            if not any(s < m.end() and m.start() < e for s, e, k in spans if k == "m"):
                spans.append((m.start(), m.end(), "m"))
    marks = sorted((s, e) for s, e, k in spans if k == "m")
    quote_spans = sorted((s, e) for s, e, k in spans if k == "q")
    bounds = sorted({0, len(text), *[x for s, e in marks + quote_spans for x in (s, e)],
                     *[x for s, e, _ in links for x in (s, e)]})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        piece = esc(text[a:b])
        if any(s <= a and b <= e for s, e in marks):
            piece = f"<mark>{piece}</mark>"
        key = next((k for s, e, k in links if s <= a and b <= e), None)
        if key:
            piece = (f'<a class="pqa-xref" role="button" tabindex="0" data-key="{esc(key)}" '
                     f'title="查看所引条款">{piece}</a>')
        if any(s <= a and b <= e for s, e in quote_spans):
            piece = f'<span class="pqa-quote">{piece}</span>'
        out.append(piece)
    return "".join(out)


def clause_block(qa, key: str, t: int, i: int, terms: list[str], quotes: list[str]) -> str:
    c = clause_index(qa).get(key)
    if c is None:
        return (f'<div class="pqa-clause" id="pqa-{t}-{i}"><h4>【{i}】{esc(key)}</h4>'
                f'<p>（该条款所在文件已移除或已更新，请重新提问。）</p></div>')
    doc = qa.docs.get(c.doc_id)
    title = doc.title if doc else c.doc_id
    date = f"（{esc(doc.date)}）" if doc and doc.date else ""
    units = f"牵头单位：{esc('、'.join(c.lead_units) or '未写明')}"
    if c.partner_units:
        units += f"<br>配合单位：{esc('、'.join(c.partner_units))}"
    parents = web_text(qa.parents_text(c.key))
    up = (f'<div class="pqa-units">上级依据：<br>{esc(parents).replace(chr(10), "<br>")}</div>'
          if parents else "")
    return (f'<div class="pqa-clause" id="pqa-{t}-{i}" data-key="{esc(c.key)}">'
            f'<h4>【{i}】《{esc(title)}》{date}{esc(c.label)}{esc(c.heading)}</h4>'
            f'<div class="pqa-text">{highlight(c.text, terms, quotes, cross_refs(qa, c))}</div>'
            f'<div class="pqa-units">{units}</div>{up}</div>')


def panel_section(qa, turn: dict, t: int, visible: bool) -> str:
    keys = turn.get("citations") or []
    hidden = "" if visible else " hidden"
    head = f"第{t}轮：{esc(turn.get('question', ''))[:60]}"
    if not keys:
        return (f'<section class="pqa-cites" data-turn="{t}"{hidden}><h3>{head}</h3>'
                '<p>（本次回答没有引用条款）</p></section>')
    terms = qa.matched_terms(turn.get("question", "")) if turn.get("question", "").strip() else []
    quotes = turn.get("quotes") or []
    blocks = "".join(clause_block(qa, k, t, i, terms, [q for n, q in quotes if n == i])
                     for i, k in enumerate(keys, 1))
    title = "引用条款" if turn.get("answered") else "最接近的条款（未直接回答）"
    return (f'<section class="pqa-cites" data-turn="{t}"{hidden}><h3>{title}（{head}）</h3>'
            f'{blocks}</section>')


def panel_html(qa, turns: list[dict]) -> str:
    if not turns:
        body = '<p class="pqa-empty">点击回答中的【1】等标记，在这里查看所引条款的原文。</p>'
    else:
        body = "".join(panel_section(qa, turn, t, t == len(turns)) for t, turn in enumerate(turns, 1))
    return f'<div class="pqa-panel" id="pqa-panel" tabindex="0" aria-label="引用条款">{body}</div>'


# ---- documents ---------------------------------------------------------------------------
def level_name(level: str) -> str:
    return LEVEL_NAMES.get(level, level or "")


def docs_html(rows: list[dict]) -> str:
    out = ['<table class="pqa-docs"><thead><tr><th>文件</th><th>层级</th><th>发布日期</th>'
           '<th>状态</th></tr></thead><tbody>']
    for r in rows:
        state = f"已加载（{r['clauses']}条）" if r["loaded"] else "未加载"
        if r.get("repealed"):
            state += f"，{esc(r['repealed'])}废止"
        out.append(f'<tr><td data-th="文件">{esc(r["title"])}<br><small>{esc(r["id"])}</small></td>'
                   f'<td data-th="层级" class="pqa-nowrap">{esc(level_name(r["level"]))}</td>'
                   f'<td data-th="发布日期" class="pqa-nowrap">{esc(r["date"] or "—")}</td>'
                   f'<td data-th="状态" class="pqa-nowrap">{esc(state)}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def clause_list_html(parsed) -> str:
    """The parsed clauses of one document, for staff to check after an upload."""
    items = "".join(f"<li><b>{esc(c.label)}</b>{esc(c.heading)}</li>" for c in parsed.all_clauses)
    return (f"<h4>《{esc(parsed.doc.title)}》解析出{len(parsed.clauses)}条</h4>"
            f'<ol class="pqa-parsed">{items}</ol>')


BROWSE_CLAUSES = 1000     # clauses the 条款浏览 tab spells out; later documents are listed by title


def _doc_heading(p) -> str:
    """《title》（issuer，date，level）, leaving out what the document does not give."""
    facts = [x for x in (p.doc.issuer, p.doc.date, level_name(p.doc.level)) if x]
    return f"《{esc(p.doc.title)}》（{esc('，'.join(facts))}）"


def browse_html(qa, limit: int = BROWSE_CLAUSES) -> str:
    """Every part and clause of the loaded documents, with lead units; click to open. The
    documents are spelled out in order until `limit` clauses are shown (the first always);
    the rest are listed by title, so a library of thousands of laws does not send every
    clause to every browser (151k clauses: ~200 MB of HTML)."""
    out, shown, rest = [], 0, []
    for p in qa.documents:
        if shown >= limit and out:
            rest.append(p)
            continue
        out.append(f"<h3>{_doc_heading(p)}</h3>")
        if p.preamble:
            out.append(f"<details><summary>序言</summary><p>{esc(p.preamble.text)}</p></details>")
        in_parts = {n for part in p.parts for n in part.numbers}
        groups = [(f"{part.label}{part.title}", part.numbers) for part in p.parts]
        loose = tuple(c.no for c in p.clauses if c.no not in in_parts)
        if loose:
            groups.insert(0, ("", loose))
        by_no = {c.no: c for c in p.clauses}
        for title, numbers in groups:
            if title:
                out.append(f"<h4>{esc(title)}</h4>")
            for no in numbers:
                c = by_no[no]
                lead = f"<small>牵头：{esc('、'.join(c.lead_units))}</small>" if c.lead_units else ""
                out.append(f"<details><summary>{esc(c.label + c.heading)} {lead}</summary>"
                           f"<p>{esc(c.text)}</p></details>")
        shown += len(p.clauses)
    if rest:
        out.append(f'<h3>其余{len(rest)}个文件（只列标题）</h3><p class="pqa-note">条款较多，这里只展开前面的'
                   f"文件；其余文件的条款可在问答中查看，例如“《{esc(rest[0].doc.short or rest[0].doc.title)}》"
                   "第一条讲什么”。</p><ul>"
                   + "".join(f"<li>{_doc_heading(p)}</li>" for p in rest) + "</ul>")
    return "".join(out)
