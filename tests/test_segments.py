"""The index that grows by the document: segments, their merging, and the scores over them."""
import json

import faiss
import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from corpus import library
from indexer import plan, postings, store
from indexer.bm25 import BM25Index
from indexer.dense import make_faiss_index
from indexer.segbm25 import SegmentedBM25
from indexer.segdense import SegmentedDense
from ui.cli import main

from .test_robust_writes import doc_text

WORDS = list("甲乙丙丁戊") + ["高新区", "企业"]
docs_st = st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), min_size=1, max_size=12)


def _split(docs, cuts):
    """Postings of docs in consecutive parts (cut at `cuts`) with global row maps."""
    parts, start = [], 0
    for end in list(cuts) + [len(docs)]:
        chunk = docs[start:end]
        if chunk:
            parts.append((postings.build(chunk), np.arange(start, end)))
        start = end
    return parts


@hsettings(max_examples=40, deadline=None)
@given(docs_st, st.lists(st.integers(0, 12), max_size=3))
def test_segmented_bm25_equals_rank_bm25_over_the_same_rows(docs, cuts):
    cuts = sorted(c for c in cuts if 0 < c < len(docs))
    seg = SegmentedBM25(_split(docs, cuts), len(docs))
    ref = BM25Index(docs)
    for q in (["甲"], ["高新区", "企业", "甲"], ["乙", "乙"], ["没有"]):
        assert seg.scores(q) == pytest.approx(ref.scores(q), rel=1e-9, abs=1e-12)
        assert seg.idf(q[0]) == pytest.approx(ref.idf(q[0]))
    for row in range(len(docs)):
        assert seg.doc_terms(row) == set(docs[row])
        assert seg.coverage(["甲", "企业"], row) == pytest.approx(ref.coverage(["甲", "企业"], row))


def test_removed_rows_leave_the_statistics():
    docs = [["甲", "乙"], ["甲"], ["丙", "甲"], ["乙"]]
    # rows 1 and 2 belong to a removed document: the live library is rows 0 and 3
    parts = [(postings.build(docs[:2]), np.array([0, -1])), (postings.build(docs[2:]), np.array([-1, 1]))]
    seg = SegmentedBM25(parts, 2)
    ref = BM25Index([docs[0], docs[3]])
    assert seg.scores(["甲", "乙"]) == pytest.approx(ref.scores(["甲", "乙"]))
    assert seg.df("甲") == 1 and seg.idf("丙") == 0.0          # 丙 is only in a removed row
    assert seg.idf("甲") == pytest.approx(np.log(1 + (2 - 1 + 0.5) / 1.5))



@hsettings(max_examples=40, deadline=None)
@given(docs_st, st.lists(st.integers(0, 12), max_size=3), st.data())
def test_scoped_bm25_equals_an_index_of_only_the_scope(docs, cuts, data):
    """scoped(mask) scores the rows in the mask as rank-bm25 over exactly those rows would
    (N, df and average length of the scope), and gives the other rows nothing."""
    cuts = sorted(c for c in cuts if 0 < c < len(docs))
    seg = SegmentedBM25(_split(docs, cuts), len(docs))
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(docs), max_size=len(docs))))
    if not mask.any() or not any(docs[i] for i in np.nonzero(mask)[0]):
        return
    view = seg.scoped(mask)
    inside = list(np.nonzero(mask)[0])
    ref = BM25Index([docs[i] for i in inside])
    for q in (["甲"], ["高新区", "企业", "甲"], ["乙", "乙"], ["没有"]):
        got = view.scores(q)
        assert got[inside] == pytest.approx(ref.scores(q), rel=1e-9, abs=1e-12)
        assert not got[~mask].any()
        assert view.idf(q[0]) == pytest.approx(ref.idf(q[0]))
    for j, row in enumerate(inside):
        assert view.coverage(["甲", "企业"], row) == pytest.approx(ref.coverage(["甲", "企业"], j))
    assert seg.scoped(np.ones(len(docs), bool)) is seg and seg.scoped(None) is seg


def test_scope_statistics_keep_a_documents_ranking_when_others_are_loaded():
    """A term rare in the scope but common in another loaded document keeps its weight in
    the scope: the home document ranks its clauses as it did alone."""
    home = [["研发", "补助"], ["人才", "公寓"], ["研发", "人才"]]
    other = [["补助"]] * 20                              # a big document full of 补助
    seg = SegmentedBM25([(postings.build(home + other), np.arange(23))], 23)
    mask = np.zeros(23, bool)
    mask[:3] = True
    alone, q = BM25Index(home), ["人才", "补助"]
    assert int(np.argmax(alone.scores(q))) == 0
    assert int(np.argmax(seg.scoped(mask).scores(q)[:3])) == 0
    assert int(np.argmax(seg.scores(q)[:3])) != 0          # library-wide: 补助 counts for little

@hsettings(max_examples=30, deadline=None)
@given(docs_st, st.data())
def test_merged_postings_equal_postings_built_from_the_kept_rows(docs, data):
    mid = len(docs) // 2
    keep_a = data.draw(st.lists(st.booleans(), min_size=mid, max_size=mid))
    keep_b = data.draw(st.lists(st.booleans(), min_size=len(docs) - mid, max_size=len(docs) - mid))
    merged = postings.merge([(postings.build(docs[:mid]), np.array(keep_a, bool)),
                             (postings.build(docs[mid:]), np.array(keep_b, bool))])
    kept = [d for d, k in zip(docs, keep_a + keep_b) if k]
    direct = postings.build(kept)
    assert merged.n_rows == len(kept)
    for row in range(len(kept)):
        assert merged.row_terms(row) == direct.row_terms(row)
    for t in WORDS:
        r1, tf1 = merged.term(t)
        r2, tf2 = direct.term(t)
        assert list(r1) == list(r2) and list(tf1) == list(tf2)


def test_postings_save_and_load_round_trip(tmp_path):
    p = postings.build([["甲", "乙", "甲"], ["丙"]])
    p.save(tmp_path, "tok")
    q = postings.Postings.load(tmp_path, "tok")
    assert q.terms == ["甲", "乙", "丙"] and list(q.term("甲")[1]) == [2] and list(q.lengths) == [3, 1]
    np.save(tmp_path / "tok.t_rows.npy", np.zeros(7, np.int32))
    with pytest.raises(ValueError, match="disagree"):
        postings.Postings.load(tmp_path, "tok")


def test_segmented_dense_equals_one_flat_index_over_live_passages():
    rng = np.random.default_rng(3)
    vecs = rng.standard_normal((60, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    owners = rng.integers(0, 20, 60)                         # 20 clauses, global rows
    dead = {4, 11}                                           # rows of a removed document
    live_rows = [r for r in range(20) if r not in dead]
    new_row = {r: i for i, r in enumerate(live_rows)}
    parts = []
    for a, b in ((0, 25), (25, 40), (40, 60)):
        local = np.unique(owners[a:b])
        lmap = {r: i for i, r in enumerate(local)}
        own = np.array([lmap[r] for r in owners[a:b]])
        g = np.array([new_row.get(r, -1) for r in local])
        parts.append((make_faiss_index(vecs[a:b], "flat"), own, g))
    seg = SegmentedDense(parts, len(live_rows), 16)
    keep = np.array([o not in dead for o in owners])
    flat = faiss.IndexFlatIP(16)
    flat.add(vecs[keep])
    q = rng.standard_normal(16).astype(np.float32)
    for k in (5, 20, None):
        best, best_pid = seg.search(q, k)
        sims, ids = flat.search(q.reshape(1, -1), int(keep.sum()) if k is None else k)
        want = {}
        for s, i in zip(sims[0], ids[0]):
            row = new_row[owners[keep][i]]
            want.setdefault(row, s)
        got = {r: best[r] for r in range(len(live_rows)) if np.isfinite(best[r])}
        assert got.keys() == want.keys()
        assert all(abs(got[r] - want[r]) < 1e-5 for r in got)
        for r in got:                       # the passage id points at a passage of that clause
            assert seg.owners[best_pid[r]] == r
            assert abs(float(seg.vector(best_pid[r]) @ q) - got[r]) < 1e-5


def test_a_scope_is_searched_among_its_own_passages():
    """search_in over a scope's passages = a flat index over those passages alone, even when
    the library's nearest passages hold none of them (the home document among thousands)."""
    rng = np.random.default_rng(5)
    vecs = rng.standard_normal((300, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    owners = np.repeat(np.arange(100), 3)                    # 100 clauses, 3 passages each
    q = rng.standard_normal(16).astype(np.float32)
    far = np.argsort(vecs @ q)[:30]                          # the 30 passages farthest from q
    scope_rows = sorted(set(owners[far].tolist()))[:5]
    seg = SegmentedDense([(make_faiss_index(vecs, "flat"), owners, np.arange(100))], 100, 16)
    best_all, _ = seg.search(q, 20)
    assert not np.isfinite(best_all[scope_rows]).any()       # filtered afterwards: nothing left
    scope = seg.scope(scope_rows)
    assert sorted(scope[1].tolist()) == [p for r in scope_rows for p in range(3 * r, 3 * r + 3)]
    for k in (2, 20, None):
        best, best_pid = seg.search_in(q, scope, k)
        pids = scope[1][np.argsort(-(vecs[scope[1]] @ q), kind="stable")][:k]
        want = {}
        for p in pids:
            want.setdefault(int(owners[p]), float(vecs[p] @ q))
        got = {r: best[r] for r in range(100) if np.isfinite(best[r])}
        assert got.keys() == want.keys()
        assert all(abs(got[r] - want[r]) < 1e-5 and owners[best_pid[r]] == r for r in got)


def test_plan_reuses_unchanged_documents_and_marks_the_others():
    segs = [plan.SegState("s1", {"a": "k1", "b": "k2"}, {"a": 3, "b": 4}),
            plan.SegState("s2", {"c": "k3"}, {"c": 5})]
    kept, new = plan.reuse(segs, {"a": "k1", "b": "CHANGED", "d": "k4"})
    assert [(s.name, s.removed) for s in kept] == [("s1", {"b"})]     # s2 (only c) is dropped
    assert new == ["b", "d"]
    assert kept[0].live == 3 and kept[0].dead == 4


def test_merge_policy_is_logarithmic():
    small = [plan.SegState(f"s{i}", {f"d{i}": "k"}, {f"d{i}": 10}) for i in range(plan.FACTOR)]
    assert plan.merges(small[:-1]) == []                       # FACTOR-1 of a tier stay apart
    assert plan.merges(small) == [[s.name for s in small]]     # FACTOR of a tier merge
    half_dead = plan.SegState("x", {"a": "k", "b": "k"}, {"a": 5, "b": 5}, {"a"})
    assert plan.merges([half_dead]) == [["x"]]                 # mostly removed: rewritten
    many = [plan.SegState(f"s{i}", {f"d{i}": "k"}, {f"d{i}": 10}) for i in range(plan.FACTOR ** 2)]
    (group,) = plan.merges(many)                               # cascades into one
    assert len(group) == plan.FACTOR ** 2


def _params(root):
    return json.loads((store.current_dir(root) / "params.json").read_text(encoding="utf-8"))


def _ask(root, q, capsys):
    assert main(["--index-dir", str(root), "search", q, "--json", "--top-k", "3", "--scope", "all"]) == 0
    return [h["key"] for h in json.loads(capsys.readouterr().out)]


def test_add_and_remove_touch_only_their_document(kb_dirs, tmp_path, capsys, monkeypatch):
    home, root = kb_dirs
    assert main(["--index-dir", str(root), "index"]) == 0
    first = _params(root)
    (city,) = first["segments"]
    for tag in ("A", "B"):
        src = tmp_path / f"{tag}.txt"
        src.write_text(doc_text(tag), encoding="utf-8")
        assert main(["--index-dir", str(root), "add", str(src), "--id", f"doc-{tag.lower()}"]) == 0
    p = _params(root)
    assert p["segments"][0] == city and len(p["segments"]) == 3     # the city segment is reused
    assert [d for d, n in p["embedded"].items() if n] == ["doc-b"]   # only the new document
    capsys.readouterr()
    assert _ask(root, "qbx", capsys)[0].startswith("doc-b:")
    assert main(["--index-dir", str(root), "remove", "doc-a"]) == 0
    p = _params(root)
    assert city in p["segments"] and p["counts"]["documents"] == 2 and "embedded" in p
    capsys.readouterr()
    assert not any(k.startswith("doc-a:") for k in _ask(root, "qax 标识码", capsys))
    # the segmented index answers like one built from scratch
    incremental = _ask(root, "高新技术企业研发费用加计扣除", capsys)
    assert main(["--index-dir", str(root), "index", "--rebuild"]) == 0
    capsys.readouterr()
    rebuilt = _params(root)
    assert len(rebuilt["segments"]) == 1 and city not in rebuilt["segments"]
    assert _ask(root, "高新技术企业研发费用加计扣除", capsys) == incremental
    # segments no commit uses are deleted
    used = set(rebuilt["segments"]) | set(first["segments"])
    assert {d.name for d in (root / "segments").iterdir()} <= used | set(p["segments"])


def test_merges_keep_answers_and_drop_removed_rows(kb_dirs, tmp_path, capsys, monkeypatch):
    home, root = kb_dirs
    monkeypatch.setattr(plan, "FACTOR", 2)
    assert main(["--index-dir", str(root), "index"]) == 0
    for tag in ("A", "B", "C"):
        src = tmp_path / f"{tag}.txt"
        src.write_text(doc_text(tag), encoding="utf-8")
        assert main(["--index-dir", str(root), "add", str(src), "--id", f"doc-{tag.lower()}"]) == 0
    assert main(["--index-dir", str(root), "remove", "doc-b"]) == 0
    p = _params(root)
    assert len(p["segments"]) < 4                      # small segments were merged
    data = store.load(root)
    assert sorted({c.doc_id for c in data.clauses}) == ["doc-a", "doc-c", "liuzhou-2021"]
    assert [d.doc.id for d in data.documents][0] == "liuzhou-2021"   # manifest order, home first
    capsys.readouterr()
    assert _ask(root, "qcx", capsys)[0].startswith("doc-c:")
    assert _ask(root, "qax", capsys)[0].startswith("doc-a:")
    merged = [json.loads((root / "segments" / s / "meta.json").read_text()) for s in p["segments"]]
    assert any(m.get("merged_from") for m in merged)
    assert all("doc-b" not in m["docs"] or "doc-b" in p["removed"].get(s, [])
               for s, m in zip(p["segments"], merged))
    assert library.effective_manifest(home).get("doc-b") is None


def test_clause_records_round_trip_exactly():
    from corpus.model import Clause
    from indexer.records import clause_from_json, clause_to_json
    c = Clause(key="d:1", doc_id="d", no=1, label="第一条", heading="h", text="全文", body="全",
               lead_units=("市科技局",), partner_units=("市财政局",), units_text="（…）", start=3, end=9)
    back = clause_from_json(json.loads(json.dumps(clause_to_json(c))))
    assert back == c and hash(back) == hash(c) and back.units == ("市科技局", "市财政局")
    old = {k: v for k, v in clause_to_json(c).items() if k not in ("start", "end")}
    assert clause_from_json(old) == Clause(**{**old, "lead_units": ("市科技局",),
                                              "partner_units": ("市财政局",)})   # defaults filled
    with pytest.raises(TypeError):
        clause_from_json({**clause_to_json(c), "bogus": 1})                   # damaged record
    with pytest.raises(Exception):
        back.text = "改"                                                       # still frozen
