"""The REST API beside the web app: same server, JSON in and out, JSON errors with 4xx."""
import json
import subprocess
import sys

import pytest

pytest.importorskip("gradio")
from fastapi.testclient import TestClient  # noqa: E402

from ui.web import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client(qa, tmp_path_factory):
    app = create_app(qa, admin_token="", feedback_path=tmp_path_factory.mktemp("fb") / "fb.sqlite3")
    with TestClient(app) as c:
        yield c


def test_ask_returns_the_object_of_ask_json(client, qa, index_root):
    r = client.post("/api/ask", json={"question": "高新技术企业研发费用能加计扣除多少？"})
    assert r.status_code == 200
    assert r.json() == qa.ask("高新技术企业研发费用能加计扣除多少？").to_json()
    cli = subprocess.run([sys.executable, "-m", "ui.cli", "--index-dir", str(index_root), "ask", "--json",
                          "高新技术企业研发费用能加计扣除多少？"], capture_output=True, text=True, timeout=120)
    assert json.loads(cli.stdout) == r.json()


def test_ask_with_history_resolves_a_followup(client):
    r = client.post("/api/ask", json={"question": "牵头单位是谁？", "history": [
        {"question": "（十七）讲什么", "citations": ["liuzhou-2021:17"]}]})
    body = r.json()
    assert r.status_code == 200 and body["kind"] == "department"
    assert [c["key"] for c in body["citations"]] == ["liuzhou-2021:17"]
    assert "市财政局（金融办）" in body["answer"]
    turn = {"question": "园子合并后税收咋分", "citations": ["liuzhou-2021:11"], "answered": False}
    r = client.post("/api/ask", json={"question": "牵头单位是谁？", "history": [
        dict(turn, confidence="possible")]})                 # the tier as `ask --json` gave it
    assert r.json()["confidence"] == "possible" and r.json()["citations"][0]["key"] == "liuzhou-2021:11"
    r = client.post("/api/ask", json={"question": "牵头单位是谁？", "history": [
        dict(turn, confidence="maybe")]})
    assert r.status_code == 422 and "error" in r.json()


def test_ask_with_filters(client):
    r = client.post("/api/ask", json={"question": "融资", "filters": {"dept": "不存在的局"}})
    assert r.status_code == 400 and "责任单位" in r.json()["error"]
    r = client.post("/api/ask", json={"question": "融资支持", "filters": {"docs": ["liuzhou-2021"]}})
    assert r.status_code == 200 and all(c["doc_id"] == "liuzhou-2021" for c in r.json()["citations"])


def test_search_is_one_line_of_search_batch_json(client, qa):
    r = client.post("/api/search", json={"question": "科技支行", "top_k": 3})
    assert r.status_code == 200
    assert r.json() == {"question": "科技支行", "hits": [h.to_json() for h in qa.search("科技支行", top_k=3)]}


def test_clause_and_documents(client):
    r = client.get("/api/clauses/liuzhou-2021:17")
    assert r.status_code == 200 and r.json()["citation"] == "柳州措施（十七）"
    r = client.get("/api/clauses/liuzhou-2021:99")
    assert r.status_code == 404 and "没有条款" in r.json()["error"]
    docs = client.get("/api/documents").json()
    assert docs[0]["id"] == "liuzhou-2021" and docs[0]["loaded"] and not docs[1]["loaded"]


@pytest.mark.parametrize("body,status,msg", [
    ({"question": ""}, 400, "请输入问题"),
    ({"question": "   "}, 400, "请输入问题"),
    ({"question": "研" * 501}, 400, "问题太长"),
    ({}, 422, "请求格式不对"),
    ({"question": 5}, 422, "请求格式不对"),
    ({"question": "x", "history": "no"}, 422, "请求格式不对"),
])
def test_errors_are_json_with_4xx(client, body, status, msg):
    r = client.post("/api/ask", json=body)
    assert r.status_code == status and msg in r.json()["error"]


def test_not_json_and_bad_top_k(client):
    r = client.post("/api/ask", content=b"question=hi", headers={"Content-Type": "text/plain"})
    assert r.status_code == 422 and "JSON" in r.json()["error"]
    r = client.post("/api/search", json={"question": "科技", "top_k": 0})
    assert r.status_code == 422


def test_feedback_endpoint_stores_known_clauses_only(client):
    r = client.post("/api/feedback", json={"question": "科技支行找谁", "answer": "…", "kind": "department",
                                           "citations": ["liuzhou-2021:17", "bogus:1"], "rating": -1,
                                           "comment": "<b>不对</b>"})
    assert r.status_code == 200 and r.json()["ok"]
    r = client.post("/api/feedback", json={"question": "q", "rating": 3})
    assert r.status_code == 400 and "rating" in r.json()["error"]


def test_openapi_page_and_security_headers(client):
    spec = client.get("/api/openapi.json").json()
    assert {"/api/ask", "/api/search", "/api/clauses/{key}", "/api/documents"} <= set(spec["paths"])
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/ask" in page.text
    home = client.get("/")
    csp = home.headers["content-security-policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'sha256-" in script_src   # the page's own inline scripts only
    api_csp = client.get("/api/documents").headers["content-security-policy"]
    assert "'sha256-" not in api_csp
    assert home.headers["x-content-type-options"] == "nosniff"
