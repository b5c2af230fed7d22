"""Backend parity: the same questions through the configured backend (Milvus) and the embedded
one, over the same committed index. Per method Recall@1/@3 on each split, and how alike the
fused (hybrid) lists are: top-1 agreement, overlap@10 and Kendall's tau-b over the union of
the two top-10 lists (a clause missing from one list ranks 11th there). Written into
eval/report.md by `policyqa eval --backend milvus`. Nothing is tuned here."""
from __future__ import annotations

import statistics
import time

from .metrics import ranking_metrics

METHODS = ("bm25", "bigram", "dense", "memory", "hybrid")


def _tau(a: list[str], b: list[str]) -> float:
    from scipy.stats import kendalltau
    keys = list(dict.fromkeys(a + b))
    if len(keys) < 2:
        return 1.0
    ra = [a.index(k) + 1 if k in a else len(a) + 1 for k in keys]
    rb = [b.index(k) + 1 if k in b else len(b) + 1 for k in keys]
    tau = kendalltau(ra, rb).statistic
    return 1.0 if tau != tau else float(tau)          # NaN: both constant


def parity(qa, questions: list[dict], depth: int = 10) -> dict:
    """Figures for one split; `qa.searcher` runs the configured backend."""
    from indexer.backends.embedded import EmbeddedBackend
    # the product's ranking on both sides (qa.ranking.Searcher: fusion + exact-phrase bonus +
    # document titles), only the backend differs
    other = type(qa.searcher)(qa.data, qa.searcher.encoder, qa.searcher.settings,
                              backend=EmbeddedBackend(qa.data))
    runs = {side: {m: {} for m in METHODS} for side in ("engine", "embedded")}
    taus, overlaps, top1, ms = [], [], [], {"engine": [], "embedded": []}
    score_diff = {m: 0.0 for m in ("bm25", "bigram", "dense")}
    set_diff = {m: 0 for m in score_diff}
    for q in questions:
        qvec = qa.searcher.query_vector(q["question"])
        raw = {}
        for side, s in (("engine", qa.searcher), ("embedded", other)):
            t = time.perf_counter()
            r = raw[side] = s.runs_for(q["question"], s.query_terms(q["question"]), qvec)
            ms[side].append((time.perf_counter() - t) * 1000)
            for m in METHODS:
                runs[side][m][q["id"]] = dict(s.fuse(r, m)[:depth])
        for m in score_diff:           # the raw runs (all `fusion_depth` clauses), not the top 10
            a, b = getattr(raw["engine"], m), getattr(raw["embedded"], m)
            set_diff[m] += set(a) != set(b)
            for k in set(a) & set(b):
                score_diff[m] = max(score_diff[m], abs(a[k] - b[k]) / max(abs(b[k]), 1e-9))
        a = list(runs["engine"]["hybrid"][q["id"]])
        b = list(runs["embedded"]["hybrid"][q["id"]])
        taus.append(_tau(a, b))
        overlaps.append(len(set(a) & set(b)) / max(len(b), 1) if b else float(not a))
        top1.append((a[:1] == b[:1]))
    ins = [q for q in questions if q["type"] != "out_of_scope"]
    qrels = {q["id"]: {g: 1 for g in q["gold"]} for q in ins}
    out = {"n": len(questions), "in_scope": len(ins), "methods": {}}
    for m in METHODS:
        e = ranking_metrics(qrels, runs["engine"][m])
        b = ranking_metrics(qrels, runs["embedded"][m])
        out["methods"][m] = {"engine_r1": e["hit_rate@1"], "engine_r3": e["hit_rate@3"],
                             "embedded_r1": b["hit_rate@1"], "embedded_r3": b["hit_rate@3"]}
    out["max_rel_score_diff"] = score_diff
    out["questions_with_other_clauses"] = set_diff
    out["hybrid_top1_agree"] = sum(top1) / max(len(top1), 1)
    out["hybrid_overlap10"] = statistics.mean(overlaps) if overlaps else 1.0
    out["hybrid_tau_mean"] = statistics.mean(taus) if taus else 1.0
    out["hybrid_tau_min"] = min(taus) if taus else 1.0
    for side, xs in ms.items():
        xs = sorted(xs)
        out[f"{side}_runs_ms_p50"] = xs[len(xs) // 2] if xs else 0.0
        out[f"{side}_runs_ms_p95"] = xs[min(len(xs) - 1, int(0.95 * len(xs)))] if xs else 0.0
    return out


def section(backend: str, uri: str, per_split: dict) -> list[str]:
    """Markdown lines for eval/report.md."""
    names = list(per_split)
    L = [f"\n## Backend parity: {backend} vs embedded\n",
         f"The same committed index served by {backend} (`{uri}`) and by the embedded backend; "
         "the same questions, query vectors and fusion. Recall@1 / Recall@3 per method "
         f"({backend} | embedded, Δ); target |Δ| ≤ 0.01. Fused lists: top-1 agreement, "
         "overlap@10, Kendall's tau-b over the union of the two top-10 lists (mean / min). "
         "`runs` = the backend's three runs + memory, query encoding excluded.\n",
         "| method | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for m in METHODS:
        cells = []
        for n in names:
            v = per_split[n]["methods"][m]
            cells.append(f"{v['engine_r1']:.3f} / {v['engine_r3']:.3f} \\| {v['embedded_r1']:.3f} / "
                         f"{v['embedded_r3']:.3f} (Δ {v['engine_r1'] - v['embedded_r1']:+.3f} / "
                         f"{v['engine_r3'] - v['embedded_r3']:+.3f})")
        L.append(f"| {m} | " + " | ".join(cells) + " |")
    rows = [("hybrid top-1 agreement", lambda p: f"{p['hybrid_top1_agree']:.3f}"),
            ("hybrid overlap@10", lambda p: f"{p['hybrid_overlap10']:.3f}"),
            ("hybrid Kendall tau-b (mean / min)",
             lambda p: f"{p['hybrid_tau_mean']:.3f} / {p['hybrid_tau_min']:.3f}"),
            ("raw runs: questions whose clause set differs (bm25 / bigram / dense)",
             lambda p: " / ".join(str(p["questions_with_other_clauses"][m])
                                  for m in ("bm25", "bigram", "dense"))),
            ("raw runs: largest relative score difference (bm25 / bigram / dense)",
             lambda p: " / ".join(f"{p['max_rel_score_diff'][m]:.1e}" for m in ("bm25", "bigram", "dense"))),
            (f"runs ms p50 / p95 ({backend})",
             lambda p: f"{p['engine_runs_ms_p50']:.1f} / {p['engine_runs_ms_p95']:.1f}"),
            ("runs ms p50 / p95 (embedded)",
             lambda p: f"{p['embedded_runs_ms_p50']:.1f} / {p['embedded_runs_ms_p95']:.1f}")]
    for label, get in rows:
        L.append(f"| {label} | " + " | ".join(get(per_split[n]) for n in names) + " |")
    return L
