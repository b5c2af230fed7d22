"""Bulk add: `policyqa add FOLDER|FILE…` (corpus.bulk, corpus.progress)."""
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import bulk, docstore
from corpus.progress import Progress, progress_line
from ui.cli import main

PROJECT = Path(__file__).resolve().parent.parent
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def law(tag: str) -> str:
    return (f"测试{tag}管理办法（测试用虚构文本）\n第一条 为了规范{tag}标识码q{tag.lower()}x的管理，制定本办法。\n"
            f"第二条 本办法适用于高新区内的{tag}事项，由市科技局负责组织实施。\n")


@pytest.fixture
def kb(kb_dirs):
    return kb_dirs


def cli(root, capsys, *args):
    code = main(["--index-dir", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def loaded_ids(root, capsys) -> set[str]:
    code, out, _ = cli(root, capsys, "docs", "--json")
    assert code == 0
    return {r["id"] for r in json.loads(out) if r["loaded"] and r["id"] != "liuzhou-2021"}


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_folder_with_good_and_bad_files(kb, tmp_path, capsys, monkeypatch):
    from tests.fixtures import HTML
    home, root = kb
    src = tmp_path / "in"
    good = [write(src / "甲办法.txt", law("A")), write(src / "sub" / "乙办法(2020-01-02).txt", law("B")),
            write(src / "sub" / "deep" / "page.htm", HTML)]
    bad = [write(src / "english.txt", "hello world, this file has no Chinese text at all " * 3),
           write(src / "broken.docx", b"PK\x03\x04 not really a docx"),
           write(src / "huge.txt", law("C") + "第三条 " + "很长的条文内容。" * 400)]
    write(src / "notes.md", law("D"))                       # not a document extension: ignored
    monkeypatch.setenv("POLICYQA_MAX_CHARS", "2000")
    code, out, err = cli(root, capsys, "add", str(src), "--jobs", "1")
    assert code == 1                                        # some failed …
    assert "not found" not in err
    failed = dict(re.findall(r"policyqa: failed: (\S+): (.*)", err))
    assert set(failed) == {str(p.resolve()) for p in bad}
    assert "not a policy text" in failed[str(bad[0].resolve())]
    assert ".docx" in failed[str(bad[1].resolve())]
    assert "POLICYQA_MAX_CHARS" in failed[str(bad[2].resolve())]
    assert "added 3, replaced 0, unchanged 0, failed 3" in out
    ids = {bulk.derive_id(p.name) for p in good}
    assert loaded_ids(root, capsys) == ids                  # … the good ones are kept
    code, out, _ = cli(root, capsys, "search", "qax", "--scope", "all", "--json", "--top-k", "1")
    assert json.loads(out)[0]["doc_id"] == bulk.derive_id("甲办法.txt")
    params = json.loads((root / "current" / "params.json").read_text())
    # the one build at the end found every added document's vectors in the cache
    assert all(params["embedded"][i] == 0 for i in ids)
    assert len(docstore.read_entries(home)) == 3


def test_rerun_skips_same_content_and_replaces_changed(kb, tmp_path, capsys):
    home, root = kb
    src = tmp_path / "in"
    a = write(src / "a.txt", law("A"))
    write(src / "b.txt", law("B"))
    write(src / "copy of a.txt", law("A"))                  # the same text under another name
    code, out, err = cli(root, capsys, "add", str(src), "--jobs", "1")
    assert code == 0, err
    assert "added 2, replaced 0, unchanged 1, failed 0" in out
    assert f"same text as {bulk.derive_id('a.txt')}" in err
    manifest = home / "documents" / "manifest.json"
    before, build = manifest.stat().st_mtime_ns, os.readlink(root / "current")
    code, out, _ = cli(root, capsys, "add", str(src), "--jobs", "1")
    assert code == 0 and "added 0, replaced 0, unchanged 3, failed 0" in out
    assert manifest.stat().st_mtime_ns == before             # nothing committed …
    assert os.readlink(root / "current") == build            # … nor rebuilt
    write(a, law("A") + "第三条 本办法自发布之日起施行。\n")
    code, out, _ = cli(root, capsys, "add", str(a), str(src / "b.txt"))
    assert code == 0 and "added 0, replaced 1, unchanged 1, failed 0" in out
    assert loaded_ids(root, capsys) == {bulk.derive_id("a.txt"), bulk.derive_id("b.txt")}


def spawn(home, root, *args, point=None):
    env = dict(os.environ, POLICYQA_HOME=str(home), POLICYQA_INDEX=str(root), OMP_NUM_THREADS="1")
    env.pop("POLICYQA_FAULT_POINT", None)
    if point:
        env["POLICYQA_FAULT_POINT"] = point
    return subprocess.run([sys.executable, "-m", "ui.cli", "--index-dir", str(root), *args],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600)


def test_interrupted_bulk_add_keeps_finished_batches_and_resumes(kb, tmp_path, capsys):
    home, root = kb
    src = tmp_path / "in"
    for tag in "ABCDE":
        write(src / f"{tag}.txt", law(tag))
    killed = spawn(home, root, "add", str(src), "--jobs", "1", "--commit-every", "2",
                   point="bulk-committed")
    assert killed.returncode == -9, killed.stderr            # SIGKILL right after batch 1
    assert "committed batch 1: 2 document(s)" in killed.stderr
    entries = docstore.read_entries(home)
    assert [e["id"] for e in entries] == [bulk.derive_id("A.txt"), bulk.derive_id("B.txt")]
    for e in entries:                                        # committed whole
        text = docstore.resolve_source(home, e["source"]).read_bytes()
        assert hashlib.sha256(text).hexdigest() == e["sha256"]
    done = spawn(home, root, "add", str(src), "--jobs", "2", "--commit-every", "2")
    assert done.returncode == 0, done.stderr
    assert "added 3, replaced 0, unchanged 2, failed 0" in done.stdout
    assert loaded_ids(root, capsys) == {bulk.derive_id(f"{t}.txt") for t in "ABCDE"}
    assert not [p for p in (home / "documents").rglob("*") if p.name.endswith(".tmp")]


def test_ids_from_file_names():
    a = bulk.derive_id("企业职工带薪年休假实施办法(2008-07-17).txt")
    assert ID_RE.fullmatch(a) and a.startswith("2008-07-17-")
    assert a == bulk.derive_id("企业职工带薪年休假实施办法(2008-07-17).txt")       # deterministic
    assert a != bulk.derive_id("企业职工带薪年休假实施办法(2008-07-18).txt")
    b = bulk.derive_id("中华人民共和国宪法.txt")
    assert ID_RE.fullmatch(b) and b.startswith("doc-")
    assert ID_RE.fullmatch(bulk.derive_id("-_" + "Ａ" * 80 + ".docx"))   # long, full-width, leading '-'
    base = Path("/laws")
    files = [(base / "x" / "条例.txt", base), (base / "y" / "条例.txt", base), (base / "z.txt", base)]
    ids = bulk.assign_ids(files)
    assert len(set(ids.values())) == 3 and all(ID_RE.fullmatch(i) for i in ids.values())
    assert ids[files[0][0]] == bulk.derive_id("条例.txt")    # the first keeps its name's id
    assert bulk.assign_ids(files) == ids                     # the same on every run


def test_progress_line_and_display():
    assert progress_line(50, 200, 1234, 30.0, 50.0, 200.0) == \
        "50/200 documents, 1,234 passages, 41.1 passages/s, about 1m30s left"
    assert progress_line(0, 3, 0, 0.0, 0.0, 9.0) == "0/3 documents, 0 passages, 0.0 passages/s, time left ?"
    assert progress_line(3, 3, 90, 4000.0, 9.0, 9.0).endswith("done")
    assert progress_line(1, 3, 9, 4000.0, 1.0, 3.0).endswith("about 2h13m left")
    t = [0.0]
    log = io.StringIO()
    p = Progress(5, 5.0, stream=log, every=2, tty=False, clock=lambda: t[0])
    for _ in range(5):
        t[0] += 1.0
        p.update(passages=10, work=1.0)
    p.close()
    lines = log.getvalue().splitlines()                      # a plain line every 2 and at the end
    assert lines == ["policyqa: 2/5 documents, 20 passages, 10.0 passages/s, about 3s left",
                     "policyqa: 4/5 documents, 40 passages, 10.0 passages/s, about 1s left",
                     "policyqa: 5/5 documents, 50 passages, 10.0 passages/s, done"]
    term = io.StringIO()
    p = Progress(2, 2.0, stream=term, tty=True, clock=lambda: t[0])
    t[0] += 2.5
    p.update(3, 1.0)
    p.note("committed batch 1")
    t[0] += 2.5
    p.update(3, 1.0)
    p.close()
    s = term.getvalue()
    assert s.startswith("\r1/2 documents") and "policyqa: committed batch 1\n" in s
    assert s.endswith("2/2 documents, 6 passages, 1.2 passages/s, done\n")


def test_bulk_refuses_single_document_options_and_reports_missing(kb, tmp_path, capsys):
    _, root = kb
    src = tmp_path / "in"
    write(src / "a.txt", law("A"))
    code, _, err = cli(root, capsys, "add", str(src), "--id", "x")
    assert code == 1 and "--id apply to one document" in err
    code, out, err = cli(root, capsys, "add", str(src / "a.txt"), str(tmp_path / "nope"), "--jobs", "1")
    assert code == 1 and "added 1," in out and f"failed: {tmp_path / 'nope'}: not found" in err
