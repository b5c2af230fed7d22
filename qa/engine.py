"""The qa library: PolicyQA.open() → search() / ask() / lookup()."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from corpus.library import effective_manifest
from corpus.manifest import Manifest
from corpus.model import Clause, Document, ParsedDocument
from corpus.numerals import label_for
from indexer import store
from indexer.encoders import Encoder, make_encoder
from indexer.settings import Settings

from . import departments as dept
from .compose import compose, compose_none, compose_possible, pick_sentences
from .confidence import load_tiers, signals
from .evidence import measure
from .filters import DEFAULT_SCOPE, Filters, allowed_keys, scope_docs
from .trace import trace
from .meta import answer_meta, meta_intent, mentioned, mentioned_missing, not_loaded_text
from .refs import find_reference
from .search import Searcher, SearchError
from .types import CONFIDENCE, Answer, Hit

MAX_QUESTION = 500
BASIS_LIMIT = 20_000     # clauses; a larger scope is judged against the whole library
REFUSAL = "知识库中没有找到相关规定。"


class _PassageRows:
    """clause row -> [(passage id, sentence index)], read from the index on demand."""

    def __init__(self, data):
        self.data = data

    def get(self, row: int, default=None):
        return self.data.passage_rows(row) or default

    def __getitem__(self, row: int):
        return self.data.passage_rows(row)


class PolicyQA:
    def __init__(self, data: store.IndexData, encoder: Encoder, settings: Settings | None = None):
        self.data = data
        self.settings = settings or data.settings
        self.searcher = Searcher(data, encoder, self.settings)
        self.catalog = dept.UnitCatalog(data.clauses)
        self.vocab = data.bm25          # `term in vocab`: the term occurs in a live clause
        self.corpus_text = "".join(c.text for c in data.clauses)
        self.docs = {p.doc.id: p.doc for p in data.documents}
        self.docs.update({d.id: d for d in data.missing})
        self._passage_rows = _PassageRows(data)

    @classmethod
    def open(cls, root: Path | str | None = None, manifest: Manifest | None = None,
             settings: Settings | None = None, rebuild: bool = False,
             encoder: Encoder | None = None) -> "PolicyQA":
        """Load the index at `root`, building it first if missing or stale."""
        settings = settings or Settings.from_env()
        manifest = manifest or effective_manifest()
        root = Path(root) if root else store.DEFAULT_ROOT
        enc = encoder or make_encoder(settings.encoder)
        data, _ = store.ensure(manifest, settings, root, rebuild=rebuild, encoder=enc)
        return cls(data, enc, settings)

    @property
    def tiers(self):
        """The confidence-tier model (qa/data/confidence.json, fitted by eval/calibrate.py)."""
        return load_tiers()

    # ---- plain accessors -------------------------------------------------------------
    @property
    def documents(self) -> tuple[ParsedDocument, ...]:
        return self.data.documents

    @property
    def missing(self) -> tuple[Document, ...]:
        return self.data.missing

    @property
    def clauses(self) -> tuple[Clause, ...]:
        return self.data.clauses

    def primary(self) -> ParsedDocument:
        return self.data.documents[0]

    def hit_for(self, clause: Clause, score: float = 1.0) -> Hit:
        return Hit.of(clause, self.docs.get(clause.doc_id), score)

    def matched_terms(self, question: str) -> list[str]:
        """The question's terms (with synonyms) that occur in the corpus, for highlighting."""
        from indexer.tokenize import query_tokens
        idf = self.data.bm25.idf
        return [t for t in query_tokens(question)
                if t in self.vocab and (idf(t) >= 1.0 or len(t) >= 4)]

    # ---- search ----------------------------------------------------------------------
    def search(self, question: str, top_k: int = 5, method: str = "auto",
               filters: Filters | None = None) -> list[Hit]:
        """Ranked clauses. `auto` (default) is the hybrid ranking with the clauses a question
        names directly — a clause number, a unit's clauses, the preamble for questions about
        the document — moved to the front; `hybrid`, `bm25`, `dense` are the raw rankings."""
        _check(question)
        if top_k < 1:
            raise SearchError(f"top-k must be at least 1 (got {top_k})")
        allowed = self._scope(question, filters) if method == "auto" else allowed_keys(self, filters)
        runs = self.searcher.runs(question, allowed)
        if method != "auto":
            return self.searcher.hits(runs, method, top_k)
        hits = self.searcher.hits(runs, "hybrid", top_k=len(self.clauses))
        pinned = [k for k in self.pinned(question) if allowed is None or k in allowed]
        if pinned:
            by_key = {h.key: h for h in hits}
            rows = {c.key: c for c in self.clauses}
            first = [by_key.get(key) or self.hit_for(rows[key]) for key in pinned]
            hits = first + [h for h in hits if h.key not in set(pinned)]
        return hits[:top_k]

    def pinned(self, question: str) -> list[str]:
        """Clause keys a question names outright (reference, unit + role, the document)."""
        no = find_reference(question)
        if no is not None:
            named = self._named(question)
            doc = next((p for p in self.documents if named and p.doc.id == named[0]), self.primary())
            c = doc.clause(no)
            return [c.key] if c else []
        uq = dept.parse_unit_query(question, self.catalog)
        if uq:
            seen: list[str] = []
            for clauses in dept.clauses_for(uq, self.clauses).values():
                seen.extend(c.key for c in clauses if c.key not in seen)
            return seen
        if meta_intent(question) and self.primary().preamble:
            return [self.primary().preamble.key]
        return []

    # ---- lookup ----------------------------------------------------------------------
    def _scope(self, question: str, filters: Filters | None) -> set[str] | None:
        """The filters' clauses, narrowed to the loaded documents the question names
        (广西措施里… → that document) unless --doc was given."""
        if len(self.documents) < 2 or (filters and filters.docs):
            return allowed_keys(self, filters)
        named = set(self._named(question))
        if not named:
            return allowed_keys(self, filters)
        # a named document is searched whatever the scope
        allowed = allowed_keys(self, replace(filters or Filters(), scope="all"))
        keys = {c.key for c in self.clauses if c.doc_id in named}
        return keys if allowed is None else (keys & allowed) or allowed

    def _named(self, question: str) -> list[str]:
        """Loaded documents other than the city measures that the question names."""
        if len(self.documents) < 2:
            return []
        return [d.id for d in mentioned(question, [p.doc for p in self.documents[1:]])]

    def parents_text(self, key: str) -> str:
        """上级依据 of a clause: traced parent clauses, and parents that are not loaded."""
        t = trace(self, key)
        if not t.links and not t.missing:
            return ""
        lines = [f"- {x.parent.short}{x.clause.label}{x.clause.heading}（相似度{x.score:.2f}）"
                 for x in t.links[:3]]
        return "\n".join(lines)

    def lookup(self, ref: str, doc_id: str | None = None) -> Answer:
        _check(ref)
        no = find_reference(ref)
        if no is None and ref.strip().isdigit():
            no = int(ref.strip())
        if no is None:
            raise SearchError(f"cannot read a clause number in {ref!r}; write it like "
                              "（十七）, 第17条, 第十七条 or 措施十七")
        return self._lookup_answer(ref, no, doc_id)

    def _lookup_answer(self, question: str, no: int, doc_id: str | None = None) -> Answer:
        doc = next((p for p in self.documents if p.doc.id == doc_id), None) if doc_id else self.primary()
        if doc is None:
            raise SearchError(f"--doc {doc_id} is not a loaded document; `policyqa docs` lists them")
        clause = doc.clause(no)
        if clause is None:
            last = len(doc.clauses)
            return Answer(question, "refusal",
                          f"{doc.doc.citation_title}共{last}条措施（（一）至{label_for(last)}），"
                          f"没有第{no}条。")
        hit = self.hit_for(clause)
        text = (f"{doc.doc.citation_title}{clause.label}全文如下【1】：\n{clause.text}\n"
                f"所属部分：{clause.part}")
        return Answer(question, "lookup", text, (hit,))

    # ---- ask -------------------------------------------------------------------------
    def ask(self, question: str, filters: Filters | None = None, history=None) -> Answer:
        """A cited answer. `history`: prior turns, oldest first, each {"question", "citations":
        [clause keys]}; a follow-up ("牵头单位是谁？") is resolved against the last one."""
        _check(question)
        if history:
            from .followup import resolve
            followed = resolve(self, question, history)
            if followed is not None:
                return followed
        allowed = self._scope(question, filters)
        no = find_reference(question)
        if no is not None:
            named = self._named(question)
            doc_id = filters.docs[0] if filters and filters.docs else (named[0] if named else None)
            return self._lookup_answer(question, no, doc_id)
        intent = meta_intent(question)
        if intent == "basis":          # 这文件是根据国务院哪个文件定的: about this document
            return self._meta_answer(question, intent)
        missing = mentioned_missing(question, self.missing)
        if missing:
            hits = self.searcher.hits(self.searcher.runs(question, allowed), "hybrid", 3)
            text = not_loaded_text(missing)
            if hits:
                text += "\n已收录文件中最相关的条款：\n" + "\n".join(
                    f"- {h.citation}{h.clause.heading}" for h in hits)
            return Answer(question, "refusal", text, tuple(hits),
                          evidence={"not_loaded": [d.id for d in missing]})
        uq = dept.parse_unit_query(question, self.catalog)
        if uq:
            return self._unit_answer(question, uq, allowed)
        if intent:
            return self._meta_answer(question, intent)
        a = self._retrieval_answer(question, allowed)
        if a.confidence != "answer" and not (filters and (filters.scope or filters.docs)) \
                and len(scope_docs(self, "all")) > len(scope_docs(self, DEFAULT_SCOPE)):
            # the home family gave no confident answer: look in every loaded document
            wider = self._retrieval_answer(
                question, allowed_keys(self, replace(filters or Filters(), scope="all")))
            return min((a, wider), key=_strength)
        return a

    def _meta_answer(self, question: str, intent: str) -> Answer:
        named = self._named(question)
        doc = next((p for p in self.documents if named and p.doc.id == named[0]), self.primary())
        cite = (self.hit_for(doc.preamble),) if doc.preamble else ()
        return Answer(question, "meta", answer_meta(intent, doc, self.docs) +
                      ("【1】" if cite else ""), cite, evidence={"intent": intent})

    def _unit_answer(self, question: str, uq: dept.UnitQuery, allowed=None) -> Answer:
        found = dept.clauses_for(uq, tuple(c for c in self.clauses
                                           if allowed is None or c.key in allowed))
        role = {"lead": "牵头", "partner": "配合", "any": "牵头或配合"}[uq.role]
        cited: list[Clause] = []
        lines = []
        for unit, clauses in found.items():
            if not clauses:
                lines.append(f"{unit}没有作为{role}单位的措施。")
                continue
            lines.append(f"{unit}作为{role}单位的措施共{len(clauses)}条：")
            for c in clauses:
                if c not in cited:
                    cited.append(c)
                i = cited.index(c) + 1
                r = "牵头" if unit in c.lead_units else "配合"
                lines.append(f"- {c.label}{c.heading}（{r}）【{i}】")
        return Answer(question, "department", "\n".join(lines),
                      tuple(self.hit_for(c) for c in cited),
                      evidence={"units": list(uq.units), "role": uq.role})

    def route(self, question: str) -> str:
        """Which path `ask` takes: lookup | not_loaded | department | meta | retrieval."""
        if find_reference(question) is not None:
            return "lookup"
        if meta_intent(question) == "basis":
            return "meta"
        if mentioned_missing(question, self.missing):
            return "not_loaded"
        if dept.parse_unit_query(question, self.catalog):
            return "department"
        if meta_intent(question):
            return "meta"
        return "retrieval"

    def evidence(self, question: str, allowed: set[str] | None = None):
        """(runs, top hits, Evidence) for a question on the retrieval path."""
        runs = self.searcher.runs(question, allowed)
        hits = self.searcher.hits(runs, "hybrid", top_k=5)
        vocab, text = self._basis(allowed)
        bm25 = self.data.bm25
        ceiling = sum(bm25.idf(t) for t in dict.fromkeys(runs.tokens)) * (bm25.k1 + 1)
        ev = measure(question, max(runs.dense.values(), default=0.0),
                     hits[0].coverage if hits else 0.0, max(runs.bm25.values(), default=0.0),
                     vocab, text, ceiling)
        return runs, hits, ev

    def _basis(self, allowed) -> tuple:
        """(vocabulary, text) of the clauses in scope, for the evidence signals; the whole
        library's when everything is in scope (or the scope is too large to be worth it)."""
        if allowed is None or len(allowed) > BASIS_LIMIT:
            return self.vocab, self.corpus_text
        cache = self.__dict__.setdefault("_bases", {})
        hit = cache.get(id(allowed))
        if hit is not None and hit[0] is allowed:
            return hit[1], hit[2]
        rows = sorted(self.searcher.row_of[k] for k in allowed if k in self.searcher.row_of)
        vocab = set().union(*(self.data.bm25.doc_terms(r) for r in rows)) if rows else set()
        text = "".join(self.clauses[r].text for r in rows)
        if len(cache) >= 16:
            cache.pop(next(iter(cache)), None)
        cache[id(allowed)] = (allowed, vocab, text)
        return vocab, text

    def loaded_names(self) -> list[str]:
        return [p.doc.short or p.doc.title for p in self.documents]

    def _retrieval_answer(self, question: str, allowed: set[str] | None = None) -> Answer:
        runs, hits, ev = self.evidence(question, allowed)
        if not hits:
            return Answer(question, "refusal", compose_none(REFUSAL, [], self.loaded_names()))
        sig = signals(runs, hits, ev)
        tier, p_out, p_ok = self.tiers.decide(sig)
        if self.settings.refuse_at is not None:
            tier = "none" if p_out >= self.settings.refuse_at else tier
        evidence = {**ev.to_json(), **{k: round(v, 4) for k, v in sig.items()},
                    "p_out_of_scope": round(p_out, 4), "p_top_correct": round(p_ok, 4)}
        if ev.foreign_place:           # a place no loaded document names: refused by rule
            tier = "none"
        if tier == "none":
            note = f"（知识库收录的文件没有涉及“{ev.foreign_place}”。）" if ev.foreign_place else ""
            return Answer(question, "refusal",
                          compose_none(REFUSAL, hits[:3], self.loaded_names(), note),
                          tuple(hits[:3]), evidence=evidence, confidence="none")
        top = hits[0]
        chosen = hits[:3] if tier == "possible" else \
            [top] + [h for h in hits[1:3] if self._also_answers(top, h)]
        limit = 1 if tier == "possible" or len(chosen) > 1 else 2
        idf = self.data.bm25.idf
        quotes = [pick_sentences(h.clause, self.searcher.row_of[h.key], runs.qvec,
                                 list(runs.tokens), self.data.dense.vector,
                                 self._passage_rows, idf, limit=limit) for h in chosen]
        quoted = tuple((i + 1, q) for i, qs in enumerate(quotes) for q in qs)
        if tier == "possible":
            kind = "department" if dept.asks_who(question) else "answer"
            return Answer(question, kind, compose_possible(chosen, quotes), tuple(chosen),
                          quotes=quoted, evidence=evidence, confidence="possible")
        kind = "answer"
        text = compose(chosen, quotes, self.docs)
        parents = self.parents_text(top.key)
        if parents:
            text += "\n上级依据：\n" + parents
        if dept.asks_who(question):
            kind = "department"
            text = f"该事项由{'、'.join(top.clause.lead_units) or '（未写明）'}牵头。\n" + text
        return Answer(question, kind, text, tuple(chosen), quotes=quoted, evidence=evidence,
                      confidence="answer")

    @staticmethod
    def _also_answers(top: Hit, other: Hit) -> bool:
        """A second clause is cited when both methods rank it near the top."""
        return (other.bm25_rank or 99) <= 2 and (other.dense_rank or 99) <= 2 and \
            other.coverage >= 0.6 * top.coverage


def _strength(a: Answer) -> tuple[int, float]:
    """Order answers by tier, then by the evidence (lower P(out of scope) first)."""
    return (CONFIDENCE.index(a.confidence),
            a.evidence.get("p_out_of_scope", 1.0))


def _check(question: str) -> None:
    if not isinstance(question, str) or not question.strip():
        raise SearchError("the question is empty; type a question in Chinese, "
                          "e.g. 高新技术企业研发费用能加计扣除多少？")
    if len(question) > MAX_QUESTION:
        raise SearchError(f"the question is {len(question)} characters long; keep it under "
                          f"{MAX_QUESTION} (ask about one thing at a time)")


__all__ = ["PolicyQA", "SearchError"]
