"""Versions of one document: the newest in force by default, older ones superseded."""
import json
from dataclasses import asdict

from corpus.manifest import _doc_from_json
from corpus.model import Document
from corpus.versions import in_force, resolve_versions, version_key


def _doc(id, title, published=None, revised=None, effective=None, date=None, repealed=None):
    return Document(id=id, title=title, short=title, issuer="", date=date or revised or published,
                    level="national", published=published, revised=revised, effective=effective,
                    repealed=repealed)


V1 = _doc("law-2008", "中华人民共和国蓝鲸法", published="2008-01-01")
V2 = _doc("law-2018", "蓝鲸法", published="2008-01-01", revised="2018-10-26")
V3 = _doc("law-2031", "《中华人民共和国蓝鲸法》", published="2008-01-01", revised="2030-06-01",
          effective="2031-01-01")
OTHER = _doc("other", "蓝鲸法实施条例", published="2009-01-01")


def test_newest_version_in_force_supersedes_the_older_ones():
    got = {d.id: d.superseded_by for d in resolve_versions([V1, V2, V3, OTHER], today="2025-01-01")}
    assert got == {"law-2008": "law-2018", "law-2018": None, "law-2031": None, "other": None}
    assert [d.id for d in in_force([V1, V2, V3, OTHER], today="2025-01-01")] == ["law-2018", "other"]


def test_a_version_takes_over_on_its_effective_date():
    got = {d.id: d.superseded_by for d in resolve_versions([V3, V2, V1], today="2031-01-01")}
    assert got == {"law-2031": None, "law-2018": "law-2031", "law-2008": "law-2031"}
    assert [d.id for d in in_force([V3, V2, V1], today="2031-01-01")] == ["law-2031"]


def test_repealed_newest_leaves_the_previous_in_force_and_undated_is_left_alone():
    v2 = _doc("law-2018", "蓝鲸法", published="2008-01-01", revised="2018-10-26", repealed="2020-01-01")
    undated = _doc("law-x", "蓝鲸法")
    got = {d.id: d.superseded_by for d in resolve_versions([V1, v2, undated], today="2025-01-01")}
    assert got == {"law-2008": None, "law-2018": None, "law-x": None}
    assert version_key(V1) == version_key(V3) == version_key(_doc("a", "蓝鲸法（2018年修正）"))


def test_new_fields_round_trip_and_old_manifest_entries_still_load():
    d = resolve_versions([V1, V2], today="2025-01-01")[0]
    back = _doc_from_json(json.loads(json.dumps(asdict(d), ensure_ascii=False)))
    assert back == d and back.superseded and back.superseded_by == "law-2018"
    old = _doc_from_json({"id": "a", "title": "甲", "level": "city", "date": "2021-01-01"})
    assert (old.published, old.revised, old.superseded_by) == (None, None, None)
