"""The Milvus backend on a real milvus-lite file: parity with the embedded backend, filters
inside Milvus, add/remove following the committed index, a cut-off sync resumed, errors."""
import sys

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from corpus import library  # noqa: E402
from indexer import store  # noqa: E402
from indexer.backends import (BackendConfig, BackendError, BackendUnavailable,  # noqa: E402
                              make_backend)
from indexer.backends.embedded import EmbeddedBackend  # noqa: E402
from indexer.backends.milvus import MilvusBackend, weighted_query  # noqa: E402
from indexer.backends.sync import sync  # noqa: E402
from indexer.settings import Settings  # noqa: E402
from indexer.tokenize import query_tokens  # noqa: E402
from qa.ranking import Searcher  # noqa: E402 - the product's ranking (exact phrase, titles)

from .fixtures import ARTICLES  # noqa: E402

QUESTIONS = ["研发费用补助", "高新技术企业认定奖励多少钱", "人才公寓怎么申请", "市科技局牵头哪些措施",
             "企业上市融资有什么支持", "孵化器"]


@pytest.fixture(scope="session")
def pair(tmp_path_factory, index_root, encoder):
    """The session's index served by both backends (a fresh milvus-lite file)."""
    data = store.load(index_root)
    uri = tmp_path_factory.mktemp("milvus") / "parity.db"
    mb = make_backend(data, encoder, BackendConfig(name="milvus", milvus_uri=str(uri)))
    s = Settings()
    return (Searcher(data, encoder, s, backend=EmbeddedBackend(data)),
            Searcher(data, encoder, s, backend=mb), data)


def test_milvus_ranks_like_the_embedded_backend(pair):
    emb, mil, data = pair
    assert mil.backend.counts() == emb.backend.counts() == {
        "clauses": len(data.clauses), "passages": int((data.dense.owners >= 0).sum()),
        "documents": len(data.documents)}
    expanded = 0
    for q in QUESTIONS:
        a, b = emb.runs(q), mil.runs(q)
        text, scale = weighted_query(query_tokens(q), Settings().thesaurus)
        expanded += scale > 1 and len(text.split()) > scale * len(set(query_tokens(q)))
        for m in ("bm25", "bigram", "dense"):
            ra, rb = getattr(a, m), getattr(b, m)
            assert set(ra) == set(rb), (q, m)
            for k in ra:
                assert rb[k] == pytest.approx(ra[k], rel=1e-4, abs=1e-5), (q, m, k)
        assert b.dense_rows == a.dense_rows
        assert [k for k, _ in mil.fuse(b)[:5]] == [k for k, _ in emb.fuse(a)[:5]], q
    assert expanded, "no question exercised the weighted thesaurus expansion"


def test_filters_run_inside_milvus(pair):
    emb, mil, data = pair
    keys = [c.key for c in data.clauses if c.no != 0]
    allowed = set(keys[3:6])
    expr = mil.backend.expr(allowed)
    assert "key in [" in expr and keys[0] not in expr
    runs = mil.runs("研发费用补助", allowed)
    for m in ("bm25", "bigram", "dense", "memory"):
        assert set(getattr(runs, m)) <= allowed, m
    assert runs.dense                      # the nearest *allowed* passages, not an empty list
    whole = {c.key for c in data.clauses if c.no != 0}
    assert mil.backend.expr(whole) == f'searchable == true and (doc_id in ["{data.clauses[0].doc_id}"])'
    assert mil.backend.expr(set()) is None and mil.runs("研发费用补助", set()).bm25 == {}
    preamble = [c.key for c in data.clauses if c.no == 0]
    assert not set(preamble) & set(mil.runs("根据 制定 措施").bm25)


@pytest.fixture
def kb(kb_dirs, encoder):
    home, root = kb_dirs
    store.build(library.effective_manifest(home), Settings(), root, encoder=encoder)
    return home, root


def _commit(home, root, encoder):
    store.build(library.effective_manifest(home), Settings(), root, encoder=encoder)
    return store.load(root)


def test_add_and_remove_follow_and_a_cut_off_sync_resumes(kb, tmp_path, encoder):
    home, root = kb
    cfg = BackendConfig(name="milvus", milvus_uri=str(tmp_path / "kb.db"))
    data = store.load(root)
    backend = MilvusBackend.connect(cfg, root)
    backend.attach(data)
    assert sync(backend, data, encoder)["created"]
    base = backend.counts()
    assert sync(backend, data, encoder)["up_to_date"]

    (tmp_path / "a.txt").write_text(ARTICLES, encoding="utf-8")
    library.add(str(tmp_path / "a.txt"), home, doc_id="test-articles")
    data = _commit(home, root, encoder)
    backend.attach(data)
    r = sync(backend, data, encoder)
    assert r["changed"] == ["test-articles"] and r["removed"] == []
    assert backend.counts()["clauses"] == base["clauses"] + r["clauses"]
    s = Searcher(data, encoder, Settings(), backend=backend)
    e = Searcher(data, encoder, Settings(), backend=EmbeddedBackend(data))
    q = "蓝鲸孵化器给予奖励"
    assert next(iter(s.fuse(s.runs(q))))[0].startswith("test-articles:")
    # after an incremental add BM25 still sees the whole corpus (milvus-lite: clauses rewritten)
    assert s.runs(q).bm25 == pytest.approx(e.runs(q).bm25, rel=1e-4)
    # a search in one document's scope: Milvus scores with the collection's statistics, the
    # embedded backend with the scope's, and each one's coverage / matched terms follow its own
    city = {c.key for c in data.clauses if c.doc_id != "test-articles" and c.no}
    assert s.bm25_for(city) is data.bm25 and e.bm25_for(city) is not data.bm25
    q2 = "研发费用补助奖励"
    for searcher in (s, e):
        runs = searcher.runs(q2, city)
        scorer = searcher.bm25_for(city)
        for h in searcher.hits(runs, top_k=3):
            row = searcher.row_of[h.key]
            assert h.coverage == scorer.coverage(list(runs.tokens), row)
    assert {h.key: h.coverage for h in s.hits(s.runs(q2, city), top_k=3)} != \
        {h.key: h.coverage for h in e.hits(e.runs(q2, city), top_k=3)}

    # a sync cut off after the rows, before the document's marker: the next one rewrites it once
    before = backend.counts()
    backend.client.delete(backend.names["docs"], ids=["test-articles"])
    backend.client.upsert(backend.names["docs"], [{"doc_id": "__build__", "sha": "", "clauses": 0,
                                                   "passages": 0, "unused": [0.0, 0.0]}])
    assert sync(backend, data, encoder)["changed"] == ["test-articles"]
    assert backend.counts() == before
    # milvus-lite: a rewrite of the clauses cut off half way is redone whole
    from indexer.backends import milvus_schema as ms
    ms.create(backend.client, cfg.collection, 384, 1.5, 0.75, True, only=("clauses",))
    for doc_id, sha in (("__restat__", ""), ("__build__", "")):
        backend.client.upsert(backend.names["docs"], [{"doc_id": doc_id, "sha": sha, "clauses": 0,
                                                       "passages": 0, "unused": [0.0, 0.0]}])
    assert sync(backend, data, encoder)["rewrote_clauses"]
    assert backend.counts() == before

    library.remove("test-articles", home)
    data = _commit(home, root, encoder)
    backend.attach(data)
    assert sync(backend, data, encoder)["removed"] == ["test-articles"]
    assert backend.counts() == base
    s = Searcher(data, encoder, Settings(), backend=backend)
    runs = s.runs("蓝鲸孵化器给予奖励")
    assert not any(k.startswith("test-articles:") for m in runs.named().values() for k in m)


def test_index_command_copies_the_knowledge_base(kb, tmp_path, monkeypatch, capsys):
    from ui.cli import main
    home, root = kb
    monkeypatch.setenv("POLICYQA_BACKEND", "embedded")
    monkeypatch.setenv("POLICYQA_MILVUS_URI", str(tmp_path / "cli.db"))
    assert main(["--index-dir", str(root), "index", "--backend", "milvus", "--rebuild"]) == 0
    assert "Milvus copied into new collections" in capsys.readouterr().out
    assert main(["--index-dir", str(root), "index", "--backend", "milvus"]) == 0
    assert "Milvus is up to date" in capsys.readouterr().out


def test_unreachable_server_and_bad_settings_say_how_to_fix(tmp_path, monkeypatch):
    cfg = BackendConfig(name="milvus", milvus_uri="http://127.0.0.1:9", timeout=1.0)
    with pytest.raises(BackendUnavailable) as e:
        MilvusBackend.connect(cfg, tmp_path)
    msg = str(e.value)
    assert "cannot reach Milvus at http://127.0.0.1:9" in msg and "POLICYQA_BACKEND=embedded" in msg
    with pytest.raises(BackendError, match="must end in .db"):
        MilvusBackend.connect(BackendConfig(name="milvus", milvus_uri=str(tmp_path / "x")), tmp_path)
    monkeypatch.setenv("POLICYQA_BACKEND", "elastic")
    with pytest.raises(BackendError, match="embedded or milvus"):
        BackendConfig.from_env()
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'policyqa\[milvus\]'"):
        MilvusBackend.connect(BackendConfig(name="milvus", milvus_uri=str(tmp_path / "y.db")), tmp_path)


def test_unknown_index_type_says_which_are_accepted(monkeypatch):
    monkeypatch.setenv("POLICYQA_BACKEND", "milvus")
    monkeypatch.setenv("POLICYQA_MILVUS_INDEX", "ivf_pq")
    with pytest.raises(BackendError, match=r"unknown POLICYQA_MILVUS_INDEX 'IVF_PQ'; use FLAT "
                                           r"\(exact, the default\), IVF_FLAT or HNSW"):
        BackendConfig.from_env()
    monkeypatch.setenv("POLICYQA_MILVUS_INDEX", " hnsw ")
    assert BackendConfig.from_env().index == "HNSW"
    monkeypatch.delenv("POLICYQA_MILVUS_INDEX")
    assert BackendConfig.from_env().index == "FLAT"          # the default: exact
    monkeypatch.setenv("POLICYQA_MILVUS_NPROBE", "many")
    with pytest.raises(BackendError, match="POLICYQA_MILVUS_NPROBE must be a whole number"):
        BackendConfig.from_env()


@pytest.mark.parametrize("index", ["IVF_FLAT", "HNSW"])
def test_an_ann_index_answers_like_flat_on_the_small_corpus(pair, tmp_path, encoder, index):
    """Few vectors: nprobe covers every list (HNSW: ef ≥ all vectors), so the approximate index
    returns what FLAT returns; switching the index type recreates the collections."""
    from indexer.backends import milvus_schema as ms
    _, flat, data = pair
    uri = str(tmp_path / f"{index.lower()}.db")
    cfg = BackendConfig(name="milvus", milvus_uri=uri, index=index, nprobe=4096)
    try:
        mb = make_backend(data, encoder, cfg)
    except BackendError as e:               # milvus-lite 2.5: FLAT and IVF_FLAT only
        assert f"POLICYQA_MILVUS_INDEX={index}: this Milvus does not build it" in str(e)
        pytest.skip(f"this milvus-lite does not build {index}")
    got = mb.client.describe_index(mb.names["passages"], "vec")
    assert got["index_type"] == index, got
    for name in mb.names.values():          # as a fresh process finds them: milvus-lite 3.x
        mb.client.release_collection(name)  # builds the faiss index when a collection loads
    ms.load(mb.client, cfg.collection)
    ann = Searcher(data, encoder, Settings(), backend=mb)
    for q in QUESTIONS:
        a, b = flat.runs(q), ann.runs(q)
        assert list(b.dense) == list(a.dense), q
        assert b.dense == pytest.approx(a.dense, rel=1e-4, abs=1e-5), q
        assert ann.fuse(b)[0][0] == flat.fuse(a)[0][0], q
    # the same file asked for FLAT again: new collections with the exact index
    back = make_backend(data, encoder, BackendConfig(name="milvus", milvus_uri=uri))
    assert back.client.describe_index(back.names["passages"], "vec")["index_type"] == "FLAT"
    assert ms.meta_sha("e", 384, 1.5, 0.75) != ms.meta_sha("e", 384, 1.5, 0.75, index)
