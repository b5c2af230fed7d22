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
from ..inputs import CLAUSE_CHARS, embed_cached, index_text
from ..tokenize import char_bigrams, resources_fingerprint, tokenize
from . import BackendConfig, BackendError
from . import milvus_schema as ms

META, BUILD, RESTAT = "__meta__", "__build__", "__restat__"
MARKERS = (META, BUILD, RESTAT)
BATCH = 500


def doc_sha(parsed, encoder_id: str) -> str:
    h = hashlib.sha256(f"{encoder_id}\x00{resources_fingerprint()}\x00{parsed.doc.id}".encode())
    for c in parsed.all_clauses:
        h.update(f"\x00{c.key}\x01{c.no}\x01".encode())
        h.update(index_text(c, parsed.doc.traditional).encode())
    return h.hexdigest()


def _texts(parsed) -> list[str]:
    return [index_text(c, parsed.doc.traditional) for c in parsed.all_clauses]


def clause_rows(parsed, encoder, cache: Path) -> list[dict]:
    """One row per clause: our tokens and bigrams (hex terms) and the clause vector."""
    clauses, texts = parsed.all_clauses, _texts(parsed)
    cvecs = embed_cached(encoder, [t[:CLAUSE_CHARS] for t in texts], cache)[0] if texts else []
    rows = []
    for c, t, cv in zip(clauses, texts, cvecs):
        words, grams = ms.terms_text(tokenize(t)), ms.terms_text(char_bigrams(t))
        for name, s in (("words", words), ("grams", grams)):
            if len(s) > ms.MAX_TEXT:
                raise BackendError(f"{c.key}: the clause is too long for one Milvus VARCHAR ({name}: "
                                   f"{len(s)} > {ms.MAX_TEXT} bytes); split the document into "
                                   "shorter clauses or use POLICYQA_BACKEND=embedded")
        rows.append({"key": c.key, "doc_id": c.doc_id, "searchable": c.no != 0, "words": words,
                     "grams": grams, "clause_vec": cv.tolist()})
    return rows


def passage_rows(parsed, encoder, cache: Path) -> list[dict]:
    """One row per passage, in the embedded build's order (the same cached vectors)."""
    per_clause = [[s for _, s in passages(t)] for t in _texts(parsed)]
    flat = [s for ps in per_clause for s in ps]
    vecs = embed_cached(encoder, flat, cache)[0] if flat else []
    rows, g = [], 0
    for c, ps in zip(parsed.all_clauses, per_clause):
        for j in range(len(ps)):
            rows.append({"pid": f"{c.key}#{j}", "key": c.key, "ord": j, "doc_id": c.doc_id,
                         "searchable": c.no != 0, "vec": vecs[g].tolist()})
            g += 1
    return rows


def prepared(docs: list, encoder, cache: Path, clauses: bool = True, passages_too: bool = True):
    """(parsed, clause rows, passage rows) per document in order, the next document's rows built
    in a thread while the caller inserts the current one: building rows is Python (tokenising,
    vectors to lists), inserting mostly waits on Milvus, so the two overlap on two cores. An
    error building a document's rows is raised when that document is reached."""
    from concurrent.futures import ThreadPoolExecutor

    def rows(p):
        return (p, clause_rows(p, encoder, cache) if clauses else [],
                passage_rows(p, encoder, cache) if passages_too else [])

    if not docs:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="milvus-rows") as pool:
        ahead = pool.submit(rows, docs[0])
        for nxt in docs[1:] + [None]:
            current = ahead.result()
            ahead = pool.submit(rows, nxt) if nxt is not None else None
            yield current


def _held(backend, want: list[str]) -> dict[str, str]:
    """{doc_id: sha} of the markers: the wanted ids in chunks, then any others."""
    docs, out = backend.names["docs"], {}
    ids = list(MARKERS) + want
    for i in range(0, len(ids), 1000):
        chunk = json.dumps(ids[i:i + 1000], ensure_ascii=False)
        for r in backend.client.query(docs, filter=f"doc_id in {chunk}",
                                      output_fields=["doc_id", "sha"], limit=1000):
            out[r["doc_id"]] = r["sha"]
    if want:
        every = json.dumps(ids, ensure_ascii=False)
        for r in backend.client.query(docs, filter=f"doc_id not in {every}",
                                      output_fields=["doc_id", "sha"], limit=16384):
            out[r["doc_id"]] = r["sha"]    # removed documents (more: the next sync)
    return out


def _marker(backend, doc_id: str, sha: str, clauses: int = 0, passages: int = 0) -> None:
    backend.client.upsert(backend.names["docs"], [{"doc_id": doc_id, "sha": sha, "clauses": clauses,
                                                    "passages": passages, "unused": [0.0, 0.0]}])


def _delete_doc(backend, doc_id: str, collections=("clauses", "passages")) -> None:
    expr = f"doc_id == {json.dumps(doc_id, ensure_ascii=False)}"
    for what in collections:
        backend.client.delete(backend.names[what], filter=expr)


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
    meta = ms.meta_sha(enc_id, dim, s.k1, s.b, backend.config.index)
    vec = ms.vec_index(backend.config.index, int((data.dense.owners >= 0).sum()))
    build = data.params.get("fingerprint", "")
    root, prefix = Path(data.root), backend.config.collection
    want = {p.doc.id: (p, doc_sha(p, enc_id)) for p in data.documents}
    with writer_lock(root / ".milvus.lock", what="Milvus sync"):
        created = rebuild or not ms.exists(backend.client, prefix)
        if not created:
            ms.load(backend.client, prefix)
        held = {} if created else _held(backend, list(want))
        if not created and held.get(META) != meta:
            created = True                      # another encoder, dimension, k1, b or index
        restat = RESTAT in held                 # a rewrite of the clauses was cut off
        if not created and held.get(BUILD) == build:
            return {"backend": "milvus", "up_to_date": True, "seconds": 0.0}
        if created:
            ms.create(backend.client, prefix, dim, s.k1, s.b, backend.lite, vec=vec)
            _marker(backend, META, meta)
            held = {META: meta}
        if encoder is None:
            from ..encoders import make_encoder
            encoder = make_encoder(s.encoder)
        if encoder.id != enc_id:
            raise BackendError(f"the index was embedded with {enc_id}, the encoder given is "
                               f"{encoder.id}; set POLICYQA_ENCODER to match or rebuild the index")
        cache = root / "embeddings"
        removed = [d for d in held if d not in MARKERS and d not in want]
        changed = [d for d, (_, sha) in want.items() if held.get(d) != sha]
        # milvus-lite scores BM25 with per-segment statistics (N, df, avgdl; deleted rows count
        # until compaction): after a change its clauses are rewritten as one fresh segment, so
        # the scores stay those of the whole corpus. A server keeps them per shard itself.
        restat = backend.lite and not created and (restat or bool(removed or changed))
        _marker(backend, BUILD, "")             # in progress
        if restat:
            _marker(backend, RESTAT, "")        # deleted when every clause is back
        for d in removed:                       # rows first, marker last
            _delete_doc(backend, d)
            backend.client.delete(backend.names["docs"], ids=[d])
        if restat:
            ms.create(backend.client, prefix, dim, s.k1, s.b, True, only=("clauses",))
        added = {"clauses": 0, "passages": 0}
        for p, crows, prows in prepared([want[d][0] for d in changed], encoder, cache):
            d, sha = p.doc.id, want[p.doc.id][1]  # marker first, rows, marker last
            if d in held:
                backend.client.delete(backend.names["docs"], ids=[d])
            if not created:                     # also what a cut-off sync left behind
                _delete_doc(backend, d, ("passages",) if restat else ("clauses", "passages"))
            if not restat:
                _insert(backend, "clauses", crows)
            _insert(backend, "passages", prows)
            _marker(backend, d, sha, len(crows), len(prows))
            added["clauses"] += len(crows)
            added["passages"] += len(prows)
        if restat:
            for _, crows, _ in prepared([p for p, _ in want.values()], encoder, cache,
                                        passages_too=False):
                _insert(backend, "clauses", crows)
            backend.client.flush(backend.names["clauses"])
            backend.client.delete(backend.names["docs"], ids=[RESTAT])
        for name in backend.names.values():
            backend.client.flush(name)
        _marker(backend, BUILD, build)
        backend.client.flush(backend.names["docs"])
    return {"backend": "milvus", "uri": backend.uri, "created": created, "removed": removed,
            "changed": changed, **added, "rewrote_clauses": restat,
            "seconds": round(time.perf_counter() - t0, 2)}


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
