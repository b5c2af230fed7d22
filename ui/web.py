"""The web app: a Gradio chat (Chinese UI) and the REST API on one FastAPI server and port.

Handlers only call the qa library; every string from a person or a document is escaped in
ui/render.py. The conversation is a list of JSON turns kept in the browser (survives a
reload); each answer's 【n】 opens that turn's clauses in the panel (ui/static/pqa.js).
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.responses import FileResponse  # noqa: E402

from indexer.batching import batching  # noqa: E402
from qa.docs import docs_table  # noqa: E402
from qa.engine import PolicyQA  # noqa: E402
from qa.feedback import FeedbackStore  # noqa: E402
from qa.live import LiveQA  # noqa: E402
from qa.search import SearchError  # noqa: E402

from . import api, render  # noqa: E402
from .admission import Admission  # noqa: E402
from .admin import EXTENSIONS, LEVEL_CHOICES, Admin  # noqa: E402
from .messages import chinese, question_error  # noqa: E402
from .security import SecurityHeaders  # noqa: E402
from .style import CSS  # noqa: E402

STATIC = Path(__file__).resolve().parent / "static"
EXAMPLES = [
    "高新技术企业研发费用能加计扣除多少？",
    "园区里能建员工宿舍吗？",
    "想设立科技支行找哪个部门？",
    "（十七）讲什么",
    "市科技局牵头哪些措施",
    "这份文件是什么时候发布的？",
    "哪几条措施提到了“一事一议”？",
]
MAX_TURNS = 20                      # turns kept in the browser and rendered
MAX_TEXT = 20_000


def _clean_turns(turns) -> list[dict]:
    """The browser's turns, type-checked and bounded (they come from localStorage)."""
    out = []
    for t in (turns if isinstance(turns, list) else [])[-MAX_TURNS:]:
        if not isinstance(t, dict) or not isinstance(t.get("question"), str):
            continue
        cites = [k for k in (t.get("citations") or []) if isinstance(k, str)][:100]
        quotes = [[q[0], q[1]] for q in (t.get("quotes") or [])
                  if isinstance(q, (list, tuple)) and len(q) == 2 and isinstance(q[0], int)
                  and isinstance(q[1], str)][:100]
        out.append({"question": t["question"][:MAX_TEXT], "kind": str(t.get("kind") or "answer")[:20],
                    "answer": str(t.get("answer") or "")[:MAX_TEXT],
                    "confidence": t.get("confidence") if t.get("confidence") in render.TIERS else None,
                    "answered": bool(t.get("answered")), "citations": cites, "quotes": quotes})
    return out


def _notice(text: str) -> str:
    return f'<div class="pqa-notice" role="alert">{render.esc(text)}</div>' if text else ""


def respond(live, message, turns):
    """Chat handler → (turns, conversation html, panel html, input box, notice)."""
    qa = live.get()
    turns = _clean_turns(turns)
    err = question_error(message)
    if err:
        return (turns, render.conversation_html(turns, qa), render.panel_html(qa, turns),
                message if isinstance(message, str) else "", _notice(err))
    history = [{"question": t["question"], "citations": t["citations"], "answered": t["answered"],
                "confidence": t["confidence"]} for t in turns]
    try:
        answer = live.ask(message.strip(), history=history or None)
    except SearchError as exc:
        return (turns, render.conversation_html(turns, qa), render.panel_html(qa, turns), message,
                _notice(chinese(exc)))
    turns = (turns + [render.turn_from_answer(answer)])[-MAX_TURNS:]
    return turns, render.conversation_html(turns, qa), render.panel_html(qa, turns), "", ""


def restore(live, turns):
    qa = live.get()
    turns = _clean_turns(turns)
    return (turns, render.conversation_html(turns, qa), render.panel_html(qa, turns),
            header_md(qa), render.docs_html(docs_table(qa)), render.browse_html(qa))


def clear(live):
    qa = live.get()
    return [], render.conversation_html([], qa), render.panel_html(qa, []), ""


def header_md(qa) -> str:
    titles = "、".join(f"《{render.esc(p.doc.title)}》" for p in qa.documents)
    return (f"<h2>高新区政策问答助手</h2><p>根据{titles}回答问题，每条回答都引用原文条款。"
            "点击回答中的【1】等标记，在“引用条款”栏查看原文。</p>")


def build_app(live, admin: Admin | None = None, concurrency: int = 4) -> gr.Blocks:
    """`concurrency`: chat answers computed at once (Gradio's queue holds the others)."""
    admin = admin or Admin(live)
    qa = live.get()
    with gr.Blocks(title="高新区政策问答助手") as app:
        turns = gr.BrowserState([], storage_key="policyqa-chat-v1",
                                secret=os.environ.get("POLICYQA_BROWSER_SECRET", "policyqa-chat"))
        header = gr.HTML(header_md(qa), elem_id="pqa-header")
        with gr.Tab("问答"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    conv = gr.HTML(render.conversation_html([], qa), elem_id="pqa-conv")
                    notice = gr.HTML("", elem_id="pqa-notice")
                    box = gr.Textbox(label="问题", placeholder="例如：高新技术企业研发费用能加计扣除多少？",
                                     max_length=2000, elem_id="pqa-box")
                    with gr.Row():
                        send = gr.Button("提问", variant="primary", elem_id="pqa-send")
                        clear_btn = gr.Button("清空对话", elem_id="pqa-clear")
                    gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                    gr.HTML(f'<p class="pqa-disclaimer">{render.DISCLAIMER}</p>')
                with gr.Column(scale=2, min_width=300):
                    panel = gr.HTML(render.panel_html(qa, []), elem_id="pqa-panel-box")
            outs = [turns, conv, panel, box, notice]
            handler = lambda m, t: respond(live, m, t)  # noqa: E731
            send.click(handler, [box, turns], outs, api_name="ask", concurrency_limit=concurrency,
                       concurrency_id="ask")
            box.submit(handler, [box, turns], outs, api_name=False, concurrency_limit=concurrency,
                       concurrency_id="ask")
            clear_btn.click(lambda: clear(live), None, [turns, conv, panel, notice], api_name=False)
        with gr.Tab("条款浏览"):
            browse = gr.HTML(render.browse_html(qa), elem_id="pqa-browse")
        with gr.Tab("文件"):
            docs = gr.HTML(render.docs_html(docs_table(qa)), elem_id="pqa-docs")
            _admin_section(admin, live, docs, browse, header)
        app.load(lambda t: restore(live, t), [turns], [turns, conv, panel, header, docs, browse],
                 api_name=False)
    return app


def _admin_section(admin: Admin, live, docs, browse, header) -> None:
    with gr.Accordion("添加或移除文件（工作人员）", open=False, elem_id="pqa-admin"):
        gr.Markdown("上传 .txt、.docx、.pdf（需有文字层）或 .html 文件，或填写网址；标题、日期、文号未填时"
                    "从正文读取。需要运维人员设置的管理口令。")
        token = gr.Textbox(label="管理口令", type="password", elem_id="pqa-token")
        file = gr.File(label="文件", file_types=list(EXTENSIONS), type="filepath", elem_id="pqa-file")
        url = gr.Textbox(label="或网址", placeholder="https://…", elem_id="pqa-url")
        with gr.Row():
            doc_id = gr.Textbox(label="文件 id（可选，如 gx-2021）", elem_id="pqa-docid")
            title = gr.Textbox(label="标题（可选）", elem_id="pqa-title")
            level = gr.Dropdown(LEVEL_CHOICES, value="", label="层级", elem_id="pqa-level")
        with gr.Row():
            date = gr.Textbox(label="发布日期（可选，YYYY-MM-DD）", elem_id="pqa-date")
            issuer = gr.Textbox(label="发文单位（可选）", elem_id="pqa-issuer")
            number = gr.Textbox(label="文号（可选）", elem_id="pqa-number")
        add_btn = gr.Button("添加文件", variant="primary", elem_id="pqa-add")
        status = gr.Markdown("", elem_id="pqa-admin-status")
        parsed = gr.HTML("", elem_id="pqa-parsed")
        with gr.Row():
            rm_id = gr.Textbox(label="要移除的文件 id", elem_id="pqa-rmid")
            rm_btn = gr.Button("移除文件", variant="stop", elem_id="pqa-remove")

    def refreshed(done, path):
        qa = live.get()
        added = isinstance(done, str) and done.startswith("✅")
        return (render.docs_html(docs_table(qa)), render.browse_html(qa), header_md(qa),
                None if added else path)

    add_btn.click(admin.add, [token, file, url, doc_id, title, level, date, issuer, number],
                  [status, parsed], api_name=False, concurrency_limit=1
                  ).then(refreshed, [status, file], [docs, browse, header, file], api_name=False)
    rm_btn.click(admin.remove, [token, rm_id], [status], api_name=False, concurrency_limit=1
                 ).then(refreshed, [status, file], [docs, browse, header, file], api_name=False)


def create_app(qa: PolicyQA, admin_token: str | None = None,
               feedback_path: Path | str | None = None, reload_interval: float = 1.0) -> FastAPI:
    """The FastAPI server: REST API under /api, the Gradio app at /, security headers.
    The committed index is re-checked every `reload_interval` seconds (CLI add/remove).
    Query encoding is micro-batched across concurrent requests (indexer/batching.py: at most
    one encoding per core, the questions waiting meanwhile in one call; the wrapper is installed
    on `qa`'s searcher and kept across reloads; POLICYQA_ENCODE_BATCH=1 turns it off), and the
    REST API admits a bounded queue (ui/admission.py)."""
    qa.searcher.encoder = batching(qa.searcher.encoder)
    admission = Admission.from_env()
    live = LiveQA(qa, interval=reload_interval)
    server = FastAPI(title="高新区政策问答助手 API", openapi_url="/api/openapi.json",
                     docs_url=None, redoc_url=None)
    server.add_middleware(SecurityHeaders)
    api.install(server, live, FeedbackStore(feedback_path), admission)

    @server.get("/pqa/app.js", include_in_schema=False)
    def _script():
        return FileResponse(STATIC / "pqa.js", media_type="text/javascript")

    blocks = build_app(live, Admin(live, admin_token))
    server.state.live, server.state.admission = live, admission
    return gr.mount_gradio_app(server, blocks, path="/", css=CSS, footer_links=["api"],
                               head='<script src="/pqa/app.js"></script>', max_file_size="20mb",
                               show_error=False, ssr_mode=False)


class Served:
    """A server running in a background thread (tests, benchmarks)."""

    def __init__(self, app: FastAPI, host: str, port: int):
        import uvicorn
        self.app = app
        self.url = f"http://{host}:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the web server did not start on {self.url}")
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def serve(qa: PolicyQA, host: str = "127.0.0.1", port: int = 7860, block: bool = True,
          **kw):
    app = create_app(qa, **kw)
    if not block:
        return Served(app, host, port)
    import uvicorn
    print(f"policyqa: serving http://{host}:{port}/ (REST API: http://{host}:{port}/api/docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return None
