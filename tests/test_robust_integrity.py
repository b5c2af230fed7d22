"""Damaged index files and stored texts are detected, reported and rebuilt, never served."""
import json
import shutil

import numpy as np
import pytest

from corpus import docstore, library
from indexer import integrity, segment, store
from indexer.errors import IndexFormatError
from indexer.settings import Settings
from ui.cli import main

from .test_robust_writes import doc_text


@pytest.fixture
def built(tmp_path, index_root, manifest):
    root = tmp_path / "idx"
    root.mkdir()
    shutil.copytree(index_root / "embeddings", root / "embeddings")
    store.build(manifest, Settings(), root)
    return root


def _flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x5A
    path.write_bytes(bytes(data))


def _segment_dir(built):
    (seg,) = store.load(built).params["segments"]
    return built / "segments" / seg


@pytest.mark.parametrize("where,name", [("commit", n) for n in store.FILES] +
                         [("segment", n) for n in segment.FILES])
def test_any_changed_byte_is_detected_and_rebuilt(built, manifest, encoder, where, name):
    cur = store.current_dir(built) if where == "commit" else _segment_dir(built)
    good = [c.text for c in store.load(built).clauses]   # read now: records are read by row, on use
    path = cur / name
    size = path.stat().st_size
    for offset in (0, size // 3, size - 1):        # start, middle, end of every file
        original = path.read_bytes()
        _flip(path, offset)
        with pytest.raises(IndexFormatError, match=f"{name}.*rebuild"):
            store.load(built)
        path.write_bytes(original)
    _flip(path, size // 2)
    data, built_now = store.open_committed(manifest, Settings(), built, encoder=encoder)
    assert built_now and any("damaged" in n and "rebuilt" in n for n in data.notes)
    assert [c.text for c in data.clauses] == good


def test_truncated_or_missing_files_are_clear_errors_then_rebuilt(built, manifest, encoder, capsys):
    cur = _segment_dir(built)
    faiss_file = cur / "dense.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexFormatError, match="dense.faiss has 100 bytes"):
        store.load(built)
    (cur / "clauses.jsonl").unlink()
    with pytest.raises(IndexFormatError, match="clauses.jsonl is missing"):
        store.load(built)
    code = main(["--index-dir", str(built), "ask", "第十七条", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["citations"][0]["clause_no"] == 17
    assert "damaged" in err and "rebuilt it from the stored documents" in err
    assert "Errno" not in err and "Traceback" not in err


def test_random_bytes_in_vectors_never_give_wrong_answers(built, manifest, encoder):
    cur = _segment_dir(built)
    f = cur / "dense.faiss"
    data = bytearray(f.read_bytes())
    rng = np.random.default_rng(0)
    data[-4000:] = rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    f.write_bytes(bytes(data))
    with pytest.raises(IndexFormatError):
        store.load(built)
    # even with a matching checksum, vectors that are not unit vectors are refused
    meta = json.loads((cur / "meta.json").read_text(encoding="utf-8"))
    meta["files"]["dense.faiss"] = integrity.checksum(f)
    (cur / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexFormatError, match="not a unit vector|damaged|incomplete"):
        store.load(built)


def test_big_files_get_a_sampled_check(tmp_path, monkeypatch):
    monkeypatch.setattr(integrity, "SMALL", 1000)
    f = tmp_path / "big.bin"
    f.write_bytes(bytes(range(256)) * 4000)
    files = {"big.bin": integrity.checksum(f)}
    assert files["big.bin"]["sampled"]
    integrity.verify(tmp_path, files)
    f.write_bytes(f.read_bytes()[:-1] + b"\x00")          # the last byte is always sampled
    with pytest.raises(integrity.IntegrityError, match="big.bin"):
        integrity.verify(tmp_path, files)


def test_damaged_embedding_cache_is_re_embedded(tmp_path, encoder):
    cache = tmp_path / "emb"
    vecs, fresh = store.embed_cached(encoder, ["第一句。", "第二句。"], cache)
    assert fresh
    (entry,) = cache.glob("*.npy")
    np.save(entry, np.full((2, vecs.shape[1]), 1e37, np.float32))
    again, fresh = store.embed_cached(encoder, ["第一句。", "第二句。"], cache)
    assert fresh and np.allclose(again, vecs, atol=1e-5)


@pytest.fixture
def kb_doc(tmp_path, index_root, monkeypatch, capsys):
    home, root = tmp_path / "home", tmp_path / "idx2"
    root.mkdir()
    shutil.copytree(index_root / "embeddings", root / "embeddings")
    monkeypatch.setenv("POLICYQA_HOME", str(home))
    src = tmp_path / "t.txt"
    src.write_text(doc_text("T"), encoding="utf-8")
    assert main(["--index-dir", str(root), "add", str(src), "--id", "doc-t"]) == 0
    capsys.readouterr()
    entry = docstore.read_entries(home)[0]
    return home, root, docstore.resolve_source(home, entry["source"])


def _first_clause(root, capsys):
    code = main(["--index-dir", str(root), "lookup", "第1条", "--doc", "doc-t", "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out)["citations"][0]["text"] if code == 0 else None), err


def test_missing_stored_text_does_not_take_the_knowledge_base_down(kb_doc, capsys):
    home, root, text = kb_doc
    text.unlink()
    code, got, _ = _first_clause(root, capsys)                 # readers use the index
    assert code == 0 and "qtx" in got
    assert main(["--index-dir", str(root), "index", "--rebuild"]) == 0   # a writer restores it
    err = capsys.readouterr().err
    assert "restored text.txt from original.txt" in err and text.read_text(encoding="utf-8") == doc_text("T")


def test_edited_stored_text_is_never_served(kb_doc, capsys):
    home, root, text = kb_doc
    text.write_text(doc_text("T").replace("规范", "取消"), encoding="utf-8")
    code, got, _ = _first_clause(root, capsys)
    assert code == 0 and "规范" in got and "取消" not in got
    (text.parent / "original.txt").write_text("篡改", encoding="utf-8")   # and the original too
    assert main(["--index-dir", str(root), "index", "--rebuild"]) == 1
    err = capsys.readouterr().err
    assert "doc-t" in err and "policyqa remove doc-t" in err
    assert _first_clause(root, capsys)[1] == got                    # still the committed text
    assert main(["--index-dir", str(root), "remove", "doc-t"]) == 0  # and it can be removed
    assert not library.effective_manifest(home).get("doc-t")


def test_an_add_restores_missing_texts_and_leaves_contents_to_index(kb_doc, tmp_path, capsys):
    """An add checks that every stored text exists (restoring a missing one) but reads only
    the documents it parses; an edited text of another document is `policyqa index`'s to find."""
    home, root, text = kb_doc
    text.unlink()
    src = tmp_path / "u.txt"
    src.write_text(doc_text("U"), encoding="utf-8")
    assert main(["--index-dir", str(root), "add", str(src), "--id", "doc-u"]) == 0
    assert "restored text.txt from original.txt" in capsys.readouterr().err
    assert text.read_text(encoding="utf-8") == doc_text("T")
    text.write_text(doc_text("T").replace("规范", "取消"), encoding="utf-8")
    assert main(["--index-dir", str(root), "remove", "doc-u"]) == 0
    assert "restored" not in capsys.readouterr().err
    assert _first_clause(root, capsys)[1] is not None and "取消" not in _first_clause(root, capsys)[1]
    assert main(["--index-dir", str(root), "index", "--rebuild"]) == 0
    assert "restored text.txt from original.txt" in capsys.readouterr().err


def test_big_files_are_checked_by_samples_and_older_records_still_verify(tmp_path):
    from indexer import integrity
    big = tmp_path / "big.npy"
    big.write_bytes(bytes(range(256)) * (integrity.SMALL // 256 + 4096))
    rec = integrity.checksum(big)
    assert rec["sampled"] and rec["samples"] == integrity.SAMPLES
    integrity.verify(tmp_path, {"big.npy": rec})
    old = {"size": rec["size"], "sha256": integrity._digest(big, rec["size"], 64)[0], "sampled": True}
    integrity.verify(tmp_path, {"big.npy": old})                 # written before "samples"
    with open(big, "r+b") as f:                                  # a byte in the first window
        f.seek(10)
        f.write(b"\xff")
    for want in (rec, old):
        with pytest.raises(integrity.IntegrityError, match="does not match"):
            integrity.verify(tmp_path, {"big.npy": want})
