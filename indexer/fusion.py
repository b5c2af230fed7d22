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
