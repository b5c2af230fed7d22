"""Read a document the user adds — .txt, .docx, .pdf, .html or a URL — into plain text.

The text is what a person would read (original characters, traditional kept); conversion to
simplified happens only for indexing (`to_simplified`). Every failure is a LoadError that
says what to do.

Limits are on work, not only on bytes (each raisable by an env var the error names):
extracted characters (POLICYQA_MAX_CHARS), the decompressed size of a .docx's parts
(POLICYQA_MAX_DOCX_MB), and a total deadline for a URL fetch (POLICYQA_URL_DEADLINE seconds).
URLs that resolve to private, loopback or link-local addresses — after redirects too — are
refused unless POLICYQA_ALLOW_PRIVATE_URLS=1.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_BYTES = 20 * 2**20
URL_TIMEOUT = 15.0                 # per read; the whole fetch is bounded by url_deadline()
FORMATS = ("txt", "docx", "pdf", "html")


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw else default
    except ValueError:
        raise LoadError(f"{name} must be a number (got {raw!r})") from None


def max_chars() -> int:
    return int(_env_number("POLICYQA_MAX_CHARS", 500_000))


def max_docx_bytes() -> int:
    return int(_env_number("POLICYQA_MAX_DOCX_MB", 100) * 2**20)


def url_deadline() -> float:
    return _env_number("POLICYQA_URL_DEADLINE", 60.0)


def check_chars(text: str, src: str) -> str:
    """Refuse a text too long to index in bounded time."""
    limit = max_chars()
    if len(text) > limit:
        raise LoadError(f"{src} has {len(text):,} characters of text, more than the limit of "
                        f"{limit:,}; split the document, or raise the limit with POLICYQA_MAX_CHARS")
    return text


def check_docx_parts(data: bytes) -> None:
    """Refuse a .docx whose parts decompress to more than the limit (a zip bomb) before
    anything is decompressed. zipfile stops each part at its declared size, so the sum of
    declared sizes bounds the work."""
    import io
    import zipfile
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise LoadError(f"not a readable .docx file ({exc}); save it again from Word as .docx") from None
    total, limit = sum(i.file_size for i in infos), max_docx_bytes()
    if total > limit or len(infos) > 10_000:
        raise LoadError(f"this .docx decompresses to {total / 2**20:,.0f} MB in {len(infos)} parts, more "
                        f"than the limit of {limit / 2**20:,.0f} MB; save it again from Word, or raise "
                        "the limit with POLICYQA_MAX_DOCX_MB")


class LoadError(Exception):
    """The document cannot be read; the message says how to fix it."""


@dataclass(frozen=True)
class Loaded:
    text: str
    format: str              # txt | docx | pdf | html
    encoding: str = ""       # for text: the encoding detected
    title_hint: str = ""     # e.g. the HTML <title>
    source: str = ""         # the path or URL given
    data: bytes = b""        # the original bytes, kept beside the text


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else GB18030/GBK/Big5 as detected — never assumed."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    candidates = ([best.encoding] if best else []) + ["gb18030", "big5"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if enc.lower() in ("gb2312", "gbk"):
            enc = "gb18030"          # the superset decodes everything GBK does
            text = data.decode(enc)
        return text, enc
    raise LoadError("cannot tell the text's encoding (tried UTF-8, GB18030, Big5); "
                    "save the file as UTF-8 and add it again")


def _docx_text(data: bytes) -> str:
    import io

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    check_docx_parts(data)
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises several types
        raise LoadError(f"not a readable .docx file ({exc}); save it again from Word as .docx") from None
    lines: list[str] = []
    for block in d.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, d).text)
        elif tag == "tbl":
            for row in Table(block, d).rows:
                cells = []
                for cell in row.cells:
                    t = cell.text.strip()
                    if not cells or cells[-1] != t:     # merged cells repeat their text
                        cells.append(t)
                lines.append("\t".join(cells))
    return "\n".join(lines)


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    try:
        reader = PdfReader(io.BytesIO(data))
        pages, size = [], 0
        for p in reader.pages:            # stop as soon as the text is over the limit
            pages.append(p.extract_text() or "")
            size += len(pages[-1]) + 1
            if size > max_chars():
                check_chars("\n".join(pages), "this PDF")
    except (PdfReadError, ValueError, KeyError) as exc:
        raise LoadError(f"not a readable PDF ({exc})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise LoadError("this PDF has no text layer (a scan); it needs OCR first — run it "
                        "through an OCR tool, or add the .docx/.html version of the document")
    return text


def _html_text(data: bytes) -> tuple[str, str]:
    html, _ = decode_text(data) if not re.search(rb"charset=[\"']?gb", data[:2000], re.I) \
        else (data.decode("gb18030", errors="replace"), "gb18030")
    title = html_title(html)
    import trafilatura
    text = ""
    for mode in ({"favor_precision": True}, {}, {"favor_recall": True}):   # strictest first
        text = trafilatura.extract(html, include_tables=True, include_comments=False, **mode) or ""
        if text.strip():
            break
    if not text.strip():
        raise LoadError("found no main text in the page; save the page's text as .txt and add that")
    return text, title


def html_title(html: str) -> str:
    """The page's title: its first <h1>, else its <title> without the site name after _ or |;
    never a line with a date (an adoption line set as a heading)."""
    import html as htmllib
    for pat in (r"<h1[^>]*>(.*?)</h1>", r"<title[^>]*>(.*?)</title>"):
        m = re.search(pat, html, re.I | re.S)
        if not m:
            continue
        t = htmllib.unescape(re.sub(r"<[^>]+>", "", m.group(1)))
        t = re.sub(r"\s+", " ", t).strip()
        if pat.startswith("<title"):
            t = re.split(r"\s*[_|｜]\s*|\s+-\s+", t)[0].strip()
        if t and not re.search(r"\d{4}\s*年\s*\d{1,2}\s*月", t):
            return t
    return ""


def _sniff(name: str, data: bytes, content_type: str = "") -> str:
    suffix = Path(name.split("?")[0]).suffix.lower().lstrip(".")
    if data.startswith(b"%PDF") or suffix == "pdf" or "pdf" in content_type:
        return "pdf"
    if data.startswith(b"PK") and (suffix == "docx" or "word" in content_type or suffix == ""):
        return "docx"
    if suffix in ("html", "htm", "shtml") or "html" in content_type or \
            re.search(rb"<html|<!doctype html", data[:1000], re.I):
        return "html"
    if suffix in ("txt", "text", "") or content_type.startswith("text/plain"):
        return "txt"
    if suffix == "doc":
        raise LoadError("old .doc files are not supported; save it as .docx and add that")
    raise LoadError(f"unsupported file type .{suffix}; give a .txt, .docx, .pdf or .html file or a URL")


def _fetch(url: str) -> tuple[bytes, str]:
    from .urlsafe import fetch
    return fetch(url, MAX_BYTES, URL_TIMEOUT, url_deadline(), LoadError)


def load(source: str | Path) -> Loaded:
    """Load a file path or an http(s) URL."""
    src = str(source)
    if re.match(r"^https?://", src, re.I):
        data, ctype = _fetch(src)
        name = src
    else:
        path = Path(src)
        if not path.is_file():
            raise LoadError(f"{path} not found; give the path of a .txt, .docx, .pdf or .html file, or a URL")
        if path.stat().st_size > MAX_BYTES:
            raise LoadError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
        data, ctype, name = path.read_bytes(), "", path.name
    if not data.strip():
        raise LoadError(f"{src} is empty")
    fmt = _sniff(name, data, ctype.lower())
    if fmt == "txt":
        text, enc = decode_text(data)
        return Loaded(check_chars(_clean(text), src), "txt", enc, source=src, data=data)
    if fmt == "docx":
        return Loaded(check_chars(_clean(_docx_text(data)), src), "docx", source=src, data=data)
    if fmt == "pdf":
        return Loaded(check_chars(_clean(_pdf_text(data)), src), "pdf", source=src, data=data)
    text, title = _html_text(data)
    return Loaded(check_chars(_clean(text), src), "html", title_hint=title, source=src, data=data)


def _clean(text: str) -> str:
    """Normalise line ends only; the characters stay as published."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")


@lru_cache(maxsize=1)
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def is_traditional(text: str) -> bool:
    """True when converting to simplified changes more than 1% of the Chinese characters."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return False
    simp = to_simplified("".join(han))
    changed = sum(1 for a, b in zip(han, simp) if a != b)
    return changed / len(han) > 0.01
