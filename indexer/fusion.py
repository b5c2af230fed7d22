"""Reciprocal-rank fusion of runs: check → rank → combine.

A run is a plain dict {clause_key: score}; higher is better. The fused score of a key is
sum_m w_m / (k + rank_m(key)) over the runs that rank it (1-based ranks).
"""
from __future__ import annotations


def ranks(run: dict[str, float]) -> dict[str, int]:
    """1-based ranks, ties broken by key so the order is deterministic."""
    ordered = sorted(run.items(), key=lambda kv: (-kv[1], kv[0]))
    return {key: i + 1 for i, (key, _) in enumerate(ordered)}


def rrf(runs: dict[str, dict[str, float]], k: float = 60.0,
        weights: dict[str, float] | None = None) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
    """Fuse named runs. Returns (fused scores, {method: {key: rank}})."""
    if k <= 0:
        raise ValueError(f"RRF k must be positive (got {k})")
    weights = weights or {}
    unknown = set(weights) - set(runs)
    if unknown:
        raise ValueError(f"weights given for runs that do not exist: {sorted(unknown)}")
    all_ranks = {name: ranks(run) for name, run in runs.items()}
    fused: dict[str, float] = {}
    for name, rk in all_ranks.items():
        w = weights.get(name, 1.0)
        for key, r in rk.items():
            fused[key] = fused.get(key, 0.0) + w / (k + r)
    return fused, all_ranks


def minmax(run: dict[str, float]) -> dict[str, float]:
    """Scores scaled to 0..1 within the run (all 1.0 when they are equal)."""
    if not run:
        return {}
    lo, hi = min(run.values()), max(run.values())
    if hi - lo <= 0:
        return {k: 1.0 for k in run}
    return {k: (v - lo) / (hi - lo) for k, v in run.items()}


def zscore(run: dict[str, float]) -> dict[str, float]:
    """Scores as standard deviations from the run's mean (all 0.0 when they are equal)."""
    if not run:
        return {}
    vals = list(run.values())
    mean = sum(vals) / len(vals)
    sd = (sum((v - mean) ** 2 for v in vals) / len(vals)) ** 0.5
    if sd <= 0:
        return {k: 0.0 for k in run}
    return {k: (v - mean) / sd for k, v in run.items()}


NORMS = {"minmax": minmax, "z": zscore}


def combsum(runs: dict[str, dict[str, float]],
            weights: dict[str, float] | None = None, norm: str = "minmax") -> dict[str, float]:
    """Weighted sum of normalised scores (CombSUM; `minmax` or `z` normalisation). Unlike RRF
    it keeps how far ahead a run's first clause is: a clause that one run scores far above the
    rest is not outvoted by small rank differences in the others. With `z`, a run whose scores
    are bunched together (dense cosines) moves the sum less than one with a clear outlier.
    A key missing from a run adds 0 there."""
    if norm not in NORMS:
        raise ValueError(f"unknown normalisation {norm!r}; use {' or '.join(NORMS)}")
    weights = weights or {}
    unknown = set(weights) - set(runs)
    if unknown:
        raise ValueError(f"weights given for runs that do not exist: {sorted(unknown)}")
    fused: dict[str, float] = {}
    for name, run in runs.items():
        w = weights.get(name, 1.0)
        for key, v in NORMS[norm](run).items():
            fused[key] = fused.get(key, 0.0) + w * v
    return fused


def lexical_consensus(runs: list[dict[str, float]], min_z: float) -> dict[str, float]:
    """How far each clause stands out in *every* lexical run: min over the runs of its z-score,
    less `min_z`, where positive. A term rare in the corpus that names a clause's subject
    (生物医药 in one clause only) makes both the jieba and the bigram BM25 runs single that
    clause out; dense similarity, spread over near-synonymous clauses, should not outvote it.
    Clauses missing from a run, or any run empty, get nothing."""
    if not runs or any(not r for r in runs):
        return {}
    zs = [zscore(r) for r in runs]
    out = {}
    for key in set(zs[0]).intersection(*zs[1:]):
        excess = min(z[key] for z in zs) - min_z
        if excess > 0:
            out[key] = excess
    return out
