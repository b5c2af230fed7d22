"""A segment: the immutable index of a few documents, written once, never changed.

`segments/<name>/` holds everything retrieval needs for its documents:
  meta.json            documents (id → document key), counts, dim, and checksums of the files
  documents.json       the documents' records (title, notice, parts)
  clauses.jsonl        the clauses, text verbatim, one record a line; clauses.idx.npy their
                       byte offsets; clauses.cols.json key, document, number and units of every
                       row (read without building the clauses: clausetable.py)
  tok.* / bg.*         postings of jieba terms and of character bigrams (postings.py)
  p_owner.npy          clause row (in this segment) of every passage
  p_sent.npy           sentence index of every passage in its clause
  passage_vectors.npy  the passages' vectors (float32, unit length): what merges copy
  dense.faiss          the faiss index over them (flat; sq8 for a very large segment)
  clause_vectors.npy   one vector per clause (its whole retrieval text)
  title_vectors.npy    one vector per document (its title), in documents.json order
Adding a document writes one segment for it (time proportional to the document); a commit
lists its segments (store.py). Merging segments copies arrays and vectors; nothing is tokenised
or embedded again. A document's key (store.doc_key) says what it was built from.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import faiss
import numpy as np
import orjson

from corpus.model import ParsedDocument

from . import postings
from .dense import make_faiss_index, passages, read_faiss_index
from .inputs import clause_texts, index_text
from .clausetable import FILES as CLAUSE_FILES, ClauseWriter, SegmentClauses
from .integrity import checksums, verify
from .records import document_to_json
from .tokenize import char_bigrams, tokenize

FILES = ("documents.json",) + CLAUSE_FILES + ("p_owner.npy", "p_sent.npy", "passage_vectors.npy",
         "dense.faiss", "clause_vectors.npy", "title_vectors.npy") + postings.files("tok") + postings.files("bg")


def _fsync_tree(d: Path) -> None:
    for p in d.iterdir():
        with open(p, "rb+") as f:
            os.fsync(f.fileno())
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def new_name() -> str:
    return f"seg-{time.strftime('%Y%m%d-%H%M%S')}-{time.perf_counter_ns() % 10**9:09d}-{os.getpid()}"


def _finish(tmp: Path, final: Path, meta: dict, dense_kind: str, vectors: np.ndarray) -> Path:
    ix = make_faiss_index(vectors, dense_kind)
    faiss.write_index(ix, str(tmp / "dense.faiss"))
    meta["dense_index"] = type(ix).__name__
    meta["files"] = checksums(tmp, FILES)
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync_tree(tmp)
    tmp.rename(final)
    return final


def build(parsed: Sequence[ParsedDocument], keys: dict[str, str], seg_root: Path,
          embed: Callable[[str, list[str]], np.ndarray],
          embed_titles: Callable[[list[str]], np.ndarray], dim: int, dense_kind: str = "auto") -> Path:
    """Write a segment for `parsed` documents; `embed(doc_id, texts)` returns unit vectors
    (cached per document by the caller); `embed_titles(titles)` the documents' title vectors
    in one call. Returns the segment directory."""
    seg_root.mkdir(parents=True, exist_ok=True)
    name = new_name()
    tmp = seg_root / (name + ".tmp")
    tmp.mkdir()
    clauses = [c for p in parsed for c in p.all_clauses]
    trad = {p.doc.id: p.doc.traditional for p in parsed}
    texts = [index_text(c, trad.get(c.doc_id, False)) for c in clauses]
    owner, sent, vecs, cvecs, per_doc = [], [], [], [], {}
    start = 0
    for p in parsed:
        n = len(p.all_clauses)
        mine = [(row, i, s) for row in range(start, start + n) for i, s in passages(texts[row])]
        per_doc[p.doc.id] = len(mine)
        owner += [r for r, _, _ in mine]
        sent += [i for _, i, _ in mine]
        vecs.append(embed(p.doc.id, [s for _, _, s in mine]).reshape(len(mine), -1) if mine else
                    np.zeros((0, dim), np.float32))
        cvecs.append(embed(p.doc.id, clause_texts(p)) if n else np.zeros((0, dim), np.float32))
        start += n
    vectors = np.ascontiguousarray(np.concatenate(vecs) if vecs else np.zeros((0, dim)), np.float32)
    clause_vecs = np.ascontiguousarray(np.concatenate(cvecs) if cvecs else np.zeros((0, dim)), np.float32)
    names = [p.title or p.doc.title for p in parsed]
    titles = np.ascontiguousarray(embed_titles(names).reshape(len(names), -1) if parsed else
                                  np.zeros((0, dim)), np.float32)
    np.save(tmp / "title_vectors.npy", titles, allow_pickle=False)
    postings.build([tokenize(t) for t in texts]).save(tmp, "tok")
    postings.build([char_bigrams(t) for t in texts]).save(tmp, "bg")
    (tmp / "documents.json").write_text(json.dumps([document_to_json(p) for p in parsed],
                                                   ensure_ascii=False), encoding="utf-8")
    w = ClauseWriter(tmp)
    for c in clauses:
        w.add_clause(c)
    w.close()
    np.save(tmp / "p_owner.npy", np.asarray(owner, dtype=np.int32), allow_pickle=False)
    np.save(tmp / "p_sent.npy", np.asarray(sent, dtype=np.int32), allow_pickle=False)
    np.save(tmp / "passage_vectors.npy", vectors, allow_pickle=False)
    np.save(tmp / "clause_vectors.npy", clause_vecs, allow_pickle=False)
    meta = {"docs": {p.doc.id: keys[p.doc.id] for p in parsed},
            "keys": {p.doc.id: [c.key for c in p.all_clauses] for p in parsed},
            "passages_by_doc": per_doc, "clauses": len(clauses), "passages": len(owner), "dim": dim}
    return _finish(tmp, seg_root / name, meta, dense_kind, vectors)


@dataclass
class Segment:
    path: Path
    meta: dict
    documents: list           # document records (JSON)
    clauses: SegmentClauses   # keys, document, number by row; records read by row
    tok: postings.Postings
    bg: postings.Postings
    p_owner: np.ndarray
    p_sent: np.ndarray
    dense: object             # faiss index
    clause_vectors: np.ndarray
    title_vectors: np.ndarray  # one per document, documents order

    @property
    def name(self) -> str:
        return self.path.name

    def vectors(self) -> np.ndarray:
        return np.load(self.path / "passage_vectors.npy", allow_pickle=False, mmap_mode="r")

    @classmethod
    def load(cls, d: Path, check: bool = True) -> "Segment":
        meta = orjson.loads((d / "meta.json").read_bytes())
        if check:
            verify(d, meta.get("files"))
        docs = orjson.loads((d / "documents.json").read_bytes())
        clauses = SegmentClauses(d, int(meta.get("clauses", -1)))
        seg = cls(d, meta, docs, clauses, postings.Postings.load(d, "tok"), postings.Postings.load(d, "bg"),
                  np.load(d / "p_owner.npy", allow_pickle=False), np.load(d / "p_sent.npy", allow_pickle=False),
                  read_faiss_index(d / "dense.faiss"),
                  np.load(d / "clause_vectors.npy", allow_pickle=False, mmap_mode="r"),
                  np.load(d / "title_vectors.npy", allow_pickle=False))
        n = len(clauses)
        if seg.tok.n_rows != n or seg.bg.n_rows != n or len(seg.clause_vectors) != n or \
                seg.dense.ntotal != len(seg.p_owner) or len(seg.p_sent) != len(seg.p_owner) or \
                (len(seg.p_owner) and int(seg.p_owner.max()) >= n) or n != meta.get("clauses") or \
                len(seg.title_vectors) != len(docs):
            raise ValueError(f"segment {d.name} is inconsistent")
        return seg


def merge(segs: Sequence[tuple[Segment, set[str]]], seg_root: Path, dense_kind: str = "auto") -> Path:
    """One segment holding the documents of `segs` except the removed ones (the set beside
    each): arrays and vectors are copied, nothing is tokenised or embedded again."""
    name = new_name()
    tmp = seg_root / (name + ".tmp")
    tmp.mkdir()
    docs, owner, sent, vecs, cvecs, tok, bg, keys, ckeys = [], [], [], [], [], [], [], {}, {}
    w = ClauseWriter(tmp)
    per_doc: dict[str, int] = {}
    tvecs = []
    offset = 0
    for seg, removed in segs:
        keep = seg.clauses.keep(removed)
        new_row = np.cumsum(keep) - 1 + offset
        docs += [d for d in seg.documents if d["doc"]["id"] not in removed]
        tvecs += [v for d, v in zip(seg.documents, seg.title_vectors) if d["doc"]["id"] not in removed]
        keys.update({k: v for k, v in seg.meta["docs"].items() if k not in removed})
        ckeys.update({k: v for k, v in seg.meta["keys"].items() if k not in removed})
        per_doc.update({k: v for k, v in seg.meta["passages_by_doc"].items() if k not in removed})
        seg.clauses.copy_to(w, keep)
        live = keep[seg.p_owner] if len(seg.p_owner) else np.zeros(0, bool)
        owner.append(new_row[seg.p_owner[live]])
        sent.append(seg.p_sent[live])
        vecs.append(np.asarray(seg.vectors())[live])
        cvecs.append(np.asarray(seg.clause_vectors)[keep])
        tok.append((seg.tok, keep))
        bg.append((seg.bg, keep))
        offset += int(keep.sum())
    dim = int(segs[0][0].meta["dim"]) if segs else 1
    vectors = np.ascontiguousarray(np.concatenate(vecs) if vecs else np.zeros((0, dim)), np.float32)
    postings.merge(tok).save(tmp, "tok")
    postings.merge(bg).save(tmp, "bg")
    (tmp / "documents.json").write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    n = w.close()
    np.save(tmp / "p_owner.npy", np.concatenate(owner).astype(np.int32), allow_pickle=False)
    np.save(tmp / "p_sent.npy", np.concatenate(sent).astype(np.int32), allow_pickle=False)
    np.save(tmp / "passage_vectors.npy", vectors, allow_pickle=False)
    np.save(tmp / "clause_vectors.npy", np.ascontiguousarray(np.concatenate(cvecs), np.float32),
            allow_pickle=False)
    np.save(tmp / "title_vectors.npy", np.asarray(tvecs, np.float32).reshape(len(tvecs), dim),
            allow_pickle=False)
    meta = {"docs": keys, "keys": ckeys, "passages_by_doc": per_doc, "clauses": n, "passages": len(vectors), "dim": dim,
            "merged_from": [s.name for s, _ in segs]}
    return _finish(tmp, seg_root / name, meta, dense_kind, vectors)


def remove_unused(seg_root: Path, used: set[str]) -> None:
    """Delete segments no commit refers to (and temp ones whose writer is gone)."""
    from corpus.lock import pid_alive
    for p in seg_root.glob("seg-*"):
        if p.name.endswith(".tmp"):
            pid = int(p.name[:-4].rsplit("-", 1)[-1]) if p.name[:-4].rsplit("-", 1)[-1].isdigit() else -1
            if pid == os.getpid() or not pid_alive(pid):
                shutil.rmtree(p, ignore_errors=True)
        elif p.name not in used:
            shutil.rmtree(p, ignore_errors=True)
