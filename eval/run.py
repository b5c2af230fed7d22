"""`policyqa eval`: run every question through each retrieval method and through `ask`.

Methods: bm25, dense, hybrid (RRF of the two) and auto (hybrid with the clauses a question
names outright moved first — what `policyqa search` returns). Writes eval/report.md, PNG plots
and eval/results.json; prints progress on stderr.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from indexer.examples import DEV_FILES

from .metrics import answer_checks, mean, ranking_metrics, refusal_metrics
from .questions import TYPES, load_questions

METHODS = ("bm25", "bigram", "dense", "memory", "hybrid", "auto")
SPLITS = {"dev": list(DEV_FILES), "test": ["test.jsonl"], "holdout": ["holdout.jsonl"]}
OUT = Path(__file__).resolve().parent


def _progress(i: int, n: int, t0: float) -> None:
    if sys.stderr.isatty() or i == n or i % 25 == 0:
        rate = i / max(time.perf_counter() - t0, 1e-9)
        print(f"\reval: {i}/{n} questions ({rate:.1f}/s)", end="\n" if (i == n or not sys.stderr.isatty()) else "",
              file=sys.stderr, flush=True)


def run_questions(qa, questions: list[dict], depth: int = 10) -> dict:
    """Per question: the ranking of each method and the `ask` answer."""
    runs = {m: {} for m in METHODS}
    answers = {}
    t0 = time.perf_counter()
    for i, q in enumerate(questions, 1):
        r = qa.searcher.runs(q["question"])
        for m in ("bm25", "bigram", "dense", "memory", "hybrid"):
            runs[m][q["id"]] = dict(qa.searcher.fuse(r, m)[:depth])
        auto = qa.search(q["question"], top_k=depth, method="auto")
        runs["auto"][q["id"]] = {h.key: float(depth - j) for j, h in enumerate(auto)}
        answers[q["id"]] = qa.ask(q["question"]).to_json()
        _progress(i, len(questions), t0)
    return {"runs": runs, "answers": answers}


def evaluate(questions: list[dict], results: dict, known_keys: set[str]) -> dict:
    runs, answers = results["runs"], results["answers"]
    in_scope = [q for q in questions if q["type"] != "out_of_scope"]
    qrels = {q["id"]: {g: 1 for g in q["gold"]} for q in in_scope}
    metrics = {"methods": {}, "by_type": {}}
    for m in METHODS:
        metrics["methods"][m] = ranking_metrics(qrels, runs[m])
        for t in TYPES:
            sub = {q["id"]: qrels[q["id"]] for q in in_scope if q["type"] == t}
            if sub:
                metrics["by_type"].setdefault(t, {})[m] = ranking_metrics(sub, runs[m])
    refused = {q["id"]: not answers[q["id"]]["answered"] for q in questions}
    oos = {q["id"]: q["type"] == "out_of_scope" for q in questions}
    metrics["refusal"] = refusal_metrics(refused, oos)
    checks = {q["id"]: answer_checks(answers[q["id"]], q["gold"], q.get("must", []), known_keys)
              for q in in_scope}
    answered = [q["id"] for q in in_scope if checks[q["id"]]["answered"]]
    metrics["answers"] = {
        "in_scope": len(in_scope), "answered": len(answered),
        "first_citation_gold": mean(checks[i]["first_citation_gold"] for i in answered),
        "citations_exist": mean(all(c["key"] in known_keys for c in answers[q["id"]]["citations"])
                                for q in questions),
        "must_present": mean(checks[i]["must_present"] for i in answered),
        # 可能相关 answers showing a gold clause: does the quoted key sentence hold the content?
        "possible_must_present": mean(checks[q["id"]]["must_present"] for q in in_scope
                                      if _possible_with_gold(answers[q["id"]], q["gold"])),
    }
    metrics["answers_by_type"] = {
        t: {"n": len(ids), "answered": mean(checks[i]["answered"] for i in ids),
            "first_citation_gold": mean(checks[i]["first_citation_gold"] for i in ids),
            "must_present": mean(checks[i]["must_present"] for i in ids)}
        for t in TYPES if (ids := [q["id"] for q in in_scope if q["type"] == t])}
    metrics["tiers"] = tier_metrics(questions, answers)
    metrics["by_wording"] = {}
    for w in ("direct", "everyday"):
        sub = {q["id"]: qrels[q["id"]] for q in in_scope if q.get("wording") == w}
        if sub:
            metrics["by_wording"][w] = {m: ranking_metrics(sub, runs[m]) for m in METHODS}
            metrics["by_wording"][w]["n"] = len(sub)
    metrics["failures"] = failures(questions, results, checks)
    metrics["counts"] = {t: sum(q["type"] == t for q in questions) for t in TYPES}
    metrics["n"] = len(questions)
    return metrics


def _possible_with_gold(answer: dict, gold: list[str]) -> bool:
    return answer.get("confidence") == "possible" and \
        any(c["key"] in gold for c in answer.get("citations", []))


def tier_metrics(questions: list[dict], answers: dict) -> dict:
    """How `ask`'s confidence tiers fall on in-scope and out-of-scope questions; a confident
    answer is wrong when its first citation is not gold."""
    ins = [q for q in questions if q["type"] != "out_of_scope"]
    oos = [q for q in questions if q["type"] == "out_of_scope"]
    conf = lambda q: answers[q["id"]].get("confidence", "answer" if answers[q["id"]]["answered"] else "none")  # noqa: E731
    first = lambda q: (answers[q["id"]]["citations"] or [{}])[0].get("key")  # noqa: E731
    n_in, n_out = max(len(ins), 1), max(len(oos), 1)
    return {
        "in_scope": len(ins), "out_of_scope": len(oos),
        "in_answer": sum(conf(q) == "answer" for q in ins) / n_in,
        "in_answer_wrong": sum(conf(q) == "answer" and first(q) not in q["gold"] for q in ins) / n_in,
        "in_possible": sum(conf(q) == "possible" for q in ins) / n_in,
        "in_possible_gold_in_shown": sum(conf(q) == "possible" and any(
            c["key"] in q["gold"] for c in answers[q["id"]]["citations"]) for q in ins) / n_in,
        "in_none": sum(conf(q) == "none" for q in ins) / n_in,
        "out_answer": sum(conf(q) == "answer" for q in oos) / n_out,
        "out_possible": sum(conf(q) == "possible" for q in oos) / n_out,
        "out_none": sum(conf(q) == "none" for q in oos) / n_out,
    }


def failures(questions, results, checks) -> list[dict]:
    """Questions where the hybrid top clause is not gold, the answer check fails, or the
    refusal decision is wrong — with what came back instead."""
    out = []
    for q in questions:
        a = results["answers"][q["id"]]
        hybrid_top = next(iter(results["runs"]["hybrid"][q["id"]]), None)
        auto_top = next(iter(results["runs"]["auto"][q["id"]]), None)
        cites = [c["key"] for c in a["citations"]]
        problems = []
        if q["type"] == "out_of_scope":
            if a.get("confidence") == "answer":
                problems.append("answered an out-of-scope question confidently")
        else:
            c = checks[q["id"]]
            if auto_top not in q["gold"]:
                problems.append("search top clause not gold")
            if a.get("confidence") == "none":
                problems.append("refused an in-scope question")
            elif not c["first_citation_gold"]:
                problems.append("confident answer, first citation not gold" if c["answered"]
                                else "first shown clause not gold (可能相关)")
            elif not c["must_present"]:
                missing = [m for m in q.get("must", []) if m not in a["answer"]]
                problems.append(f"answer lacks {missing}")
        if problems:
            out.append({"id": q["id"], "type": q["type"], "question": q["question"],
                        "gold": q["gold"], "hybrid_top": hybrid_top, "auto_top": auto_top,
                        "kind": a["kind"], "confidence": a.get("confidence"),
                        "citations": cites, "problems": problems})
    return out


def run_split(qa, questions: list[dict]) -> dict:
    t0 = time.perf_counter()
    results = run_questions(qa, questions)
    metrics = evaluate(questions, results, {c.key for c in qa.clauses})
    metrics["seconds"] = round(time.perf_counter() - t0, 2)
    metrics["encoder"] = qa.data.params["encoder"]
    return metrics


def main(args) -> int:
    from qa import PolicyQA
    from .bridges import bridge_table
    from .report import write_report
    if args.questions:
        splits = {Path(args.questions).stem: [load_questions(args.questions)]}
    else:
        splits = {name: [load_questions(OUT / f) for f in files] for name, files in SPLITS.items()}
    qa = PolicyQA.open(args.index_dir, settings=None)
    out = Path(args.out) if args.out else OUT
    out.mkdir(parents=True, exist_ok=True)
    all_metrics = {}
    for name, sets in splits.items():
        questions = [q for qs in sets for q in qs]
        if args.limit:
            questions = questions[: args.limit]
        print(f"eval: split {name}", file=sys.stderr)
        all_metrics[name] = run_split(qa, questions)
    all_metrics["_bridges"] = {} if args.limit else bridge_table(
        qa, {n: [q for qs in sets for q in qs] for n, sets in splits.items()})
    if qa.searcher.backend.name != "embedded":
        from .parity import parity
        b = qa.searcher.backend
        print(f"eval: parity {b.name} vs embedded", file=sys.stderr)
        all_metrics["_backends"] = {"backend": b.name, "uri": getattr(b, "uri", ""), "splits": {
            n: parity(qa, [q for qs in sets for q in qs][: args.limit or None])
            for n, sets in splits.items()}}
    (out / "results.json").write_text(json.dumps(all_metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    write_report(all_metrics, out)
    if args.json:
        print(json.dumps({n: {k: v for k, v in m.items() if k != "failures"}
                          for n, m in all_metrics.items()}, ensure_ascii=False))
    else:
        for name, m in all_metrics.items():
            if name.startswith("_"):
                continue
            h, t = m["methods"], m["tiers"]
            print(f"{name}: {m['n']} questions; Recall@1 hybrid {h['hybrid']['hit_rate@1']:.3f} "
                  f"search {h['auto']['hit_rate@1']:.3f}; confident wrong {t['in_answer_wrong']:.3f}, "
                  f"out-of-scope confident {t['out_answer']:.3f}, in-scope refused {t['in_none']:.3f}")
        print(f"report {out / 'report.md'}")
    return 0
