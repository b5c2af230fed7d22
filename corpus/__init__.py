"""Corpus: the documents, their manifest and the clause parser."""
from .model import Clause, Document, Notice, Part, Segment, ParsedDocument
from .manifest import Manifest, load_manifest, load_builtin
from .errors import CorpusError

__all__ = ["Clause", "Document", "Notice", "Part", "Segment", "ParsedDocument",
           "Manifest", "load_manifest", "load_builtin", "CorpusError"]
