"""Confidence tiers for retrieval answers: 答复 (answer), 可能相关 (possible), 未找到 (none).

Two small logistic models, both fitted on the dev split by `python -m eval.calibrate`:
  out_of_scope  P(the knowledge base does not answer the question), over the evidence signals
                of qa/evidence.py (dense, coverage, known, bm25_share), measured in scope
  top_correct   P(the first clause is right | in scope), over signals of agreement and margin:
                how many of the runs put the fused top clause first, the fused score margin,
                the dense margin, the top clause's coverage and best cosine, and the best
                cosine to an answered example question
A question is `none` when P(out) reaches `none_at`; `answer` when P(out) < `out_at` and
P(correct) reaches `ok_at`; `possible` otherwise. The thresholds are chosen on dev so that confident
answers rarely cite a wrong clause first and answerable questions are rarely refused.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent / "data" / "confidence.json"
OUT_FEATURES = ("dense", "coverage", "known", "bm25_share")
TOP_FEATURES = ("agree", "margin", "dense_margin", "coverage", "dense", "memory")
TIER_NAMES = {"answer": "答复", "possible": "可能相关", "none": "未找到"}


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, signals: dict) -> float:
        z = self.bias + sum(w * (float(signals[f]) - m) / s for f, w, m, s in
                            zip(self.features, self.weights, self.mean, self.scale))
        z = max(min(z, 60.0), -60.0)
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias}

    @classmethod
    def from_json(cls, d: dict) -> "Logistic":
        return cls(tuple(d["features"]), tuple(d["mean"]), tuple(d["scale"]),
                   tuple(d["weights"]), float(d["bias"]))


@dataclass(frozen=True)
class TierModel:
    out_of_scope: Logistic
    top_correct: Logistic
    none_at: float
    out_at: float
    ok_at: float
    encoder: str = ""

    def decide(self, signals: dict) -> tuple[str, float, float]:
        """(tier, P(out of scope), P(top clause correct))."""
        p_out = self.out_of_scope.probability(signals)
        p_ok = self.top_correct.probability(signals)
        if p_out >= self.none_at:
            return "none", p_out, p_ok
        if p_out < self.out_at and p_ok >= self.ok_at:
            return "answer", p_out, p_ok
        return "possible", p_out, p_ok

    def to_json(self) -> dict:
        return {"out_of_scope": self.out_of_scope.to_json(),
                "top_correct": self.top_correct.to_json(),
                "none_at": self.none_at, "out_at": self.out_at, "ok_at": self.ok_at,
                "encoder": self.encoder}

    @classmethod
    def from_json(cls, d: dict) -> "TierModel":
        out = Logistic.from_json(d["out_of_scope"])
        top = Logistic.from_json(d["top_correct"])
        if out.features != OUT_FEATURES or top.features != TOP_FEATURES:
            raise ValueError("confidence model features do not match this version; "
                             "recalibrate with `python -m eval.calibrate`")
        return cls(out, top, float(d["none_at"]), float(d["out_at"]), float(d["ok_at"]),
                   d.get("encoder", ""))


@lru_cache(maxsize=4)
def load_tiers(path: str = str(MODEL_PATH)) -> TierModel:
    return TierModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def signals(runs, hits, ev) -> dict[str, float]:
    """All signals of one retrieval: the evidence (qa/evidence.Evidence) plus agreement and
    margins of the fused ranking `hits` built from `runs` (qa/search.Runs)."""
    top = hits[0].key if hits else None
    agree = sum(1 for run in runs.named().values()
                if run and min(run.items(), key=lambda kv: (-kv[1], kv[0]))[0] == top)
    s1 = hits[0].score if hits else 0.0
    s2 = hits[1].score if len(hits) > 1 else 0.0
    dense = sorted(runs.dense.values(), reverse=True)
    d_margin = (dense[0] - dense[1]) if len(dense) > 1 else (dense[0] if dense else 0.0)
    return {"dense": ev.dense, "coverage": ev.coverage, "known": ev.known,
            "bm25": math.log1p(max(ev.bm25, 0.0)), "bm25_share": ev.bm25_share,
            "agree": float(agree),
            "memory": max(runs.memory.values(), default=0.0),
            "margin": (s1 - s2) / s1 if s1 > 0 else 0.0,
            "dense_margin": float(d_margin) if math.isfinite(d_margin) else 0.0}
