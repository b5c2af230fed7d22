"""Chinese numerals as used in clause labels: 一 … 九千九百九十九 (民法典 has 1,260 articles)."""
from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "零一二三四五六七八九"


def cn_to_int(text: str) -> int:
    """'十七' -> 17, '二十一' -> 21, '一百零五' -> 105, '一千二百六十' -> 1260.
    Raises ValueError on anything else."""
    s = text.strip()
    if not s:
        raise ValueError("empty numeral")
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    for ch in s:
        if ch in DIGITS:
            current = DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "千":
            total += (current or 1) * 1000
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + current


def int_to_cn(n: int) -> str:
    """17 -> '十七', 21 -> '二十一', 1260 -> '一千二百六十' (1..9999)."""
    if not 0 < n < 10000:
        raise ValueError(f"out of range: {n}")
    out = ""
    k, n = divmod(n, 1000)
    if k:
        out += _CN[k] + "千"
        if n and n < 100:
            out += "零"
    h, rest = divmod(n, 100)
    if h:
        out += _CN[h] + "百"
        if rest and rest < 10:
            out += "零"
    t, u = divmod(rest, 10)
    if t:
        out += ("" if (t == 1 and not h and not k) else _CN[t]) + "十"
    if u:
        out += _CN[u]
    return out


def label_for(n: int) -> str:
    return f"（{int_to_cn(n)}）"
