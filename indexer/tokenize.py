"""One tokenizer for corpus and queries: normalise → jieba (domain dictionary) → stopwords.

`tokenize(text)` is used for clauses and questions alike; `expand(tokens)` adds the query-side
synonyms kept in `data/synonyms.tsv`. Normalisation folds full-width forms (NFKC) and case, so
`（一）` and `(一)`, `ＡＢＣ` and `abc` meet.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
USERDICT = DATA / "userdict.txt"
STOPWORDS = DATA / "stopwords.txt"
SYNONYMS = DATA / "synonyms.tsv"

_PUNCT_RE = re.compile(r"^[\W_]+$", re.UNICODE)
# jieba only keeps runs of these characters together; dictionary words with others
# (首台（套）) are matched by rewriting them to their bare form (首台套) before cutting.
_JIEBA_CHARS = re.compile(r"[^\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")
_lock = threading.Lock()


def normalise(text: str) -> str:
    """NFKC (full-width → half-width) and lower case. Used for matching only, never display."""
    return unicodedata.normalize("NFKC", text).lower()


def _read_lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


_init_lock = threading.Lock()


def _jieba():
    """The shared jieba tokenizer, built once (the first caller builds it, others wait)."""
    with _init_lock:
        return _build_jieba()


def preload() -> threading.Thread:
    """Build the tokenizer in a background thread (its dictionary takes ~0.6 s to read), so
    that a process loading an index has it ready for the first question."""
    t = threading.Thread(target=_jieba, name="jieba-preload", daemon=True)
    t.start()
    return t


@lru_cache(maxsize=1)
def _build_jieba():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for line in _read_lines(USERDICT):
        word, *rest = line.split()
        freq = int(rest[0]) if rest else None
        tk.add_word(_JIEBA_CHARS.sub("", normalise(word)), freq=freq)
    return tk


@lru_cache(maxsize=1)
def _rewrites() -> tuple[tuple[str, str], ...]:
    """Dictionary words jieba would break at punctuation: normalised form -> bare form."""
    pairs = []
    for line in _read_lines(USERDICT):
        word = normalise(line.split()[0])
        bare = _JIEBA_CHARS.sub("", word)
        if bare != word:
            pairs.append((word, bare))
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(normalise(w) for w in _read_lines(STOPWORDS))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in _read_lines(SYNONYMS):
        if "\t" not in line:
            continue
        left, right = line.split("\t", 1)
        table[normalise(left.strip())] = tuple(normalise(w) for w in right.split())
    return table


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: search-mode jieba cut (whole dictionary words plus their parts).
    Short texts are memoised (a pure function of the text): answering re-cuts the same clause
    sentences and synonyms, and every cut holds the GIL and jieba's lock, which concurrent
    requests share. Long texts (whole clauses at index time) are not kept."""
    return list(_tokenize(text) if len(text) <= MEMO_CHARS else _tokenize.__wrapped__(text))


MEMO_CHARS = 200


@lru_cache(maxsize=16384)
def _tokenize(text: str) -> tuple[str, ...]:
    norm = normalise(text)
    for word, bare in _rewrites():
        norm = norm.replace(word, bare)
    with _lock:  # jieba's tokenizer is not thread-safe while it builds its DAG cache
        words = list(_jieba().cut_for_search(norm, HMM=False))
    stop = stopwords()
    return tuple(w for w in (w.strip() for w in words)
                 if w and w not in stop and not _PUNCT_RE.match(w))


@lru_cache(maxsize=4096)
def jieba_words(norm: str) -> tuple[str, ...]:
    """jieba's plain (not search-mode) cut of normalised text, stopwords kept: the words as a
    reader would split them (indexer.abbrev looks for runs jieba could not place)."""
    with _lock:
        return tuple(w for w in _jieba().cut(norm, HMM=False) if w.strip())


def expand(tokens: list[str]) -> list[str]:
    """Query-side synonym expansion (the originals first, each added term once)."""
    table = synonyms()
    out = list(tokens)
    seen = set(tokens)
    for t in tokens:
        for extra in table.get(t, ()):
            for w in tokenize(extra):
                if w not in seen:
                    seen.add(w)
                    out.append(w)
    return out


def query_tokens(text: str) -> list[str]:
    return expand(tokenize(text))


_GRAM_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9][a-z0-9.%+#]*")


def char_bigrams(text: str) -> list[str]:
    """The second BM25 field: overlapping character bigrams of every Han run (a one-character
    run stays a unigram) and whole Latin/digit tokens. It needs no dictionary, so it matches
    where jieba cuts the two sides differently (卖地/土地出让 share 土地, 收购/并购 share 购)."""
    out: list[str] = []
    for run in _GRAM_RUN.findall(normalise(text)):
        if not "\u3400" <= run[0] <= "\u9fff" or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def resources_fingerprint() -> str:
    """Hash of the dictionaries; part of the index's staleness check."""
    h = hashlib.sha256()
    for p in (USERDICT, STOPWORDS, SYNONYMS):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()
