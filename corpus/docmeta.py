"""What a document says about itself: its heading (title), notice, and dates.

The head of a document is the text before its first part or clause. Two layouts occur:
  notice → date line → title → preamble   (a city 通知 with the measures it issues)
  title → adoption / revision lines → preamble   (laws, regulations, most web pages)
A title is a block of at most three short heading lines (joined, as a title broken over lines
is one title); never a line with a date, a sentence, a 文号 or an adoption bracket.
Dates: publication/adoption (the first date of the head), revisions (修正/修订/修改 lines),
施行 (自…起施行, anywhere in the text, or a head line ending 施行).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
PREAMBLE_RE = re.compile(r"^[ \t\u3000]*(根据(?![ \t\u3000]*\d{4}\s*年)|为(?:了)?(?:深入|贯彻|进一步|促进|加快|推动))",
                         re.M)
NUMBER_LINE_RE = re.compile(r"[\u4e00-\u9fa5]{1,10}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d{1,4}\s*号")
_WS = " \t\u3000\r\n\u200b\ufeff"       # zero-width spaces occur in pages copied from the web
_SENTENCE_END = ("。", "！", "？", "：", ":", "；", ";", "，", ",")
_NOT_TITLES = {"序言", "目录", "前言", "目 录", "序 言"}
# a title that already ends in its document type is complete: a next heading line is not joined
TITLE_END_RE = re.compile(r"(法|条例|规定|办法|细则|解释|决定|决议|规则|安排|意见|通知|批复|措施|方案|纲要|章程|"
                          r"规划|公告|答复|函)(?:[（(][^（）()]{1,16}[）)])*$")
TITLE_LINE_MAX = 80
TITLE_MAX = 160
_REVISION_RE = re.compile(r"修正|修订|修改")
_EFFECTIVE_RE = re.compile(rf"自[ \t\u3000]*{DATE_RE.pattern}[ \t\u3000]*起?[ \t\u3000]*(?:施行|实施|生效)")
_EFFECTIVE_LINE_RE = re.compile(rf"^\W*{DATE_RE.pattern}\W*起?\W*(?:施行|实施|生效)\W*$")


def iso_date(text: str) -> str | None:
    """The first 2021年12月29日-style date in the text, as 2021-12-29."""
    m = DATE_RE.search(text)
    return _iso(m) if m else None


def _iso(m: re.Match) -> str | None:
    y, mo, d = (int(g) for g in m.groups()[:3])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def is_title_line(line: str) -> bool:
    """A short heading line: no date, not a sentence, not a 文号, not an adoption bracket."""
    s = line.strip(_WS)
    if not s or len(s) > TITLE_LINE_MAX or s in _NOT_TITLES:
        return False
    if DATE_RE.search(s) or s.endswith(_SENTENCE_END) or PREAMBLE_RE.match(s):
        return False
    if NUMBER_LINE_RE.fullmatch(s) or re.match(r"[（(【\[]", s):
        return False
    if re.match(r"第[零〇一二两三四五六七八九十百千\d]+[条章节编]", s):
        return False
    if s.count("）") + s.count(")") > s.count("（") + s.count("("):   # the end of an adoption bracket
        return False
    if re.search(r"会议.{0,12}(通过|批准)|(通过|公布|发布|批准|施行)[）)]?$", s):
        return False
    return True


def _lines(raw: str, start: int, end: int):
    """(start, end, text) of each line of raw[start:end]."""
    for m in re.finditer(r"[^\n]*\n?", raw[start:end]):
        if m.end() > m.start():
            yield start + m.start(), start + m.end(), m.group(0)


def title_block(raw: str, start: int, end: int) -> tuple[int, str]:
    """The heading lines at the top of raw[start:end]: (end offset of the block, joined title).
    The block ends where the first non-heading line starts; ('', start) when there is none."""
    taken: list[str] = []
    block_end = start
    for s, e, line in _lines(raw, start, end):
        if not line.strip(_WS):
            if taken:
                block_end = e
            continue
        if len(taken) == 3 or (taken and TITLE_END_RE.search(taken[-1])) or not is_title_line(line) or \
                len("".join(taken) + line.strip(_WS)) > TITLE_MAX:
            return (block_end, "".join(taken)) if taken else (start, "")
        taken.append(line.strip(_WS))
        block_end = e
    return (block_end, "".join(taken)) if taken else (start, "")


@dataclass(frozen=True)
class Head:
    notice_end: int          # 0 = no notice
    title_start: int
    title_end: int           # title_start == title_end: no title line found
    title: str
    body_start: int          # where the preamble (if any) starts


def split_head(raw: str, first_mark: int) -> Head:
    """Split raw[:first_mark] into notice, title and what follows (preamble)."""
    pre = PREAMBLE_RE.search(raw, 0, first_mark)
    body_start = pre.start() if pre else first_mark
    head = raw[:body_start]
    dates = list(DATE_RE.finditer(head))
    if dates:
        # layout 1: a notice, its date line, then the title right before the preamble
        line_end = head.find("\n", dates[-1].end())
        notice_end = len(head) if line_end < 0 else line_end + 1
        before = head[:dates[-1].start()]
        if re.search(r"通知|[：:][ \t\u3000]*$", before, re.M):     # a 通知 with its addressees
            t_end, title = title_block(raw, notice_end, body_start)
            if title and not raw[t_end:body_start].strip(_WS):
                return Head(notice_end, notice_end, body_start, title, body_start)
    # layout 2: the title at the top, then adoption lines / preamble
    t_end, title = title_block(raw, 0, first_mark)
    if not title:
        return Head(0, 0, 0, "", 0)
    return Head(0, 0, t_end, title, t_end)


def read_title(text: str, hint: str = "") -> str:
    """The document's title: the page's <h1>/<title> when given, else its heading lines."""
    hint = re.sub(r"\s+", " ", hint or "").strip()
    if hint:
        return hint
    n = len(text)
    return split_head(text, _first_mark(text) if n else 0).title


def _first_mark(text: str) -> int:
    m = re.search(r"^[ \t\u3000]*(第[零〇一二两三四五六七八九十百千\d]+[条章节编](?![的规所中至、，,和或及第款项])|[（(][一二三四五六七八九十]+[）)]"
                  r"|[一二三四五六七八九十]+、)", text, re.M)
    return m.start() if m else len(text)


@dataclass(frozen=True)
class Dates:
    published: str | None       # the first (adoption / publication) date
    revised: str | None         # the latest 修正/修订 date
    revisions: tuple[str, ...]  # every revision date, in text order
    effective: str | None       # 施行 date as stated

    @property
    def in_force(self) -> str | None:
        """The date of the version this text is: its latest revision, else its publication."""
        return self.revised or self.published


def read_dates(text: str) -> Dates:
    """Dates read from the head (before the first clause) and the 自…起施行 sentence.
    Each statement of the head (a line, or a 根据… inside an adoption bracket) with a date is a
    施行 line, a revision (修正/修订/修改) or an adoption/publication step (通过, 批准, 公布).
    The original text's steps (通过 → 批准/公布, or a second body's 通过, within a year) end in
    its publication; every later step — a revision, or a later 通过 of a revised text — is a
    revision."""
    head = re.sub(r"(\d)[ \t\u3000]*\n\s*(?=[年月日])", r"\1", text[:_first_mark(text)])  # 9月26⏎日
    published: str | None = None
    revisions: list[str] = []
    effective = None
    for piece in re.split(r"\n|(?=根据\s*\d{4}\s*年)|[　 ]{2,}(?=\d{4}\s*年)", head):
        m = _EFFECTIVE_RE.search(piece)          # （…公布　自2008年4月23日起施行）
        if m:
            effective = effective or _iso(m)
            piece = piece[:m.start()] + piece[m.end():]
        found = [d for d in (_iso(m) for m in DATE_RE.finditer(piece)) if d]
        if not found:
            continue
        if _EFFECTIVE_LINE_RE.match(piece.strip()):
            effective = effective or found[0]
            continue
        if piece.rstrip().endswith(("。", "：", ":", "；")) or re.match(r"\s*为", piece):
            continue                     # a preamble sentence with a date is no history step
        revision = bool(_REVISION_RE.search(piece))
        for d in found:                  # …通过并经2020年1月15日…批准: two steps
            if published is None:
                published = first = d
            elif not revision and not revisions and _within_a_year(first, d):
                published = max(published, d)
            elif d > published:
                revisions.append(d)
    if effective is None:
        m = _EFFECTIVE_RE.search(text)
        effective = _iso(m) if m else None
    return Dates(published=published, revised=max(revisions) if revisions else None,
                 revisions=tuple(revisions), effective=effective)


def _within_a_year(a: str, b: str) -> bool:
    ya, ma, _ = (int(x) for x in a.split("-"))
    yb, mb, _ = (int(x) for x in b.split("-"))
    return (yb - ya) * 12 + (mb - ma) <= 12
