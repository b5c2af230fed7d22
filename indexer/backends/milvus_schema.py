"""Connecting to Milvus and the three collections policyqa keeps there.

  <prefix>_clauses   key (pk), doc_id, searchable, words + words_sparse (BM25 over our jieba
                     tokens), grams + grams_sparse (BM25 over our character bigrams), clause_vec
  <prefix>_passages  pid (pk, key#ordinal), key, ord, doc_id, searchable, vec (passage vector)
  <prefix>_docs      doc_id (pk), sha: what the two above hold per document (written last, so a
                     document without its row here is re-copied by the next sync); two rows
                     `__meta__` (schema, encoder, k1, b, dim) and `__build__` (index fingerprint)

The passage vectors' index is BackendConfig.index (POLICYQA_MILVUS_INDEX): FLAT (exact), IVF_FLAT
(nlist ≈ 4·sqrt(passages) when the collections are created, `nprobe` lists searched) or HNSW
(M 16, efConstruction 200, `ef` at search). The clause vectors stay FLAT: they are searched only
among the dense run's own candidates (a filter on ≤ fusion_depth keys), which an approximate
index could leave out.

Text reaches Milvus pre-tokenised by our own tokenizer: every term is written as the hex of its
UTF-8 bytes, space-separated, so any Milvus analyzer (whitespace on a server; milvus-lite only
has standard/jieba, whose `\\w+` split gives the same terms) sees exactly our terms.
"""
from __future__ import annotations

import hashlib
import logging
import math
import threading
from pathlib import Path

from . import BackendConfig, BackendError, BackendUnavailable

SCHEMA_VERSION = 1
NOT_MARKER = 'doc_id not in ["__meta__", "__build__", "__restat__"]'   # rows of documents
MAX_TEXT = 65535          # bytes of a Milvus VARCHAR
_clients: dict[str, object] = {}
_lock = threading.Lock()


def term(t: str) -> str:
    return t.encode("utf-8").hex()


def terms_text(tokens) -> str:
    return " ".join(term(t) for t in tokens)


def is_lite(uri: str) -> bool:
    return not uri.lower().startswith(("http://", "https://", "tcp://", "unix:"))


def _pymilvus():
    try:
        import pymilvus
    except ImportError:
        raise BackendUnavailable("the Milvus backend needs the milvus extra: pip install "
                                 "'policyqa[milvus]' (or `make install-dev`), or set "
                                 "POLICYQA_BACKEND=embedded") from None
    return pymilvus


def connect(config: BackendConfig, index_root: Path | str):
    """A MilvusClient for the configured URI (one per URI in this process)."""
    uri = config.resolved_uri(index_root)
    pymilvus = _pymilvus()
    # pymilvus logs every failed call with a traceback; ours are translated into one line
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    if is_lite(uri):
        if not uri.endswith(".db"):
            raise BackendError(f"POLICYQA_MILVUS_URI {uri!r}: a milvus-lite file must end in .db "
                               "(e.g. /var/lib/policyqa/milvus.db); a server is http://host:19530")
        try:
            import milvus_lite  # noqa: F401
        except ImportError:
            raise BackendUnavailable("POLICYQA_MILVUS_URI is a file, which needs milvus-lite: pip "
                                     "install 'policyqa[milvus]', or point it at a server "
                                     "(http://host:19530)") from None
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        uri = str(Path(uri).resolve())
    with _lock:
        client = _clients.get(uri)
        if client is not None:
            return client, uri
        # in-process milvus-lite: no keepalive pings (its gRPC server answers frequent idle
        # pings with GOAWAY "too_many_pings")
        extra = {"grpc_options": {"grpc.keepalive_time_ms": 2**31 - 1,
                                  "grpc.keepalive_permit_without_calls": 0}} if is_lite(uri) else {}
        try:
            client = pymilvus.MilvusClient(uri=uri, token=config.token, timeout=config.timeout, **extra)
            client.list_collections(timeout=config.timeout)
        except Exception as exc:      # pymilvus raises MilvusException/grpc errors of many kinds
            raise BackendUnavailable(_unreachable(uri, exc)) from None
        _clients[uri] = client
        return client, uri


def _unreachable(uri: str, exc: Exception) -> str:
    why = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    if is_lite(uri):
        return (f"cannot open the milvus-lite file {uri} ({why}); milvus-lite serves one process at "
                "a time — stop the other policyqa process using it, or run a Milvus server and set "
                "POLICYQA_MILVUS_URI=http://host:19530")
    return (f"cannot reach Milvus at {uri} ({why}); start the server (README: \"Milvus backend\"), "
            "check POLICYQA_MILVUS_URI / POLICYQA_MILVUS_TOKEN, or set POLICYQA_BACKEND=embedded")


def names(prefix: str) -> dict[str, str]:
    return {k: f"{prefix}_{k}" for k in ("clauses", "passages", "docs")}


def meta_sha(encoder_id: str, dim: int, k1: float, b: float, index: str = "FLAT") -> str:
    """What the collections were built for; another index type means new collections (FLAT adds
    nothing, so collections made before the index became a setting stay valid)."""
    what = f"v{SCHEMA_VERSION};{encoder_id};{dim};{k1};{b}" + ("" if index == "FLAT" else f";{index}")
    return hashlib.sha256(what.encode()).hexdigest()


def vec_index(index: str, passages: int) -> tuple[str, dict]:
    """(index_type, build params) of the passage vectors for a corpus of `passages`."""
    if index == "IVF_FLAT":
        return index, {"nlist": int(min(65536, max(16, round(4 * math.sqrt(max(passages, 1))))))}
    if index == "HNSW":
        return index, {"M": 16, "efConstruction": 200}
    return "FLAT", {}


def search_params(config: BackendConfig, limit: int) -> dict:
    """The search parameters for the passage vectors' index (`limit` results wanted)."""
    if config.index == "IVF_FLAT":
        return {"nprobe": config.nprobe}
    if config.index == "HNSW":
        return {"ef": max(config.ef, limit)}      # Milvus requires ef ≥ limit
    return {}


def create(client, prefix: str, dim: int, k1: float, b: float, lite: bool,
           only: tuple[str, ...] = ("clauses", "passages", "docs"),
           vec: tuple[str, dict] = ("FLAT", {})) -> None:
    """Create the collections (dropping any of the same names); `vec`: the passage vectors'
    (index_type, params) from vec_index."""
    n = names(prefix)
    for what in only:
        if client.has_collection(n[what]):
            client.drop_collection(n[what])
        schema, ip = _BUILDERS[what](client, dim, k1, b, lite, vec)
        try:
            client.create_collection(n[what], schema=schema, index_params=ip)
        except Exception as exc:     # MilvusException: e.g. milvus-lite 2.5 has no HNSW
            if what != "passages" or vec[0] == "FLAT":
                raise
            why = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
            raise BackendError(f"POLICYQA_MILVUS_INDEX={vec[0]}: this Milvus does not build it "
                               f"({why}); choose another (FLAT, IVF_FLAT or HNSW) or unset it "
                               "for FLAT") from None


def _clauses(client, dim, k1, b, lite, vec):
    from pymilvus import DataType, Function, FunctionType
    analyzer = {"tokenizer": "standard" if lite else "whitespace"}
    bm25 = {"bm25_k1": float(k1), "bm25_b": float(b)}
    if lite:
        bm25["inverted_index_algo"] = "TAAT_NAIVE"
    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=512)
    s.add_field("doc_id", DataType.VARCHAR, max_length=128)
    s.add_field("searchable", DataType.BOOL)
    for f in ("words", "grams"):
        s.add_field(f, DataType.VARCHAR, max_length=MAX_TEXT, enable_analyzer=True,
                    analyzer_params=analyzer)
        s.add_field(f"{f}_sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_function(Function(name=f"{f}_bm25", function_type=FunctionType.BM25,
                                input_field_names=[f], output_field_names=[f"{f}_sparse"]))
    s.add_field("clause_vec", DataType.FLOAT_VECTOR, dim=dim)
    ip = client.prepare_index_params()
    for f in ("words", "grams"):
        ip.add_index(field_name=f"{f}_sparse", index_type="SPARSE_INVERTED_INDEX",
                     metric_type="BM25", params=dict(bm25))
    ip.add_index(field_name="clause_vec", index_type="FLAT", metric_type="IP")
    return s, ip


def _passages(client, dim, k1, b, lite, vec):
    from pymilvus import DataType
    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("pid", DataType.VARCHAR, is_primary=True, max_length=540)
    s.add_field("key", DataType.VARCHAR, max_length=512)
    s.add_field("ord", DataType.INT64)
    s.add_field("doc_id", DataType.VARCHAR, max_length=128)
    s.add_field("searchable", DataType.BOOL)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    ip = client.prepare_index_params()
    ip.add_index(field_name="vec", index_type=vec[0], metric_type="IP", params=dict(vec[1]))
    return s, ip


def _docs(client, dim, k1, b, lite, vec):
    from pymilvus import DataType
    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("doc_id", DataType.VARCHAR, is_primary=True, max_length=128)
    s.add_field("sha", DataType.VARCHAR, max_length=64)
    s.add_field("clauses", DataType.INT64)
    s.add_field("passages", DataType.INT64)
    s.add_field("unused", DataType.FLOAT_VECTOR, dim=2)   # Milvus requires a vector field
    ip = client.prepare_index_params()
    ip.add_index(field_name="unused", index_type="FLAT", metric_type="L2")
    return s, ip


_BUILDERS = {"clauses": _clauses, "passages": _passages, "docs": _docs}


def exists(client, prefix: str) -> bool:
    return all(client.has_collection(x) for x in names(prefix).values())


def load(client, prefix: str) -> None:
    """Load the collections for search (a new process finds them released)."""
    for name in names(prefix).values():
        client.load_collection(name)
