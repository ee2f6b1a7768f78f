"""Streaming sample-rate conversion of mono int16 audio with soxr.

Choices, measured per 20 ms chunk on one core (bench/audio_codec.py has the figures):
int16 I/O costs about half of float32 I/O (no conversions in numpy), and soxr's "HQ" costs
the same as "MQ" within a few percent while keeping a flat passband at 22.05 kHz, whereas
"LQ" already cuts 3.4 kHz by 8 dB at 8 kHz (bad for telephony) and "QQ" does not filter
aliases at all. So: int16, "HQ".

soxr's fixed-rate engine releases output in blocks, so a stream lags its input by a
varying amount: about 64 ms on average (up to 115 ms) between 8 and 16 kHz and about
20-33 ms (up to 58 ms) for the other rates. `low_latency=True` uses soxr's variable-rate
engine instead, which lags a constant 10-30 ms, at 2-10x the CPU cost (up to ~50 µs per
20 ms frame from 44.1/48 kHz).
"""

import numpy as np
import numpy.typing as npt
import soxr  # type: ignore[import-untyped]

_EMPTY: npt.NDArray[np.int16] = np.zeros(0, dtype=np.int16)
_EMPTY.flags.writeable = False


class StreamResampler:
    """Converts a continuous mono int16 stream from one sample rate to another.

    State carries across calls, so splitting the input into chunks of any size gives the
    same output (to within a sample value or two) as converting it in one go: no clicks at
    chunk boundaries. When the rates are equal the input is returned as is, not copied.
    """

    def __init__(
        self, in_rate: int, out_rate: int, *, quality: str = "HQ", low_latency: bool = False
    ) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {in_rate} and {out_rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._stream: soxr.ResampleStream | None = None
        if in_rate != out_rate:
            # `vr` is only passed when asked for: older soxr releases lack the parameter.
            options = {"vr": True} if low_latency else {}
            self._stream = soxr.ResampleStream(
                in_rate, out_rate, 1, dtype="int16", quality=quality, **options
            )

    @property
    def passthrough(self) -> bool:
        """True when the rates are equal and samples pass through untouched."""
        return self._stream is None

    def process(self, samples: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        """Convert the next chunk; returns whatever output is ready (possibly none)."""
        if self._stream is None:
            return samples
        converted: npt.NDArray[np.int16] = self._stream.resample_chunk(samples)
        return converted

    def flush(self) -> npt.NDArray[np.int16]:
        """Return the output still held back and start afresh for a new stream."""
        if self._stream is None:
            return _EMPTY
        tail: npt.NDArray[np.int16] = self._stream.resample_chunk(_EMPTY, last=True)
        self._stream.clear()
        return tail

    def reset(self) -> None:
        """Drop the input held back (e.g. on barge-in) and start afresh."""
        if self._stream is not None:
            self._stream.clear()
