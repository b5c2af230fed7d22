"""Questions naming another place: refused only when they ask about that place's own policy and
no loaded document covers the place (qa/places.py)."""
import json
from dataclasses import replace
from pathlib import Path

import pytest

from corpus.model import Document
from qa.places import covered_places, doc_places, foreign_place

EVAL = Path(__file__).resolve().parent.parent / "eval"
PROBES = [json.loads(line) for f in ("places.jsonl", "places2.jsonl")
          for line in (EVAL / f).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def builtin_cover(manifest):
    docs = {d.id: d for d in manifest.documents}
    return covered_places([d for d in docs.values() if d.loaded], docs)


def test_documents_know_their_places(manifest, builtin_cover):
    home = manifest.get("liuzhou-2021")
    assert doc_places(home) == {"柳州"}
    # the city measures implement the Guangxi measures: Guangxi is theirs too, Nanning is not
    assert builtin_cover == {"柳州", "广西"}


@pytest.mark.parametrize("probe", PROBES, ids=[p["id"] for p in PROBES])
def test_probe_questions(probe, builtin_cover):
    place = foreign_place(probe["question"], builtin_cover)
    if probe["place"] == "owner":
        assert place, "asks about another place's policy: refused by rule"
    else:
        assert place == "", f"names {place} only as context: must reach retrieval"


def test_both_directions_are_probed():
    kinds = [p["place"] for p in PROBES]
    assert kinds.count("context") >= 20 and kinds.count("owner") >= 20


def test_a_loaded_document_covers_its_place(manifest, builtin_cover):
    q = "南宁高新区对新认定的高新技术企业奖励多少？"
    assert foreign_place(q, builtin_cover) == "南宁"
    nanning = Document(id="nn-2022", title="南宁市关于促进高新区发展的若干措施", short="南宁措施",
                       issuer="南宁市人民政府", date="2022-01-01", level="city", source="nn.txt",
                       implements=("gx-2021",))
    docs = {d.id: d for d in manifest.documents} | {nanning.id: nanning}
    loaded = [d for d in docs.values() if d.loaded]
    cover = covered_places(loaded, docs)
    assert {"南宁", "柳州", "广西"} <= cover
    assert foreign_place(q, cover) == ""
    # a document that is only referenced covers nothing
    cover_ref = covered_places([d for d in docs.values() if d.loaded and d.id != "nn-2022"], docs)
    assert foreign_place(q, cover_ref) == "南宁"
    # the most specific part of a compound name decides: 广西南宁 is Nanning
    assert foreign_place("广西南宁高新区有什么人才补贴？", builtin_cover) == "广西南宁"
    assert foreign_place("广西柳州高新区有什么人才补贴？", builtin_cover) == ""
    assert replace(nanning, source=None).loaded is False


def test_context_question_is_answered_from_the_measures(qa):
    a = qa.ask("我们是深圳那边的公司，打算把生产线搬到柳州高新区，新办企业研发费用加计扣除能按多少比例？")
    assert a.evidence["foreign_place"] == "" and a.confidence != "none"
    assert a.citations[0].key == "liuzhou-2021:5"


def test_owner_question_is_refused_naming_the_place(qa):
    a = qa.ask("和柳州比，南宁高新区给的研发补贴是多少？")
    assert a.confidence == "none" and a.kind == "refusal"
    assert a.evidence["foreign_place"] == "南宁" and "“南宁”" in a.text


@pytest.mark.parametrize("q,place", [
    ("东南亚 建研发中心", ""),            # search-box style: a destination, spaces between
    ("新加坡设分公司有支持吗", ""),
    ("日本投资的企业能享受吗", ""),
    ("深圳 公司 搬过来有补贴吗", ""),
    ("深圳 人才补贴", "深圳"),            # still the place's own policy
    ("杭州有哪些创业补贴", "杭州"),
    ("北京建议的政策", "北京"),           # 建议 is not 建
])
def test_a_place_where_the_asker_sets_up_is_context(q, place, builtin_cover):
    assert foreign_place(q, builtin_cover) == place


@pytest.mark.parametrize("q,place", [
    ("准备在欧洲、美国申请专利，这份文件里有说法吗", ""),   # what this document says: context
    ("准备在欧洲、美国申请专利，有补贴吗", ""),           # a list of places, one verb after it
    ("在美国上市有奖励吗", ""),
    ("这份文件里对深圳高新区有规定吗", "深圳"),           # still a place's own zone
    ("这个措施里南宁的人才补贴怎么申请", "南宁"),
    ("深圳、广州的人才补贴多少", "深圳"),                # the list owns the policy after it
    ("南宁和桂林的高新区有什么政策", "南宁"),
    ("在深圳申请高企认定要什么条件", "深圳"),
])
def test_lists_of_places_and_questions_about_this_document(q, place, builtin_cover):
    assert foreign_place(q, builtin_cover) == place
