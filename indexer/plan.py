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
    taken: set[str] = set()
    for s in segs:                                   # mostly removed rows: rewrite it
        if s.dead and s.dead >= s.live:
            out.append([s.name])
            taken.add(s.name)
    by_tier: dict[int, list[SegState]] = {}
    for s in segs:
        if s.name not in taken:
            by_tier.setdefault(tier(s.live), []).append(s)
    carry: list[SegState] = []
    t = min(by_tier, default=0)
    while t <= max(by_tier, default=0) or carry:
        group = carry + by_tier.get(t, [])
        carry = []
        while len(group) >= FACTOR:
            group.sort(key=lambda s: s.live)
            chunk, group = group[:FACTOR], group[FACTOR:]
            out.append([s.name for s in chunk])
            merged = SegState("+".join(s.name for s in chunk), {}, {"": sum(s.live for s in chunk)})
            if tier(merged.live) == t:               # still this tier: merge again with the rest
                group.append(merged)
            else:
                carry.append(merged)
        t += 1
    # a merged group that is merged again in the same pass: flatten into one group
    return _flatten(out)


def _flatten(groups: list[list[str]]) -> list[list[str]]:
    """A group naming an earlier group's result ("a+b") takes that group's members."""
    done: dict[str, list[str]] = {}
    for g in groups:
        names: list[str] = []
        for n in g:
            names += done.pop(n) if n in done else [n]
        done["+".join(g)] = names
    return list(done.values())
