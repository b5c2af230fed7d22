"""The answered-example-question memory: its sources, the run it feeds, and the honesty rules."""
import json

import numpy as np

from indexer import examples as ex
from indexer import store
from indexer.fields import Fields
from indexer.settings import Settings


def test_examples_come_from_dev_only_and_staff_file(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYQA_HOME", str(tmp_path))
    names = [p.name for p in ex.sources()]
    assert names == ["questions.jsonl", "dev2.jsonl", "dev3.jsonl", "dev4.jsonl", "dev5.jsonl",
                     "dev6.jsonl", "dev7.jsonl", "dev8.jsonl", "dev9.jsonl", "dev10.jsonl"]  # never test.jsonl
    (tmp_path / "examples.jsonl").write_text("\n".join([
        json.dumps({"question": "蓝色大鲸鱼怎么申请", "gold": ["liuzhou-2021:17"], "type": "paraphrase"},
                   ensure_ascii=False),
        "not json",                                                   # skipped, not fatal
        json.dumps({"question": "没有答案的问题", "gold": [], "type": "out_of_scope"}, ensure_ascii=False),
        json.dumps({"question": "（五）讲什么", "gold": ["liuzhou-2021:5"], "type": "lookup"}, ensure_ascii=False),
    ]), encoding="utf-8")
    loaded = ex.load_examples()
    assert ("蓝色大鲸鱼怎么申请", ("liuzhou-2021:17",), ()) in loaded
    assert all(q not in ("没有答案的问题", "（五）讲什么") for q, _, _ in loaded)
    def questions(name):
        return {json.loads(x)["question"] for x in
                (ex.EVAL / name).read_text(encoding="utf-8").splitlines() if x.strip()}
    held_out = questions("test.jsonl") | questions("holdout.jsonl")
    in_dev_files = set().union(*(questions(f) for f in ex.DEV_FILES))
    examples = {q for q, _, _ in loaded}
    assert held_out - in_dev_files and not (held_out - in_dev_files) & examples   # never read
    before = ex.fingerprint()
    with open(tmp_path / "examples.jsonl", "a", encoding="utf-8") as f:
        f.write("\n" + json.dumps({"question": "第二个新问题", "gold": ["liuzhou-2021:3"]}, ensure_ascii=False))
    assert ex.fingerprint() != before                                # the index goes stale
    before = ex.fingerprint()
    with open(tmp_path / "examples.jsonl", "a", encoding="utf-8") as f:
        f.write("\n" + json.dumps({"question": "第二个新问题", "gold": ["liuzhou-2021:3"],
                                   "must": ["配偶就业"]}, ensure_ascii=False))
    assert ("第二个新问题", ("liuzhou-2021:3",), ()) in ex.load_examples()   # the first line wins
    assert ex.fingerprint() == before


def test_memory_scores_clauses_by_their_best_example_and_skips_itself():
    vecs = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
    f = Fields(bigram=None, clause_vectors=np.zeros((3, 2), np.float32),
               examples=[["问题甲", [0]], ["问题乙", [0, 2]], ["问题丙", [1]]], example_vectors=vecs)
    q = np.array([1, 0], dtype=np.float32)
    best = f.memory("其他问题", q, 3)
    assert best.tolist() == [1.0, 0.0, 0.6000000238418579]
    best = f.memory("问题甲", q, 3)                                  # its own line is skipped
    assert best[0] == np.float32(0.6) and best[1] == 0.0
    empty = Fields(bigram=None, clause_vectors=np.zeros((3, 2), np.float32), examples=[],
                   example_vectors=np.zeros((0, 2), np.float32))
    assert np.isneginf(empty.memory("x", q, 3)).all()


class _Counting:
    """The session encoder, counting the questions it encodes."""
    def __init__(self, enc):
        self.enc, self.id, self.dim, self.queries = enc, enc.id, enc.dim, 0

    def encode_queries(self, texts):
        self.queries += len(texts)
        return self.enc.encode_queries(texts)

    def encode_passages(self, texts):
        return self.enc.encode_passages(texts)


def test_a_staff_example_leads_a_paraphrase_to_its_clause(tmp_path, monkeypatch, manifest, encoder,
                                                          seed_embeddings):
    from indexer.inputs import EXAMPLE_CHUNK
    from qa import PolicyQA
    monkeypatch.setenv("POLICYQA_HOME", str(tmp_path))
    (tmp_path / "examples.jsonl").write_text(json.dumps(
        {"question": "蓝色大鲸鱼怎么申请", "gold": ["liuzhou-2021:17"], "type": "paraphrase"},
        ensure_ascii=False), encoding="utf-8")
    root = seed_embeddings(tmp_path / "index")
    counting = _Counting(encoder)
    store.build(manifest, Settings(), root, encoder=counting)
    # one example appended: its chunk of the example questions is encoded again, not all of them
    assert 0 < counting.queries <= EXAMPLE_CHUNK < len(ex.load_examples())
    qa = PolicyQA.open(root, manifest=manifest, settings=Settings(), encoder=encoder)
    runs = qa.searcher.runs("蓝色的大鲸鱼要怎样申请？")
    assert max(runs.memory, key=runs.memory.get) == "liuzhou-2021:17"
    assert qa.search("蓝色的大鲸鱼要怎样申请？", top_k=3)[0].ranks["memory"] == 1


def test_examples_count_only_when_close(qa):
    """settings.memory_floor: a query unlike every example question gets no memory run (its
    z-scores would rank clauses by examples that are not paraphrases at all)."""
    floor = qa.settings.memory_floor
    assert qa.searcher.runs("qbx-7731").memory == {}
    mem = qa.searcher.runs("孵化器有什么补助").memory
    assert mem and min(mem.values()) >= floor


def test_question_ids_are_unique_across_the_splits():
    """Runs and answers are keyed by question id: two files sharing an id would pair one
    question's answer with another's gold (dev9 was first written with dev8's n-ids)."""
    import json
    from eval.run import SPLITS
    from indexer.examples import EVAL
    seen: dict[str, str] = {}
    for files in SPLITS.values():
        for name in files:
            for line in (EVAL / name).read_text(encoding="utf-8-sig").splitlines():
                if line.strip():
                    qid = json.loads(line)["id"]
                    assert qid not in seen, f"{qid} in {name} and {seen[qid]}"
                    seen[qid] = name
    assert len(seen) > 2000


def test_quote_hints_are_the_must_strings_of_near_examples_of_that_clause():
    vecs = np.array([[1, 0], [0.8, 0.6], [0.95, 0.3122499], [0, 1]], dtype=np.float32)
    f = Fields(bigram=None, clause_vectors=np.zeros((3, 2), np.float32),
               examples=[["问题甲", [0], ["甲句"]], ["问题乙", [0], ["乙句"]],
                         ["问题丙", [0, 1], ["丙句", "甲句"]], ["问题丁", [1], ["丁句"]]],
               example_vectors=vecs)
    q = np.array([1, 0], dtype=np.float32)
    assert f.quote_hints("其他问题", q, 0, floor=0.9) == ["甲句", "丙句"]     # 乙 is too far
    assert f.quote_hints("其他问题", q, 0, floor=0.5, top=1) == ["甲句"]
    assert f.quote_hints("问题甲", q, 0, floor=0.9) == ["丙句", "甲句"]       # itself skipped
    assert f.quote_hints("其他问题", q, 1, floor=0.9) == ["丙句", "甲句"]     # 丁 is far
    assert f.quote_hints("其他问题", q, 2, floor=0.0) == []                   # no example
    old = Fields(bigram=None, clause_vectors=np.zeros((3, 2), np.float32),     # an index written
                 examples=[["问题甲", [0]]], example_vectors=vecs[:1])          # before must
    assert old.quote_hints("其他问题", q, 0, floor=0.0) == []
    assert old.memory("其他问题", q, 3)[0] == 1.0


def test_a_hinted_sentence_is_quoted_before_an_equal_one():
    from corpus.model import Clause
    from qa.compose import pick_sentences
    body = "（三）引进人才。支持高校共建学院。解决配偶就业、子女入学等问题。给予适当奖补。"
    c = Clause(key="d:3", doc_id="d", no=3, label="（三）", heading="（三）引进人才。", text=body, body=body)
    args = (c, 0, np.zeros(2, np.float32), [], None, lambda row: [], lambda t: 1.0)
    assert pick_sentences(*args, limit=1) == ["支持高校共建学院。"]      # all equal: the first
    assert pick_sentences(*args, limit=1, hints=["配偶就业"]) == ["解决配偶就业、子女入学等问题。"]
    assert pick_sentences(*args, limit=1, hints=["不在这条里"]) == ["支持高校共建学院。"]
