"""Plain, frozen records for documents and their clauses."""
from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("national", "region", "province", "city")
LEVEL_NAMES = {"national": "国家级", "region": "自治区级", "province": "省级", "city": "市级"}


@dataclass(frozen=True)
class Document:
    """One manifest entry: a loaded document or one that is only referenced."""
    id: str
    title: str
    short: str
    issuer: str
    date: str | None                   # the date of this version: latest revision, else publication
    level: str
    number: str | None = None
    source: str | None = None          # file name under corpus/data, None = not loaded
    url: str | None = None
    parser: str = "city-measures"
    aliases: tuple[str, ...] = ()
    implements: tuple[str, ...] = ()
    effective: str | None = None       # 施行日期
    repealed: str | None = None        # 废止日期; repealed documents are left out by default
    traditional: bool = False          # text in traditional characters (indexed as simplified)
    sha256: str | None = None          # of the stored text, for user-added documents
    format: str | None = None          # txt | docx | pdf | html
    published: str | None = None       # publication / adoption date of the original text
    revised: str | None = None         # latest 修正/修订 date, None if never revised
    superseded_by: str | None = None   # id of a newer version of the same document in force

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, self.level)

    def is_repealed(self, today: str | None = None) -> bool:
        import datetime
        today = today or datetime.date.today().isoformat()
        return bool(self.repealed) and self.repealed <= today

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None

    @property
    def loaded(self) -> bool:
        return self.source is not None

    @property
    def citation_title(self) -> str:
        return f"《{self.title}》"


@dataclass(frozen=True)
class Clause:
    """A numbered measure (or the preamble, number 0) exactly as published."""
    key: str                     # stable id, e.g. "liuzhou-2021:5"
    doc_id: str
    no: int                      # 1..21; 0 = preamble
    label: str                   # "（五）"; "序言" for the preamble
    heading: str                 # first sentence, as published
    text: str                    # the whole clause, verbatim
    body: str                    # text without the responsible-units bracket
    part: str = ""               # "一、提高产业自主创新能力"
    lead_units: tuple[str, ...] = ()
    partner_units: tuple[str, ...] = ()
    units_text: str = ""         # the bracket as published
    start: int = 0               # offsets of `text` in the source file's text
    end: int = 0

    @property
    def units(self) -> tuple[str, ...]:
        return self.lead_units + self.partner_units


@dataclass(frozen=True)
class Notice:
    text: str
    addressees: str
    issuer: str
    date: str | None             # ISO date


@dataclass(frozen=True)
class Part:
    label: str                   # "一、"
    title: str                   # "提高产业自主创新能力"
    numbers: tuple[int, ...]     # measure numbers in this part


@dataclass(frozen=True)
class Segment:
    """A span of the source text; the segments of a document tile it exactly."""
    kind: str                    # notice | title | preamble | part | clause | trailer | blank
    start: int
    end: int
    ref: str = ""                # clause key or part label


@dataclass(frozen=True)
class ParsedDocument:
    doc: Document
    raw: str
    title: str
    notice: Notice | None
    preamble: Clause | None
    parts: tuple[Part, ...]
    clauses: tuple[Clause, ...]            # measures 1..n (preamble not included)
    segments: tuple[Segment, ...] = field(default=())
    cited_titles: tuple[str, ...] = ()     # 《…》 titles named in the preamble

    def clause(self, no: int) -> Clause | None:
        for c in self.clauses:
            if c.no == no:
                return c
        return None

    @property
    def all_clauses(self) -> tuple[Clause, ...]:
        """Preamble first (number 0), then the measures."""
        return ((self.preamble,) if self.preamble else ()) + self.clauses
