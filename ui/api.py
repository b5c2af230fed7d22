"""The REST API beside the web app (same server and port), for portals and chat bots.

  POST /api/ask        {"question", "history"?: [turns], "filters"?: {...}} → the object of `ask --json`
  POST /api/search     {"question", "top_k"?: 5, "filters"?}  → {"question", "hits": [...]}
  GET  /api/clauses/{key}                                      → one clause (a hit's JSON)
  GET  /api/documents                                          → `docs --json`
  POST /api/feedback   {"question", "answer", "kind", "citations", "rating": ±1, "comment"?}
  GET  /api/openapi.json, /api/docs
Errors are JSON {"error": "…（中文）"} with a 4xx status; when too many questions are already
waiting (ui/admission.py), 503 with a Retry-After header.
"""
from __future__ import annotations

import html
import json
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from qa.docs import docs_table
from qa.feedback import FeedbackError, FeedbackStore
from qa.filters import Filters
from qa.followup import clause_index
from qa.search import SearchError

from .admission import Admission, Busy
from .messages import chinese, question_error

MAX_HISTORY = 20


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


class Turn(BaseModel):
    question: str = Field("", max_length=2000)
    citations: list[str] = Field(default_factory=list, max_length=200)
    answered: bool | None = None
    confidence: Literal["answer", "possible", "none"] | None = None   # a 可能相关 turn carries its clauses


class FiltersIn(BaseModel):
    docs: list[str] = Field(default_factory=list, max_length=50)
    levels: list[str] = Field(default_factory=list, max_length=4)
    dept: str | None = Field(None, max_length=100)
    include_repealed: bool = False

    def to_filters(self) -> Filters:
        return Filters(docs=tuple(self.docs), levels=tuple(self.levels), dept=self.dept or None,
                       include_repealed=self.include_repealed)


class AskIn(BaseModel):
    question: str = Field(..., max_length=10_000, examples=["高新技术企业研发费用能加计扣除多少？"])
    history: list[Turn] = Field(default_factory=list, max_length=200)
    filters: FiltersIn | None = None


class SearchIn(BaseModel):
    question: str = Field(..., max_length=10_000, examples=["科技支行"])
    top_k: int = Field(5, ge=1, le=50)
    filters: FiltersIn | None = None


class FeedbackIn(BaseModel):
    question: str = Field(..., max_length=2000)
    answer: str = Field("", max_length=50_000)
    kind: str = Field("", max_length=20)
    citations: list[str] = Field(default_factory=list, max_length=200)
    rating: int
    comment: str = Field("", max_length=2000)


def _checked(question: str) -> None:
    msg = question_error(question)
    if msg:
        raise ApiError(400, msg)


async def _admitted(admission: Admission, fn):
    try:
        return await admission.run(fn)
    except Busy as exc:
        raise ApiError(503, str(exc), {"Retry-After": str(exc.retry_after)}) from None


def make_router(live, feedback: FeedbackStore | None, admission: Admission | None = None) -> APIRouter:
    r = APIRouter(prefix="/api")
    admission = admission or Admission.from_env()

    @r.post("/ask", summary="一个带引用的回答（同 `policyqa ask --json`）")
    async def ask(body: AskIn) -> dict:
        _checked(body.question)
        history = [t.model_dump() for t in body.history[-MAX_HISTORY:]]
        filters = body.filters.to_filters() if body.filters else None
        try:
            a = live.cached(body.question, filters=filters, history=history or None) or await _admitted(
                admission, lambda: live.ask(body.question, filters=filters, history=history or None))
        except SearchError as exc:
            raise ApiError(400, chinese(exc)) from None
        return a.to_json()

    @r.post("/search", summary="排序的条款（同 `search --batch --json` 的一行）")
    async def search(body: SearchIn) -> dict:
        _checked(body.question)
        filters = body.filters.to_filters() if body.filters else None
        try:
            hits = await _admitted(
                admission, lambda: live.get().search(body.question, top_k=body.top_k, filters=filters))
        except SearchError as exc:
            raise ApiError(400, chinese(exc)) from None
        return {"question": body.question, "hits": [h.to_json() for h in hits]}

    @r.get("/clauses/{key}", summary="一条条款的原文与责任单位")
    def clause(key: str) -> dict:
        qa = live.get()
        c = clause_index(qa).get(key)
        if c is None:
            raise ApiError(404, f"没有条款 {key}；条款键形如 liuzhou-2021:5（见 /api/search 结果的 key）")
        return qa.hit_for(c).to_json()

    @r.get("/documents", summary="已加载与被引用未加载的文件（同 `docs --json`）")
    def documents() -> list[dict]:
        return docs_table(live.get())

    @r.post("/feedback", summary="对一条回答的评价（👍 1 / 👎 -1）与意见")
    def post_feedback(body: FeedbackIn) -> dict:
        if feedback is None:
            raise ApiError(404, "本服务未开启反馈")
        known = clause_index(live.get())
        try:
            fid = feedback.add(body.question, body.answer, body.kind,
                               [k for k in body.citations if k in known], body.rating, body.comment)
        except FeedbackError as exc:
            raise ApiError(400, str(exc)) from None
        return {"ok": True, "id": fid}

    return r


def _openapi_page(app: FastAPI) -> str:
    spec = app.openapi()
    rows = []
    for path, ops in spec.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, op in ops.items():
            rows.append(f"<tr><td><code>{html.escape(method.upper())}</code></td>"
                        f"<td><code>{html.escape(path)}</code></td><td>{html.escape(op.get('summary', ''))}</td></tr>")
    return ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>政策问答 API</title>"
            "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;padding:0 1em}"
            "td{border-bottom:1px solid #ddd;padding:6px 10px}</style></head><body>"
            "<h1>高新区政策问答助手 REST API</h1><p>请求与响应均为 JSON（UTF-8）。完整的 OpenAPI 描述见 "
            "<a href='/api/openapi.json'>/api/openapi.json</a>。</p><table>" + "".join(rows) +
            "</table><h2>示例</h2><pre>curl -s -X POST http://127.0.0.1:7860/api/ask -H 'Content-Type: application/json' \\\n"
            "  -d '{\"question\": \"（十七）讲什么\"}'\ncurl -s -X POST http://127.0.0.1:7860/api/ask -H 'Content-Type: application/json' \\\n"
            "  -d '{\"question\": \"牵头单位是谁？\", \"history\": [{\"question\": \"（十七）讲什么\", "
            "\"citations\": [\"liuzhou-2021:17\"]}]}'</pre></body></html>")


def install(app: FastAPI, live, feedback: FeedbackStore | None, admission: Admission | None = None) -> None:
    """Add the API routes, the OpenAPI page and JSON error handlers to `app`."""
    app.include_router(make_router(live, feedback, admission))

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        where = "；".join(f"{'.'.join(str(x) for x in e.get('loc', ())[1:]) or '请求体'}：{e.get('msg', '')}"
                         for e in exc.errors()[:5])
        return JSONResponse({"error": f"请求格式不对（{where}）；请求体须为 JSON，如 "
                                      '{"question": "（十七）讲什么"}',
                             "detail": json.loads(json.dumps(exc.errors(), default=str))},
                            status_code=422)

    @app.get("/api/docs", include_in_schema=False)
    def _docs_page():
        return HTMLResponse(_openapi_page(app))
