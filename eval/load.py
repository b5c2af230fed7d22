"""Load run: N concurrent clients asking through the REST API and through the Gradio endpoint.

  python -m eval.load [--clients 50] [--per-client 10] [--port 7877] [--index-dir DIR]

Starts `policyqa serve` on 127.0.0.1 in a subprocess (so the clients do not share its
interpreter), waits for it, then for each path runs `clients` concurrent clients, each sending
`per-client` questions (the in-scope questions of eval/questions.jsonl, rotated so clients ask
different ones) one after another. Bounded: clients × per-client requests per path, a
120 s deadline per path, 127.0.0.1 only. Prints one JSON object per path.
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

import httpx

from eval.questions import load_questions

HOST = "127.0.0.1"
DEADLINE = 120.0


def _questions() -> list[str]:
    return [q["question"] for q in load_questions() if q["type"] != "out_of_scope"]


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


async def run_path(base: str, call, clients: int, per_client: int) -> dict:
    qs = _questions()
    lat: list[float] = []
    errors: list[str] = []
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
    return {"requests": clients * per_client, "ok": len(lat), "errors": len(errors),
            "error_kinds": sorted(set(errors))[:5], "p50_ms": pct(0.50), "p95_ms": pct(0.95),
            "max_ms": round(1000 * lat[-1], 1) if lat else None,
            "mean_ms": round(1000 * statistics.mean(lat), 1) if lat else None,
            "answers_per_s": round(len(lat) / wall, 1), "wall_s": round(wall, 2)}


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
    args = ap.parse_args(argv)
    if not (1 <= args.clients <= 200 and 1 <= args.per_client <= 100):
        ap.error("keep it bounded: 1-200 clients, 1-100 requests each")
    base = f"http://{HOST}:{args.port}"
    cmd = [sys.executable, "-m", "ui.cli"] + (["--index-dir", args.index_dir] if args.index_dir else []) + \
        ["serve", "--host", HOST, "--port", str(args.port)]
    proc = subprocess.Popen(cmd, env={**os.environ, "POLICYQA_ADMIN_TOKEN": ""})
    try:
        _wait(base, proc)
        calls = {"rest": _rest, "gradio": _gradio}
        for name in args.paths.split(","):
            asyncio.run(run_path(base, calls[name], min(args.clients, 5), 2))          # warm-up
            res = asyncio.run(run_path(base, calls[name], args.clients, args.per_client))
            print(json.dumps({"path": name, "clients": args.clients, **res}, ensure_ascii=False))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
