class CorpusError(Exception):
    """A document or manifest cannot be read or parsed; the message says how to fix it."""
