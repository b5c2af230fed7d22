"""One `## ` section of a Markdown report, rewritten in place by the script that measures it."""
from __future__ import annotations

from pathlib import Path


def _span(text: str, head: str) -> tuple[int, int] | None:
    """(start, end) of the section whose heading line starts with `head` (up to the next
    `## ` heading or the end), or None."""
    start = text.find(head)
    if start < 0:
        return None
    end = text.find("\n## ", start + len(head))
    return start, (end + 1 if end >= 0 else len(text))


def read_section(path: Path, head: str) -> str:
    """The section's text ("" when the file or the section is missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    span = _span(text, head)
    return text[span[0]:span[1]] if span else ""


def write_section(path: Path, head: str, section: str, title: str = "") -> None:
    """Replace the section (which must start with `head`) in place, or append it; the other
    sections stay as they are. `title`: the first line of a file that does not exist yet."""
    if not section.startswith(head):
        raise ValueError(f"the section must start with its heading {head!r}")
    text = path.read_text(encoding="utf-8") if path.exists() else (title + "\n\n" if title else "")
    section = section.rstrip("\n") + "\n"
    span = _span(text, head)
    if span:
        rest = text[span[1]:]
        text = text[:span[0]] + section + ("\n" + rest if rest else "")
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section
    path.write_text(text, encoding="utf-8")
