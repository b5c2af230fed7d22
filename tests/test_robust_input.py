"""Hostile input gets bounded work and a clear error: slow servers, private addresses, zip
bombs, huge texts, bad batch lines, references inside other text."""
import http.server
import io
import json
import threading
import time
import zipfile

import pytest

from corpus import library, urlsafe
from corpus.errors import CorpusError
from corpus.loaders import LoadError, load
from indexer import store, threads
from indexer.settings import Settings
from qa.refs import find_reference, is_pure_lookup

from .fixtures import HTML, docx_bytes


def _serve(handler):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


class Drip(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        try:
            for _ in range(100):              # one byte every 0.5 s: each read is "in time"
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass


def test_slow_drip_server_is_cut_off_at_the_total_deadline(monkeypatch):
    monkeypatch.setenv("POLICYQA_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("POLICYQA_URL_DEADLINE", "2")
    srv, base = _serve(Drip)
    try:
        t = time.monotonic()
        with pytest.raises(LoadError, match="did not finish within 2s.*POLICYQA_URL_DEADLINE"):
            load(f"{base}/slow.txt")
        assert time.monotonic() - t < 5
    finally:
        srv.shutdown()


def test_private_addresses_are_refused_also_after_a_redirect(monkeypatch):
    class Page(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path == "/page.html":
                body = HTML.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:                         # a redirect to a host that counts as internal here
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.2:{self.server.server_address[1]}/page.html")
                self.send_header("Content-Length", "0")
                self.end_headers()

    srv, base = _serve(Page)
    try:
        monkeypatch.delenv("POLICYQA_ALLOW_PRIVATE_URLS", raising=False)
        with pytest.raises(LoadError, match="127.0.0.1, a private, loopback"):
            load(f"{base}/page.html")
        for host in ("169.254.169.254", "10.0.0.1", "[::1]", "0.0.0.0"):
            with pytest.raises(LoadError, match="POLICYQA_ALLOW_PRIVATE_URLS"):
                load(f"http://{host}/x")
        # 127.0.0.1 stands for a public server: only 127.0.0.2 is treated as internal
        monkeypatch.setattr(urlsafe, "_blocked", lambda ip: str(ip) == "127.0.0.2")
        assert "紫藤创新券" in load(f"{base}/page.html").text
        with pytest.raises(LoadError, match="127.0.0.2, a private"):
            load(f"{base}/jump")
    finally:
        srv.shutdown()


def test_docx_bomb_is_refused_before_decompression(tmp_path, monkeypatch):
    good = docx_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        out.writestr("word/media/bomb.bin", b"\0" * (120 * 2**20))     # 120 MB of zeros, 120 KB zipped
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(buf.getvalue())
    assert bomb.stat().st_size < 2**20
    t = time.monotonic()
    with pytest.raises(LoadError, match="decompresses to 121 MB.*limit of 100 MB.*POLICYQA_MAX_DOCX_MB"):
        load(bomb)
    assert time.monotonic() - t < 2
    monkeypatch.setenv("POLICYQA_MAX_DOCX_MB", "200")
    assert "第二条" in load(bomb).text           # the operator can raise the limit


def test_limits_on_characters_clauses_and_passages(tmp_path, monkeypatch):
    f = tmp_path / "long.txt"
    f.write_text("标题（测试用虚构文本）\n" + "".join(f"第{i}条 这是第{i}条的内容，用于测试上限。\n" for i in range(1, 400)),
                 encoding="utf-8")
    monkeypatch.setenv("POLICYQA_MAX_CHARS", "5000")
    with pytest.raises(LoadError, match="more than the limit of 5,000; .*POLICYQA_MAX_CHARS"):
        load(f)
    monkeypatch.delenv("POLICYQA_MAX_CHARS")
    monkeypatch.setattr(library, "MAX_CLAUSES", 100)
    with pytest.raises(CorpusError, match="399 clauses, more than the limit of 100.*POLICYQA_MAX_CLAUSES"):
        library.add(str(f), tmp_path / "home", doc_id="long")
    assert not (tmp_path / "home" / "documents" / "long").exists()
    monkeypatch.setattr(library, "MAX_CLAUSES", 5000)
    home = tmp_path / "home"
    library.add(str(f), home, doc_id="long")
    monkeypatch.setattr(store, "MAX_PASSAGES", 50)
    with pytest.raises(store.DocumentTooLarge, match="long has .* passages.*POLICYQA_MAX_PASSAGES"):
        store.build(library.effective_manifest(home), Settings(), tmp_path / "idx")


def test_batch_reports_a_bad_line_and_goes_on(index_root, tmp_path, capsys):
    from ui.cli import main
    f = tmp_path / "qs.txt"
    f.write_text("（五）\n" + "长" * 501 + "\n第十七条\n", encoding="utf-8")
    code = main(["--index-dir", str(index_root), "ask", "--batch", str(f)])
    out, err = capsys.readouterr()
    lines = [json.loads(x) for x in out.splitlines()]
    assert code == 1 and len(lines) == 3
    assert lines[0]["kind"] == "lookup" and lines[2]["citations"][0]["clause_no"] == 17
    assert lines[1]["line"] == 2 and "500" in lines[1]["error"]
    assert "1 of 3 questions failed" in err
    code = main(["--index-dir", str(index_root), "search", "--batch", str(f), "--top-k", "1"])
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 1 and [("error" in x) for x in lines] == [False, True, False]


@pytest.mark.parametrize("q,ref", [("(1)讲什么", 1), ("（1）", 1), ("（17）的内容", 17), ("(3)是什么", 3),
                                   ("（十七）讲什么", 17), ("alert(1)", None),
                                   ("（7）的内容是啥", 7), ("请问(7)具体说了啥", 7), ("(1)有哪些补贴", None), ("符合(1)项条件的企业有什么补贴", None),
                                   ("研发费用(2)倍怎么算", None)])
def test_digit_in_brackets_is_a_clause_only_when_the_question_is_that_reference(q, ref):
    assert find_reference(q) == ref
    if ref is None:
        assert not is_pure_lookup(q)


def test_threads_are_set_once_for_the_machine(monkeypatch):
    monkeypatch.delenv("POLICYQA_THREADS", raising=False)
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: None)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _pid: {0, 1})
    assert threads.thread_count() == 1                  # 2 cores: one thread, the other core is free
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _pid: set(range(16)))
    assert threads.thread_count() == 4
    monkeypatch.setenv("POLICYQA_THREADS", "3")
    assert threads.thread_count() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "2")           # a user's own setting is kept
    assert threads.configure_threads() == 2
