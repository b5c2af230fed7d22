"""Fault injection: rounds of parallel `policyqa add` / replace / `remove` in separate processes,
some killed (SIGKILL) at random moments; after every round the knowledge base is checked
document by document against what the commands reported.

  python -m eval.faults [--rounds 50] [--seed 8] [--out eval/FAULTS.md]      (make faults)

A document whose add/replace printed success and exited 0 must be served with exactly that
text until a later remove exits 0 (else: lost). A killed command may have taken effect or not,
but what the index serves must be exactly what the manifest committed (else: wrong answer).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus.lock import FAULT_POINTS

PROJECT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "FAULTS.md"


def text_for(doc: str, version: int) -> str:
    tag = f"{doc}v{version}"
    return (f"故障注入测试文件{doc}（测试用虚构文本）\n第一条 为了规范标识码{tag}的管理，制定本办法。\n"
            f"第二条 本办法适用于高新区内的{tag}事项。\n")


def spawn(env, root, *args, point=None):
    if point:
        env = dict(env, POLICYQA_FAULT_POINT=point)
    return subprocess.Popen([sys.executable, "-m", "ui.cli", "--index-dir", str(root), *args],
                            cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def served(home: Path, root: Path, encoder) -> tuple[dict, dict]:
    """(committed: id -> sha256 of the manifest's text, served: id -> first clause text)."""
    from corpus import docstore, library
    from indexer import store
    from indexer.settings import Settings
    committed = {e["id"]: e["sha256"] for e in docstore.read_entries(home)}
    data, _ = store.open_committed(library.effective_manifest(home), Settings(), root, encoder=encoder)
    out = {}
    for p in data.documents:
        if p.doc.sha256:
            first = next((c for c in p.all_clauses if c.no == 1), None)
            out[p.doc.id] = (p.doc.sha256, first.text if first else "")
    return committed, out


def reader_loop(home, root, encoder, versions, stats, stop) -> None:
    """Readers while the writers run: every load must succeed without waiting or building,
    and every added document it serves must be exactly one of the versions written."""
    from corpus import library
    from indexer import store
    from indexer.settings import Settings
    while not stop.wait(0.05):
        try:
            m = library.effective_manifest(home)
            data, built = store.open_committed(m, Settings(), root, encoder=encoder)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a finding
            stats["live_read_errors"] += 1
            stats.setdefault("live_errors", []).append(f"{type(exc).__name__}: {exc}"[:200])
            continue
        stats["live_reads"] += 1
        stats["live_read_builds"] += int(built)
        for p in data.documents:
            if not p.doc.sha256:
                continue
            known = {text_for(p.doc.id, v) for v in range(1, versions.get(p.doc.id, 0) + 1)}
            first = next((c.text for c in p.all_clauses if c.no == 1), "")
            if not any(first in t for t in known):
                stats["wrong"] += 1
                stats.setdefault("live_errors", []).append(f"served unknown text for {p.doc.id}")


def run(rounds: int, seed: int, keep: bool = False) -> dict:
    from indexer.encoders import make_encoder
    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix="policyqa-faults-"))
    home, root, src = tmp / "home", tmp / "idx", tmp / "src"
    src.mkdir()
    env = dict(os.environ, POLICYQA_HOME=str(home), POLICYQA_INDEX=str(root),
               POLICYQA_LOCK_TIMEOUT="300")
    os.environ["POLICYQA_HOME"] = str(home)
    assert subprocess.run([sys.executable, "-m", "ui.cli", "--index-dir", str(root), "index"],
                          cwd=PROJECT, env=env, capture_output=True).returncode == 0
    encoder = make_encoder()
    confirmed: dict[str, int] = {}     # doc -> version a command confirmed (exit 0)
    state: dict[str, int] = {}         # doc -> version now committed (confirmed or observed)
    versions: dict[str, int] = {}
    stats = dict(rounds=rounds, processes=0, faults=0, point_faults=0, confirmed=0, failed=0, lost=0,
                 wrong=0, reader_errors=0, uncertain_took_effect=0, uncertain_no_effect=0,
                 live_reads=0, live_read_errors=0, live_read_builds=0)
    import threading
    stop = threading.Event()
    reader = threading.Thread(target=reader_loop, args=(home, root, encoder, versions, stats, stop),
                              daemon=True)
    reader.start()
    problems: list[str] = []
    next_id, t0 = 0, time.time()
    for rnd in range(1, rounds + 1):
        ops, used = [], set()
        for _ in range(rng.choice((2, 2, 3))):
            # a quarter of the commands die at a named step of the commit protocol
            point = rng.choice(FAULT_POINTS) if rng.random() < 0.25 else None
            kind = rng.choice(("add", "add", "replace", "remove")) if state else "add"
            pool = [d for d in state if d not in used]
            if kind in ("replace", "remove") and pool:
                doc = rng.choice(pool)
            else:
                kind, doc = "add", f"f{next_id}"
                next_id += 1
            used.add(doc)
            if kind == "remove":
                ops.append((kind, doc, None, spawn(env, root, "remove", doc, point=point), point))
            else:
                versions[doc] = versions.get(doc, 0) + 1
                f = src / f"{doc}-{versions[doc]}.txt"
                f.write_text(text_for(doc, versions[doc]), encoding="utf-8")
                ops.append((kind, doc, versions[doc], spawn(env, root, "add", str(f), "--id", doc,
                                                            point=point), point))
        kills = {i: rng.uniform(0.3, 6.0) for i in range(len(ops)) if rng.random() < 0.5}
        start = time.monotonic()
        timed = set()
        while any(op[3].poll() is None for op in ops):
            for i, at in list(kills.items()):
                p = ops[i][3]
                if time.monotonic() - start >= at:
                    if p.poll() is None:
                        p.send_signal(signal.SIGKILL)
                        stats["faults"] += 1
                        timed.add(i)
                    del kills[i]
            time.sleep(0.02)
        uncertain = {}
        for i, (kind, doc, ver, p, point) in enumerate(ops):
            stats["processes"] += 1
            code = p.wait()
            if point and code == -signal.SIGKILL and i not in timed:
                stats["faults"] += 1
                stats["point_faults"] += 1
            p.stdout.close()
            p.stderr.close()
            if code == 0:
                stats["confirmed"] += 1
                if kind == "remove":
                    confirmed.pop(doc, None)
                    state.pop(doc, None)
                else:
                    confirmed[doc] = state[doc] = ver
            else:
                if code != -signal.SIGKILL:
                    stats["failed"] += 1
                    problems.append(f"round {rnd}: {kind} {doc} exited {code}")
                uncertain[doc] = (kind, ver)
        try:
            committed, served_now = served(home, root, encoder)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a finding
            stats["reader_errors"] += 1
            problems.append(f"round {rnd}: reader failed: {type(exc).__name__}: {exc}")
            continue
        for doc in set(state) | set(uncertain) | set(committed):
            want = state.get(doc)
            have = committed.get(doc)
            if doc in uncertain:            # killed: either outcome is fine, but it must be whole
                kind, ver = uncertain[doc]
                new = None if kind == "remove" else ver
                sha_new = None if new is None else hashlib.sha256(text_for(doc, new).encode()).hexdigest()
                sha_old = None if want is None else hashlib.sha256(text_for(doc, want).encode()).hexdigest()
                if have == sha_new:
                    stats["uncertain_took_effect"] += 1
                    if new is None:
                        state.pop(doc, None)
                    else:
                        state[doc] = new
                elif have == sha_old:
                    stats["uncertain_no_effect"] += 1
                else:
                    stats["lost" if want is not None else "wrong"] += 1
                    problems.append(f"round {rnd}: {doc} after a killed {kind}: manifest has {have}")
                want = state.get(doc)
            elif want is not None and have is None:
                stats["lost"] += 1
                problems.append(f"round {rnd}: {doc} v{want} was confirmed but is gone")
                continue
            expect_text = None if want is None else text_for(doc, want)
            got = served_now.get(doc)
            if expect_text is None and got is not None:
                stats["wrong"] += 1
                problems.append(f"round {rnd}: {doc} is removed but still served")
            elif expect_text is not None:
                line = next(ln for ln in expect_text.splitlines() if ln.startswith("第一条"))
                if got is None:
                    stats["lost"] += 1
                    problems.append(f"round {rnd}: {doc} v{want} is committed but not served")
                elif got[1] != line:
                    stats["wrong"] += 1
                    problems.append(f"round {rnd}: {doc} serves {got[1]!r}, committed {line!r}")
        print(f"round {rnd}/{rounds}: {len(ops)} ops, faults so far {stats['faults']}, "
              f"docs {len(state)}, lost {stats['lost']}, wrong {stats['wrong']}", flush=True)
    stop.set()
    reader.join()
    problems += stats.pop("live_errors", [])[:20]
    stats["seconds"] = round(time.time() - t0)
    stats["documents_at_end"] = len(state)
    stats["problems"] = problems[:50]
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return stats


def report(stats: dict, rounds: int, seed: int) -> str:
    rows = [("rounds", stats["rounds"]), ("commands run (separate processes)", stats["processes"]),
            ("faults injected (SIGKILL while the command ran)", stats["faults"]),
            ("… of which at a named commit step (staged/built/committed/swapped)", stats["point_faults"]),
            ("commands confirmed (exit 0)", stats["confirmed"]),
            ("commands failed without a kill", stats["failed"]),
            ("killed commands that took effect / had no effect",
             f"{stats['uncertain_took_effect']} / {stats['uncertain_no_effect']}"),
            ("**documents lost** (goal 0)", stats["lost"]),
            ("**wrong answers served** (goal 0)", stats["wrong"]),
            ("reader failures after rounds", stats["reader_errors"]),
            ("reads while writers ran / failed / that built an index",
             f"{stats['live_reads']} / {stats['live_read_errors']} / {stats['live_read_builds']}"),
            ("documents at the end", stats["documents_at_end"]), ("wall time, s", stats["seconds"])]
    lines = ["# Fault injection: parallel adds/removes with random kills\n",
             f"Regenerate with `make faults` (`python -m eval.faults --rounds {rounds} --seed {seed}`).\n",
             "Each round runs 2–3 `policyqa add` (new id or replace) / `remove` commands in parallel "
             "processes; each is killed with SIGKILL at a random moment (0.3–6 s) with probability "
             "1/2, and a quarter of them kill themselves at a random named step of the commit "
             "(`POLICYQA_FAULT_POINT`: after staging, after the build, after the manifest commit, "
             "after the pointer swap). After each round the manifest and the served index are checked document by "
             "document against what the commands reported, and a reader loads the index in a loop "
             "while the commands run.\n",
             "| figure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    if stats["problems"]:
        lines += ["\n## Problems\n"] + [f"- {p}" for p in stats["problems"]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--keep", action="store_true", help="keep the temp knowledge base")
    a = ap.parse_args(argv)
    stats = run(a.rounds, a.seed, a.keep)
    Path(a.out).write_text(report(stats, a.rounds, a.seed), encoding="utf-8")
    print(json.dumps({k: v for k, v in stats.items() if k != "problems"}, ensure_ascii=False))
    ok = not (stats["lost"] or stats["wrong"] or stats["reader_errors"] or stats["live_read_errors"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
