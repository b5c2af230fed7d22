"""The user's documents: `policyqa add / remove`, stored beside the index.

Documents live in `<home>/documents/` (home: env POLICYQA_HOME, default `.policyqa` in the
project); corpus.docstore describes the layout. The effective manifest is the built-in one with
the user's entries added, or filling a built-in entry that references the same document (by 文号
or title). A change is staged (`stage_add`, `stage_remove`: new files only), the caller builds
the index from `change.entries`, then `commit` makes it take effect in one rename; `add` and
`remove` do stage + commit without an index, under the writer lock.
"""
from __future__ import annotations

import datetime
import hashlib
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from . import docstore
from .errors import CorpusError
from .general import parse_document
from .loaders import Loaded, is_traditional, load
from .manifest import Manifest, _doc_from_json, find_document, load_builtin
from .model import LEVELS, Document
from .versions import resolve_versions
from .docmeta import iso_date, read_dates, read_title
from .level import guess_level, read_issuer

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NUMBER_RE = re.compile(r"[\u4e00-\u9fa5]{1,10}[〔\[［(（]\s*(\d{4})\s*[〕\]］)）]\s*(\d{1,4})\s*号")


def home() -> Path:
    """The user's documents folder: $POLICYQA_HOME (absolute; a relative one is taken from the
    working directory) or .policyqa in the project."""
    return Path(os.environ.get("POLICYQA_HOME", PROJECT_ROOT / ".policyqa")).expanduser().absolute()


MAX_CLAUSES = int(os.environ.get("POLICYQA_MAX_CLAUSES", 5000))


def _read_user(h: Path) -> list[dict]:
    return docstore.read_entries(h)


def effective_manifest(h: Path | None = None, base: Manifest | None = None,
                       entries: list[dict] | None = None) -> Manifest:
    """Built-in documents plus the user's (`entries`: a staged change's instead of the committed
    ones), user entries filling the references they match."""
    h = Path(h).absolute() if h else home()   # sources resolve under it, not under corpus/data
    base = base or load_builtin()
    docs = {d.id: d for d in base.documents}
    order = [d.id for d in base.documents]
    for entry in _read_user(h) if entries is None else entries:
        entry = dict(entry)
        if entry.get("source"):
            entry["source"] = str(docstore.resolve_source(h, entry["source"]))
        doc = _doc_from_json(entry)
        if doc.id not in docs:
            order.append(doc.id)
        docs[doc.id] = doc
    # several versions of one document: the older ones are marked superseded (corpus.versions)
    return Manifest(documents=resolve_versions(docs[i] for i in order), data_dir=base.data_dir)


def normalise_number(s: str) -> str:
    m = NUMBER_RE.search(s or "")
    return f"{s[: m.start(1)].rstrip('〔[［(（ ').strip()}〔{m.group(1)}〕{m.group(2)}号" if m else (s or "")


def infer_metadata(text: str, title_hint: str = "") -> dict:
    """Title, dates and 文号 read from the text where it can (corpus.docmeta)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = read_title(text, title_hint)        # a page's <h1>/<title>, else the heading lines
    # a 文号 stands on a line of its own near the top; one inside a sentence is a citation
    own = next((ln for ln in lines[:15] if NUMBER_RE.fullmatch(ln.strip(" 　"))), None)
    number = normalise_number(own) if own else None
    dates = read_dates(text)
    head = "\n".join(lines[:12]) + "\n" + "\n".join(lines[-8:])
    return {"title": title, "number": number, "date": dates.in_force or iso_date(head),
            "published": dates.published, "revised": dates.revised, "effective": dates.effective}


def match_reference(manifest: Manifest, title: str, number: str | None) -> Document | None:
    """A manifest entry this document is (by 文号, else title/alias)."""
    return find_document(manifest.documents, title, number, contained=True)


def cited_documents(parsed, manifest: Manifest, exclude: str = "") -> tuple[str, ...]:
    """Ids of manifest documents the preamble cites by 《title》 or 文号: what it implements."""
    pre = parsed.preamble.text if parsed.preamble else ""
    found: list[str] = []
    for title in parsed.cited_titles:
        d = find_document(manifest.documents, title)
        if d and d.id != exclude and d.id not in found:
            found.append(d.id)
    for m in NUMBER_RE.finditer(pre):
        d = find_document(manifest.documents, None, m.group(0))
        if d and d.id != exclude and d.id not in found:
            found.append(d.id)
    return tuple(found)


def check_date(name: str, value: str | None) -> None:
    if not value:
        return
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        datetime.date.fromisoformat(value)
    except ValueError:
        raise CorpusError(f"{name} must be a real date like 2021-08-04 (got {value!r})") from None


@dataclass(frozen=True)
class AddResult:
    doc: Document
    status: str                  # added | replaced | unchanged
    filled: bool                 # it filled a referenced entry of the manifest
    clauses: int


@dataclass(frozen=True)
class Change:
    """A staged change: the user entries it would commit, and the folder it wrote."""
    entries: list[dict]
    staged: Path | None = None
    result: AddResult | None = None
    removed: Document | None = None
    notes: list[str] = field(default_factory=list)


def add(source: str, h: Path | None = None, **kw) -> AddResult:
    """Add (or replace) a document and commit it, without touching any index."""
    h = h or home()
    with docstore.writer(h):
        change = stage_add(source, h, **kw)
        if change.staged is not None:
            commit(h, change)
        return change.result


def remove(doc_id: str, h: Path | None = None) -> Document:
    """Remove a user-added document and commit it, without touching any index."""
    h = h or home()
    with docstore.writer(h):
        change = stage_remove(doc_id, h)
        commit(h, change)
        return change.removed


def commit(h: Path, change: Change) -> None:
    """Make a staged change take effect (one rename of manifest.json), then delete what no
    entry points at. Call it holding `docstore.writer(h)`."""
    docstore.commit(h, change.entries)
    try:
        docstore.cleanup(h, change.entries)
    except OSError:
        pass                     # leftovers are removed by the next writer


def abort(h: Path, change: Change) -> None:
    """Forget a staged change that was not committed."""
    if change.staged is not None:
        import shutil
        shutil.rmtree(change.staged, ignore_errors=True)


def repair(h: Path, entries: list[dict], contents: bool = True) -> list[str]:
    """Restore stored texts that are missing or altered from the originals beside them
    (`contents=False`: missing ones only, see docstore.repair_texts)."""
    return docstore.repair_texts(h, entries, lambda p: load(p).text, contents)


def stage_add(source: str, h: Path | None = None, *, doc_id: str | None = None,
              title: str | None = None, level: str | None = None, issuer: str | None = None,
              date: str | None = None, number: str | None = None,
              implements: list[str] | None = None, effective: str | None = None,
              repealed: str | None = None, loaded: Loaded | None = None,
              committed: list[dict] | None = None) -> Change:
    """Stage one document. `committed`: the user entries to stage on top of (a bulk add's
    entries so far, under its lock); default the committed manifest."""
    h = h or home()
    if level and level not in LEVELS:
        raise CorpusError(f"--level must be one of {', '.join(LEVELS)}")
    for name, value in (("--date", date), ("--effective", effective), ("--repealed", repealed)):
        check_date(name, value)
    committed = _read_user(h) if committed is None else committed
    manifest = effective_manifest(h, entries=committed)
    if doc_id and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", doc_id):
        raise CorpusError(f"id {doc_id!r}: use letters, digits, '.', '_' or '-' (e.g. gx-2021)")
    for ref_id in implements or ():
        if not manifest.get(ref_id) or ref_id == doc_id:
            raise CorpusError(f"--implements {ref_id}: no such document; `policyqa docs` lists "
                              "the ids (loaded and referenced)")
    loaded = loaded or load(source)
    text = loaded.text
    meta = infer_metadata(text, loaded.title_hint)
    number = normalise_number(number) if number else meta["number"]
    title = title or meta["title"]
    ref = match_reference(manifest, title, number)
    if doc_id and ref and ref.id != doc_id and ref.loaded:
        ref = None
    target_id = doc_id or (ref.id if ref else None)
    if not target_id:
        raise CorpusError("cannot tell which document this is; give it an id with --id "
                          "(and --title/--level if the text does not show them)")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", target_id):
        raise CorpusError(f"id {target_id!r}: use letters, digits, '.', '_' or '-' (e.g. gx-2021)")
    base_doc = manifest.get(target_id)
    if base_doc and base_doc.loaded and not base_doc.sha256:
        raise CorpusError(f"{target_id} is a built-in document; it cannot be replaced")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if base_doc and base_doc.sha256 == digest:
        return Change(committed, None, AddResult(base_doc, "unchanged", bool(ref and ref.id == target_id), -1))
    base = base_doc or Document(id=target_id, title=title or target_id, short=title or target_id,
                                issuer="", date=None, level="city")
    issuer = issuer or base.issuer or ("" if base_doc else read_issuer(title, text))
    doc = replace(
        base, title=title or base.title, short=base.short if base_doc else (title or target_id),
        issuer=issuer, date=date or meta["date"] or base.date,
        level=level or (base.level if base_doc else guess_level(title, issuer)),
        number=number or base.number, parser="general",
        implements=tuple(implements) if implements is not None else base.implements,
        effective=effective or base.effective or meta["effective"], repealed=repealed or base.repealed,
        published=meta["published"] or base.published, revised=meta["revised"] or base.revised,
        traditional=is_traditional(text), sha256=digest, format=loaded.format,
        source=f"documents/{target_id}/{digest[:16]}/text.txt")
    parsed = parse_document(text, doc)       # fails before anything is written
    if len(parsed.clauses) > MAX_CLAUSES:
        raise CorpusError(f"{target_id} has {len(parsed.clauses)} clauses, more than the limit of "
                          f"{MAX_CLAUSES}; split the document, or raise the limit with "
                          "POLICYQA_MAX_CLAUSES")
    if implements is None and not doc.implements:
        doc = replace(doc, implements=cited_documents(parsed, manifest, exclude=target_id))
    entry = _entry(doc)
    staged = docstore.stage(h, target_id, text, loaded.data or text.encode("utf-8"),
                            loaded.format, entry)
    entry["source"] = docstore.version_source(h, staged)
    entries = [e for e in committed if e["id"] != target_id] + [entry]
    return Change(entries, staged, AddResult(doc, "replaced" if base_doc and base_doc.sha256 else "added",
                                             bool(ref and ref.id == target_id), len(parsed.clauses)))


def _entry(doc: Document) -> dict:
    d = asdict(doc)
    d["aliases"], d["implements"] = list(doc.aliases), list(doc.implements)
    return d


def stage_remove(doc_id: str, h: Path | None = None) -> Change:
    """Stage the removal of a user-added document; a built-in reference returns to 'not loaded'."""
    h = h or home()
    entries = _read_user(h)
    if not any(e["id"] == doc_id for e in entries):
        if load_builtin().get(doc_id):
            raise CorpusError(f"{doc_id} is built in and cannot be removed")
        raise CorpusError(f"no added document {doc_id!r}; `policyqa docs` lists them")
    gone = next(_doc_from_json(e) for e in entries if e["id"] == doc_id)
    return Change([e for e in entries if e["id"] != doc_id], None, removed=gone)
