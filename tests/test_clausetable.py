"""Clause records read by row (indexer/clausetable.py): the lazy table gives exactly the clauses
the records hold, leaves removed documents out, and turns damage into a rebuild message."""
import json
from types import SimpleNamespace

import numpy as np
import orjson
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from corpus.model import Clause, ParsedDocument
from indexer import clausetable, integrity, plan, store
from indexer.clausetable import ClauseTable, ClauseWriter, SegmentClauses
from indexer.errors import IndexFormatError
from indexer.records import clause_from_json
from indexer.scopestats import scope_rows
from qa.docs import docs_table
from ui.cli import main

from .test_robust_writes import doc_text

text_st = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
clause_st = st.builds(
    Clause, key=st.text(min_size=1, max_size=8), doc_id=st.sampled_from(["a", "b", "c"]),
    no=st.integers(0, 50), label=text_st, heading=text_st, text=text_st, body=text_st, part=text_st,
    lead_units=st.lists(text_st, max_size=2).map(tuple), partner_units=st.lists(text_st, max_size=2).map(tuple),
    units_text=text_st, start=st.integers(0, 10**6), end=st.integers(0, 10**6))


def _records(d):
    """Each line of the segment's records file, parsed on its own (not through the table)."""
    lines = (d / clausetable.RECORDS).read_bytes().split(b"\n")   # bytes: U+2028 or NEL stay in a record
    assert lines[-1] == b""
    return [clause_from_json(json.loads(ln)) for ln in lines[:-1]]


@hsettings(max_examples=40, deadline=None)
@given(st.lists(clause_st, max_size=12), st.sets(st.sampled_from(["a", "b", "c"])))
def test_segment_rows_are_the_written_clauses(tmp_path_factory, clauses, removed):
    d = tmp_path_factory.mktemp("seg")
    w = ClauseWriter(d)
    for c in clauses:
        w.add_clause(c)
    assert w.close() == len(clauses)
    seg = SegmentClauses(d, len(clauses))
    assert [seg.get(i) for i in range(len(clauses))] == clauses == _records(d)
    keep = seg.keep(removed)
    assert keep.tolist() == [c.doc_id not in removed for c in clauses]
    g = np.full(len(clauses), -1)
    g[keep] = np.arange(int(keep.sum()))
    where = np.stack([np.zeros(int(keep.sum()), np.int64), np.flatnonzero(keep)], axis=1)
    table = ClauseTable.of_segments([seg], [keep], where)
    live = [c for c in clauses if c.doc_id not in removed]
    assert list(table) == live and [table[i] for i in range(len(table))] == live
    assert table.keys.tolist() == [c.key for c in live] and table.no.tolist() == [c.no for c in live]
    assert table.doc_ids.tolist() == [c.doc_id for c in live]
    assert {r: u for r, u in table.units.items()} == {i: (c.lead_units, c.partner_units)
                                                     for i, c in enumerate(live) if c.units}
    assert {k: v.tolist() for k, v in table.by_doc.items()} == \
        {k: [i for i, c in enumerate(live) if c.doc_id == k] for k in {c.doc_id for c in live}}
    assert ClauseTable.of(live)[:] == tuple(live) and ClauseTable.of(table) is table


def _library(root, tmp_path, alone=("C",)):
    """The city measures plus documents A, B (one segment: added together) and C (and any
    other of `alone`, a segment each); then B is removed. Returns the index root and B's id."""
    assert main(["--index-dir", str(root), "index"]) == 0
    for tag in ("A", "B") + alone:
        (tmp_path / f"{tag}.txt").write_text(doc_text(tag), encoding="utf-8")
    with open(tmp_path / "A.txt", "a", encoding="utf-8") as f:   # more live rows than B's: kept as is
        f.write("第三条 本办法由高新区管委会负责解释。\n第四条 本办法自发布之日起施行。\n")
    assert main(["--index-dir", str(root), "add", str(tmp_path / "A.txt"), str(tmp_path / "B.txt")]) == 0
    for tag in alone:
        assert main(["--index-dir", str(root), "add", str(tmp_path / f"{tag}.txt"), "--id", f"doc-{tag.lower()}"]) == 0
    (b_id,) = [p.doc.id for p in store.load(root).documents if p.doc.title.startswith("测试B")]
    assert main(["--index-dir", str(root), "remove", b_id]) == 0
    return root, b_id


@pytest.fixture
def segmented(kb_dirs, tmp_path):
    """B's rows stay in the segment it shares with A, marked removed."""
    return _library(kb_dirs[1], tmp_path)


@pytest.fixture
def merged(kb_dirs, tmp_path, monkeypatch):
    """Small segments merged (records copied from segment to segment)."""
    monkeypatch.setattr(plan, "FACTOR", 2)
    return _library(kb_dirs[1], tmp_path, alone=("C", "D"))


@pytest.mark.parametrize("layout", ["segmented", "merged"])
def test_loaded_table_equals_the_records_and_the_parsed_documents(layout, request, manifest):
    root, b_id = request.getfixturevalue(layout)
    data = store.load(root)
    segs = [root / "segments" / s for s in data.params["segments"]]
    removed = data.params.get("removed", {})
    want = [c for d in segs for c in _records(d) if c.doc_id not in removed.get(d.name, ())]
    assert [data.clauses[i] for i in range(len(data.clauses))] == want == list(data.clauses)
    if layout == "segmented":                             # B's rows are there, left out
        assert any(b_id in v for v in removed.values()) and any(c.doc_id == b_id for d in segs
                                                                for c in _records(d))
    else:
        assert any(json.loads((d / "meta.json").read_text("utf-8")).get("merged_from") for d in segs)
    assert not any(c.doc_id == b_id for c in data.clauses) and len(want) == len(data.clauses)
    assert data.clauses.keys.tolist() == [c.key for c in want] == list(data.rows.row_of)
    assert data.rows.results.tolist() == [c.no != 0 for c in want]
    (city,) = manifest.parse_all()
    assert tuple(data.clauses[:len(city.all_clauses)]) == city.all_clauses
    for p in data.documents:                      # documents build their clauses from the table
        mine = [c for c in want if c.doc_id == p.doc.id]
        assert p.all_clauses == tuple(mine) and p.clauses == tuple(c for c in mine if c.no)
        eager = ParsedDocument(p.doc, "", p.title, p.notice, p.preamble, p.parts, p.clauses,
                               cited_titles=p.cited_titles)
        assert p == eager and eager == p and hash(p) == hash(eager)
    assert data.documents[0].doc.id == "liuzhou-2021"
    assert sorted(p.title[:3] for p in data.documents[1:]) == ["测试A", "测试C"] + ["测试D"] * (layout == "merged")
    row_of = data.rows.row_of                     # scope statistics' rows, from the columns
    for allowed in ({want[0].key}, {c.key for c in want if c.doc_id != "liuzhou-2021"}, set()):
        docs, eager = {want[row_of[k]].doc_id for k in allowed}, np.zeros(len(want), bool)
        for p in data.documents:
            if p.doc.id in docs:
                eager[[row_of[c.key] for c in p.all_clauses]] = True
        assert scope_rows(data, frozenset(allowed)).tolist() == eager.tolist()
    counts = docs_table(SimpleNamespace(documents=data.documents, missing=data.missing, data=data))
    assert {r["id"]: r["clauses"] for r in counts if r["loaded"]} == \
        {p.doc.id: sum(1 for c in want if c.doc_id == p.doc.id and c.no) for p in data.documents}


def _reseal(seg_dir, *names):
    """Record new checksums for changed files (damage the checksums cannot see)."""
    meta = json.loads((seg_dir / "meta.json").read_text("utf-8"))
    for n in names:
        meta["files"][n] = integrity.checksum(seg_dir / n)
    (seg_dir / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def test_damaged_offsets_or_records_are_caught_not_misread(merged):
    merged = merged[0]
    names = store.load(merged).params["segments"]
    part = max(range(len(names)), key=lambda i: (merged / "segments" / names[i] / clausetable.RECORDS).stat().st_size)
    seg = merged / "segments" / names[part]            # the city measures' segment
    idx = seg / clausetable.OFFSETS
    good_idx, good_rec = idx.read_bytes(), (seg / clausetable.RECORDS).read_bytes()
    offsets = np.load(idx)
    for bad in (offsets[:-1], offsets[::-1].copy(), np.r_[offsets[:-1], offsets[-1] + 5]):
        np.save(idx, bad, allow_pickle=False)
        _reseal(seg, clausetable.OFFSETS)
        with pytest.raises(IndexFormatError, match="clauses.idx.npy.*rebuild"):
            store.load(merged)
    # offsets that still look sane but cut the records wrongly: the rows are refused when read
    np.save(idx, np.r_[0, offsets[1:2] + 3, offsets[2:]], allow_pickle=False)
    _reseal(seg, clausetable.OFFSETS)
    data = store.load(merged)
    row = int(np.flatnonzero(data.clauses._where[:, 0] == part)[0])
    for r in (row, row + 1):
        with pytest.raises(IndexFormatError, match="clauses.jsonl.*rebuild"):
            data.clauses[r]
    # two records swapped (each still valid JSON, offsets and checksums consistent): refused
    idx.write_bytes(good_idx)
    lines = good_rec.splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    (seg / clausetable.RECORDS).write_bytes(b"".join(lines))
    np.save(idx, np.cumsum([0] + [len(x) for x in lines]).astype(np.int64), allow_pickle=False)
    _reseal(seg, clausetable.OFFSETS, clausetable.RECORDS)
    data = store.load(merged)
    start = int(np.flatnonzero(data.clauses._where[:, 0] == part)[0])
    assert data.clauses[start] == clause_from_json(orjson.loads(lines[0]))
    with pytest.raises(IndexFormatError, match="does not match its row.*rebuild"):
        data.clauses[start + 1]
    # a truncated records file is caught at load, by its checksum or else by its offsets
    (seg / clausetable.RECORDS).write_bytes(good_rec[:-10])
    with pytest.raises(IndexFormatError, match="clauses.jsonl has .* bytes.*rebuild"):
        store.load(merged)
    _reseal(seg, clausetable.RECORDS)
    with pytest.raises(IndexFormatError, match="does not match clauses.jsonl.*rebuild"):
        store.load(merged)


def test_filter_key_sets_carry_their_rows(segmented, encoder):
    from qa import PolicyQA
    from qa.filters import Filters, allowed_keys
    from indexer.rows import KeySet
    data = store.load(segmented[0])
    qa = PolicyQA(data, encoder)
    t, rows = data.clauses, data.rows
    for f in (Filters(docs=("doc-c",)), Filters(docs=("doc-c", "liuzhou-2021")), Filters(levels=("city",))):
        allowed = allowed_keys(qa, f)
        assert isinstance(allowed, KeySet) and allowed is allowed_keys(qa, f)
        want = sorted(i for i in range(len(t)) if t.keys[i] in allowed)
        assert list(rows.rows_in(allowed)) == want == sorted(rows.row_of[k] for k in allowed)
        assert rows.ok(allowed).tolist() == [i in want and t.no[i] != 0 for i in range(len(t))]
    plain = frozenset(allowed)                      # any other key set: looked up key by key
    assert sorted(rows.rows_in(plain)) == want
    other = KeySet(allowed, np.array([0]), np.array(list(t.keys), dtype=object))  # another index's
    assert sorted(rows.rows_in(other)) == want
    assert not isinstance(allowed_keys(qa, Filters(dept="市科技局")), KeySet)    # units: plain keys
