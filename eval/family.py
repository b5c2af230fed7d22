"""Figures for the document family: `python -m eval.family` writes eval/FAMILY.md.

1. Adding a 30-clause document (test-only text) to a built index: wall time of add + index
   update, and how many passages were embedded (only the new document's should be).
2. The question set over a two-document family (the city measures plus the test-only
   Guangxi-style fixture of tests/fixtures.py): Recall@3 of `search` against the city measures
   alone, and on questions about the fixture.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from corpus import library
from corpus.numerals import int_to_cn
from indexer import store
from indexer.encoders import make_encoder
from indexer.settings import Settings

from .metrics import ranking_metrics
from .questions import load_questions

OUT = Path(__file__).resolve().parent
FIXTURE_QUESTIONS = [("新认定的自治区新型研发机构能拿到什么支持？", "gx-2021:3"),
                     ("自治区对新获批的国家高新区有什么支持？", "gx-2021:1"),
                     ("广西措施里自治区级高新区布局建设怎么规定的？", "gx-2021:2")]


def thirty_clauses() -> str:
    lines = ["测试市科技服务若干措施（测试用虚构文本，仅用于基准测试）", "一、总体要求"]
    for n in range(1, 31):
        lines.append(f"（{int_to_cn(n)}）支持第{n}类科技服务事项。对开展第{n}类服务的机构，"
                     f"按服务合同金额给予一定补助；对年度服务企业超过{n * 10}家的，再给予奖励。"
                     f"（牵头单位：市科技局；配合单位：市财政局）")
    return "\n".join(lines) + "\n"


def recall3(qa, questions) -> float:
    qrels = {q["id"]: {g: 1 for g in q["gold"]} for q in questions}
    run = {q["id"]: {h.key: 10.0 - i for i, h in enumerate(qa.search(q["question"], top_k=10))}
           for q in questions}
    return ranking_metrics(qrels, run)["hit_rate@3"]


def main() -> int:
    sys.path.insert(0, str(OUT.parent))
    from qa import PolicyQA
    from tests.fixtures import GX
    enc = make_encoder()
    s = Settings()
    lines = ["# Document family figures\n", "Regenerate with `python -m eval.family`.\n"]
    with tempfile.TemporaryDirectory(prefix="policyqa-family-") as tmp:
        home = Path(tmp) / "home"
        root = home / "index"
        t = time.perf_counter()
        store.build(library.effective_manifest(home), s, root, encoder=enc)
        full = time.perf_counter() - t
        src = Path(tmp) / "thirty.txt"
        src.write_text(thirty_clauses(), encoding="utf-8")
        t = time.perf_counter()
        r = library.add(str(src), home, doc_id="test-thirty", level="city")
        store.build(library.effective_manifest(home), s, root, encoder=enc)
        inc = time.perf_counter() - t
        emb = store.read_params(root)["embedded"]
        lines += ["## Adding a 30-clause document\n",
                  f"- first build of the city measures (empty embedding cache): {full:.2f} s",
                  f"- `add` of a {r.clauses}-clause document + index update: **{inc:.2f} s**",
                  f"- passages embedded by that update: {emb} (the city measures come from the cache)\n"]
        city_only = PolicyQA.open(root, manifest=library.effective_manifest(Path(tmp) / "empty"),
                                  settings=s, encoder=enc)
        qs = [q for q in load_questions() if q["type"] != "out_of_scope"]
        base = recall3(city_only, qs)
        home2 = Path(tmp) / "home2"
        gx = Path(tmp) / "gx.txt"
        gx.write_text(GX, encoding="utf-8")
        library.add(str(gx), home2, date="2021-08-04")
        root2 = home2 / "index"
        store.build(library.effective_manifest(home2), s, root2, encoder=enc)
        fam = PolicyQA.open(root2, manifest=library.effective_manifest(home2), settings=s, encoder=enc)
        both = recall3(fam, qs)
        fx = [{"id": f"f{i}", "question": q, "gold": [g]} for i, (q, g) in enumerate(FIXTURE_QUESTIONS)]
        fixture = recall3(fam, fx)
    lines += ["## Recall@3 of `search` over a two-document family\n",
              "| corpus | questions | Recall@3 |", "|---|---|---|",
              f"| city measures alone | {len(qs)} in-scope questions of eval/questions.jsonl | {base:.3f} |",
              f"| city measures + test-only Guangxi-style fixture | the same {len(qs)} | {both:.3f} |",
              f"| city measures + fixture | {len(fx)} questions about the fixture | {fixture:.3f} |"]
    old = (OUT / "FAMILY.md").read_text(encoding="utf-8") if (OUT / "FAMILY.md").exists() else ""
    keep = "## Bulk add of laws" + old.split("## Bulk add of laws", 1)[1] if "## Bulk add of laws" in old else ""
    (OUT / "FAMILY.md").write_text("\n".join(lines) + "\n" + ("\n" + keep if keep else ""),
                                   encoding="utf-8")   # `make bulk` writes that section
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
