"""Fit the refusal model on the question set: `python -m eval.calibrate [--questions F]`.

Only questions that `ask` answers by retrieval are used (clause numbers, units, questions about
the document and not-loaded documents take other paths). A small L2-regularised logistic
regression over the Evidence signals predicts out_of_scope; leave-one-out figures are printed so
the report's refusal F1 can be read against a held-out estimate. Writes qa/data/refusal.json.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from qa.evidence import FEATURES, MODEL_PATH, RefusalModel

from .questions import load_questions


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 3000,
                 lr: float = 0.5) -> RefusalModel:
    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    Z = np.c_[(X - mean) / scale, np.ones(len(X))]
    w = np.zeros(Z.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-Z @ w))
        grad = Z.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0.0]
        w -= lr * grad
    return RefusalModel(tuple(mean), tuple(scale), tuple(w[:-1]), float(w[-1]))


def prf(refused: np.ndarray, oos: np.ndarray) -> tuple[float, float, float]:
    tp = float((refused & oos).sum())
    p = tp / refused.sum() if refused.sum() else 0.0
    r = tp / oos.sum() if oos.sum() else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def collect(qa, questions) -> tuple[np.ndarray, np.ndarray, list[str]]:
    X, y, ids = [], [], []
    for q in questions:
        if qa.route(q["question"]) != "retrieval":
            continue
        _, _, ev = qa.evidence(q["question"])
        if ev.foreign_place:
            continue
        X.append(ev.vector())
        y.append(q["type"] == "out_of_scope")
        ids.append(q["id"])
    return np.array(X), np.array(y), ids


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.calibrate")
    ap.add_argument("--questions", default=None)
    ap.add_argument("--index-dir", default=None)
    ap.add_argument("--threshold", type=float, default=None,
                    help="fix the threshold instead of choosing it by leave-one-out F1")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write the model")
    args = ap.parse_args(argv)
    from qa import PolicyQA
    qa = PolicyQA.open(args.index_dir)
    X, y, ids = collect(qa, load_questions(args.questions))
    loo = np.zeros(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        loo[i] = fit_logistic(X[keep], y[keep]).probability(X[i])
    grid = [round(t, 2) for t in np.arange(0.2, 0.71, 0.05)]
    scored = [(prf(loo >= t, y), t) for t in grid]
    (p, r, f), threshold = max(scored, key=lambda s: (round(s[0][2], 4), s[0][0], -abs(s[1] - 0.5)))
    if args.threshold is not None:
        threshold = args.threshold
        p, r, f = prf(loo >= threshold, y)
    print(f"retrieval-path questions: {len(y)} ({int(y.sum())} out of scope)", file=sys.stderr)
    print(f"leave-one-out at threshold {threshold}: precision {p:.3f} recall {r:.3f} F1 {f:.3f}",
          file=sys.stderr)
    for i in np.flatnonzero((loo >= threshold) != y):
        print(f"  LOO miss {ids[i]} p={loo[i]:.3f} out_of_scope={bool(y[i])}", file=sys.stderr)
    model = fit_logistic(X, y)
    model = RefusalModel(model.mean, model.scale, model.weights, model.bias,
                         encoder=qa.data.params["encoder"], threshold=float(threshold))
    out = dict(model.to_json(), fitted_on=len(y),
               loo={"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)})
    if not args.dry_run:
        MODEL_PATH.write_text(json.dumps(out, indent=1), encoding="utf-8")
        print(f"wrote {MODEL_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
