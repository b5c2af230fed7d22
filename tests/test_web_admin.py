"""Staff actions from the browser (ui/admin.py): token, checks, Chinese errors, one at a time."""
import threading

import pytest

pytest.importorskip("gradio")

from corpus.library import effective_manifest  # noqa: E402
from indexer import store  # noqa: E402
from indexer.settings import Settings  # noqa: E402
from qa import PolicyQA  # noqa: E402
from qa.live import LiveQA  # noqa: E402
from ui.admin import Admin  # noqa: E402

DOC = "测试市松果办法（测试用虚构文本）\n第一条 为了扶持松果产业，制定本办法。\n第二条 对松果加工企业给予每吨五百元补贴。\n"


@pytest.fixture(scope="module")
def base_home(tmp_path_factory, encoder, seed_embeddings):
    home = tmp_path_factory.mktemp("admin-base")
    store.build(effective_manifest(home), Settings(), seed_embeddings(home / "index"), encoder=encoder)
    return home


@pytest.fixture()
def live(tmp_path, encoder, monkeypatch, base_home):
    import shutil
    home = tmp_path / "home"
    shutil.copytree(base_home, home, symlinks=True)      # the index and its embedding cache
    monkeypatch.setenv("POLICYQA_HOME", str(home))
    qa = PolicyQA.open(home / "index", manifest=effective_manifest(home), encoder=encoder)
    live = LiveQA(qa, interval=0.0)
    live.home = home
    return live


def _last(gen):
    out = list(gen)
    return out[-1][0], out


def _add(admin, path, token="t0k", **kw):
    args = {"url": "", "doc_id": "test-pine", "title": "", "level": "", "date": "", "issuer": "", "number": ""}
    args.update(kw)
    return _last(admin.add(token, str(path), args["url"], args["doc_id"], args["title"], args["level"],
                           args["date"], args["issuer"], args["number"]))


def test_off_without_a_token_and_wrong_token_refused(live, tmp_path):
    src = tmp_path / "pine.txt"
    src.write_text(DOC, encoding="utf-8")
    status, _ = _add(Admin(live, token=""), src, token="")
    assert "POLICYQA_ADMIN_TOKEN" in status
    status, _ = _add(Admin(live, token="t0k"), src, token="guess")
    assert "管理口令不正确" in status
    assert not any(p.doc.id == "test-pine" for p in live.get().documents)


def test_add_shows_progress_then_answers_from_it_and_remove(live, tmp_path):
    admin = Admin(live, token="t0k")
    src = tmp_path / "pine.txt"
    src.write_text(DOC, encoding="utf-8")
    status, steps = _add(admin, src, level="city", date="2099-01-02")
    assert [s[0][:3] for s in steps] == ["⏳ ①", "⏳ ②", "✅ ③"] and "第二条" in steps[-1][1]
    a = live.get().ask("松果加工企业每吨补贴多少？")
    assert a.citations[0].clause.doc_id == "test-pine" and "五百元" in a.text
    again, _ = _add(admin, src)
    assert "内容与已加载的版本相同" in again
    assert "已移除" in admin.remove("t0k", "test-pine")
    assert not any(p.doc.id == "test-pine" for p in live.get().documents)
    assert "内置文件" in admin.remove("t0k", "liuzhou-2021")


@pytest.mark.parametrize("name,content,kw,msg", [
    ("a.exe", b"MZ", {}, "不支持 .exe"),
    ("empty.txt", b"", {}, "空"),
    ("scan.pdf", None, {}, "没有文字层"),
    ("x.txt", DOC.encode(), {"date": "2099/1/2"}, "日期请写成"),
    ("x.txt", DOC.encode(), {"doc_id": "坏 id"}, "只能包含字母"),
    ("x.txt", DOC.encode(), {"url": "https://example.invalid/x"}, "只选择一种来源"),
])
def test_bad_input_gets_a_chinese_error_and_adds_nothing(live, tmp_path, name, content, kw, msg):
    from tests.fixtures import pdf_bytes
    src = tmp_path / name
    src.write_bytes(pdf_bytes(None) if content is None else content)
    status, _ = _add(Admin(live, token="t0k"), src, **kw)
    assert status.startswith("❌") and msg in status
    assert len(live.get().documents) == 1


def test_two_staff_at_once_one_waits(live, tmp_path):
    admin = Admin(live, token="t0k")
    src = tmp_path / "pine.txt"
    src.write_text(DOC, encoding="utf-8")
    first = admin.add("t0k", str(src), "", "test-pine", "", "", "", "", "")
    assert next(first)[0].startswith("⏳ ①")            # holds the lock, mid-add
    other = threading.Thread(target=lambda: results.append(_add(admin, src, doc_id="test-pine2")[0]))
    results: list[str] = []
    other.start()
    other.join()
    assert "另一位工作人员正在" in results[0]
    assert list(first)[-1][0].startswith("✅")
