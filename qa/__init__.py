"""The qa library: questions in, grounded answers with clause citations out."""
from .engine import PolicyQA
from .search import SearchError
from .types import Answer, Hit

__all__ = ["PolicyQA", "SearchError", "Answer", "Hit"]
