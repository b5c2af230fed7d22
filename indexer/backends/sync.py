"""Keep the Milvus collections in step with the committed (embedded) index, per document.

Each document is keyed by its id and a content hash of what Milvus holds for it (clause keys and
retrieval texts, the encoder, the tokenizer's dictionaries). `sync` compares the hashes in
`<prefix>_docs` with the committed index and, for each document that differs, deletes its rows
by doc_id and inserts them again; the document's row in `<prefix>_docs` is deleted first and
written last, so a sync cut off anywhere is finished by the next one (idempotent). Vectors are
ours — `embed_cached`, cached per document, so the numbers are the embedded index's.

`sync_after_commit(root, settings)` is the one call for writers after a commit; readers also
sync when they open the Milvus backend (milvus-lite allows one process per file).
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from corpus.lock import writer_lock

from ..dense import passages
from ..fields import CLAUSE_CHARS
from ..inputs import embed_cached, index_text
from ..tokenize import char_bigrams, resources_fingerprint, tokenize
from . import BackendConfig, BackendError
from . import milvus_schema as ms

META, BUILD = "__meta__", "__build__"
BATCH = 500


def doc_sha(parsed, encoder_id: str) -> str:
    h = hashlib.sha256(f"{encoder_id}\x00{resources_fingerprint()}\x00{parsed.doc.id}".encode())
    for c in parsed.all_clauses:
        h.update(f"\x00{c.key}\x01{c.no}\x01".encode())
        h.update(index_text(c, parsed.doc.traditional).encode())
    return h.hexdigest()


def document_rows(parsed, encoder, cache: Path) -> tuple[list[dict], list[dict]]:
    """The clause rows and passage rows of one document (vectors from the embedding cache)."""
    trad = parsed.doc.traditional
    clauses = parsed.all_clauses
    texts = [index_text(c, trad) for c in clauses]
    per_clause = [[s for _, s in passages(t)] for t in texts]
    flat = [s for ps in per_clause for s in ps]
    pvecs = embed_cached(encoder, flat, cache)[0] if flat else []
    cvecs = embed_cached(encoder, [t[:CLAUSE_CHARS] for t in texts], cache)[0] if texts else []
    crows, prows, g = [], [], 0
    for c, t, ps, cv in zip(clauses, texts, per_clause, cvecs):
        words, grams = ms.terms_text(tokenize(t)), ms.terms_text(char_bigrams(t))
        for name, s in (("words", words), ("grams", grams)):
            if len(s) > ms.MAX_TEXT:
                raise BackendError(f"{c.key}: the clause is too long for one Milvus VARCHAR ({name}: "
                                   f"{len(s)} > {ms.MAX_TEXT} bytes); split the document into "
                                   "shorter clauses or use POLICYQA_BACKEND=embedded")
        searchable = c.no != 0
        crows.append({"key": c.key, "doc_id": c.doc_id, "searchable": searchable, "words": words,
                      "grams": grams, "clause_vec": [float(x) for x in cv]})
        for j in range(len(ps)):
            prows.append({"pid": f"{c.key}#{j}", "key": c.key, "ord": j, "doc_id": c.doc_id,
                          "searchable": searchable, "vec": [float(x) for x in pvecs[g]]})
            g += 1
    return crows, prows


def _held(backend) -> dict[str, str]:
    it = backend.client.query_iterator(backend.names["docs"], batch_size=1000,
                                       filter='doc_id != ""', output_fields=["doc_id", "sha"])
    out = {}
    try:
        while batch := it.next():
            out.update((r["doc_id"], r["sha"]) for r in batch)
    finally:
        it.close()
    return out


def _marker(backend, doc_id: str, sha: str, clauses: int = 0, passages: int = 0) -> None:
    backend.client.upsert(backend.names["docs"], [{"doc_id": doc_id, "sha": sha, "clauses": clauses,
                                                    "passages": passages, "unused": [0.0, 0.0]}])


def _delete_doc(backend, doc_id: str) -> None:
    expr = f"doc_id == {json.dumps(doc_id, ensure_ascii=False)}"
    backend.client.delete(backend.names["clauses"], filter=expr)
    backend.client.delete(backend.names["passages"], filter=expr)


def _insert(backend, collection: str, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        backend.client.insert(backend.names[collection], rows[i:i + BATCH])


def sync(backend, data, encoder=None, rebuild: bool = False) -> dict:
    """Make Milvus hold exactly the documents of the committed index `data`."""
    from pymilvus.exceptions import MilvusException
    try:
        return _sync(backend, data, encoder, rebuild)
    except MilvusException as exc:
        why = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        raise BackendError(f"Milvus at {backend.uri} failed during the sync ({why}); run "
                           "`policyqa index --backend milvus` again (the sync resumes where it "
                           "stopped), or `--rebuild` to copy everything afresh") from None


def _sync(backend, data, encoder, rebuild: bool) -> dict:
    t0 = time.perf_counter()
    s = data.settings
    enc_id, dim = data.params["encoder"], int(data.params["dim"])
    meta = ms.meta_sha(enc_id, dim, s.k1, s.b)
    build = data.params.get("fingerprint", "")
    root = Path(data.root)
    with writer_lock(root / ".milvus.lock", what="Milvus sync"):
        created = rebuild or not ms.exists(backend.client, backend.config.collection)
        if not created:
            ms.load(backend.client, backend.config.collection)
        held = {} if created else _held(backend)
        if not created and held.get(META) != meta:
            created = True                      # another encoder, dimension, k1 or b
        if not created and held.get(BUILD) == build:
            return {"backend": "milvus", "up_to_date": True, "seconds": 0.0}
        if created:
            ms.create(backend.client, backend.config.collection, dim, s.k1, s.b, backend.lite)
            _marker(backend, META, meta)
            held = {META: meta}
        if encoder is None:
            from ..encoders import make_encoder
            encoder = make_encoder(s.encoder)
        if encoder.id != enc_id:
            raise BackendError(f"the index was embedded with {enc_id}, the encoder given is "
                               f"{encoder.id}; set POLICYQA_ENCODER to match or rebuild the index")
        want = {p.doc.id: (p, doc_sha(p, enc_id)) for p in data.documents}
        removed = [d for d in held if d not in (META, BUILD) and d not in want]
        changed = [d for d, (_, sha) in want.items() if held.get(d) != sha]
        _marker(backend, BUILD, "")             # in progress
        for d in removed:                       # rows first, marker last
            _delete_doc(backend, d)
            backend.client.delete(backend.names["docs"], ids=[d])
        added = {"clauses": 0, "passages": 0}
        for d in changed:                       # marker first, rows, marker last
            p, sha = want[d]
            if d in held:
                backend.client.delete(backend.names["docs"], ids=[d])
            if not created:
                _delete_doc(backend, d)         # also what a cut-off sync left behind
            crows, prows = document_rows(p, encoder, root / "embeddings")
            _insert(backend, "clauses", crows)
            _insert(backend, "passages", prows)
            _marker(backend, d, sha, len(crows), len(prows))
            added["clauses"] += len(crows)
            added["passages"] += len(prows)
        for name in backend.names.values():
            backend.client.flush(name)
        _marker(backend, BUILD, build)
        backend.client.flush(backend.names["docs"])
    return {"backend": "milvus", "uri": backend.uri, "created": created, "removed": removed,
            "changed": changed, **added, "seconds": round(time.perf_counter() - t0, 2)}


def sync_after_commit(root: Path | str, encoder=None, config: BackendConfig | None = None,
                      rebuild: bool = False) -> dict | None:
    """What a writer calls after committing an index: when the Milvus backend is configured,
    make it follow the committed index under `root` (`rebuild`: copy everything afresh).
    None when the backend is embedded."""
    config = config or BackendConfig.from_env()
    if config.name != "milvus":
        return None
    from .. import store
    from .milvus import MilvusBackend
    data = store.load(root)
    backend = MilvusBackend.connect(config, root)
    backend.attach(data)
    return sync(backend, data, encoder, rebuild=rebuild)


def describe(r: dict) -> str:
    """One line for the CLI."""
    if r.get("up_to_date"):
        return "Milvus is up to date with the index"
    what = "copied into new collections" if r.get("created") else "synced"
    return (f"Milvus {what} at {r['uri']}: {len(r['changed'])} document(s) written "
            f"({r['clauses']} clauses, {r['passages']} passages), {len(r['removed'])} removed, "
            f"in {r['seconds']:.1f}s")
