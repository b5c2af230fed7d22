"""Indexer: tokenization → BM25 / dense indexes → fusion, and the on-disk index."""
