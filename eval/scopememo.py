"""Memory of many large scoped searches in one process (issue 10): the per-scope memo.

`python -m eval.scopememo --index DIR [--home DIR] [--groups 30] [--unbounded]` searches one
question in `--groups` scopes of ~4,800 clauses each (the largest documents, grouped; each
scope is scanned exactly: indexer/backends/embedded.py SCOPE_EXACT) and prints, every 10
scopes, the process's RSS split into anonymous and file-backed pages (the memory-mapped
vectors, which the OS can reclaim) and what the memo holds. `--unbounded` lifts the memo's
byte bound (indexer/rows.py MEMO_BYTES) for comparison.
"""
from __future__ import annotations

import argparse
import os
import sys
import time


def _rss() -> str:
    s = open("/proc/self/status", encoding="ascii").read()

    def g(k):
        return int(s.split(k + ":")[1].split()[0]) // 1024
    return f"RSS {g('VmRSS')} MB (anonymous {g('RssAnon')}, file-backed {g('RssFile')})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--home")
    ap.add_argument("--groups", type=int, default=30)
    ap.add_argument("--unbounded", action="store_true")
    args = ap.parse_args(argv)
    if args.home:
        os.environ["POLICYQA_HOME"] = args.home
    from indexer.rows import ClauseRows
    from qa import PolicyQA
    from qa.filters import Filters
    if args.unbounded:
        ClauseRows.MEMO_BYTES = 10**15
    qa = PolicyQA.open(args.index)
    groups, cur, n = [], [], 0
    for p in sorted(qa.documents, key=lambda p: -len(p.all_clauses)):
        k = len(p.all_clauses)
        if cur and n + k > 4800:
            groups.append(cur)
            cur, n = [], 0
            if len(groups) >= args.groups:
                break
        cur.append(p.doc.id)
        n += k
    print(f"{len(groups)} scopes; start: {_rss()}", flush=True)
    t = time.perf_counter()
    for i, g in enumerate(groups, 1):
        qa.search("企业研发费用加计扣除", top_k=5, filters=Filters(docs=tuple(g)))
        if i % 10 == 0 or i == len(groups):
            memo = qa.data.rows._memo
            print(f"after {i}: {_rss()}; memo {len(memo)} entries, "
                  f"{sum(e[2] for e in memo.values()) // 2**20} MB of arrays", flush=True)
    print(f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
