"""What a commit does with the segments it inherits: pure decisions, no I/O.

`reuse` keeps every document whose key (what it was built from) is unchanged, marks the others
removed in their segment, and names the documents that need a new segment. `merges` keeps the
number of segments logarithmic in the library: segments fall in tiers by size (FACTOR×
apart); FACTOR segments of one tier are merged into one of the next, and a segment whose rows
are mostly removed documents is rewritten. Each clause is therefore copied O(log_FACTOR N)
times over the library's life, and an add costs its own document plus, now and then, a merge.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

FACTOR = 8


@dataclass
class SegState:
    name: str
    docs: dict[str, str]                 # doc id -> key, as built
    sizes: dict[str, int]                # doc id -> clause rows
    removed: set[str] = field(default_factory=set)

    @property
    def live(self) -> int:
        return sum(n for d, n in self.sizes.items() if d not in self.removed)

    @property
    def dead(self) -> int:
        return sum(n for d, n in self.sizes.items() if d in self.removed)

    @property
    def live_docs(self) -> list[str]:
        return [d for d in self.docs if d not in self.removed]


def reuse(segs: list[SegState], want: dict[str, str]) -> tuple[list[SegState], list[str]]:
    """(segments still holding a wanted document, with unwanted ones marked removed;
    wanted documents no segment holds as wanted), a document counted once."""
    kept, have = [], set()
    for s in segs:
        removed = set(s.removed)
        for d, key in s.docs.items():
            if d in removed:
                continue
            if want.get(d) != key or d in have:
                removed.add(d)
            else:
                have.add(d)
        if len(removed) < len(s.docs):
            kept.append(SegState(s.name, s.docs, s.sizes, removed))
    return kept, [d for d in want if d not in have]


def tier(size: int) -> int:
    return int(math.log(max(size, 1), FACTOR))


def merges(segs: list[SegState]) -> list[list[str]]:
    """Groups of segment names to merge (each group becomes one segment)."""
    out: list[list[str]] = []
    by_tier: dict[int, list[tuple[int, list[str]]]] = {}     # tier -> [(live rows, names)]
    for s in segs:
        if s.dead and s.dead >= s.live:              # mostly removed rows: rewrite it
            out.append([s.name])
        else:
            by_tier.setdefault(tier(s.live), []).append((s.live, [s.name]))
    carry: list[tuple[int, list[str]]] = []
    t = min(by_tier, default=0)
    while t <= max(by_tier, default=0) or carry:
        group = carry + by_tier.get(t, [])
        carry = []
        while len(group) >= FACTOR:
            group.sort(key=lambda g: g[0])
            chunk, group = group[:FACTOR], group[FACTOR:]
            merged = (sum(n for n, _ in chunk), [name for _, names in chunk for name in names])
            # still this tier: merged again with the rest; else it goes up a tier
            (group if tier(merged[0]) == t else carry).append(merged)
        out += [names for _, names in group if len(names) > 1]
        t += 1
    return out
