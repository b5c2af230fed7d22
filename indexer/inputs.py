"""What a build reads: the corpus fingerprint, the texts (checked against their hashes), the
passages' vectors (cached per document, checked before reuse)."""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from corpus.manifest import Manifest
from corpus.model import Clause, ParsedDocument

from .bm25 import VARIANT
from .encoders import Encoder
from .settings import Settings
from .examples import fingerprint as examples_fingerprint
from .tokenize import resources_fingerprint


def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "unknown"


def fingerprint(manifest: Manifest, settings: Settings) -> str:
    from .snapshot import FORMAT
    h = hashlib.sha256()
    h.update(f"format={FORMAT};bm25={VARIANT}".encode())
    h.update(corpus_fingerprint(manifest).encode())
    h.update(resources_fingerprint().encode())
    h.update(examples_fingerprint().encode())
    h.update(json.dumps(settings.index_params(), sort_keys=True).encode())
    return h.hexdigest()


def corpus_fingerprint(manifest: Manifest) -> str:
    """Hash of the manifest entries and the documents' texts. A user-added document counts by
    the sha256 of its stored text (checked against the file whenever it is parsed), not by its
    path, so readers need not read the texts and a moved POLICYQA_HOME is the same corpus."""
    h = hashlib.sha256()
    for d in manifest.documents:
        if d.sha256:
            h.update(_repr_without_source(d).encode())
            h.update(d.sha256.encode())
        else:
            h.update(repr(d).encode())
            if d.loaded:
                h.update(manifest.source_path(d).read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=8)
def _params_json(settings: Settings) -> str:
    return json.dumps(settings.index_params(), sort_keys=True)


def _repr_without_source(d) -> str:
    """repr(dataclasses.replace(d, source="")) without replace's __init__ (a key is computed
    for every document of the library on every add: 10^4 calls)."""
    c = object.__new__(type(d))
    c.__dict__.update(d.__dict__, source="")
    return repr(c)


def doc_key(manifest: Manifest, d, settings: Settings, resources: str) -> str:
    """What one document's segment rows were built from: its manifest entry and text, the
    dictionaries (`resources`, tokenize.resources_fingerprint), the index settings and format.
    A document whose key is unchanged keeps its segment rows; any change rebuilds them."""
    from .snapshot import FORMAT
    h = hashlib.sha256()
    h.update(f"format={FORMAT};bm25={VARIANT};{resources};".encode())
    h.update(_params_json(settings).encode())
    if d.sha256:
        h.update(_repr_without_source(d).encode())
        h.update(d.sha256.encode())
    else:
        h.update(repr(d).encode())
        h.update(manifest.source_path(d).read_bytes())
    return h.hexdigest()


def index_text(c: Clause, traditional: bool = False) -> str:
    """What retrieval sees of a clause: its body without the units bracket, in simplified
    characters (a traditional-character document is converted; its display text is not)."""
    if traditional:
        from corpus.loaders import to_simplified
        return to_simplified(c.body)
    return c.body


def embed_cached(encoder: Encoder, passages: list[str], cache: Path,
                 query: bool = False) -> tuple[np.ndarray, bool]:
    """Passage vectors of one document (query vectors when `query`), reused from `cache` when
    the same encoder has embedded exactly these texts before. Returns (vectors, fresh?)."""
    key = hashlib.sha256((encoder.id + ("\x00query" if query else "") + "\x00" +
                          "\x00".join(passages)).encode()).hexdigest()
    path = cache / f"{key}.npy"
    if path.exists():
        try:
            vecs = np.load(path, allow_pickle=False)
            with np.errstate(all="ignore"):
                norms = np.linalg.norm(vecs, axis=1) if vecs.ndim == 2 else None
            # a damaged cache entry is re-embedded, never trusted
            if vecs.shape[0] == len(passages) and norms is not None and \
                    np.all(np.isfinite(norms)) and np.all(np.abs(norms - 1) < 1e-2):
                return vecs, False
        except (OSError, ValueError, EOFError):
            pass
    vecs = encoder.encode_queries(passages) if query else encoder.encode_passages(passages)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f"{key}.{os.getpid()}.tmp.npy"
    np.save(tmp, vecs, allow_pickle=False)
    os.replace(tmp, path)
    return vecs, True


def parse_checked(manifest: Manifest, only: set[str] | None = None) -> tuple[ParsedDocument, ...]:
    """Parse every loaded document (those in `only`, when given); a user document's stored
    text must match its sha256."""
    from corpus.errors import CorpusError
    from corpus.general import parse_document
    out = []
    for d in manifest.loaded:
        if only is not None and d.id not in only:
            continue
        text = manifest.read(d)
        if d.sha256 and hashlib.sha256(text.encode("utf-8")).hexdigest() != d.sha256:
            raise CorpusError(f"{d.id}: the stored text {manifest.source_path(d)} was changed after "
                              f"it was added; add the document again (policyqa add FILE --id {d.id}) "
                              f"or remove it (policyqa remove {d.id})")
        out.append(parse_document(text, d))
    return tuple(out)


CLAUSE_CHARS = 512     # the encoder reads at most ~512 tokens; longer texts are cut here


def clause_texts(parsed: ParsedDocument) -> list[str]:
    """The texts a build embeds as whole-clause vectors for one document (segment.build)."""
    trad = parsed.doc.traditional
    return [index_text(c, trad)[:CLAUSE_CHARS] for c in parsed.all_clauses]


def document_passages(parsed: ParsedDocument) -> list[str]:
    """The passages a build embeds for one document, in the build's order (store._build)."""
    from .dense import passages
    trad = parsed.doc.traditional
    return [s for c in parsed.all_clauses for _, s in passages(index_text(c, trad))]


EXAMPLE_CHUNK = 256     # example questions per cache entry


def embed_questions(encoder, questions: list[str], cache: Path) -> np.ndarray:
    """Query vectors of the example questions, cached per chunk of EXAMPLE_CHUNK in file order:
    an example appended (a staff feedback export) re-encodes its chunk, not all ~1,800."""
    if not questions:
        return embed_cached(encoder, [], cache, query=True)[0]
    return np.concatenate([embed_cached(encoder, questions[i:i + EXAMPLE_CHUNK], cache, query=True)[0]
                           for i in range(0, len(questions), EXAMPLE_CHUNK)])
