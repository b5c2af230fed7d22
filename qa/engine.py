"""The qa library: PolicyQA.open() → search() / ask() / lookup().

`ask` routes a question (`route`): a clause number or a unit's clauses (qa/route_lookup.py),
the document's own facts or a document not loaded (qa/route_meta.py), else retrieval with
confidence tiers (qa/route_retrieval.py)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from corpus.library import effective_manifest
from corpus.loaders import is_traditional, to_simplified
from corpus.manifest import Manifest
from corpus.model import Clause, Document, ParsedDocument
from indexer import store
from indexer.clausetable import ClauseTable
from indexer.encoders import Encoder, make_encoder
from indexer.settings import Settings

from . import departments as dept
from . import route_lookup, route_meta, route_retrieval
from .confidence import load_tiers
from .filters import DEFAULT_SCOPE, Filters, allowed_keys, scope_docs
from .mentions import find_mentions, mention_term
from .meta import meta_intent, mentioned, mentioned_missing, speaks_of_this_document
from .places import covered_places
from .ranking import Searcher
from .refs import find_reference, find_references
from .route_retrieval import strength as _strength
from .search import SearchError
from .smalltalk import reply as smalltalk_reply, small_talk
from .types import Answer, Hit

MAX_QUESTION = 500
BASIS_LIMIT = 20_000     # clauses; a larger scope is judged against the whole library


class PolicyQA:
    def __init__(self, data: store.IndexData, encoder: Encoder, settings: Settings | None = None):
        self.data = data
        self.settings = settings or data.settings
        self.searcher = Searcher(data, encoder, self.settings)
        self.catalog = dept.UnitCatalog(data.clauses)
        self.vocab = data.bm25          # `term in vocab`: the term occurs in a live clause
        self.docs = {p.doc.id: p.doc for p in data.documents}
        self.docs.update({d.id: d for d in data.missing})
        self.covered = covered_places([p.doc for p in data.documents], self.docs)

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
    def clauses(self) -> ClauseTable:
        """Every clause by row (indexer/clausetable.py: columns without building clauses)."""
        return self.data.clauses

    def primary(self) -> ParsedDocument:
        return self.data.documents[0]

    def parsed(self, doc_id: str) -> ParsedDocument | None:
        """The loaded document `doc_id`, or None."""
        return next((p for p in self.documents if p.doc.id == doc_id), None)

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
        question = simplified(question)
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
            row_of = self.data.rows.row_of
            first = [by_key.get(key) or self.hit_for(self.clauses[row_of[key]]) for key in pinned]
            hits = first + [h for h in hits if h.key not in set(pinned)]
        return hits[:top_k]

    def pinned(self, question: str) -> list[str]:
        """Clause keys a question names outright (reference, unit + role, the document)."""
        nos = find_references(question)
        if nos and self._refers_to_missing(question):
            return []
        if nos:
            named = self._named(question)
            doc = next((p for p in self.documents if named and p.doc.id == named[0]), self.primary())
            return [c.key for c in map(doc.clause, nos) if c]
        uq = dept.parse_unit_query(question, self.catalog)
        if uq:
            seen: list[str] = []
            for clauses in dept.clauses_for(uq, self.clauses).values():
                seen.extend(c.key for c in clauses if c.key not in seen)
            return seen
        asked = self._mentions(question, self._scope(question, None))
        if asked and asked[1]:
            return [m.clause.key for m in asked[1]]
        if meta_intent(question) and not asked and self.primary().preamble:
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
        t = self.data.clauses
        keys = {k for i in named for k in t.keys[t.rows_of(i)].tolist()}
        return keys if allowed is None else (keys & allowed) or allowed

    def _named(self, question: str) -> list[str]:
        """Loaded documents other than the city measures that the question names."""
        if len(self.documents) < 2:
            return []
        return [d.id for d in mentioned(question, [p.doc for p in self.documents[1:]])]

    def parents_text(self, key: str) -> str:
        """上级依据 of a clause: traced parent clauses, and parents that are not loaded."""
        return route_retrieval.parents_text(self, key)

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
        return route_lookup.lookup_answer(self, question, no, doc_id)

    # ---- ask -------------------------------------------------------------------------
    def ask(self, question: str, filters: Filters | None = None, history=None) -> Answer:
        """A cited answer. `history`: prior turns, oldest first, each {"question", "citations":
        [clause keys]}; a follow-up ("牵头单位是谁？") is resolved against the last one. A
        question in traditional characters is understood in simplified ones (the documents'
        script); the answer keeps the question as typed."""
        _check(question)
        plain = simplified(question)
        if plain != question:
            return replace(self._ask(plain, filters, history), question=question)
        return self._ask(question, filters, history)

    def _ask(self, question: str, filters: Filters | None, history) -> Answer:
        chat = small_talk(question)
        if chat:                       # 你好 / 你是谁 / 谢谢: not a policy question
            return Answer(question, "help", smalltalk_reply(chat, self.loaded_names()),
                          confidence="none")
        if history:
            from .followup import resolve
            followed = resolve(self, question, history)
            if followed is not None:
                return followed
        allowed = self._scope(question, filters)
        nos = find_references(question)
        if nos and not self._refers_to_missing(question, filters):
            named = self._named(question)
            doc_id = filters.docs[0] if filters and filters.docs else (named[0] if named else None)
            if len(nos) > 1:           # 第十条和第二十条有什么不同: each clause quoted
                return route_lookup.lookups_answer(self, question, nos, doc_id)
            return self._lookup_answer(question, nos[0], doc_id)
        intent = meta_intent(question)
        if intent == "basis":          # 这文件是根据国务院哪个文件定的: about this document
            return self._meta_answer(question, intent)
        missing = mentioned_missing(question, self.missing, self._loaded_docs)
        if missing:
            return route_meta.not_loaded_answer(self, question, missing, allowed)
        uq = dept.parse_unit_query(question, self.catalog)
        if uq:
            return self._unit_answer(question, uq, allowed)
        asked = self._mentions(question, allowed)
        if asked and asked[1]:
            return route_lookup.mentions_answer(self, question, *asked)
        if intent and not asked:       # 哪几条提到X, X used nowhere: not meta
            return self._meta_answer(question, intent)
        a = self._retrieval_answer(question, allowed)
        if a.confidence != "answer" and not (filters and (filters.scope or filters.docs)) \
                and not speaks_of_this_document(question) \
                and len(scope_docs(self, "all")) > len(scope_docs(self, DEFAULT_SCOPE)):
            # the home family gave no confident answer: look in every loaded document, unless
            # the asker means this document (你们这个政策里有没有写…): then its answer stands.
            # The tiers were fitted on the home family's questions, never on the whole
            # library's, so what this finds is shown as 可能相关, never as 答复.
            wider = self._retrieval_answer(
                question, allowed_keys(self, replace(filters or Filters(), scope="all")),
                confident=False)
            return min((a, wider), key=_strength)
        return a

    def _meta_answer(self, question: str, intent: str) -> Answer:
        return route_meta.meta_answer(self, question, intent)

    def _unit_answer(self, question: str, uq: dept.UnitQuery, allowed=None) -> Answer:
        return route_lookup.unit_answer(self, question, uq, allowed)

    def _refers_to_missing(self, question: str, filters: Filters | None = None) -> bool:
        """A clause reference into a document that is only referenced (广西措施的第一条):
        answered as not loaded, never with the home document's clause of that number."""
        return not (filters and filters.docs) and not self._named(question) \
            and bool(mentioned_missing(question, self.missing, self._loaded_docs))

    def route(self, question: str) -> str:
        """Which path `ask` takes: smalltalk | lookup | not_loaded | department | mentions |
        meta | retrieval."""
        question = simplified(question)
        if small_talk(question):
            return "smalltalk"
        if find_reference(question) is not None and not self._refers_to_missing(question):
            return "lookup"
        if meta_intent(question) == "basis":
            return "meta"
        if mentioned_missing(question, self.missing, self._loaded_docs):
            return "not_loaded"
        if dept.parse_unit_query(question, self.catalog):
            return "department"
        asked = self._mentions(question, self._scope(question, None))
        if asked and asked[1]:
            return "mentions"
        if meta_intent(question) and not asked:
            return "meta"
        return "retrieval"

    def _mentions(self, question: str, allowed) -> tuple[str, list] | None:
        """(word, the clauses in scope using it — maybe none) when the question asks where
        the text uses a word (qa/mentions.py); None when it asks something else."""
        term = mention_term(question)
        if not term:
            return None
        t = self.data.clauses
        rows = np.flatnonzero(self.data.rows.ok(allowed))     # clauses that may be results
        return term, find_mentions(term, (t[int(r)] for r in rows))

    def evidence(self, question: str, allowed: set[str] | None = None):
        """(runs, top hits, Evidence) for a question on the retrieval path."""
        return route_retrieval.evidence(self, question, allowed)

    def _basis(self, allowed) -> tuple:
        """(vocabulary, places covered) of the clauses in scope, for the evidence signals; the
        whole library's when everything is in scope (or the scope is too large to be worth it)."""
        if allowed is None or len(allowed) > BASIS_LIMIT:
            return self.vocab, self.covered
        return self.data.rows.memo(allowed, "basis", self._scope_basis)

    def _scope_basis(self, allowed) -> tuple:
        rows = sorted(self.data.rows.rows_in(allowed))
        vocab = set().union(*(self.data.bm25.doc_terms(r) for r in rows)) if rows else set()
        in_scope = set(self.data.clauses.doc_ids[rows].tolist()) if rows else set()
        return vocab, covered_places([d for i, d in self.docs.items() if i in in_scope], self.docs)

    @property
    def _loaded_docs(self) -> list:
        return [p.doc for p in self.documents]

    def loaded_names(self) -> list[str]:
        return [p.doc.short or p.doc.title for p in self.documents]

    def _retrieval_answer(self, question: str, allowed: set[str] | None = None,
                          confident: bool = True) -> Answer:
        return route_retrieval.retrieval_answer(self, question, allowed, confident)


def simplified(question: str) -> str:
    """The question in simplified characters when it is written in traditional ones (請問這份
    措施… → 请问这份措施…); otherwise unchanged, character for character."""
    return to_simplified(question) if is_traditional(question) else question


def _check(question: str) -> None:
    if not isinstance(question, str) or not question.strip():
        raise SearchError("the question is empty; type a question in Chinese, "
                          "e.g. 高新技术企业研发费用能加计扣除多少？")
    if len(question) > MAX_QUESTION:
        raise SearchError(f"the question is {len(question)} characters long; keep it under "
                          f"{MAX_QUESTION} (ask about one thing at a time)")


__all__ = ["PolicyQA", "SearchError"]
