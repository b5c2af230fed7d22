"""A general clause parser for Chinese policy documents.

Numbering styles, finest first: 第X条 (articles, under 第X章/第X节), （一）/(一) (under 一、 parts),
一、 (under 第X章), 1. / 1、 / （1）. The style with at least two numbered lines wins; its
parents become parts. Without numbering, paragraphs are grouped into chunks of at most
CHUNK_CHARS characters, split at sentence ends. Segments tile the text exactly: part headings
that carry body text, and text before the first clause, become clauses too — nothing is lost.
"""
from __future__ import annotations

import re

from .errors import CorpusError
from .model import Clause, Document, ParsedDocument, Part, Segment
from .numerals import cn_to_int
from .parser import CITED_RE, TRAILER_RE, _parse_notice, _trim
from .units import find_units_bracket, parse_units

CHUNK_CHARS = 400
_N = r"[零〇一二两三四五六七八九十百\d]+"
_L = r"^[ \t\u3000]*"
STYLES = [  # (name, clause pattern, part pattern)
    ("article", rf"{_L}第({_N})条", rf"{_L}第{_N}[章节][ \t\u3000]*[^\n]{{0,30}}$"),
    ("paren", rf"{_L}[（(]([一二三四五六七八九十百]+)[）)]", rf"{_L}[一二三四五六七八九十]+[、．.][^\n]{{0,40}}$"),
    ("dun", rf"{_L}([一二三四五六七八九十]+)、", rf"{_L}第{_N}[章节部分][^\n]{{0,30}}$"),
    ("arabic", rf"{_L}(?:(\d{{1,3}})[.．、](?!\d)|[（(](\d{{1,3}})[）)])", rf"{_L}[一二三四五六七八九十]+、[^\n]{{0,40}}$"),
]
_DATE_LINE = re.compile(r"^[ \t\u3000]*(?:[^\n。]{2,30}\n[ \t\u3000]*)?\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[ \t\u3000]*$", re.M)
_SENT_END = re.compile(r"(?<=[。！？；!?;])")


def detect_style(raw: str) -> str | None:
    for name, pat, _ in STYLES:
        if len(re.findall(pat, raw, re.M)) >= 2:
            return name
    return None


def _heading(text: str, label_len: int) -> str:
    rest = text[label_len:].lstrip(" \t\u3000")
    line = rest.split("\n", 1)[0]
    cut = line.find("。")
    return line[: cut + 1] if cut >= 0 else line.strip()[:60]


def _part_label(line: str) -> str:
    m = re.match(rf"[ \t\u3000]*(第{_N}[章节部分]|[一二三四五六七八九十]+[、．.])", line)
    return m.group(1) if m else line[:8]


def _value(m: re.Match) -> int | None:
    g = next((x for x in m.groups() if x), None)
    try:
        return cn_to_int(g) if g else None
    except ValueError:
        return None


def parse_general(raw: str, doc: Document) -> ParsedDocument:
    if not raw.strip():
        raise CorpusError(f"{doc.id}: the document is empty")
    style = detect_style(raw)
    if style is None:
        return _chunked(raw, doc)
    _, cpat, ppat = next(s for s in STYLES if s[0] == style)
    marks = [(m.start(), "clause", m) for m in re.finditer(cpat, raw, re.M)]
    first = marks[0][0]
    marks += [(m.start(), "part", m) for m in re.finditer(ppat, raw, re.M)
              if not m.group(0).rstrip().endswith("。") and m.start() not in {p for p, _, _ in marks}]
    last = max(p for p, _, _ in marks)
    trailer = TRAILER_RE.search(raw, last) or _DATE_LINE.search(raw, last)
    if trailer:
        marks.append((trailer.start(), "trailer", trailer))
    marks.sort(key=lambda t: t[0])
    start0 = marks[0][0]
    segments: list[Segment] = []
    pieces: list[dict] = []
    preamble = None
    if raw[:start0].strip():
        s, e = _trim(raw, 0, start0)
        preamble = Clause(key=f"{doc.id}:0", doc_id=doc.id, no=0, label="序言", heading="",
                          text=raw[s:e], body=raw[s:e], start=s, end=e)
        segments.append(Segment("preamble", 0, start0, preamble.key))
    elif start0:
        segments.append(Segment("blank", 0, start0))
    parts: list[list] = []
    for i, (pos, kind, m) in enumerate(marks):
        nxt = marks[i + 1][0] if i + 1 < len(marks) else len(raw)
        if kind == "trailer":
            segments.append(Segment("trailer", pos, nxt))
            continue
        s, e = _trim(raw, pos, nxt)
        text = raw[s:e]
        if kind == "part":
            title_line = text.split("\n", 1)[0].strip()
            parts.append([title_line, []])
            body_rest = text[len(text.split("\n", 1)[0]):]
            if not body_rest.strip():
                segments.append(Segment("part", pos, nxt, title_line))
                continue
            label, value = _part_label(title_line), None
        else:
            label, value = m.group(0).strip(" \t\u3000"), _value(m)
        pieces.append({"pos": pos, "nxt": nxt, "s": s, "e": e, "label": label, "value": value,
                       "part": parts[-1][0] if parts and kind == "clause" else ""})
        if parts and kind == "clause":
            parts[-1][1].append(len(pieces))
        segments.append(Segment("clause", pos, nxt, ""))
    values = [p["value"] for p in pieces]
    use_values = all(v is not None for v in values) and values == sorted(set(values))
    labels = [p["label"] for p in pieces]
    restart = len(set(labels)) < len(labels)
    clauses = []
    for n, p in enumerate(pieces, 1):
        no = p["value"] if use_values else n
        text = raw[p["s"]:p["e"]]
        label = p["label"]
        if restart and p["part"]:
            label = p["part"].split("、")[0] + label          # 二（一）: labels restart per part
        k = find_units_bracket(text)
        lead, partner = parse_units(text[k:]) if k is not None else ((), ())
        clauses.append(Clause(
            key=f"{doc.id}:{no}", doc_id=doc.id, no=no, label=label,
            heading=_heading(text, len(p["label"])), text=text,
            body=text[:k].rstrip() if k is not None else text, part=p["part"],
            lead_units=lead, partner_units=partner, units_text=text[k:] if k is not None else "",
            start=p["s"], end=p["e"]))
    keyed = iter(c.key for c in clauses)
    segments = [Segment(s.kind, s.start, s.end, next(keyed)) if s.kind == "clause" else s
                for s in segments]
    numbers = {i + 1: c.no for i, c in enumerate(clauses)}
    return ParsedDocument(
        doc=doc, raw=raw, title=doc.title, notice=None, preamble=preamble,
        parts=tuple(Part(label=_part_label(t), title=t[len(_part_label(t)):].strip(" \t\u3000"),
                         numbers=tuple(numbers[i] for i in idx)) for t, idx in parts),
        clauses=tuple(clauses), segments=tuple(segments),
        cited_titles=tuple(CITED_RE.findall(preamble.text)) if preamble else ())


def _chunked(raw: str, doc: Document) -> ParsedDocument:
    """No numbering: paragraphs grouped into chunks ≤ CHUNK_CHARS, split at sentence ends."""
    units: list[tuple[int, int]] = []          # spans of paragraphs or sentences
    for m in re.finditer(r"[^\n]+", raw):
        s, e = m.span()
        if e - s <= CHUNK_CHARS:
            units.append((s, e))
            continue
        pos = s
        for piece in _SENT_END.split(raw[s:e]):
            while len(piece) > CHUNK_CHARS:    # one enormous sentence: cut, never drop
                units.append((pos, pos + CHUNK_CHARS))
                pos += CHUNK_CHARS
                piece = piece[CHUNK_CHARS:]
            if piece:
                units.append((pos, pos + len(piece)))
                pos += len(piece)
    chunks: list[list[int]] = []
    for s, e in units:
        if chunks and e - chunks[-1][0] <= CHUNK_CHARS:
            chunks[-1][1] = e
        else:
            chunks.append([s, e])
    if not chunks:
        raise CorpusError(f"{doc.id}: the document has no text")
    clauses, segments = [], []
    bounds = [c[0] for c in chunks] + [len(raw)]
    if bounds[0] > 0:
        segments.append(Segment("blank", 0, bounds[0]))
    for n, (s, e) in enumerate(chunks, 1):
        s2, e2 = _trim(raw, s, e)
        text = raw[s2:e2]
        key = f"{doc.id}:{n}"
        clauses.append(Clause(key=key, doc_id=doc.id, no=n, label=f"第{n}段", heading=_heading(text, 0),
                              text=text, body=text, start=s2, end=e2))
        segments.append(Segment("clause", s, bounds[n], key))
    return ParsedDocument(doc=doc, raw=raw, title=doc.title, notice=None, preamble=None,
                          parts=(), clauses=tuple(clauses), segments=tuple(segments))


def parse_document(raw: str, doc: Document) -> ParsedDocument:
    """Dispatch on the manifest's parser name."""
    if doc.parser == "city-measures":
        from .parser import parse_measures
        return parse_measures(raw, doc)
    return parse_general(raw, doc)


__all__ = ["parse_general", "parse_document", "detect_style", "_parse_notice"]
