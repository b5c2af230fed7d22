"""The city measures are one document among many: the general parser reads them exactly as
the former measures-only parser did (tests/data/liuzhou-2021.parsed.json was written by that
parser at commit 5295a77, before it was replaced)."""
import json
from dataclasses import asdict
from pathlib import Path

from corpus.general import join_segments, parse_document, parse_general

GOLDEN = Path(__file__).resolve().parent / "data" / "liuzhou-2021.parsed.json"


def compact(p) -> dict:
    """ParsedDocument -> plain dict without the text copies (text and body are spans of raw)."""
    d = asdict(p)
    d.pop("raw"), d.pop("doc")
    for c in ([d["preamble"]] if d["preamble"] else []) + list(d["clauses"]):
        assert p.raw[c["start"]:c["end"]] == c["text"] and c["text"].startswith(c["body"])
        c["body_len"] = len(c.pop("body"))
        c.pop("text")
    if d["notice"]:
        d["notice"]["text_len"] = len(d["notice"].pop("text"))
    return json.loads(json.dumps(d, ensure_ascii=False))


def test_general_parser_output_is_identical_to_the_measures_parser(manifest):
    doc = manifest.get("liuzhou-2021")
    raw = manifest.read(doc)
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    auto = compact(parse_general(raw, doc))            # numbering style detected, not given
    for field in golden:
        assert auto[field] == golden[field], field
    assert compact(parse_document(raw, doc)) == golden
    assert join_segments(parse_general(raw, doc)) == raw
