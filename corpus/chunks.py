"""Documents without numbering: paragraphs grouped into chunks of at most CHUNK_CHARS
characters, split at sentence ends; nothing is dropped."""
from __future__ import annotations

import re

from .docmeta import read_title
from .errors import CorpusError
from .model import Clause, Document, ParsedDocument, Segment
from .text import heading, trim

CHUNK_CHARS = 400
_SENT_END = re.compile(r"(?<=[。！？；!?;])")


def chunked(raw: str, doc: Document) -> ParsedDocument:
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
        s2, e2 = trim(raw, s, e)
        text = raw[s2:e2]
        key = f"{doc.id}:{n}"
        clauses.append(Clause(key=key, doc_id=doc.id, no=n, label=f"第{n}段", heading=heading(text, 0),
                              text=text, body=text, start=s2, end=e2))
        segments.append(Segment("clause", s, bounds[n], key))
    return ParsedDocument(doc=doc, raw=raw, title=read_title(raw) or doc.title, notice=None,
                          preamble=None,
                          parts=(), clauses=tuple(clauses), segments=tuple(segments))
