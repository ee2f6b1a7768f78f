"""Keyset (cursor) pagination: stable pages over `(sort key, id)`, however rows change."""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

Direction = Literal["asc", "desc"]


class _Identified(Protocol):
    id: str


Row = TypeVar("Row", bound=_Identified)


class InvalidCursor(ValueError):
    """The cursor was not produced by this server (or was altered)."""


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: its last row's sort key and id."""

    key: Any
    id: str

    def encode(self) -> str:
        """Opaque URL-safe text for the `next_cursor` field."""
        raw = json.dumps([self.key, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """Parse a cursor from a client; `InvalidCursor` on anything else."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            key, row_id = json.loads(raw)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise InvalidCursor(text) from exc
        if not isinstance(row_id, str) or not isinstance(key, str | int):
            raise InvalidCursor(text)
        return cls(key, row_id)


def after(
    key_column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[str],
    cursor: Cursor,
    direction: Direction,
) -> ColumnElement[bool]:
    """The condition selecting rows that come after `cursor` in the given order."""
    if direction == "asc":
        return or_(key_column > cursor.key, and_(key_column == cursor.key, id_column > cursor.id))
    return or_(key_column < cursor.key, and_(key_column == cursor.key, id_column < cursor.id))


async def fetch_page(
    session: AsyncSession,
    stmt: Select[Row],
    page_size: int,
    key_column: InstrumentedAttribute[Any],
) -> tuple[list[Row], Cursor | None]:
    """One page of `stmt` (already ordered by key, id) and the cursor of the next, if any."""
    rows = list((await session.scalars(stmt.limit(page_size + 1))).all())
    if len(rows) <= page_size:
        return rows, None
    rows = rows[:page_size]
    last = rows[-1]
    return rows, Cursor(getattr(last, key_column.key), last.id)
