"""Read a GGUF file's metadata header, to know what a packaged model really holds."""

import struct
from pathlib import Path
from typing import Any, BinaryIO

_MAGIC = b"GGUF"
_SCALARS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i",
    6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d",
}  # fmt: skip
_STRING, _ARRAY = 8, 9


class NotGguf(ValueError):
    """The file is not a GGUF model."""


def read_metadata(path: Path, *, keep_arrays: bool = False) -> dict[str, Any]:
    """The key/value metadata of a GGUF file (arrays summarised by length unless kept)."""
    with path.open("rb") as file:
        if file.read(4) != _MAGIC:
            raise NotGguf(f"{path} is not a GGUF file")
        _version, _tensors, count = struct.unpack("<IQQ", file.read(20))
        metadata: dict[str, Any] = {}
        for _ in range(count):
            key = _read_string(file)
            (kind,) = struct.unpack("<I", file.read(4))
            metadata[key] = _read_value(file, kind, keep_arrays)
        return metadata


def _read_string(file: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", file.read(8))
    return file.read(length).decode("utf-8", "replace")


def _read_value(file: BinaryIO, kind: int, keep_arrays: bool) -> Any:
    if kind == _STRING:
        return _read_string(file)
    if kind == _ARRAY:
        item_kind, length = struct.unpack("<IQ", file.read(12))
        items = [_read_value(file, item_kind, keep_arrays) for _ in range(length)]
        return items if keep_arrays else f"<{length} items>"
    fmt = _SCALARS.get(kind)
    if fmt is None:
        raise NotGguf(f"unknown GGUF value type {kind}")
    return struct.unpack(fmt, file.read(struct.calcsize(fmt)))[0]
