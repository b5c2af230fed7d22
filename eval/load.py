"""Load run: N concurrent clients asking through the REST API and through the Gradio endpoint.

  python -m eval.load [--clients 50] [--per-client 10] [--port 7877] [--index-dir DIR]
                      [--cache on|off] [--pool N] [--paths rest,gradio]

Starts `policyqa serve` on 127.0.0.1 in a subprocess (so the clients do not share its
interpreter), waits for it, then for each path runs `clients` concurrent clients, each sending
`per-client` questions one after another. The questions: the in-scope questions of
eval/questions.jsonl, test.jsonl and dev2.jsonl, deduplicated (~600), rotated so clients ask
different ones; `--pool N` uses only the first N, so N < requests makes repeats (the old
figures used the 181 of questions.jsonl: `--pool 181`). The warm-up asks questions that are
not in the measured run, and each path gets a fresh server, so the answer cache (`--cache on`, the server default) helps only where a question really repeats;
`--cache off` starts the server with POLICYQA_ANSWER_CACHE=0. Other POLICYQA_* variables
(POLICYQA_ENCODE_BATCH, POLICYQA_WORKERS, POLICYQA_MAX_QUEUE) reach the server as set.
Bounded: clients × per-client requests per path, a 120 s deadline per path, 127.0.0.1 only.
Prints one JSON object per path: errors (503s counted apart), p50/p95/max, answers/s, how many
requests repeated a question asked before in the run, the load average before the run.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from eval.questions import load_questions

HOST = "127.0.0.1"
DEADLINE = 120.0


SETS = ("questions.jsonl", "test.jsonl", "dev2.jsonl")
WARMUP = 10


def _questions() -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    qs = [q["question"] for name in SETS for q in load_questions(os.path.join(here, name))
          if q["type"] != "out_of_scope"]
    return list(dict.fromkeys(qs))


async def _rest(client: httpx.AsyncClient, q: str) -> None:
    r = await client.post("/api/ask", json={"question": q})
    if r.status_code != 200 or "answer" not in r.json():
        raise RuntimeError(f"HTTP {r.status_code}")


async def _gradio(client: httpx.AsyncClient, q: str) -> None:
    r = await client.post("/gradio_api/call/ask", json={"data": [q, []]})
    if r.status_code != 200:
        raise RuntimeError(f"HTTP {r.status_code}")
    event = r.json()["event_id"]
    async with client.stream("GET", f"/gradio_api/call/ask/{event}") as s:
        kind = None
        async for line in s.aiter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                if kind == "error":
                    raise RuntimeError("gradio error event")
                data = json.loads(line[5:])
                if not data or not data[0]:
                    raise RuntimeError("empty result")
                return
    raise RuntimeError("stream ended without a result")


async def run_path(base: str, call, clients: int, per_client: int, qs: list[str]) -> dict:
    lat: list[float] = []
    errors: list[str] = []
    asked = [qs[(c * per_client + i) % len(qs)] for c in range(clients) for i in range(per_client)]
    limits = httpx.Limits(max_connections=clients + 5, max_keepalive_connections=clients + 5)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits, trust_env=False) as client:
        async def one(cid: int):
            for i in range(per_client):
                q = qs[(cid * per_client + i) % len(qs)]
                t = time.perf_counter()
                try:
                    await call(client, q)
                    lat.append(time.perf_counter() - t)
                except Exception as exc:   # counted and reported, never hidden
                    errors.append(f"{type(exc).__name__}: {exc}"[:120])
        t0 = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(one(c) for c in range(clients))), DEADLINE)
        wall = time.perf_counter() - t0
    lat.sort()
    pct = lambda p: round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None  # noqa: E731
    return {"requests": clients * per_client, "distinct": len(set(asked)),
            "repeats": len(asked) - len(set(asked)), "ok": len(lat), "errors": len(errors),
            "busy_503": sum("HTTP 503" in e for e in errors),
            "error_kinds": sorted(set(errors))[:5], "p50_ms": pct(0.50), "p95_ms": pct(0.95),
            "max_ms": round(1000 * lat[-1], 1) if lat else None,
            "mean_ms": round(1000 * statistics.mean(lat), 1) if lat else None,
            "answers_per_s": round(len(lat) / wall, 1), "wall_s": round(wall, 2)}


def _cpu_seconds(pid: int) -> float | None:
    """user + system CPU time of a process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _wait(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited; run `policyqa serve` by hand to see why")
        try:
            if httpx.get(base + "/api/documents", timeout=2, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not start")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.load")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--per-client", type=int, default=10)
    ap.add_argument("--port", type=int, default=7877)
    ap.add_argument("--index-dir", default=None)
    ap.add_argument("--paths", default="rest,gradio")
    ap.add_argument("--cache", choices=("on", "off"), default="on",
                    help="the server's answer cache (off: POLICYQA_ANSWER_CACHE=0)")
    ap.add_argument("--pool", type=int, default=0, help="distinct questions to use (default: all)")
    args = ap.parse_args(argv)
    if not (1 <= args.clients <= 200 and 1 <= args.per_client <= 100):
        ap.error("keep it bounded: 1-200 clients, 1-100 requests each")
    every = _questions()
    pool = every[:args.pool] if args.pool > 0 else every
    if len(pool) < 2 * WARMUP:
        ap.error(f"--pool must be at least {2 * WARMUP}")
    warm, measured = pool[-WARMUP:], pool[:-WARMUP]
    paths = [p for p in args.paths.split(",") if p]
    if any(p not in ("rest", "gradio") for p in paths):
        ap.error("--paths takes rest and/or gradio")
    base = f"http://{HOST}:{args.port}"
    cmd = [sys.executable, "-m", "ui.cli"] + (["--index-dir", args.index_dir] if args.index_dir else []) + \
        ["serve", "--host", HOST, "--port", str(args.port)]
    env = {**os.environ, "POLICYQA_ADMIN_TOKEN": ""}
    if args.cache == "off":
        env["POLICYQA_ANSWER_CACHE"] = "0"
    calls = {"rest": _rest, "gradio": _gradio}
    for name in paths:               # a fresh server per path: no answer cached by another path
        proc = subprocess.Popen(cmd, env=env)
        try:
            _wait(base, proc)
            asyncio.run(run_path(base, calls[name], min(args.clients, 5), 2, warm))      # warm-up
            load = round(os.getloadavg()[0], 2)
            cpu0, self0 = _cpu_seconds(proc.pid), time.process_time()
            res = asyncio.run(run_path(base, calls[name], args.clients, args.per_client, measured))
            cpu1, self1 = _cpu_seconds(proc.pid), time.process_time()
            per = lambda a, b: round(1000 * (b - a) / max(1, res["ok"]), 1) if a is not None and b is not None else None  # noqa: E731
            print(json.dumps({"path": name, "clients": args.clients, "cache": args.cache,
                              "encode_batch": os.environ.get("POLICYQA_ENCODE_BATCH", "8"),
                              "loadavg_before": load, **res,
                              "server_cpu_ms_per_answer": per(cpu0, cpu1),
                              "client_cpu_ms_per_answer": per(self0, self1)}, ensure_ascii=False), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
