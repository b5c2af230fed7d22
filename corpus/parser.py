"""Parse a city measures document (notice → title → preamble → parts → measures).

Every piece keeps its offsets into the source text, and the segments tile the text
exactly, so `join_segments(parsed) == raw` — nothing is lost or rewritten.
"""
from __future__ import annotations

import re

from .errors import CorpusError
from .model import Clause, Document, Notice, ParsedDocument, Part, Segment
from .numerals import cn_to_int, label_for
from .units import find_units_bracket, parse_units

_WS = " \t\u3000\r\n"
PART_RE = re.compile(r"^[ \t\u3000]*([一二三四五六七八九十]+)、[ \t\u3000]*(\S[^\n]*?)[ \t\u3000]*$", re.M)
MEASURE_RE = re.compile(r"^[ \t\u3000]*[（(]([一二三四五六七八九十百]+)[）)]", re.M)
DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
PREAMBLE_RE = re.compile(r"^[ \t\u3000]*(根据|为(?:了)?(?:深入|贯彻|进一步|促进|加快|推动))", re.M)
TRAILER_RE = re.compile(r"^[ \t\u3000]*(公开方式|抄送|抄报|附件)[：:]", re.M)
CITED_RE = re.compile(r"《([^《》]+)》")


def iso_date(text: str) -> str | None:
    m = DATE_RE.search(text)
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _trim(raw: str, start: int, end: int) -> tuple[int, int]:
    while start < end and raw[start] in _WS:
        start += 1
    while end > start and raw[end - 1] in _WS:
        end -= 1
    return start, end


def heading_of(body: str) -> str:
    """First sentence of a measure body after its label (up to and with 。)."""
    m = MEASURE_RE.match(body)
    rest = body[m.end():] if m else body
    cut = rest.find("。")
    return rest[: cut + 1] if cut >= 0 else rest.strip()


def _parse_notice(raw: str, end: int) -> Notice | None:
    text = raw[:end]
    m = None
    for m in DATE_RE.finditer(text):
        pass
    if m is None:
        return None
    lines = [ln.strip(_WS) for ln in text[: m.start()].splitlines()]
    lines = [ln for ln in lines if ln]
    addressees = next((ln for ln in lines if ln.endswith(("：", ":"))), "")
    issuer = lines[-1] if lines and not lines[-1].endswith(("。", "：", ":")) else ""
    return Notice(text=text.strip(_WS), addressees=addressees.rstrip("：:"), issuer=issuer,
                  date=iso_date(m.group(0)))


def parse_measures(raw: str, doc: Document) -> ParsedDocument:
    """Parse the text of a measures document. Raises CorpusError if it has no measures."""
    if raw.startswith("\ufeff"):
        raise CorpusError("the text still has a byte-order mark; decode it with 'utf-8-sig'")
    first_part = PART_RE.search(raw)
    measures = list(MEASURE_RE.finditer(raw))
    if not measures:
        raise CorpusError(f"{doc.id}: no numbered measures like （一） found; "
                          "is this a measures document? check the file and its encoding")
    pre = PREAMBLE_RE.search(raw, 0, first_part.start() if first_part else measures[0].start())
    body_start = pre.start() if pre else (first_part.start() if first_part else measures[0].start())

    # notice: everything up to the line with the last date before the title
    notice = None
    notice_end = 0
    head = raw[:body_start]
    dates = list(DATE_RE.finditer(head))
    if dates:
        line_end = head.find("\n", dates[-1].end())
        notice_end = len(head) if line_end < 0 else line_end + 1
        notice = _parse_notice(raw, notice_end)
    title_text = "".join(ln.strip(_WS) for ln in raw[notice_end:body_start].splitlines())
    title = title_text or doc.title

    # boundaries of parts, measures and the trailer
    marks: list[tuple[int, str, re.Match]] = []
    for m in PART_RE.finditer(raw, body_start):
        # a part heading is a short line of its own, not a sentence
        if len(m.group(2)) <= 30 and not m.group(2).endswith("。"):
            marks.append((m.start(), "part", m))
    for m in measures:
        if m.start() >= body_start:
            marks.append((m.start(), "clause", m))
    trailer = TRAILER_RE.search(raw, measures[-1].end())
    if trailer:
        marks.append((trailer.start(), "trailer", trailer))
    marks.sort(key=lambda t: t[0])

    segments: list[Segment] = []
    if notice_end:
        segments.append(Segment("notice", 0, notice_end))
    if body_start > notice_end:
        segments.append(Segment("title", notice_end, body_start))
    preamble = None
    first_mark = marks[0][0] if marks else len(raw)
    if pre:
        s, e = _trim(raw, body_start, first_mark)
        ptext = raw[s:e]
        preamble = Clause(key=f"{doc.id}:0", doc_id=doc.id, no=0, label="序言",
                          heading="", text=ptext, body=ptext, start=s, end=e)
        segments.append(Segment("preamble", body_start, first_mark, preamble.key))
    elif first_mark > body_start:
        segments.append(Segment("blank", body_start, first_mark))

    parts: list[list] = []
    clauses: list[Clause] = []
    seen: set[int] = set()
    for i, (pos, kind, m) in enumerate(marks):
        nxt = marks[i + 1][0] if i + 1 < len(marks) else len(raw)
        if kind == "part":
            parts.append([m.group(1) + "、", m.group(2).strip(_WS), []])
            segments.append(Segment("part", pos, nxt, m.group(1) + "、"))
        elif kind == "trailer":
            segments.append(Segment("trailer", pos, nxt))
        else:
            no = cn_to_int(m.group(1))
            if no in seen:
                raise CorpusError(f"{doc.id}: measure {label_for(no)} appears twice; "
                                  "fix the numbering in the source file")
            seen.add(no)
            s, e = _trim(raw, pos, nxt)
            text = raw[s:e]
            k = find_units_bracket(text)
            units = text[k:] if k is not None else ""
            lead, partner = parse_units(units) if units else ((), ())
            part_name = (parts[-1][0] + parts[-1][1]) if parts else ""
            if parts:
                parts[-1][2].append(no)
            clauses.append(Clause(
                key=f"{doc.id}:{no}", doc_id=doc.id, no=no,
                label=text[: m.end() - m.start()].strip(_WS), heading=heading_of(text),
                text=text, body=text[:k].rstrip(_WS) if k is not None else text,
                part=part_name, lead_units=lead, partner_units=partner, units_text=units,
                start=s, end=e))
            segments.append(Segment("clause", pos, nxt, f"{doc.id}:{no}"))

    cited = tuple(CITED_RE.findall(preamble.text)) if preamble else ()
    return ParsedDocument(
        doc=doc, raw=raw, title=title, notice=notice, preamble=preamble,
        parts=tuple(Part(label=p[0], title=p[1], numbers=tuple(p[2])) for p in parts),
        clauses=tuple(clauses), segments=tuple(segments), cited_titles=cited)


def join_segments(parsed: ParsedDocument) -> str:
    return "".join(parsed.raw[s.start:s.end] for s in parsed.segments)
