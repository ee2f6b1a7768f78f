"""Persistence: SQLAlchemy models, migrations and the queries each area needs."""
