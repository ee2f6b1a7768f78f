"""Fixtures' building blocks: databases for tests and a real server process."""
