"""Integrity seals: the seal kinds of the core's own records."""
