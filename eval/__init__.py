"""Evaluation: the question set, metrics, the report and the performance benchmark."""
