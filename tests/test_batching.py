"""Micro-batching of query encoding (indexer/batching.py): concurrent callers get their own
vectors, identical to unbatched ones; batches really form; errors reach every caller."""
import threading

import numpy as np
import pytest

from indexer.batching import BatchingEncoder, batching

QUESTIONS = ["高新技术企业研发费用能加计扣除多少？", "园区里能建员工宿舍吗？", "想设立科技支行找哪个部门？",
             "（十七）讲什么", "市科技局牵头哪些措施", "这份文件是什么时候发布的？", "人才公寓怎么申请",
             "首台套奖励多少", "孵化器认定有什么条件", "专精特新企业有哪些支持"]


class Gated:
    """An encoder whose calls block until released, recording the batches it was given."""

    def __init__(self, inner):
        self.inner, self.id, self.dim = inner, inner.id, inner.dim
        self.batches: list[list[str]] = []
        self.entered = threading.Semaphore(0)
        self.gate = threading.Event()
        self.fail_on: str | None = None

    def encode_queries(self, texts):
        self.batches.append(list(texts))
        self.entered.release()
        assert self.gate.wait(30)
        if self.fail_on in texts:
            raise RuntimeError("encoder failed")
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts):
        return self.inner.encode_passages(texts)


def _concurrently(fn, args):
    out, errs = [None] * len(args), [None] * len(args)

    def run(i):
        try:
            out[i] = fn(args[i])
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            errs[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(args))]
    for t in threads:
        t.start()
    return threads, out, errs


def test_concurrent_callers_get_their_own_vectors_identical_to_unbatched(encoder):
    alone = {q: encoder.encode_queries([q])[0] for q in QUESTIONS}
    gated = Gated(encoder)
    b = BatchingEncoder(gated, lanes=1, max_batch=4)
    # one lane, held busy by the first call: the other nine queue up and are batched
    first, out0, _ = _concurrently(lambda q: b.encode_queries([q]), QUESTIONS[:1])
    assert gated.entered.acquire(timeout=30)
    threads, out, errs = _concurrently(lambda q: b.encode_queries([q]), QUESTIONS[1:])
    while len(b._queue) < 9:                      # all nine waiting (no sleep-and-hope)
        threading.Event().wait(0.01)
    gated.gate.set()
    for t in first + threads:
        t.join(30)
    assert errs == [None] * 9
    got = dict(zip(QUESTIONS, out0 + out))
    for q in QUESTIONS:
        assert got[q].shape == (1, encoder.dim)
        assert np.array_equal(got[q][0], alone[q]), q   # bit-identical, and each its own
    assert [len(x) for x in gated.batches] == [1, 4, 4, 1]
    assert b.calls == 4 and b.batched == 8        # queries that shared a call


def test_multi_text_calls_keep_their_rows_in_order(encoder):
    b = BatchingEncoder(encoder, lanes=2, max_batch=8)
    threads, out, errs = _concurrently(b.encode_queries, [QUESTIONS[:3], QUESTIONS[3:7], QUESTIONS[7:]])
    for t in threads:
        t.join(60)
    assert errs == [None] * 3
    assert np.array_equal(np.vstack(out), encoder.encode_queries(QUESTIONS))
    assert b.encode_queries([]).shape == (0, encoder.dim)


def test_an_error_reaches_every_caller_of_its_batch_and_the_lane_goes_on(encoder):
    gated = Gated(encoder)
    gated.fail_on = QUESTIONS[2]
    b = BatchingEncoder(gated, lanes=1, max_batch=8)
    first, _, err0 = _concurrently(lambda q: b.encode_queries([q]), QUESTIONS[:1])
    assert gated.entered.acquire(timeout=30)
    threads, out, errs = _concurrently(lambda q: b.encode_queries([q]), QUESTIONS[1:4])
    while len(b._queue) < 3:
        threading.Event().wait(0.01)
    gated.gate.set()
    for t in first + threads:
        t.join(30)
    assert err0 == [None]
    assert all(isinstance(e, RuntimeError) for e in errs) and out == [None] * 3
    assert np.array_equal(b.encode_queries([QUESTIONS[5]]), encoder.encode_queries([QUESTIONS[5]]))
    assert b._running == 0 and not b._queue


def test_answers_identical_with_and_without_batching(qa):
    from qa import PolicyQA
    batched = PolicyQA(qa.data, BatchingEncoder(qa.searcher.encoder, lanes=2, max_batch=8), qa.settings)
    threads, out, errs = _concurrently(batched.ask, QUESTIONS)
    for t in threads:
        t.join(120)
    assert errs == [None] * len(QUESTIONS)
    assert [a.to_json() for a in out] == [qa.ask(q).to_json() for q in QUESTIONS]


def test_batching_factory(encoder, monkeypatch):
    monkeypatch.setenv("POLICYQA_ENCODE_BATCH", "1")
    assert batching(encoder) is encoder
    monkeypatch.setenv("POLICYQA_ENCODE_BATCH", "6")
    monkeypatch.setenv("POLICYQA_ENCODE_LANES", "3")
    b = batching(encoder)
    assert (b.lanes, b.max_batch, b.id, b.dim) == (3, 6, encoder.id, encoder.dim)
    assert batching(b) is b
    with pytest.raises(ValueError, match="at least 1"):
        BatchingEncoder(encoder, lanes=0)
    monkeypatch.setenv("POLICYQA_ENCODE_BATCH", "eight")
    with pytest.raises(ValueError, match="POLICYQA_ENCODE_BATCH must be a whole number"):
        batching(encoder)
