"""The parse check on a fixed sample of the laws corpus (`make parsecheck` runs all of it).
Skips when the corpus (env POLICYQA_LAWS, else ../shared/laws beside the clone) is absent."""
import pytest

from eval.parsecheck import LAWS, check_text, expected_articles, law_files

SAMPLE = 30


def _sample():
    files = [f for f in law_files(LAWS) if "案例" not in f.parts]
    step = max(1, len(files) // SAMPLE)
    return files[::step][:SAMPLE]


@pytest.mark.skipif(not LAWS.is_dir(), reason=f"laws corpus not found at {LAWS}")
def test_sample_clauses_equal_articles_in_order():
    checked = 0
    for f in _sample():
        r = check_text(f.read_text(encoding="utf-8"), f.stem, f.name)
        if r is None:
            continue
        checked += 1
        assert (not r.reason or r.explained) and not r.misnumbered, (f, r.reason, r.misnumbered[:3])
    assert checked >= SAMPLE // 2


def test_expected_articles_read_line_starts_only():
    raw = ("第一条 甲，第二条规定的除外。\n第二条规定的情形，依照本法。\n第二条　乙。\n"
           "第三条之一 丙。\n  第四条 丁。\n第五条的决定》\n")
    assert expected_articles(raw) == ["第一条", "第二条", "第三条之一", "第四条"]


def test_a_misread_document_is_reported_with_its_reason():
    raw = "某某条例\n\n第一条 甲。\n\n第二章 总则\n\n未编号的一段文字，适用本条例。\n\n第三条 丙。\n"
    r = check_text(raw, "某某条例(2020-01-01)")
    assert r.reason.startswith("first difference at #2: expected 第三条, parsed 第二章")
    assert "without a 第X条 label" in r.reason and r.explained
    assert r.title_ok is True and r.date_ok is False
