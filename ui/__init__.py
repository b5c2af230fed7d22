"""Thin shells over the qa library: the `policyqa` CLI and the Gradio web app."""
