"""G.711 μ-law (8-bit companded) to and from 16-bit linear PCM, vectorised with numpy.

This follows the classic 16-bit reference (Sun's `g711.c`): bias 0x84, clip at 32635, no
zero-trap. Decoding matches the stdlib's old `audioop` exactly; its encoder first truncated
to 14 bits, so for 381 negative inputs at step edges it picks the neighbouring code.

Both directions are table lookups: a 64 Ki-entry encode table was measured 6-7x faster
than computing segments with numpy ops for a 20 ms frame at 8 kHz (about 1.4 µs against
9.7 µs for 160 samples) and still 3x faster at 8000 samples.
"""

import numpy as np
import numpy.typing as npt

_BIAS = 0x84
_CLIP = 32635


def _build_decode_table() -> npt.NDArray[np.int16]:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(code & 0x80, -magnitude, magnitude).astype(np.int16)


def _build_encode_table() -> npt.NDArray[np.uint8]:
    # Indexed by the int16 sample's bit pattern read as uint16, so encoding is one gather.
    pcm = np.arange(65536, dtype=np.int32)
    pcm = np.where(pcm >= 32768, pcm - 65536, pcm)
    sign = np.where(pcm < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(pcm), _CLIP) + _BIAS
    # Segment = position of the highest set bit above bit 7 (magnitude < 2**15, so 0..7).
    exponent = np.floor(np.log2(magnitude >> 7)).astype(np.int32)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    table: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return table


_DECODE_TABLE = _build_decode_table()
_ENCODE_TABLE = _build_encode_table()
_DECODE_TABLE.flags.writeable = False
_ENCODE_TABLE.flags.writeable = False


def ulaw_encode(samples: npt.NDArray[np.int16]) -> bytes:
    """Encode int16 PCM samples as G.711 μ-law bytes, one byte per sample."""
    if samples.dtype != np.int16:
        raise TypeError(f"μ-law encoding needs int16 samples, got {samples.dtype}")
    bits = samples.view(np.uint16)
    return _ENCODE_TABLE[bits].tobytes()


def ulaw_decode(data: bytes) -> npt.NDArray[np.int16]:
    """Decode G.711 μ-law bytes to int16 PCM samples."""
    decoded: npt.NDArray[np.int16] = _DECODE_TABLE[np.frombuffer(data, dtype=np.uint8)]
    return decoded
