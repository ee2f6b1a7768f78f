"""Identifiers, API key hashing and encryption of secrets at rest."""
