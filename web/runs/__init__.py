"""Coordinator pages for matching runs: list, preview, publish, discard, "what if"."""
