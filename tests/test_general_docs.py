"""`policyqa docs` shows publication, revision and 施行 dates and superseded versions;
added versions of one law are resolved when the manifest is read."""
from types import SimpleNamespace

from corpus import library
from corpus.model import Clause, Document
from indexer.clausetable import ClauseTable
from ui import cli

LAW = """中华人民共和国蓝鲸法（测试用虚构文本）
2008年1月1日 第十届全国人民代表大会常务委员会第一次会议通过
{revision}
第一条 为了保护蓝鲸，制定本法。
第二条 本法自2008年3月1日起施行。
"""


def test_two_versions_added_older_one_superseded(tmp_path):
    home = tmp_path / "home"
    for i, rev in enumerate(["", "2018年10月26日 第十三届全国人民代表大会常务委员会第六次会议修正"]):
        f = tmp_path / f"v{i}.txt"
        f.write_text(LAW.format(revision=rev), encoding="utf-8")
        library.add(str(f), home, doc_id=f"whale-{i}", level="national")
    m = library.effective_manifest(home)
    old, new = m.get("whale-0"), m.get("whale-1")
    assert old.superseded_by == "whale-1" and new.superseded_by is None
    assert (new.date, new.published, new.revised, new.effective) == \
        ("2018-10-26", "2008-01-01", "2018-10-26", "2008-03-01")


def test_docs_display_lines(monkeypatch, capsys):
    def doc(id, **kw):
        return Document(id=id, title="蓝鲸法", short="蓝鲸法", issuer="", level="national", **kw)
    rows = [doc("whale-0", date="2008-01-01", published="2008-01-01", superseded_by="whale-1"),
            doc("whale-1", date="2018-10-26", published="2008-01-01", revised="2018-10-26",
                effective="2008-03-01")]
    clauses = ClauseTable.of([Clause(key=f"{d.id}:{n}", doc_id=d.id, no=n, label="", heading="", text="",
                                     body="") for d in rows for n in (1, 2)])
    fake = SimpleNamespace(documents=[SimpleNamespace(doc=d) for d in rows], missing=[],
                           data=SimpleNamespace(clauses=clauses))       # docs counts from columns
    monkeypatch.setattr(cli, "_open", lambda args: fake)
    assert cli.main(["docs"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["公布2008-01-01，已被", "whale-1", "取代（旧版本）"]
    assert "修订/修正2018-10-26" in out[3] and "施行2008-03-01" in out[3]
    assert "已加载，2条" in out[0] and "已加载，2条" in out[2]
