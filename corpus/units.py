"""Responsible units: split `（牵头单位：…；配合单位：…）` and normalise the names.

In `市发展改革委、工业和信息化局、财政局` the city prefix carries over inside a group
separated by `、` (市工业和信息化局, 市财政局); `，` starts a new group; a trailing `等` is
dropped; parentheses inside a name (`市财政局（金融办）`) are kept.
"""
from __future__ import annotations

import re

OPENERS = "（(〔["
CLOSERS = "）)〕]"
_ROLE_RE = re.compile(r"^(牵头单位|配合单位|责任单位|主办单位|协办单位)\s*[：:]\s*")
LEAD_ROLES = ("牵头单位", "责任单位", "主办单位")


def find_units_bracket(text: str) -> int | None:
    """Offset of the bracket that opens the trailing `（牵头单位：…）`, or None."""
    stripped = text.rstrip()
    if not stripped or stripped[-1] not in CLOSERS:
        return None
    pos = max(stripped.rfind("牵头单位"), stripped.rfind("责任单位"))
    if pos <= 0:
        return None
    # the opener is the nearest bracket before the role word
    k = pos - 1
    while k >= 0 and stripped[k] in " \u3000":
        k -= 1
    if k < 0 or stripped[k] not in OPENERS:
        return None
    return k


def split_top(text: str, seps: str) -> list[str]:
    """Split on any of `seps` outside brackets."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(0, depth - 1)
        if ch in seps and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p.strip() for p in out if p.strip()]


def _own_prefix(name: str) -> str:
    if name.startswith("市委"):
        return "市委"
    if name.startswith("市") and not name.startswith("市场"):
        return "市"
    return ""


def normalise_group(items: list[str]) -> list[str]:
    """Carry the first item's 市/市委 prefix over to the items after it in the group."""
    out: list[str] = []
    carry = ""
    for i, raw in enumerate(items):
        name = raw.strip()
        if name.endswith("等"):
            name = name[:-1]
        if not name:
            continue
        own = _own_prefix(name)
        if i == 0:
            carry = own
        elif not own and carry and not _is_standalone(name):
            name = carry + name
        out.append(name)
    return out


def _is_standalone(name: str) -> bool:
    """Names that never take the city prefix (other levels, other bodies)."""
    return name.startswith(("各", "新区", "人民银行", "柳州", "自治区", "广西", "国家"))


def parse_units(bracket: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`（牵头单位：A；配合单位：B、C）` -> ((A,), (B, C))."""
    inner = bracket.strip()
    if inner and inner[0] in OPENERS:
        inner = inner[1:]
    if inner and inner[-1] in CLOSERS:
        inner = inner[:-1]
    lead: list[str] = []
    partner: list[str] = []
    for role_part in split_top(inner, "；;"):
        m = _ROLE_RE.match(role_part)
        if not m:
            continue
        names: list[str] = []
        for group in split_top(role_part[m.end():], "，,"):
            names.extend(normalise_group(split_top(group, "、")))
        (lead if m.group(1) in LEAD_ROLES else partner).extend(names)
    return tuple(dict.fromkeys(lead)), tuple(dict.fromkeys(partner))


def unit_core(name: str) -> str:
    """The name without its 市/市委 prefix: '市科技局' -> '科技局'."""
    p = _own_prefix(name)
    return name[len(p):] if p else name
