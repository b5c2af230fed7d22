class IndexError_(Exception):
    """Base class for index problems; the message says how to fix them."""


class EmptyCorpusError(IndexError_):
    """Nothing to index."""


class StaleIndexError(IndexError_):
    """The index on disk was built from another corpus, dictionary or setting."""


class IndexFormatError(IndexError_):
    """The index directory is missing files or holds an unknown format."""
