"""Parse check over the laws corpus: `make parsecheck` / `python -m eval.parsecheck`.

For every document in ../shared/laws (default) with 第X条 articles, the clauses the general
parser finds must be the source's articles, in order, with the same labels. The expected list
is read from the raw text independently of the parser: a strict line-start regex (第X条 or
第X条之一 at the start of a line, followed by a space), so 第X条 cited inside an article's
text — mid-line, or at a line start but followed by 规定/的/… — is not an article.

Beside clause structure it checks what docmeta reads from each text against the file name
(`…条例(2019-03-02).txt`): the title ends with the name's title, and the date of the version
in force (latest revision, else publication) equals the name's date.
Writes eval/PARSECHECK.md (totals and every mismatch with its reason).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from corpus.docmeta import read_dates
from corpus.errors import CorpusError
from corpus.general import clause_number, join_segments, parse_general
from corpus.model import Document
from corpus.numerals import cn_to_int

ROOT = Path(__file__).resolve().parent.parent
LAWS = Path(os.environ.get("POLICYQA_LAWS") or ROOT.parent / "shared" / "laws")
OUT = Path(__file__).resolve().parent / "PARSECHECK.md"
_N = "[零〇一二两三四五六七八九十百千]+"
ARTICLE_LINE = re.compile(rf"^[ \t\u3000]*(第{_N}条(?:之{_N})?)[ \t\u3000]", re.M)
MALFORMED = re.compile(rf"^第[^\n条]{{1,12}}条", re.M)     # 第四百一十四 条, 第三十－条
NAME_RE = re.compile(r"^(?P<title>.+?)(?:\((?P<date>\d{4}-\d{2}-\d{2})\))?$")


def expected_articles(raw: str) -> list[str]:
    """The labels of the source's articles, in order, from line starts only."""
    return [m.group(1) for m in ARTICLE_LINE.finditer(raw)]


def law_files(root: Path = LAWS) -> list[Path]:
    return sorted(root.rglob("*.txt"), key=lambda p: p.relative_to(root).as_posix())


@dataclass
class Result:
    path: str
    expected: int
    got: int
    reason: str = ""                 # empty: clauses equal the articles
    title_ok: bool | None = None     # None: the file name carries no title to check against
    date_ok: bool | None = None      # None: the file name carries no date
    notes: list[str] = field(default_factory=list)
    misnumbered: list[str] = field(default_factory=list)   # article labels whose clause no differs
    explained: bool = False          # the mismatch comes from the source text, reason says how
    tiles: bool = True               # join_segments(parsed) == raw and every clause is raw[start:end]


def number_of(label: str) -> int:
    """第二十五条 -> 25; 第十七条之一 -> clause_number((17, 1))."""
    m = re.fullmatch(rf"第({_N})条(?:之({_N}))?", label)
    return clause_number((cn_to_int(m.group(1)), cn_to_int(m.group(2)) if m.group(2) else 0))


def _norm(title: str) -> str:
    """File names shorten 《中华人民共和国X法》 to 《X法》 and mix bracket widths."""
    t = title.replace("中华人民共和国", "").translate(str.maketrans("()", "（）"))
    return re.sub(r"[\s\u200b]", "", t)


def _first_difference(exp: list[str], got: list[str]) -> int:
    return next((i for i, (a, b) in enumerate(zip(exp, got)) if a != b), min(len(exp), len(got)))


def check_text(raw: str, name: str, rel: str = "") -> Result | None:
    """Check one text; None when it has no 第X条 articles."""
    exp = expected_articles(raw)
    if not exp:
        return None
    doc = Document(id="law", title="", short="", issuer="", date=None, level="national",
                   parser="general")
    try:
        parsed = parse_general(raw, doc)
    except CorpusError as exc:
        return Result(rel or name, len(exp), 0, f"parse error: {exc}")
    got = [c.label for c in parsed.clauses]
    r = Result(rel or name, len(exp), len(got))
    r.tiles = join_segments(parsed) == raw and all(raw[c.start:c.end] == c.text for c in parsed.all_clauses)
    r.misnumbered = [c.label for c in parsed.clauses if c.label in exp and c.no != number_of(c.label)]
    if got != exp:
        i = _first_difference(exp, got)
        e = exp[i] if i < len(exp) else "(end)"
        g = got[i] if i < len(got) else "(end)"
        r.reason = f"first difference at #{i + 1}: expected {e}, parsed {g}"
        c = parsed.clauses[i] if i < len(got) else None
        typo = MALFORMED.search(c.text) if c else None
        if len(exp) == 1:
            r.reason = "one 第X条 line only (a case quoting a single article; not an article-numbered document)"
            r.explained = True
        elif c is not None and not ARTICLE_LINE.match(c.text + " ") and typo:
            r.reason += (f" — explained: source typo {typo.group(0)!r} is no article label; its text "
                         f"stays in the clause of heading {c.label}, later numbers are unchanged")
            r.explained = True
        elif c is not None and not ARTICLE_LINE.match(c.text + " "):
            r.reason += (" — explained: text without a 第X条 label under heading "
                         f"{c.label} ({c.text[:30]!r}…) is kept as its own clause")
            r.explained = True
    m = NAME_RE.match(name)
    title, date = m.group("title"), m.group("date")
    if title and not re.search(r"（\d{4}年）$", title):
        r.title_ok = _norm(parsed.title).endswith(_norm(title)) if parsed.title else False
        if not r.title_ok:
            r.notes.append(f"title read: {parsed.title!r}")
    if date:
        d = read_dates(raw).in_force
        r.date_ok = d == date
        if not r.date_ok:
            r.notes.append(f"version date read {d}, file name {date}: " + _date_reason(raw, d, date))
    return r


def _date_reason(raw: str, read: str | None, name_date: str) -> str:
    y, m, d = (int(x) for x in name_date.split("-"))
    first = ARTICLE_LINE.search(raw)
    printed = re.search(rf"{y}\s*年\s*0?{m}\s*月\s*0?{d}\s*日", raw[:first.start() if first else 3000])
    if read is None:
        return "explained: the text states no date before its first article"
    if read > name_date:
        return "explained: the text lists a later revision than the file name's version"
    if read_dates(raw).effective == name_date:
        return "explained: the file name carries the 施行 date"
    if not printed:
        return "explained: the file name's date (publication) is not printed before the first article"
    return "UNEXPLAINED: the file name's date is in the text but was not read as the version date"


def run(root: Path = LAWS, files: list[Path] | None = None) -> tuple[list[Result], int, float]:
    t = time.perf_counter()
    files = files if files is not None else law_files(root)
    results = []
    for f in files:
        raw = f.read_bytes().decode("utf-8")
        r = check_text(raw, f.stem, f.relative_to(root).as_posix())
        if r:
            results.append(r)
    return results, len(files), time.perf_counter() - t


def report(results: list[Result], n_files: int, seconds: float, root: Path) -> str:
    bad = [r for r in results if r.reason]
    titled = [r for r in results if r.title_ok is not None]
    dated = [r for r in results if r.date_ok is not None]
    lines = [
        "# Parse check over the laws corpus",
        "",
        "`make parsecheck` (= `python -m eval.parsecheck`); corpus "
        f"`{root.name}/` beside the clone ({n_files} files).",
        "Expected articles: lines starting 第X条 / 第X条之X followed by a space, read from the raw "
        "text without the parser. A document passes when its parsed clause labels equal them, in order.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| documents with 第X条 articles | {len(results)} |",
        f"| articles expected / clauses parsed | {sum(r.expected for r in results)} / {sum(r.got for r in results)} |",
        f"| documents whose segments do not tile the text exactly | {sum(not r.tiles for r in results)} |",
        f"| documents whose clauses ≠ articles (unexplained) | {len(bad)} ({sum(not r.explained for r in bad)}) |",
        f"| articles whose clause number ≠ their 第X条 number | {sum(len(r.misnumbered) for r in results)} |",
        f"| title read ends with the file name's title | {sum(r.title_ok for r in titled)} of {len(titled)} |",
        f"| version date read (latest revision, else publication) = file name date "
        f"| {sum(r.date_ok for r in dated)} of {len(dated)} |",
        f"| … of those whose head prints the file name's date | {sum(r.date_ok for r in dated)} of "
        f"{sum(1 for r in dated if r.date_ok or 'UNEXPLAINED' in ''.join(r.notes) or '施行' in ''.join(r.notes))} |",
        f"| time (parse + check, 1 process) | {seconds:.1f} s |",
        "",
        "## Mismatches (clauses ≠ articles)",
        "",
    ]
    lines += [f"- `{r.path}` ({r.expected} expected, {r.got} parsed): {r.reason}" for r in bad] or ["none"]
    lines += ["", "## Titles not matching the file name", ""]
    lines += [f"- `{r.path}`: {r.notes[0]}" for r in titled if not r.title_ok] or ["none"]
    lines += ["", "## Version dates not matching the file name, by reason", ""]
    why: dict[str, list[str]] = {}
    for r in dated:
        if not r.date_ok:
            note = r.notes[-1]
            why.setdefault(note.split(": ", 1)[1], []).append(f"`{r.path}` ({note.split(':')[0]})")
    for reason, items in sorted(why.items(), key=lambda kv: -len(kv[1])):
        shown = items if reason.startswith("UNEXPLAINED") else items[:5]
        lines.append(f"- {reason}: {len(items)} documents, e.g.")
        lines += [f"  - {x}" for x in shown]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.parsecheck", description=__doc__.split("\n")[0])
    ap.add_argument("--laws", type=Path, default=LAWS, help="the laws corpus (default: env POLICYQA_LAWS, else ../shared/laws)")
    ap.add_argument("--out", type=Path, default=OUT, help="report file (default eval/PARSECHECK.md)")
    args = ap.parse_args(argv)
    if not args.laws.is_dir():
        print(f"parsecheck: error: {args.laws} not found; put shared/laws beside the clone, or give --laws DIR "
              "(or env POLICYQA_LAWS)",
              file=sys.stderr)
        return 1
    results, n, secs = run(args.laws)
    args.out.write_text(report(results, n, secs, args.laws), encoding="utf-8")
    bad = sum(1 for r in results if r.reason)
    print(f"{len(results)} documents with articles, {sum(r.expected for r in results)} articles, "
          f"{bad} mismatches, {secs:.1f}s; report in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
