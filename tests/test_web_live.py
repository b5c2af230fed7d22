"""A running server answers from documents added or removed with the CLI, without a restart."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("gradio")
from fastapi.testclient import TestClient  # noqa: E402

from corpus.library import effective_manifest  # noqa: E402
from indexer import store  # noqa: E402
from indexer.settings import Settings  # noqa: E402
from qa import PolicyQA  # noqa: E402
from qa.live import LiveQA, current_id  # noqa: E402

DOC = """测试市琥珀园区办法（测试用虚构文本）
第一条 为了扶持琥珀园区企业，制定本办法。
第二条 对入驻琥珀园区的企业给予每年十万元蜂蜡补贴。
"""


@pytest.fixture()
def home(tmp_path, encoder, monkeypatch, seed_embeddings):
    h = tmp_path / "home"
    monkeypatch.setenv("POLICYQA_HOME", str(h))
    store.build(effective_manifest(h), Settings(), seed_embeddings(h / "index"), encoder=encoder)
    return h


def _cli(home, *args):
    env = {**os.environ, "POLICYQA_HOME": str(home), "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "ui.cli", "--index-dir", str(home / "index"), *args],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_cli_add_and_remove_reach_a_running_server(home, encoder):
    from ui.web import create_app
    qa = PolicyQA.open(home / "index", manifest=effective_manifest(home), encoder=encoder)
    app = create_app(qa, admin_token="", feedback_path=home / "fb.sqlite3", reload_interval=0.0)
    q = {"question": "蜂蜡补贴每年多少钱？"}
    with TestClient(app) as c:
        before = c.post("/api/ask", json=q).json()
        assert not any(h["doc_id"] == "test-amber" for h in before["citations"])
        src = home / "amber.txt"
        src.write_text(DOC, encoding="utf-8")
        _cli(home, "add", str(src), "--id", "test-amber")
        after = c.post("/api/ask", json=q).json()
        assert after["citations"][0]["doc_id"] == "test-amber" and "十万元" in after["answer"]
        assert any(d["id"] == "test-amber" for d in c.get("/api/documents").json())
        _cli(home, "remove", "test-amber")
        gone = c.post("/api/ask", json=q).json()
        assert not any(h["doc_id"] == "test-amber" for h in gone["citations"])
        assert c.get("/api/clauses/test-amber:2").status_code == 404


def test_live_reloads_only_when_the_committed_index_changes(home, encoder):
    qa = PolicyQA.open(home / "index", manifest=effective_manifest(home), encoder=encoder)
    live = LiveQA(qa, interval=0.0)
    first = current_id(home / "index")
    assert first and live.get() is qa and live.reloads == 0
    store.build(effective_manifest(home), Settings(), home / "index", encoder=encoder)   # same content
    assert current_id(home / "index") != first
    new = live.get()
    assert new is not qa and live.reloads == 1 and len(new.clauses) == len(qa.clauses)
    assert live.get() is new and live.reloads == 1


def test_answer_cache_keys_on_question_filters_and_followup_target(qa):
    from qa.filters import Filters
    live = LiveQA(qa, interval=3600)
    a = live.ask("高新技术企业研发费用能加计扣除多少？")
    assert live.cached("高新技术企业研发费用能加计扣除多少？") is a and live.misses == 1
    assert live.cached("高新技术企业研发费用能加计扣除多少？", filters=Filters(docs=("liuzhou-2021",))) is None
    # history that the question does not refer to shares the entry; a follow-up does not
    h17 = [{"question": "（十七）讲什么", "citations": ["liuzhou-2021:17"]}]
    assert live.ask("高新技术企业研发费用能加计扣除多少？", history=h17) is a
    lead17 = live.ask("牵头单位是谁？", history=h17)
    lead5 = live.ask("牵头单位是谁？", history=[{"question": "q", "citations": ["liuzhou-2021:5"]}])
    assert lead17.citations[0].key == "liuzhou-2021:17" and lead5.citations[0].key == "liuzhou-2021:5"
    assert live.ask("牵头单位是谁？", history=h17 + [{"question": "x", "citations": []}]) is lead17


def test_answer_cache_normalises_whitespace_and_a_hit_equals_a_miss(qa):
    live, off = LiveQA(qa, interval=3600), LiveQA(qa, interval=3600)
    off.cache_size = 0
    a = live.ask("  园区里  能建员工宿舍吗？\n")
    assert live.cached("园区里 能建员工宿舍吗？") is a and live.ask("园区里\t能建员工宿舍吗？") is a
    assert live.hits == 2 and live.misses == 1
    assert a.to_json() == off.ask("园区里  能建员工宿舍吗？ ").to_json() == qa.ask("园区里 能建员工宿舍吗？").to_json()
    assert live.cached("园区里能建员工宿舍吗？") is None        # no space is another question


def test_answer_cache_is_dropped_with_the_old_index(home, encoder):
    qa = PolicyQA.open(home / "index", manifest=effective_manifest(home), encoder=encoder)
    live = LiveQA(qa, interval=0.0)
    a = live.ask("（十七）讲什么")
    assert live.cached("（十七）讲什么") is a
    store.build(effective_manifest(home), Settings(), home / "index", encoder=encoder)
    assert live.cached("（十七）讲什么") is None and live.reloads == 1
    b = live.ask("（十七）讲什么")
    assert b is not a and b.to_json() == a.to_json() and live.cached("（十七）讲什么") is b


def test_a_damaged_new_index_keeps_the_old_one_answering(home, encoder):
    import json
    qa = PolicyQA.open(home / "index", manifest=effective_manifest(home), encoder=encoder)
    live = LiveQA(qa, interval=0.0)
    store.build(effective_manifest(home), Settings(), home / "index", encoder=encoder)
    # the new commit's own file (segments are shared with the old commit, which is in memory)
    (store.current_dir(home / "index") / "missing.json").write_text(json.dumps([{"bad": 1}]), encoding="utf-8")
    assert live.get() is qa and live.last_error and live.reloads == 0
    assert live.get().ask("（十七）讲什么").kind == "lookup"


def test_concurrent_asks_of_one_question_are_computed_once(qa, index_root):
    import threading

    class Gated:
        """The real PolicyQA, with ask counted and held until released."""

        def __init__(self, inner):
            self.inner, self.calls, self.gate, self.fail = inner, [], threading.Event(), {"融资"}

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def ask(self, question, filters=None, history=None):
            self.calls.append(question)
            assert self.gate.wait(30)
            if question in self.fail:
                raise ValueError("boom")
            return self.inner.ask(question, filters=filters, history=history)

    gated = Gated(qa)
    live = LiveQA(gated, root=index_root, interval=3600)
    out, errs = [], []

    def ask(q):
        try:
            out.append(live.ask(q))
        except ValueError as exc:
            errs.append(exc)
    threads = [threading.Thread(target=ask, args=(q,)) for q in ["（十七）讲什么"] * 4 + ["融资"] * 3]
    for t in threads:
        t.start()
    for _ in range(3000):
        if live.shared == 5:
            break
        threading.Event().wait(0.01)
    assert live.shared == 5 and sorted(gated.calls) == sorted(["（十七）讲什么", "融资"])
    gated.gate.set()
    for t in threads:
        t.join(60)
    assert len(out) == 4 and all(a is out[0] for a in out) and out[0].to_json() == qa.ask("（十七）讲什么").to_json()
    assert len(errs) == 3 and all(e is errs[0] for e in errs)       # the one error, to every asker
    assert live.cached("（十七）讲什么") is out[0] and not live._inflight
    gated.fail.clear()
    assert live.ask("融资") is not None and len(gated.calls) == 3     # an error is not cached
