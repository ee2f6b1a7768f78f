"""Pydantic models of the public API: the single source of truth for every wire shape."""
