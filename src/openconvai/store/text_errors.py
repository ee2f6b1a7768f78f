"""Text a database cannot store: PostgreSQL refuses NUL characters in text and JSON."""

from sqlalchemy.exc import DBAPIError


def is_unstorable_text(error: BaseException) -> bool:
    """Whether `error` is the store refusing a NUL character (a client's input, not a bug)."""
    if not isinstance(error, DBAPIError):
        return False
    cause = getattr(error.orig, "__cause__", None) or error.orig
    return type(cause).__name__ in {
        "CharacterNotInRepertoireError",
        "UntranslatableCharacterError",
    } or "0x00" in str(error.orig)


UNSTORABLE_TEXT_MESSAGE = "Text must not contain NUL (\\u0000) characters."
