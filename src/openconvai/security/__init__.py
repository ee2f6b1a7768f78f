"""Identifiers, API key hashing, encryption of secrets at rest, and the outbound-URL guard."""
