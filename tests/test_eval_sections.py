"""eval/sections.py: a measuring script rewrites its own section of a report, nothing else."""
import pytest

from eval.sections import read_section, write_section


def test_a_section_is_replaced_in_place_and_the_others_kept(tmp_path):
    f = tmp_path / "R.md"
    f.write_text("# Report\n\n## A\nold a\n\n## B (x)\nold b\n\n### B.1\nsub\n\n## C\nc\n", encoding="utf-8")
    write_section(f, "## B", "## B (y)\nnew b")
    assert f.read_text(encoding="utf-8") == "# Report\n\n## A\nold a\n\n## B (y)\nnew b\n\n## C\nc\n"
    assert read_section(f, "## A") == "## A\nold a\n\n"
    write_section(f, "## C", "## C\nlast")                     # the last section
    assert f.read_text(encoding="utf-8").endswith("## B (y)\nnew b\n\n## C\nlast\n")
    write_section(f, "## D", "## D\nd")                        # a new one is appended
    assert f.read_text(encoding="utf-8").endswith("## C\nlast\n\n## D\nd\n")
    assert read_section(f, "## E") == "" and read_section(tmp_path / "none.md", "## A") == ""
    with pytest.raises(ValueError, match="heading"):
        write_section(f, "## A", "no heading")


def test_a_new_file_gets_its_title(tmp_path):
    f = tmp_path / "S.md"
    write_section(f, "## X", "## X\nx", title="# Scale")
    assert f.read_text(encoding="utf-8") == "# Scale\n\n## X\nx\n"
