"""Several versions of one document (same title, different dates): which one is in force.

`resolve_versions` is pure: given Documents it returns them (same order) with `superseded_by`
set on every version older than the one in force, and cleared on the rest. The version in force
is the newest (by its version date: latest revision, else publication, else `date`) that has
taken effect (施行 date, if any, not after `today`) and is not repealed. A newer version not yet
in force supersedes nothing until its 施行 date. Documents without any date are never compared.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import replace
from typing import Iterable

from .model import Document

_VERSION_SUFFIX = re.compile(r"[（(](?:\d{4}年?)?(?:修正|修订|修改|第.{1,3}次修正)?(?:\d{4}年?)?[）)]$")


def version_key(doc: Document) -> str:
    """The title that the versions of one document share: without 中华人民共和国, book-title
    marks, brackets around a trailing （2018年修正） and spaces."""
    t = re.sub(r"[《》\s\u3000]", "", doc.title or "")
    t = t.replace("中华人民共和国", "")
    return _VERSION_SUFFIX.sub("", t)


def version_date(doc: Document) -> str | None:
    return doc.revised or doc.published or doc.date


def _in_force(doc: Document, today: str) -> bool:
    d = version_date(doc)
    return bool(d) and d <= today and (not doc.effective or doc.effective <= today) \
        and not doc.is_repealed(today)


def resolve_versions(docs: Iterable[Document], today: str | None = None) -> tuple[Document, ...]:
    today = today or datetime.date.today().isoformat()
    docs = tuple(docs)
    groups: dict[str, list[Document]] = {}
    for d in docs:
        if version_date(d) and version_key(d):
            groups.setdefault(version_key(d), []).append(d)
    decided: dict[str, str | None] = {}       # doc id -> id of the version in force over it
    for versions in groups.values():
        live = [d for d in versions if _in_force(d, today)]
        if len(versions) < 2 or not live:
            continue
        current = max(live, key=lambda d: (version_date(d), d.effective or "", d.id))
        for d in versions:
            older = d.id != current.id and version_date(d) <= version_date(current)
            decided[d.id] = current.id if older else None
    return tuple(replace(d, superseded_by=decided[d.id]) if d.id in decided else d for d in docs)


def in_force(docs: Iterable[Document], today: str | None = None) -> tuple[Document, ...]:
    """The documents a search uses by default: no superseded version, and no newer version
    whose 施行 date is still to come while an older one is in force."""
    today = today or datetime.date.today().isoformat()
    resolved = resolve_versions(docs, today)
    live_keys = {version_key(d) for d in resolved if not d.superseded and _in_force(d, today)}
    return tuple(d for d in resolved if not d.superseded and
                 (_in_force(d, today) or version_key(d) not in live_keys or not version_date(d)))
