import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from openconvai.audio.mulaw import ulaw_decode, ulaw_encode

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)


def reference_encode(sample: int) -> int:
    """G.711 μ-law encoder written one sample at a time, after the classic g711.c."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not magnitude & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | exponent << 4 | mantissa) & 0xFF


def reference_decode(code: int) -> int:
    code = ~code & 0xFF
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if code & 0x80 else magnitude


def error_bound(samples: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    """Largest round-trip error G.711 allows: half a quantisation step, or the clipping."""
    magnitude = np.abs(samples.astype(np.int64))
    within = (np.minimum(magnitude, 32635) + 0x84) / 32
    clipped = magnitude - 32124
    bound: npt.NDArray[np.float64] = np.maximum(within, clipped).astype(np.float64)
    return bound


@pytest.mark.parametrize(
    ("sample", "code"),
    [(0, 0xFF), (-1, 0x7F), (1, 0xFF), (32767, 0x80), (-32768, 0x00), (32635, 0x80),
     (-32635, 0x00), (100, 0xF2), (-100, 0x72), (1000, 0xCE), (-1000, 0x4E)],
)  # fmt: skip
def test_encode_known_values(sample: int, code: int) -> None:
    assert ulaw_encode(np.array([sample], dtype=np.int16)) == bytes([code])


@pytest.mark.parametrize(
    ("code", "sample"),
    [(0x00, -32124), (0x80, 32124), (0xFF, 0), (0x7F, 0), (0xF2, 104), (0x72, -104),
     (0xCE, 988), (0x4E, -988), (0xEF, 132), (0x6F, -132), (0xFE, 8), (0x7E, -8)],
)  # fmt: skip
def test_decode_known_values(code: int, sample: int) -> None:
    assert ulaw_decode(bytes([code])).tolist() == [sample]


def test_encode_matches_reference_for_every_int16() -> None:
    expected = bytes(reference_encode(int(s)) for s in ALL_INT16)
    assert ulaw_encode(ALL_INT16) == expected


def test_decode_matches_reference_for_every_code() -> None:
    decoded = ulaw_decode(bytes(range(256)))
    assert decoded.dtype == np.int16
    assert decoded.tolist() == [reference_decode(code) for code in range(256)]


def test_round_trip_error_bound_for_every_int16() -> None:
    error = np.abs(ulaw_decode(ulaw_encode(ALL_INT16)).astype(np.int64) - ALL_INT16)
    assert np.all(error <= error_bound(ALL_INT16))
    assert error.max() == 644  # -32768 clips to -32124


def test_codes_are_stable_under_a_second_round_trip() -> None:
    codes = bytes(range(256))
    # 0x7F is "negative zero": it decodes to 0, which encodes as 0xFF.
    assert ulaw_encode(ulaw_decode(codes)) == codes.replace(b"\x7f", b"\xff")


def test_encode_accepts_views_and_empty_input() -> None:
    strided = ALL_INT16[::4096]
    assert ulaw_encode(strided) == bytes(reference_encode(int(s)) for s in strided)
    assert ulaw_encode(np.zeros(0, dtype=np.int16)) == b""
    assert ulaw_decode(b"").shape == (0,)


def test_encode_rejects_other_dtypes() -> None:
    with pytest.raises(TypeError):
        ulaw_encode(np.zeros(4, dtype=np.float32))


@given(arrays(np.int16, st.integers(0, 2000)))
def test_round_trip_stays_within_g711_error(samples: npt.NDArray[np.int16]) -> None:
    encoded = ulaw_encode(samples)
    assert len(encoded) == len(samples)
    decoded = ulaw_decode(encoded)
    error = np.abs(decoded.astype(np.int64) - samples)
    assert np.all(error <= error_bound(samples))
    assert np.all(np.sign(decoded) == np.sign(samples) * (decoded != 0))
