"""The manifest: which documents exist, which are loaded, how they relate."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .model import LEVELS, Document, ParsedDocument
from .general import parse_document

DATA_DIR = Path(__file__).resolve().parent / "data"
MANIFEST = DATA_DIR / "manifest.json"


def plain_title(s: str | None) -> str:
    """A title or 文号 without book-title marks, brackets, dashes and spaces, for matching."""
    return re.sub(r"[《》“”\"'（）()〔〕\[\]［］\s－—-]", "", s or "")


def find_document(docs, title: str | None, number: str | None = None,
                  contained: bool = False) -> Document | None:
    """The document with this 文号, else this title or alias (`contained`: a long title or
    alias inside the given title also matches, e.g. a title with a suffix)."""
    from .library import normalise_number
    t = plain_title(title)
    for d in docs:
        if number and d.number and normalise_number(d.number) == normalise_number(number):
            return d
        names = [plain_title(n) for n in (d.title, *d.aliases)]
        if t and any(n == t or (contained and len(n) >= 12 and n in t) for n in names):
            return d
    return None


def _doc_from_json(d: dict) -> Document:
    missing = [k for k in ("id", "title", "level") if not d.get(k)]
    if missing:
        raise CorpusError(f"manifest entry {d!r} lacks {', '.join(missing)}; add them")
    if d["level"] not in LEVELS:
        raise CorpusError(f"manifest entry {d['id']}: level must be one of {', '.join(LEVELS)}")
    return Document(
        id=d["id"], title=d["title"], short=d.get("short") or d["title"],
        issuer=d.get("issuer") or "", date=d.get("date"), level=d["level"],
        number=d.get("number"), source=d.get("source"), url=d.get("url"),
        parser=d.get("parser") or "city-measures", aliases=tuple(d.get("aliases") or ()),
        implements=tuple(d.get("implements") or ()), effective=d.get("effective"),
        repealed=d.get("repealed"), traditional=bool(d.get("traditional")),
        sha256=d.get("sha256"), format=d.get("format"), published=d.get("published"),
        revised=d.get("revised"), superseded_by=d.get("superseded_by"))


@dataclass(frozen=True)
class Manifest:
    documents: tuple[Document, ...]
    data_dir: Path

    def get(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    @property
    def loaded(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.loaded)

    @property
    def missing(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if not d.loaded)

    def source_path(self, doc: Document) -> Path:
        if not doc.source:
            raise CorpusError(f"{doc.id} is referenced but not loaded")
        return Path(doc.source) if Path(doc.source).is_absolute() else self.data_dir / doc.source

    def read(self, doc: Document) -> str:
        path = self.source_path(doc)
        try:
            return path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise CorpusError(f"{doc.id}: source file {path} is missing; restore it or "
                              "remove the entry from the manifest") from None
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{doc.id}: {path} is not UTF-8 ({exc.reason}); "
                              "save it as UTF-8") from None

    def parse_all(self) -> tuple[ParsedDocument, ...]:
        return tuple(parse_document(self.read(d), d) for d in self.loaded)

    def fingerprint(self) -> str:
        """Hash of the manifest and every loaded source file."""
        h = hashlib.sha256()
        for d in self.documents:
            h.update(repr(d).encode())
            if d.loaded:
                h.update(self.source_path(d).read_bytes())
        return h.hexdigest()


def load_manifest(path: Path | str = MANIFEST) -> Manifest:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"manifest {path} not found") from None
    except json.JSONDecodeError as exc:
        raise CorpusError(f"manifest {path} is not valid JSON: {exc}") from None
    docs = tuple(_doc_from_json(d) for d in data.get("documents", []))
    ids = [d.id for d in docs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CorpusError(f"manifest {path}: duplicate ids {dupes}; make each id unique")
    return Manifest(documents=docs, data_dir=path.parent)


def load_builtin() -> Manifest:
    return load_manifest(MANIFEST)
