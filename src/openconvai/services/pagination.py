"""Cursors from clients: decoded once, and refused (400) when they do not fit the listing."""

from openconvai.services.errors import BadRequest
from openconvai.store.keyset import Cursor, InvalidCursor


def decode_cursor(text: str | None, key_type: type[str] | type[int]) -> Cursor | None:
    """The cursor a client sent, whose sort key must be of `key_type`; None for no cursor."""
    if not text:
        return None
    try:
        cursor = Cursor.decode(text)
    except InvalidCursor as exc:
        raise _invalid() from exc
    # A cursor of another listing (or order) decodes too, but its key would compare wrongly.
    if not isinstance(cursor.key, key_type) or isinstance(cursor.key, bool):
        raise _invalid()
    return cursor


def _invalid() -> BadRequest:
    return BadRequest("invalid_cursor", "The cursor is not valid for this listing.")
