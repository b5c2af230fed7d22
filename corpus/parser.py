"""The city measures (notice → title → preamble → 5 parts 一、 → 21 measures （一）) are parsed
by the general parser (corpus/general.py) with the （一） numbering style required; this
module keeps the names other code and tests import.

Every piece keeps its offsets into the source text, and the segments tile the text
exactly, so `join_segments(parsed) == raw` — nothing is lost or rewritten.
"""
from __future__ import annotations

from .docmeta import DATE_RE, PREAMBLE_RE, iso_date
from .general import join_segments, parse_general
from .model import Document, ParsedDocument
from .text import CITED_RE, TRAILER_RE, parse_notice, trim


def parse_measures(raw: str, doc: Document) -> ParsedDocument:
    """Parse the text of a measures document. Raises CorpusError if it has no measures
    like （一）, or one measure number twice."""
    return parse_general(raw, doc, style="paren")


__all__ = ["parse_measures", "join_segments", "iso_date", "DATE_RE", "PREAMBLE_RE",
           "CITED_RE", "TRAILER_RE", "parse_notice", "trim"]
