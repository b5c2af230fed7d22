"""The clause parser for Chinese policy documents and laws — one parser for every document.

Numbering styles, finest first: 第X条 / 第X条之一 (articles, under 第X编/章/节), （一）/(一)
(under 一、 parts), 一、 (under 第X章), 1. / 1、 / （1）. The style with at least two numbered
lines wins; its parents become parts. Without numbering, paragraphs are chunked (chunks.py).

The head (text before the first part or clause) is split by docmeta.split_head into a notice
(a 通知 that issues the document), the title (heading lines, joined when broken over lines)
and the preamble (clause 0: adoption lines, 根据…/为了… paragraphs). A part heading broken over
two lines (第三章　科学技术研究开发 / 机构, or 第三章 / 科学技术研究开发机构) is one heading.
A part heading followed by text without a number keeps that text as a clause labelled with
the part (nothing is lost); numbered clauses keep their own numbers (第二十五条 is clause 25).
Segments tile the text exactly: join_segments(parsed) == raw.
"""
from __future__ import annotations

import re

from .chunks import CHUNK_CHARS, chunked
from .docmeta import DATE_RE, split_head
from .errors import CorpusError
from .model import Clause, Document, ParsedDocument, Part, Segment
from .numerals import cn_to_int, label_for
from .text import CITED_RE, TRAILER_RE, heading, parse_notice, trim
from .units import find_units_bracket, parse_units

_N = r"[零〇一二两三四五六七八九十百千\d]+"
_L = r"^[ \t\u3000]*"
_NOT_CITED = r"(?![的规所中至、，,和或及第款项])"       # 第五条规定的… is a citation, not an article
STYLES = [  # (name, clause pattern, part pattern)
    ("article", rf"{_L}第({_N})条(?:之({_N}))?{_NOT_CITED}",
     rf"{_L}第{_N}(?:分编|编|章|节){_NOT_CITED}[ \t\u3000]*[^\n]{{0,40}}$"),
    ("paren", rf"{_L}[（(]([一二三四五六七八九十百]+)[）)]", rf"{_L}[一二三四五六七八九十]+[、．.][^\n]{{0,40}}$"),
    ("dun", rf"{_L}([一二三四五六七八九十]+)、", rf"{_L}第{_N}[章节部分][^\n]{{0,30}}$"),
    ("arabic", rf"{_L}(?:(\d{{1,3}})[.．、](?!\d)|[（(](\d{{1,3}})[）)])", rf"{_L}[一二三四五六七八九十]+、[^\n]{{0,40}}$"),
]
_DATE_LINE = re.compile(r"^[ \t\u3000]*(?:[^\n。]{2,30}\n[ \t\u3000]*)?\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[ \t\u3000]*$", re.M)
_PART_LABEL = re.compile(rf"[ \t\u3000]*(第{_N}(?:分编|编|章|节|部分)|[一二三四五六七八九十]+[、．.])")
_CONTINUATION_MAX = 40
_SENTENCE = re.compile(r"[。；：;:！？!?]")
SUB_ARTICLE = 10000        # 第十七条之一 is clause 17 * SUB_ARTICLE + 1 (never an article number)


def detect_style(raw: str) -> str | None:
    for name, pat, _ in STYLES:
        if len(re.findall(pat, raw, re.M)) >= 2:
            return name
    return None


def _part_label(line: str) -> str:
    m = _PART_LABEL.match(line)
    return m.group(1) if m else line[:8]


def _value(m: re.Match, style: str) -> tuple[int, int] | None:
    """(number, 之-number) of a clause label, None when it is not a numeral."""
    try:
        if style == "article":
            return cn_to_int(m.group(1)), cn_to_int(m.group(2)) if m.group(2) else 0
        g = next((x for x in m.groups() if x), None)
        return (cn_to_int(g), 0) if g else None
    except ValueError:
        return None


def clause_number(value: tuple[int, int]) -> int:
    base, sub = value
    return base * SUB_ARTICLE + sub if sub else base


def _headingish(line: str) -> bool:
    return len(line) <= _CONTINUATION_MAX and not _SENTENCE.search(line) and not DATE_RE.search(line)


def _part_title(raw: str, s: int, e: int) -> tuple[str, int]:
    """The heading of a part piece raw[s:e] and where its unnumbered body starts (e: none).
    A heading broken over lines is one heading: when all that follows the heading line up to
    the next mark is one or two short lines without a sentence end, they are heading, not body
    (the first one continues the title); a bare 第X章 line takes its title from the next line."""
    first = raw[s:e].split("\n", 1)[0]
    title, body = first.strip(" \t\u3000"), s + len(first)
    lines = [(m.start() + body, m.end() + body, m.group(0).strip(" \t\u3000"))
             for m in re.finditer(r"[^\n]*\S[^\n]*", raw[body:e])]
    if not lines:
        return title, e
    label_only = title == _part_label(title).strip()
    sep = " " if label_only else ""
    if len(lines) <= 2 and all(_headingish(x[2]) for x in lines):
        return title + sep + lines[0][2], e
    if label_only and _headingish(lines[0][2]):
        return title + sep + lines[0][2], lines[0][1]
    return title, body


def parse_general(raw: str, doc: Document, style: str | None = None) -> ParsedDocument:
    """Parse any document. `style` forces a numbering style (the city measures: "paren");
    then a text without such clauses, or with a clause number twice, is an error."""
    if raw.startswith("\ufeff"):
        raise CorpusError("the text still has a byte-order mark; decode it with 'utf-8-sig'")
    if not raw.strip():
        raise CorpusError(f"{doc.id}: the document is empty")
    strict = style is not None
    style = style or detect_style(raw)
    if style is None:
        return chunked(raw, doc)
    _, cpat, ppat = next(s for s in STYLES if s[0] == style)
    clause_marks = [(m.start(), "clause", m) for m in re.finditer(cpat, raw, re.M)]
    if not clause_marks:
        raise CorpusError(f"{doc.id}: no numbered measures like （一） found; "
                          "is this a measures document? check the file and its encoding")
    at = {p for p, _, _ in clause_marks}
    part_marks = [(m.start(), "part", m) for m in re.finditer(ppat, raw, re.M)
                  if not m.group(0).rstrip().endswith("。") and m.start() not in at]
    first_mark = min(p for p, _, _ in clause_marks + part_marks)
    head = split_head(raw, first_mark)
    marks = [t for t in clause_marks + part_marks if t[0] >= head.body_start]
    last = max(p for p, _, _ in marks)
    trailer = TRAILER_RE.search(raw, last) or _DATE_LINE.search(raw, last)
    if trailer:
        marks.append((trailer.start(), "trailer", trailer))
    marks.sort(key=lambda t: t[0])
    start0 = marks[0][0]

    segments: list[Segment] = []
    if head.notice_end:
        segments.append(Segment("notice", 0, head.notice_end))
    if head.title_end > head.title_start:
        segments.append(Segment("title", head.title_start, head.title_end))
    preamble = None
    if raw[head.body_start:start0].strip():
        s, e = trim(raw, head.body_start, start0)
        preamble = Clause(key=f"{doc.id}:0", doc_id=doc.id, no=0, label="序言", heading="",
                          text=raw[s:e], body=raw[s:e], start=s, end=e)
        segments.append(Segment("preamble", head.body_start, start0, preamble.key))
    elif start0 > head.body_start:
        segments.append(Segment("blank", head.body_start, start0))

    pieces, parts = _pieces(raw, marks, segments, style)
    clauses = _clauses(raw, doc, pieces, strict)
    keyed = iter(c.key for c in clauses)
    segments = [Segment(s.kind, s.start, s.end, next(keyed)) if s.kind == "clause" else s
                for s in segments]
    numbers = {i + 1: c.no for i, c in enumerate(clauses)}
    return ParsedDocument(
        doc=doc, raw=raw, title=head.title or doc.title,
        notice=parse_notice(raw, head.notice_end) if head.notice_end else None,
        preamble=preamble,
        parts=tuple(Part(label=_part_label(t), title=t[len(_part_label(t)):].strip(" \t\u3000"),
                         numbers=tuple(numbers[i] for i in idx)) for t, idx in parts),
        clauses=tuple(clauses), segments=tuple(segments),
        cited_titles=tuple(CITED_RE.findall(preamble.text)) if preamble else ())


def _pieces(raw: str, marks: list, segments: list, style: str) -> tuple[list[dict], list[list]]:
    """The clause pieces between marks, and the parts [heading, piece indexes]."""
    pieces: list[dict] = []
    parts: list[list] = []
    for i, (pos, kind, m) in enumerate(marks):
        nxt = marks[i + 1][0] if i + 1 < len(marks) else len(raw)
        if kind == "trailer":
            segments.append(Segment("trailer", pos, nxt))
            continue
        s, e = trim(raw, pos, nxt)
        if kind == "part":
            title, body = _part_title(raw, s, e)
            parts.append([title, []])
            if body >= e:
                segments.append(Segment("part", pos, nxt, _part_label(title)))
                continue
            label, value = _part_label(title), None     # a heading with unnumbered text
        else:
            label, value = m.group(0).strip(" \t\u3000"), _value(m, style)
        pieces.append({"s": s, "e": e, "label": label, "value": value,
                       "part": parts[-1][0] if parts and kind == "clause" else ""})
        if parts and kind == "clause":
            parts[-1][1].append(len(pieces))
        segments.append(Segment("clause", pos, nxt, ""))
    return pieces, parts


def _clauses(raw: str, doc: Document, pieces: list[dict], strict: bool) -> list[Clause]:
    values = [p["value"] for p in pieces if p["value"] is not None]
    if strict:
        seen: set = set()
        for v in values:
            if v in seen:
                raise CorpusError(f"{doc.id}: measure {label_for(v[0])} appears twice; "
                                  "fix the numbering in the source file")
            seen.add(v)
    # numbered clauses keep their numbers when they run in order; unnumbered pieces follow
    use_values = bool(values) and all(a < b for a, b in zip(values, values[1:]))
    extra = max((clause_number(v) for v in values), default=0) if use_values else 0
    labels = [p["label"] for p in pieces]
    restart = len(set(labels)) < len(labels)
    clauses = []
    for n, p in enumerate(pieces, 1):
        if not use_values:
            no = n
        elif p["value"] is None:
            extra += 1
            no = extra
        else:
            no = clause_number(p["value"])
        text = raw[p["s"]:p["e"]]
        label = p["label"]
        if restart and p["part"]:
            label = p["part"].split("、")[0] + label          # 二（一）: labels restart per part
        k = find_units_bracket(text)
        lead, partner = parse_units(text[k:]) if k is not None else ((), ())
        clauses.append(Clause(
            key=f"{doc.id}:{no}", doc_id=doc.id, no=no, label=label,
            heading=heading(text, len(p["label"])), text=text,
            body=text[:k].rstrip() if k is not None else text, part=p["part"],
            lead_units=lead, partner_units=partner, units_text=text[k:] if k is not None else "",
            start=p["s"], end=p["e"]))
    return clauses


def join_segments(parsed: ParsedDocument) -> str:
    return "".join(parsed.raw[s.start:s.end] for s in parsed.segments)


def parse_document(raw: str, doc: Document) -> ParsedDocument:
    """Every document goes through the general parser; the city measures ask for their
    numbering style explicitly, so a measures file without （一） measures is an error."""
    return parse_general(raw, doc, style="paren" if doc.parser == "city-measures" else None)


__all__ = ["parse_general", "parse_document", "detect_style", "join_segments", "CHUNK_CHARS",
           "clause_number", "SUB_ARTICLE"]
