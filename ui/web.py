"""The Gradio web app: a Chinese chat with clickable citations, a clause panel and a browser.

Handlers only call the qa library and format its results as HTML/Markdown.
"""
from __future__ import annotations

import html
import os
import re

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from qa.docs import docs_table  # noqa: E402
from qa.engine import PolicyQA  # noqa: E402
from qa.search import SearchError  # noqa: E402
from qa.types import Answer  # noqa: E402

EXAMPLES = [
    "高新技术企业研发费用能加计扣除多少？",
    "园区里能建员工宿舍吗？",
    "想设立科技支行找哪个部门？",
    "（十七）讲什么",
    "市科技局牵头哪些措施",
    "这份文件是什么时候发布的？",
]
KIND_NAMES = {"answer": "回答", "lookup": "条款原文", "department": "部门分工",
              "meta": "文件信息", "refusal": "未找到"}
CSS = """
.pqa-clause {border:1px solid #ddd; border-radius:8px; padding:10px 12px; margin:8px 0;}
.pqa-clause h4 {margin:0 0 6px 0;}
.pqa-units {color:#555; font-size:0.9em; margin-top:6px;}
.pqa-clause mark {background:#ffe58f; padding:0 1px;}
.pqa-quote {background:#e6f4ff;}
"""


def _marker_links(text: str, turn: int) -> str:
    return re.sub(r"【(\d+)】", lambda m: f'<a href="#pqa-{turn}-{m.group(1)}">【{m.group(1)}】</a>', text)


def answer_markdown(answer: Answer, turn: int) -> str:
    """The chat message: the answer with markers linking to the clause panel."""
    body = html.escape(answer.text).replace("\n", "<br>")
    head = f"<b>{KIND_NAMES.get(answer.kind, answer.kind)}</b><br>"
    return head + _marker_links(body, turn)


def highlight(text: str, terms: list[str], quotes: list[str] = ()) -> str:
    """HTML-escaped clause text with quoted sentences and matched terms marked."""
    spans: list[tuple[int, int, str]] = []
    for q in quotes:
        i = text.find(q)
        if i >= 0:
            spans.append((i, i + len(q), "q"))
    for t in sorted({t for t in terms if len(t) >= 2}, key=len, reverse=True):
        for m in re.finditer(re.escape(t), text):
            if not any(s < m.end() and m.start() < e for s, e, k in spans if k == "m"):
                spans.append((m.start(), m.end(), "m"))
    # render: quotes as background, marks inside
    out, pos = [], 0
    marks = sorted((s, e) for s, e, k in spans if k == "m")
    quote_spans = sorted((s, e) for s, e, k in spans if k == "q")
    bounds = sorted({0, len(text), *[x for s, e in marks + quote_spans for x in (s, e)]})
    for a, b in zip(bounds, bounds[1:]):
        piece = html.escape(text[a:b])
        if any(s <= a and b <= e for s, e in marks):
            piece = f"<mark>{piece}</mark>"
        if any(s <= a and b <= e for s, e in quote_spans):
            piece = f'<span class="pqa-quote">{piece}</span>'
        out.append(piece)
        pos = b
    return "".join(out)


def clause_panel(qa: PolicyQA, answer: Answer, turn: int) -> str:
    """Each cited clause in full, matched terms highlighted, with its units."""
    if not answer.citations:
        return "<p>（本次回答没有引用条款）</p>"
    terms = qa.matched_terms(answer.question)
    blocks = []
    for i, h in enumerate(answer.citations, 1):
        c = h.clause
        quotes = [q for n, q in answer.quotes if n == i]
        units = (f"牵头单位：{html.escape('、'.join(c.lead_units) or '未写明')}"
                 + (f"<br>配合单位：{html.escape('、'.join(c.partner_units))}" if c.partner_units else ""))
        parents = qa.parents_text(c.key)
        up = (f'<div class="pqa-units">上级依据：<br>{html.escape(parents).replace(chr(10), "<br>")}</div>'
              if parents else "")
        date = f"（{h.doc_date}）" if h.doc_date else ""
        blocks.append(
            f'<div class="pqa-clause" id="pqa-{turn}-{i}"><h4>【{i}】《{html.escape(h.doc_title)}》'
            f'{date}{html.escape(c.label)}{html.escape(c.heading)}</h4>'
            f'<div>{highlight(c.text, terms, quotes)}</div>'
            f'<div class="pqa-units">{units}</div>{up}</div>')
    title = "引用条款" if answer.answered else "最接近的条款（未直接回答）"
    return f"<h3>{title}</h3>" + "".join(blocks)


def browse_html(qa: PolicyQA) -> str:
    """Every part and clause of every loaded document, with lead units; click to open."""
    out = []
    for p in qa.documents:
        out.append(f"<h3>《{html.escape(p.doc.title)}》（{html.escape(p.doc.issuer)}，{p.doc.date}）</h3>")
        if p.preamble:
            out.append(f"<details><summary>序言</summary><p>{html.escape(p.preamble.text)}</p></details>")
        in_parts = {n for part in p.parts for n in part.numbers}
        groups = [(f"{part.label}{part.title}", part.numbers) for part in p.parts]
        loose = tuple(c.no for c in p.clauses if c.no not in in_parts)
        if loose:
            groups.insert(0, ("", loose))
        for title, numbers in groups:
            if title:
                out.append(f"<h4>{html.escape(title)}</h4>")
            for no in numbers:
                c = p.clause(no)
                lead = f"<small>牵头：{html.escape('、'.join(c.lead_units))}</small>" if c.lead_units else ""
                out.append(f"<details><summary>{html.escape(c.label + c.heading)} {lead}</summary>"
                           f"<p>{html.escape(c.text)}</p></details>")
    return "".join(out)


def docs_markdown(qa: PolicyQA) -> str:
    lines = ["| 文件 | 层级 | 日期 | 状态 |", "|---|---|---|---|"]
    for r in docs_table(qa):
        state = f"已加载（{r['clauses']}条）" if r["loaded"] else "未加载"
        lines.append(f"| {r['title']} | {r['level']} | {r['date'] or ''} | {state} |")
    return "\n".join(lines)


def respond(qa: PolicyQA, message: str, history: list[dict] | None):
    """Chat handler: returns (history, clause panel html, cleared input)."""
    history = list(history or [])
    if not message or not message.strip():
        return history, "<p>请输入问题，例如：高新技术企业研发费用能加计扣除多少？</p>", ""
    turn = sum(1 for m in history if m.get("role") == "user") + 1
    history.append({"role": "user", "content": message})
    try:
        answer = qa.ask(message)
    except SearchError as exc:
        history.append({"role": "assistant", "content": f"无法处理这个问题：{html.escape(str(exc))}"})
        return history, "", ""
    history.append({"role": "assistant", "content": answer_markdown(answer, turn)})
    return history, clause_panel(qa, answer, turn), ""


def build_app(qa: PolicyQA) -> gr.Blocks:
    with gr.Blocks(title="高新区政策问答助手") as app:
        titles = "、".join(f"《{p.doc.title}》" for p in qa.documents)
        gr.Markdown(f"## 高新区政策问答助手\n根据{titles}回答问题，每条回答都引用原文条款。"
                    "点击【1】查看右侧条款全文。")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="对话", height=480, sanitize_html=False)
                    box = gr.Textbox(label="问题", placeholder="例如：高新技术企业研发费用能加计扣除多少？")
                    send = gr.Button("提问", variant="primary")
                    gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                with gr.Column(scale=2):
                    panel = gr.HTML("<p>引用的条款会显示在这里。</p>")
            handler = lambda m, h: respond(qa, m, h)  # noqa: E731
            send.click(handler, [box, chat], [chat, panel, box], api_name="ask")
            box.submit(handler, [box, chat], [chat, panel, box], api_name=False)
        with gr.Tab("条款浏览"):
            gr.HTML(browse_html(qa))
        with gr.Tab("文件"):
            gr.Markdown(docs_markdown(qa))
    return app


def serve(qa: PolicyQA, host: str = "127.0.0.1", port: int = 7860, block: bool = True):
    app = build_app(qa)
    app.queue().launch(server_name=host, server_port=port, prevent_thread_lock=not block,
                       show_error=True, css=CSS)
    return app
