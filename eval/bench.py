"""`policyqa bench`: how fast policyqa is and how its cost grows with the corpus.

Measures (medians and p95 over repeated runs, never single times):
  build      `policyqa index --rebuild` in a fresh process
  cold       a fresh process answering its first question from a built index
  warm       per-stage latency over the question set: BM25, query encoding, faiss, the four
             runs, their fusion (as `search` fuses them), search, ask
  serve      peak RSS of a process serving the web app and answering the question set
  scale      synthetic corpora (real sentences recombined) of 1k/10k/100k clauses: BM25 with
             rank-bm25 vs a scipy sparse matrix vs bm25s, and faiss flat search over random unit
             vectors (as many per clause as the real index has); latency and memory
Writes eval/BENCH.md and eval/bench_scale.png.
"""
from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent
ROOT = OUT.parent


def pct(xs, q) -> float:
    return float(np.percentile(np.asarray(xs, dtype=float), q)) if len(xs) else float("nan")


def timed(fn, *a, **k) -> tuple[float, object]:
    t = time.perf_counter()
    r = fn(*a, **k)
    return (time.perf_counter() - t) * 1000.0, r


def _cli(*args, env=None) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def bench_process(index_dir: Path, question: str, runs: int = 3) -> dict:
    import shutil
    build = []
    for _ in range(runs):     # from scratch: no previous build, no embedding cache
        shutil.rmtree(index_dir, ignore_errors=True)
        build.append(_cli("--index-dir", str(index_dir), "index"))
    cold = [_cli("--index-dir", str(index_dir), "ask", question) for _ in range(runs)]
    return {"build_s": build, "cold_s": cold}


def bench_warm(qa, questions: list[str], repeat: int) -> dict[str, list[float]]:
    """Per-stage latency. `runs` is the four runs the product fuses (BM25 with synonyms and
    thesaurus, bigram, dense with clause vectors, memory) from an encoded query; `fusion` is
    `Searcher.fuse` over them as `search` does it (settings.fusion with the settings' weights,
    plus the exact-phrase bonus). `search` and `ask` start with the query-vector cache cleared,
    so each includes its own query encoding."""
    from indexer.tokenize import query_tokens
    s = qa.settings
    out: dict[str, list[float]] = {k: [] for k in ("bm25", "encode", "faiss", "runs", "fusion",
                                                  "search", "ask")}
    for _ in range(repeat):
        for q in questions:
            ms, toks = timed(lambda: query_tokens(q))
            ms2, _ = timed(qa.data.bm25.scores, toks)
            out["bm25"].append(ms + ms2)
            ms, qv = timed(qa.searcher.encoder.encode_queries, [q])
            out["encode"].append(ms)
            ms, _ = timed(qa.data.dense.search, qv[0], s.dense_sentences)
            out["faiss"].append(ms)
            ms, runs = timed(qa.searcher.runs_for, q, toks, qv[0])
            out["runs"].append(ms)
            ms, _ = timed(qa.searcher.fuse, runs, "hybrid")
            out["fusion"].append(ms)
            _forget_query(qa)
            out["search"].append(timed(qa.search, q, 5)[0])
            _forget_query(qa)
            out["ask"].append(timed(qa.ask, q)[0])
    return out


def _forget_query(qa) -> None:
    """Drop the searcher's cached query vectors (a repeated question skips encoding)."""
    cache = getattr(qa.searcher, "_qvecs", None)
    if cache is not None:
        cache.clear()


SERVE_SCRIPT = r"""
import json, resource, sys, urllib.request
from qa import PolicyQA
from qa.live import LiveQA
from ui.web import respond, serve
qa = PolicyQA.open(sys.argv[1])
app = serve(qa, host="127.0.0.1", port=int(sys.argv[2]), block=False)
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[2]}/", timeout=30).read()
live, turns = LiveQA(qa), []
for q in json.loads(sys.argv[3]):
    turns, *_ = respond(live, q, turns)
print("RSS_KB=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
app.close()
"""


def bench_serve_rss(index_dir: Path, questions: list[str]) -> float:
    out = subprocess.run([sys.executable, "-c", SERVE_SCRIPT, str(index_dir), "7899",
                          json.dumps(questions, ensure_ascii=False)],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RSS_KB="))
    return int(line.split("=", 1)[1]) / 1024.0   # KiB -> MiB


def synthetic_corpus(qa, n: int, seed: int = 0) -> list[list[str]]:
    """n clauses, each 3-6 real sentences recombined; tokens concatenated per sentence."""
    from indexer.dense import split_sentences
    from indexer.tokenize import tokenize
    pool = [tokenize(s) for c in qa.clauses for s in split_sentences(c.body)]
    rng = random.Random(seed)
    return [[t for _ in range(rng.randint(3, 6)) for t in rng.choice(pool)] for _ in range(n)]


def _rss_mb() -> float:
    import psutil
    return psutil.Process().memory_info().rss / 2**20


def bench_scale(qa, sizes: list[int], queries: list[str], per_clause: float) -> list[dict]:
    from indexer.bm25 import BM25Index, SparseBM25
    from indexer.dense import make_faiss_index
    from indexer.tokenize import query_tokens
    qtoks = [query_tokens(q) for q in queries]
    rows = []
    for n in sizes:
        docs = synthetic_corpus(qa, n)
        row = {"n": n}
        impls = [("rank_bm25", BM25Index), ("scipy_sparse", SparseBM25), ("bm25s", _Bm25s)]
        for name, cls in impls:
            before = _rss_mb()
            t = time.perf_counter()
            idx = cls(docs)
            row[f"{name}_build_s"] = time.perf_counter() - t
            row[f"{name}_mb"] = _rss_mb() - before
            sample = qtoks if name != "rank_bm25" or n <= 10000 else qtoks[:20]
            lat = [timed(idx.scores, q)[0] for q in sample]
            row[f"{name}_p50"], row[f"{name}_p95"] = pct(lat, 50), pct(lat, 95)
            del idx
        m = int(n * per_clause)
        rng = np.random.default_rng(0)
        vecs = rng.standard_normal((m, qa.data.dense.dim), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        # queries near some passages, as real queries are
        qv = vecs[rng.choice(m, len(queries))] + 0.9 * _unit(rng.standard_normal((len(queries), vecs.shape[1]), dtype=np.float32))
        qv = _unit(qv)
        row["faiss_vectors"] = m
        truth = None
        for kind in ("flat", "sq8"):
            before = _rss_mb()
            t = time.perf_counter()
            index = make_faiss_index(vecs, kind)
            row[f"{kind}_build_s"] = time.perf_counter() - t
            row[f"{kind}_mb"] = _rss_mb() - before
            lat = [timed(index.search, qv[i:i + 1], qa.settings.dense_sentences)[0] for i in range(len(qv))]
            row[f"{kind}_p50"], row[f"{kind}_p95"] = pct(lat, 50), pct(lat, 95)
            _, ids = index.search(qv, 10)
            if truth is None:
                truth = ids
            row[f"{kind}_recall10"] = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth)]))
            del index
        row.update(product_search(qa, docs, vecs, qv, qtoks, queries))
        del vecs
        rows.append(row)
        print(f"bench: scale {n} clauses done", file=sys.stderr, flush=True)
    return rows


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def product_search(qa, docs, vecs, qv, qtoks, queries) -> dict:
    """`search` as the product runs it (segmented BM25 and faiss, as one segment; top-k cut,
    the four runs and the product's fusion, Hits), on the synthetic corpus; query encoding
    excluded. The bigram field is built from the synthetic clauses' text; clause vectors are
    random unit vectors; the example memory has as many examples as the real index, each on
    a random clause."""
    from corpus.model import Clause
    from indexer import postings
    from indexer.dense import make_faiss_index
    from indexer.fields import Fields
    from indexer.segbm25 import SegmentedBM25
    from indexer.segdense import SegmentedDense
    from indexer.store import IndexData
    from indexer.tokenize import char_bigrams
    from qa.ranking import Searcher
    n, dim = len(docs), vecs.shape[1]
    rng = np.random.default_rng(1)
    real = qa.data.fields
    n_ex = len(real.examples) if real and real.examples else 0
    clauses = tuple(Clause(key=f"syn:{i + 1}", doc_id="syn", no=i + 1, label="", heading="",
                           text="", body="") for i in range(n))
    owners = np.minimum((np.arange(len(vecs)) * n) // len(vecs), n - 1)
    rows = np.arange(n)
    t = time.perf_counter()
    bm25 = SegmentedBM25([(postings.build(docs), rows)], n)
    dense = SegmentedDense([(make_faiss_index(vecs, "auto"), owners, rows)], n, dim)
    fields = Fields(SegmentedBM25([(postings.build([char_bigrams("".join(d)) for d in docs]), rows)], n),
                    _unit(rng.standard_normal((n, dim))).astype(np.float32),
                    [[f"example {j}", [int(rng.integers(n))]] for j in range(n_ex)],
                    _unit(rng.standard_normal((n_ex, dim))).astype(np.float32))
    build = time.perf_counter() - t
    data = IndexData(root=Path("."), params={"settings": qa.settings.to_dict()}, documents=(),
                     missing=(), clauses=clauses, bm25=bm25, dense=dense, fields=fields,
                     passage_sent=np.zeros(len(vecs), np.int64))
    searcher = Searcher(data, encoder=None, settings=qa.settings)
    lat = [timed(lambda i=i: searcher.hits(searcher.runs_for(queries[i], qtoks[i], qv[i]),
                                           "hybrid", 5))[0]
           for i in range(len(qtoks))]
    return {"product_p50": pct(lat, 50), "product_p95": pct(lat, 95), "product_build_s": build,
            "product_bm25": type(bm25).__name__, "product_faiss": type(dense.parts[0][0]).__name__}


class _Bm25s:
    """bm25s (Lucene variant) over the same tokens, scoring every document."""

    def __init__(self, docs):
        import bm25s
        self.vocab: dict[str, int] = {}
        ids = [[self.vocab.setdefault(t, len(self.vocab)) for t in d] for d in docs]
        self.r = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
        self.r.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self.vocab), show_progress=False)

    def scores(self, query):
        ids = [self.vocab[t] for t in query if t in self.vocab]
        return self.r.get_scores(ids) if ids else np.zeros(1)


def main(args) -> int:
    from eval.questions import load_questions
    from qa import PolicyQA
    from .bench_report import write
    out = Path(args.out) if args.out else OUT
    questions = [q["question"] for q in load_questions(getattr(args, "questions", None))]
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    with tempfile.TemporaryDirectory(prefix="policyqa-bench-") as tmp:
        index_dir = Path(tmp) / "index"
        print("bench: build and cold start (fresh processes)…", file=sys.stderr, flush=True)
        proc = bench_process(index_dir, questions[0])
        qa = PolicyQA.open(index_dir)
        print(f"bench: warm latency over {len(questions)} questions × {args.repeat}…", file=sys.stderr, flush=True)
        load_before = os.getloadavg()[0]
        warm = bench_warm(qa, questions, args.repeat)
        print("bench: serve peak RSS…", file=sys.stderr, flush=True)
        rss = bench_serve_rss(index_dir, questions)
        per_clause = qa.data.params["counts"]["sentences"] / qa.data.params["counts"]["clauses"]
        scale = bench_scale(qa, sizes, questions[:100], per_clause)
    result = {"machine": {"cores": os.cpu_count(), "cpu": platform.processor() or platform.machine(),
                          "python": platform.python_version()},
              "process": proc, "warm": warm, "serve_rss_mb": rss, "scale": scale,
              "questions": len(questions), "repeat": args.repeat,
              "load_before_warm": load_before, "question_set": str(getattr(args, "questions", None) or "eval/questions.jsonl"), "passages_per_clause": per_clause}
    (out / "bench.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    path = write(result, out)
    print(f"wrote {path}")
    return 0
