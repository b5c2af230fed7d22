"""The document-title evidence (qa/docrank.py), with hand-computed values."""
import pytest

from qa import docrank


def test_title_z_scores():
    z = docrank.title_z([0.8, 0.7, 0.6])
    assert z == pytest.approx([1.224744871, 0.0, -1.224744871])
    assert list(docrank.title_z([0.5, 0.5])) == [0.0, 0.0]
    assert list(docrank.title_z([0.9])) == [0.0]


def test_rerank_adds_weight_times_spread_times_z():
    doc = lambda k: k.split(":")[0]  # noqa: E731
    scored = {"a:1": 1.0, "b:1": 1.2, "c:1": 0.0}
    z = {"a": 1.0, "b": -1.0, "c": 0.0}
    out = docrank.rerank(scored, doc, z, 0.5)
    spread = 1.2 - 1.0                                    # best - median
    assert out == pytest.approx({"a:1": 1.0 + 0.5 * spread, "b:1": 1.2 - 0.5 * spread, "c:1": 0.0})
    assert max(out, key=out.get) == "a:1"
    assert docrank.rerank(scored, doc, z, 0.0) == scored
    one = {"a:1": 1.0, "a:2": 0.5}
    assert docrank.rerank(one, doc, z, 1.0) == one         # one document: unchanged
