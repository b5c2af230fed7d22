"""Abbreviations a user types for a term the documents spell out: 博后站 → 博士后科研工作站,
院士站 → 院士工作站, 综保区 → 综合保税区, 科技券 → 科技创新服务券.

A Chinese abbreviation keeps characters of the full term in their order, the first one always.
jieba cannot place such a run, so it falls apart into single characters or is a word the
documents never use. A *window* of the question is 1–3 consecutive jieba words of one run of
Han characters (a space or punctuation ends a run), 2–4 characters in all, that the documents do
not use as a term, that holds a lone character or is one word of 3+ characters (a two-character
dictionary word is an ordinary word — 外人, 当作 — far more often than a short form), and
that neither starts nor ends with a stopword. Its *expansions* are the
documents' terms that start with its first character, contain the others in order and are at
most `max_span` times as long. A window with more than `max_candidates` expansions is
ambiguous (国重, 科小 in a large library) and left alone; longer windows are tried first and
an accepted window's parts are not tried again. Nothing here was written for one corpus: the
terms come from the index's own vocabulary.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable

from .tokenize import jieba_words, normalise, stopwords

_HAN = re.compile(r"[\u4e00-\u9fff]+")
MAX_TERM = 12                    # longer vocabulary entries are phrases, not terms


def in_order(short: str, long: str) -> bool:
    """Every character of `short` occurs in `long`, in the same order."""
    it = iter(long)
    return all(ch in it for ch in short)


class Abbreviations:
    """The documents' multi-character Han terms, by first character."""

    def __init__(self, terms: Iterable[str], max_span: int = 3, max_candidates: int = 2):
        self.max_span, self.max_candidates = max_span, max_candidates
        by_first: dict[str, list[str]] = {}
        for t in terms:
            if 3 <= len(t) <= MAX_TERM and _HAN.fullmatch(t):
                by_first.setdefault(t[0], []).append(t)
        self._by_first = {c: tuple(sorted(ts)) for c, ts in by_first.items()}

    def candidates(self, short: str, known: Callable[[str], bool]) -> list[str]:
        """The terms `short` abbreviates that `known` accepts (the documents searched use them)."""
        out = [t for t in self._by_first.get(short[0], ())
               if len(short) < len(t) <= self.max_span * len(short) and short not in t
               and in_order(short[1:], t[1:]) and known(t)]
        return out

    def expand(self, question: str, known: Callable[[str], bool]) -> list[str]:
        """The expansions of the question's abbreviations, in question order, each once."""
        words: list[str] = []
        chunk_of: list[int] = []
        for n, chunk in enumerate(_HAN.findall(normalise(question))):   # a space or mark ends a run
            for w in jieba_words(chunk):
                words.append(w)
                chunk_of.append(n)
        stop = stopwords()
        windows = []
        for i in range(len(words)):
            for j in range(i + 1, min(i + 3, len(words)) + 1):
                part = words[i:j]
                if chunk_of[j - 1] != chunk_of[i]:
                    break
                s = "".join(part)
                if not (2 <= len(s) <= 4 and _HAN.fullmatch(s)) or part[0] in stop or part[-1] in stop:
                    continue
                # one word of jieba's dictionary is an ordinary word (外人, 当作), not a
                # short form, unless it is 3+ characters the documents never use
                if (len(s) >= 3 if len(part) == 1 else any(len(w) == 1 for w in part)) \
                        and not known(s):
                    windows.append((i, j, s))
        taken: set[int] = set()
        found: list[tuple[int, str]] = []
        for i, j, s in sorted(windows, key=lambda w: (-(len(w[2])), w[0])):
            if taken & set(range(i, j)):
                continue
            cands = self.candidates(s, known)
            if 0 < len(cands) <= self.max_candidates:
                taken |= set(range(i, j))
                found += [(i, t) for t in cands]
        return list(dict.fromkeys(t for _, t in sorted(found)))


_lock = threading.Lock()


def of(bm25) -> Abbreviations:
    """The abbreviation index of a BM25 scorer's vocabulary (a scoped scorer shares its base's),
    built on first use and kept on the scorer."""
    base = getattr(bm25, "base", bm25)
    idx = getattr(base, "_abbreviations", None)
    if idx is None:
        with _lock:
            idx = getattr(base, "_abbreviations", None)
            if idx is None:
                idx = Abbreviations(t for p, _ in base.parts for t in p.terms)
                base._abbreviations = idx
    return idx
