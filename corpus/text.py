"""Small text helpers shared by the parsers: trimming spans, headings, the notice."""
from __future__ import annotations

import re

from .docmeta import DATE_RE, iso_date
from .model import Notice

WS = " \t\u3000\r\n"
TRAILER_RE = re.compile(r"^[ \t\u3000]*(公开方式|抄送|抄报|附件)[：:]", re.M)
CITED_RE = re.compile(r"《([^《》]+)》")


def trim(raw: str, start: int, end: int) -> tuple[int, int]:
    """The span without leading and trailing whitespace."""
    while start < end and raw[start] in WS:
        start += 1
    while end > start and raw[end - 1] in WS:
        end -= 1
    return start, end


def heading(text: str, label_len: int) -> str:
    """First sentence of a clause's first line after its label (with its 。), else the line."""
    rest = text[label_len:].lstrip(" \t\u3000")
    line = rest.split("\n", 1)[0]
    cut = line.find("。")
    return line[: cut + 1] if cut >= 0 else line.strip()[:60]


def parse_notice(raw: str, end: int) -> Notice | None:
    """The 通知 in raw[:end]: addressees (the line ending ：), issuer (the line before the
    last date) and that date."""
    text = raw[:end]
    m = None
    for m in DATE_RE.finditer(text):
        pass
    if m is None:
        return None
    lines = [ln.strip(WS) for ln in text[: m.start()].splitlines()]
    lines = [ln for ln in lines if ln]
    addressees = next((ln for ln in lines if ln.endswith(("：", ":"))), "")
    issuer = lines[-1] if lines and not lines[-1].endswith(("。", "：", ":")) else ""
    return Notice(text=text.strip(WS), addressees=addressees.rstrip("：:"), issuer=issuer,
                  date=iso_date(m.group(0)))
