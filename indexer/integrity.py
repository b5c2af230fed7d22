"""Checksums of the index files, recorded in params.json and checked on load.

params.json holds `"files": {name: {"size": n, "sha256": hex, "sampled": bool, "samples": k}}`. Files up to
SMALL bytes are hashed whole; bigger ones are hashed over SAMPLES evenly spaced CHUNK-byte
windows plus the first and last chunk (cheap on load, still catches truncation, padding and
most overwrites). Which files exist is data, not code: the build passes its list of names.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

SMALL = 8 * 2**20
CHUNK = 64 * 2**10
SAMPLES = 16          # per big file; recorded beside its digest (older indexes: 64)


class IntegrityError(Exception):
    """An index file is missing, truncated or altered; the message names it."""


def _digest(path: Path, size: int, samples: int = SAMPLES) -> tuple[str, bool]:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if size <= SMALL:
            for block in iter(lambda: f.read(2**20), b""):
                h.update(block)
            return h.hexdigest(), False
        step = max(CHUNK, (size - CHUNK) // samples)
        offsets = sorted(set(list(range(0, size - CHUNK, step)) + [size - CHUNK]))
        for off in offsets:
            f.seek(off)
            h.update(off.to_bytes(8, "little"))
            h.update(f.read(CHUNK))
        return h.hexdigest(), True


def checksum(path: Path) -> dict:
    size = path.stat().st_size
    digest, sampled = _digest(path, size)
    return {"size": size, "sha256": digest, "sampled": sampled, "samples": SAMPLES}


def checksums(folder: Path, names) -> dict:
    return {n: checksum(folder / n) for n in names}


def verify(folder: Path, files: dict, sizes_only: bool = False) -> None:
    """Raise IntegrityError naming the first file that is missing or differs (in size only,
    when `sizes_only`: the cheap check a writer makes of segments it keeps)."""
    if not isinstance(files, dict) or not files:
        raise IntegrityError("params.json lists no file checksums")
    for name, want in files.items():
        path = folder / name
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            raise IntegrityError(f"{name} is missing") from None
        if size != want.get("size"):
            raise IntegrityError(f"{name} has {size} bytes, expected {want.get('size')}")
        if sizes_only:
            continue
        digest, _ = _digest(path, size, max(1, int(want.get("samples", 64))))
        if digest != want.get("sha256"):
            raise IntegrityError(f"{name} does not match its checksum")
