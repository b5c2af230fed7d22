"""Bounded admission (ui/admission.py): when the workers are busy and the queue is full, the REST
API answers 503 at once, in Chinese, with Retry-After; the queue drains in order afterwards."""
import threading

import pytest

pytest.importorskip("gradio")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from ui import api  # noqa: E402
from ui.admission import Admission  # noqa: E402


class BlockingLive:
    """Stands in for LiveQA: each ask blocks until released, so the test controls the queue."""

    def __init__(self, qa):
        self.qa, self.release, self.asked = qa, threading.Event(), []

    def get(self):
        return self.qa

    def cached(self, question, filters=None, history=None):
        return None

    def ask(self, question, filters=None, history=None):
        self.asked.append(question)
        assert self.release.wait(30)
        return self.qa.ask(question)


def _wait_for(cond):
    for _ in range(3000):
        if cond():
            return
        threading.Event().wait(0.01)
    raise AssertionError("condition not reached")


@pytest.mark.parametrize("workers,waiting", [(1, 0), (2, 1)])
def test_full_queue_gets_503_with_retry_after_then_recovers(qa, workers, waiting):
    live, adm = BlockingLive(qa), Admission(workers, waiting)
    app = FastAPI()
    api.install(app, live, None, adm)
    results = []
    with TestClient(app) as client:
        def post(q):
            results.append(client.post("/api/ask", json={"question": q}))
        held = [threading.Thread(target=post, args=(q,)) for q in
                ["（十七）讲什么", "科技支行", "人才公寓"][:workers + waiting]]
        for t in held:
            t.start()
        _wait_for(lambda: adm.pending == workers + waiting)
        busy = client.post("/api/ask", json={"question": "园区里能建员工宿舍吗？"})
        assert busy.status_code == 503
        assert "服务繁忙" in busy.json()["error"] and "秒后重试" in busy.json()["error"]
        assert 1 <= int(busy.headers["retry-after"]) <= 60
        assert client.post("/api/search", json={"question": "科技"}).status_code == 503
        assert adm.refused == 2 and len(live.asked) == workers    # the refused were never computed
        live.release.set()
        for t in held:
            t.join(60)
        assert [r.status_code for r in results] == [200] * (workers + waiting)
        assert adm.pending == 0
        again = client.post("/api/ask", json={"question": "园区里能建员工宿舍吗？"})
        assert again.status_code == 200 and again.json() == qa.ask("园区里能建员工宿舍吗？").to_json()


def test_admission_settings_from_env(monkeypatch):
    import os
    monkeypatch.delenv("POLICYQA_WORKERS", raising=False)
    monkeypatch.delenv("POLICYQA_MAX_QUEUE", raising=False)
    a = Admission.from_env()
    assert (a.workers, a.max_waiting) == (os.cpu_count(), 100)
    monkeypatch.setenv("POLICYQA_WORKERS", "3")
    monkeypatch.setenv("POLICYQA_MAX_QUEUE", "0")
    assert (Admission.from_env().workers, Admission.from_env().max_waiting) == (3, 0)
    monkeypatch.setenv("POLICYQA_MAX_QUEUE", "many")
    with pytest.raises(ValueError, match="POLICYQA_MAX_QUEUE must be a whole number"):
        Admission.from_env()
