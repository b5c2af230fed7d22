"""Concurrent and failing writes never lose a document or change the knowledge base halfway."""
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus import docstore, library
from corpus.errors import CorpusError
from corpus.lock import LockTimeout, writer_lock
from indexer import store
from ui.cli import main

PROJECT = Path(__file__).resolve().parent.parent


def doc_text(tag: str) -> str:
    return (f"测试{tag}管理办法（测试用虚构文本）\n第一条 为了规范{tag}标识码q{tag.lower()}x的管理，制定本办法。\n"
            f"第二条 本办法适用于高新区内的{tag}事项。\n")


@pytest.fixture
def kb(kb_dirs):
    """A home and an index dir with the city measures built (embedding cache reused)."""
    home, root = kb_dirs
    assert main(["--index-dir", str(root), "index"]) == 0
    return home, root


def cli(root, *args, capsys=None):
    code = main(["--index-dir", str(root), *args])
    out, err = capsys.readouterr() if capsys else ("", "")
    return code, out, err


def spawn(home, root, *args, **extra_env):
    env = dict(os.environ, POLICYQA_HOME=str(home), POLICYQA_INDEX=str(root), OMP_NUM_THREADS="1",
               **extra_env)
    return subprocess.Popen([sys.executable, "-m", "ui.cli", "--index-dir", str(root), *args],
                            cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def docs_ids(root, capsys) -> set[str]:
    code, out, _ = cli(root, "docs", "--json", capsys=capsys)
    assert code == 0
    return {r["id"] for r in json.loads(out) if r["loaded"]}


def assert_whole(home: Path, leftovers_ok: bool = False):
    """Every committed entry's stored text exists and matches its hash; nothing is left over
    (`leftovers_ok`: right after a kill, a dead process's staging may remain until the next
    writer removes it)."""
    entries = docstore.read_entries(home)
    for e in entries:
        text = docstore.resolve_source(home, e["source"]).read_bytes()
        assert hashlib.sha256(text).hexdigest() == e["sha256"]
    stray = [p for p in (home / "documents").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers_ok or not stray
    return {e["id"] for e in entries}


def test_parallel_adds_in_separate_processes_lose_nothing(kb, tmp_path, capsys):
    home, root = kb
    procs = []
    for tag in "ABCD":
        f = tmp_path / f"{tag}.txt"
        f.write_text(doc_text(tag), encoding="utf-8")
        procs.append(spawn(home, root, "add", str(f), "--id", f"doc-{tag.lower()}"))
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _, _ in results), results
    assert any("waiting for another" in err for _, _, err in results)   # they queued, not raced
    assert {"doc-a", "doc-b", "doc-c", "doc-d"} <= docs_ids(root, capsys)
    assert assert_whole(home) == {"doc-a", "doc-b", "doc-c", "doc-d"}
    code, out, _ = cli(root, "search", "qcx", "--scope", "all", "--method", "bm25", "--top-k", "1", "--json", capsys=capsys)
    assert json.loads(out)[0]["doc_id"] == "doc-c"
    assert not list(root.glob("*.tmp"))


def _served_first_clause(root, capsys, doc_id):
    code, out, _ = cli(root, "lookup", "第1条", "--doc", doc_id, "--json", capsys=capsys)
    assert code == 0
    return json.loads(out)["citations"][0]["text"]


@pytest.mark.parametrize("point,takes_effect", [("staged", False), ("built", False),
                                                ("committed", True), ("swapped", True)])
def test_killed_replace_at_each_commit_step(kb, tmp_path, capsys, point, takes_effect):
    home, root = kb
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text(doc_text("Old"), encoding="utf-8")
    new.write_text(doc_text("New"), encoding="utf-8")
    assert cli(root, "add", str(old), "--id", "doc-k", capsys=capsys)[0] == 0
    p = spawn(home, root, "add", str(new), "--id", "doc-k", POLICYQA_FAULT_POINT=point)
    assert p.wait(timeout=300) == -signal.SIGKILL
    assert_whole(home, leftovers_ok=True)
    served = _served_first_clause(root, capsys, "doc-k")
    assert ("qnewx" in served) == takes_effect and ("qoldx" in served) != takes_effect
    code, out, _ = cli(root, "add", str(new), "--id", "doc-k", capsys=capsys)   # and again
    assert code == 0 and ("nothing to do" in out) == takes_effect
    assert "qnewx" in _served_first_clause(root, capsys, "doc-k")
    assert_whole(home)
    assert len([p for p in root.iterdir() if p.name.startswith("build-")]) <= 2


def test_killed_add_at_random_moments_leaves_a_whole_state(kb, tmp_path, capsys):
    home, root = kb
    f = tmp_path / "k.txt"
    f.write_text(doc_text("K"), encoding="utf-8")
    assert cli(root, "add", str(f), "--id", "doc-k", capsys=capsys)[0] == 0
    for i, delay in enumerate((0.3, 1.0, 2.0, 3.0)):
        g = tmp_path / f"v{i}.txt"
        g.write_text(doc_text(f"V{i}"), encoding="utf-8")
        p = spawn(home, root, "add", str(g), "--id", "doc-k")        # a replace, killed midway
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert "doc-k" in assert_whole(home, leftovers_ok=True)       # old or new, never neither
        entry = next(e for e in docstore.read_entries(home) if e["id"] == "doc-k")
        text = docstore.resolve_source(home, entry["source"]).read_text(encoding="utf-8")
        assert _served_first_clause(root, capsys, "doc-k") in text     # exactly the committed one
    h = tmp_path / "after.txt"
    h.write_text(doc_text("After"), encoding="utf-8")
    assert cli(root, "add", str(h), "--id", "doc-after", capsys=capsys)[0] == 0
    assert_whole(home)


def test_failed_build_or_commit_changes_nothing(kb, tmp_path, capsys, monkeypatch):
    home, root = kb
    v1, v2 = tmp_path / "v1.txt", tmp_path / "v2.txt"
    v1.write_text(doc_text("One"), encoding="utf-8")
    v2.write_text(doc_text("Two"), encoding="utf-8")
    assert cli(root, "add", str(v1), "--id", "doc-r", "--title", "第一版", capsys=capsys)[0] == 0
    manifest_before = (home / "documents" / "manifest.json").read_bytes()
    current_before = store.current_id(root)

    def disk_full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    real_build = store.build
    monkeypatch.setattr(store, "build", disk_full)                  # the index cannot be written
    code, _, err = cli(root, "add", str(v2), "--id", "doc-r", "--title", "第二版", capsys=capsys)
    assert code == 1 and "No space left" in err
    monkeypatch.setattr(store, "build", real_build)
    monkeypatch.setattr(docstore, "_write_atomic", disk_full)       # the manifest cannot be written
    code, _, err = cli(root, "add", str(v2), "--id", "doc-r", "--title", "第二版", capsys=capsys)
    assert code == 1 and "No space left" in err
    monkeypatch.undo()
    monkeypatch.setenv("POLICYQA_HOME", str(home))
    assert (home / "documents" / "manifest.json").read_bytes() == manifest_before
    assert store.current_id(root) == current_before
    assert assert_whole(home) == {"doc-r"}
    assert len(list((home / "documents" / "doc-r").iterdir())) == 1   # staged versions removed
    code, out, _ = cli(root, "lookup", "第1条", "--doc", "doc-r", "--json", capsys=capsys)
    hit = json.loads(out)["citations"][0]
    assert "One" in hit["text"] and hit["doc_title"] == "第一版"        # old text, old metadata
    # the change was never made, so making it now is a change, not "nothing to do"
    code, out, _ = cli(root, "add", str(v2), "--id", "doc-r", "--title", "第二版", capsys=capsys)
    assert code == 0 and out.startswith("replaced doc-r")


def test_readers_do_not_build_or_wait(kb, tmp_path, capsys):
    home, root = kb
    f = tmp_path / "s.txt"
    f.write_text(doc_text("S"), encoding="utf-8")
    library.add(str(f), home, doc_id="doc-s")       # committed without an index (library call)
    before = store.current_id(root)
    code, out, err = cli(root, "docs", capsys=capsys)
    assert code == 0 and "older than the documents" in err
    assert store.current_id(root) == before                          # the reader built nothing
    with writer_lock(home / "documents" / "write.lock"):             # a writer holds the lock …
        p = spawn(home, root, "search", "高新区", "--top-k", "1", "--json")
        assert p.wait(timeout=120) == 0                               # … readers still answer
    assert cli(root, "index", capsys=capsys)[0] == 0                  # a writer brings it up to date
    assert store.current_id(root) != before and "doc-s" in docs_ids(root, capsys)


def test_commit_between_manifest_and_pointer_is_served_consistently(kb, tmp_path, capsys):
    home, root = kb
    f = tmp_path / "p.txt"
    f.write_text(doc_text("P"), encoding="utf-8")
    with docstore.writer(home):                       # an add cut off after the manifest commit
        change = library.stage_add(str(f), home, doc_id="doc-p")
        final = store.build(library.effective_manifest(home, entries=change.entries),
                            store.Settings(), root, commit=False)
        library.commit(home, change)
    code, out, err = cli(root, "docs", "--json", capsys=capsys)
    assert code == 0 and "doc-p" in {r["id"] for r in json.loads(out) if r["loaded"]}
    assert "older" not in err
    assert cli(root, "index", capsys=capsys)[0] == 0   # the next writer finishes the swap
    assert store.current_id(root) == final.name


def test_lock_waits_then_times_out_with_a_clear_message(tmp_path, capfd):
    lock = tmp_path / "write.lock"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom corpus.lock import writer_lock\n"
                               f"with writer_lock({str(lock)!r}):\n    print('held', flush=True)\n    time.sleep(30)"],
                              cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockTimeout, match=f"pid {holder.pid}.*POLICYQA_LOCK_TIMEOUT"):
            with writer_lock(lock, wait=0.5):
                pass
        assert "waiting for another" in capfd.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    with writer_lock(lock, wait=5):          # released by the kernel when the holder died
        pass


def test_missing_or_damaged_manifest_is_an_error_not_an_empty_library(kb, tmp_path, capsys):
    home, root = kb
    f = tmp_path / "m.txt"
    f.write_text(doc_text("M"), encoding="utf-8")
    assert cli(root, "add", str(f), "--id", "doc-m", capsys=capsys)[0] == 0
    m = home / "documents" / "manifest.json"
    saved = m.read_bytes()
    m.unlink()
    code, _, err = cli(root, "docs", capsys=capsys)
    assert code == 1 and "missing but 1 added document(s) are stored (doc-m)" in err
    assert "manifest.json.bak" in err
    m.write_text("{not json", encoding="utf-8")
    code, _, err = cli(root, "add", str(f), "--id", "doc-m2", capsys=capsys)
    assert code == 1 and "cannot be read" in err
    m.write_bytes(saved)
    assert "doc-m" in docs_ids(root, capsys)


def test_a_first_add_in_progress_is_not_mistaken_for_a_lost_manifest(tmp_path):
    home = tmp_path / "home"
    f = tmp_path / "first.txt"
    f.write_text(doc_text("First"), encoding="utf-8")
    with docstore.writer(home):
        change = library.stage_add(str(f), home, doc_id="first")   # staged, not committed
        assert library.effective_manifest(home).get("first") is None   # readers: no error
        library.commit(home, change)
    assert library.effective_manifest(home).get("first").loaded


def test_sources_are_relative_so_a_moved_home_works(kb, tmp_path, capsys, monkeypatch):
    home, root = kb
    f = tmp_path / "h.txt"
    f.write_text(doc_text("H"), encoding="utf-8")
    assert cli(root, "add", str(f), "--id", "doc-h", capsys=capsys)[0] == 0
    entry = docstore.read_entries(home)[0]
    assert not Path(entry["source"]).is_absolute()
    moved = tmp_path / "moved-home"
    shutil.copytree(home, moved)
    shutil.rmtree(home)
    monkeypatch.setenv("POLICYQA_HOME", str(moved))
    m = library.effective_manifest(moved)
    assert m.read(m.get("doc-h")) == doc_text("H")
    assert "doc-h" in docs_ids(root, capsys)
    # an older manifest with an absolute path into another home reads this home's file
    old = dict(entry, source=str(tmp_path / "elsewhere" / "documents" / "doc-h" /
                                 Path(entry["source"]).parent.name / "text.txt"))
    assert docstore.resolve_source(moved, old["source"]).is_relative_to(moved)


def test_a_relative_home_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    """POLICYQA_HOME=.policyqa/x (as `make lawsfamily` sets it): documents added there are read
    back from there, not from under the built-in corpus/data."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POLICYQA_HOME", "rel/home")
    f = tmp_path / "r.txt"
    f.write_text(doc_text("R"), encoding="utf-8")
    library.add(str(f), library.home(), doc_id="doc-r")
    assert library.home() == tmp_path / "rel" / "home"
    m = library.effective_manifest()
    assert m.read(m.get("doc-r")) == doc_text("R")
    assert library.effective_manifest(Path("rel/home")).get("doc-r").source == m.get("doc-r").source


def test_validation_of_dates_and_references(tmp_path):
    src = tmp_path / "v.txt"
    src.write_text(doc_text("V"), encoding="utf-8")
    home = tmp_path / "home"
    for bad in ("2021-13-45", "2021-02-30", "2021-8-4"):
        with pytest.raises(CorpusError, match="real date"):
            library.add(str(src), home, doc_id="v", date=bad)
    with pytest.raises(CorpusError, match="--implements nosuchdoc: no such document"):
        library.add(str(src), home, doc_id="v", implements=["nosuchdoc"])
    assert library.add(str(src), home, doc_id="v", date="2024-02-29",
                       implements=["gx-2021"]).status == "added"
    assert not (home / "documents" / "v").exists() or docstore.read_entries(home)


def test_cleanup_keeps_exactly_what_the_entries_point_at(tmp_path):
    """Old versions, removed documents, dead staging and stray files go; the committed
    versions (relative sources and absolute ones of a moved home), a live writer's staging
    and the manifest stay."""
    h = tmp_path / "home"
    d = docstore.docs_dir(h)
    folders = ["a/v1", "a/v0", "b/v", "c/v", "a/.v2.999999999.tmp", "a/.v3.1.tmp", ".old-staging"]
    for f in folders:
        (d / f).mkdir(parents=True)
        (d / f / "text.txt").write_text("x", encoding="utf-8")
    (d / "manifest.json").write_text("{}", encoding="utf-8")
    (d / "manifest.json.999999999.tmp").write_text("{}", encoding="utf-8")
    entries = [{"id": "a", "source": "documents/a/v1/text.txt"},
               {"id": "c", "source": "/elsewhere/old-home/documents/c/v/text.txt"},
               {"id": "ref-only"}]
    docstore.cleanup(h, entries)
    left = sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_dir())
    assert left == ["a", "a/.v3.1.tmp", "a/v1", "c", "c/v"]     # pid 1 is alive: its staging stays
    assert (d / "manifest.json").exists() and not (d / "manifest.json.999999999.tmp").exists()
