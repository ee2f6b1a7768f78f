"""Wire audio to core audio and back: the per-conversation codecs a transport holds."""

import sys

import numpy as np
import numpy.typing as npt

from openconvai.audio.formats import CORE_SAMPLE_RATE, AudioFormat
from openconvai.audio.mulaw import ulaw_decode, ulaw_encode
from openconvai.audio.resample import StreamResampler

_PCM_WIRE = np.dtype("<i2")
# On a little-endian host (every one we run on) wire PCM is native int16 and needs no
# byte swap, so decoding is a zero-copy view and encoding a single copy into bytes.
_NATIVE_IS_WIRE = sys.byteorder == "little"


class InputDecoder:
    """Turns a client's audio chunks in `fmt` into 16 kHz mono int16 samples for the core.

    PCM chunks need not hold whole samples: a trailing odd byte is kept for the next call.
    """

    def __init__(self, fmt: AudioFormat, *, low_latency: bool = False) -> None:
        self.format = fmt
        self._ulaw = fmt.encoding == "ulaw"
        self._carry = b""
        self._resampler = StreamResampler(
            fmt.sample_rate, CORE_SAMPLE_RATE, low_latency=low_latency
        )

    def decode(self, payload: bytes) -> npt.NDArray[np.int16]:
        """Decode one chunk; returns the 16 kHz samples ready so far (maybe read-only)."""
        samples = ulaw_decode(payload) if self._ulaw else self._pcm_samples(payload)
        return self._resampler.process(samples)

    def flush(self) -> npt.NDArray[np.int16]:
        """Return the samples the resampler still holds, at the end of the input stream."""
        self._carry = b""
        return self._resampler.flush()

    def reset(self) -> None:
        """Forget any partial sample and buffered audio."""
        self._carry = b""
        self._resampler.reset()

    def _pcm_samples(self, payload: bytes) -> npt.NDArray[np.int16]:
        data = self._carry + payload if self._carry else payload
        usable = len(data) & ~1
        self._carry = data[usable:]
        # frombuffer on the bytes object itself: a read-only view, no copy.
        samples: npt.NDArray[np.int16] = np.frombuffer(data, dtype=_PCM_WIRE, count=usable // 2)
        if not _NATIVE_IS_WIRE:
            samples = samples.astype(np.int16)
        return samples


class OutputEncoder:
    """Turns int16 audio at `source_rate` (e.g. TTS output) into bytes in the client's `fmt`."""

    def __init__(self, source_rate: int, fmt: AudioFormat, *, low_latency: bool = False) -> None:
        self.source_rate = source_rate
        self.format = fmt
        self._ulaw = fmt.encoding == "ulaw"
        self._resampler = StreamResampler(source_rate, fmt.sample_rate, low_latency=low_latency)

    def encode(self, samples: npt.NDArray[np.int16]) -> bytes:
        """Encode one chunk; returns the bytes ready so far (maybe none)."""
        if samples.dtype != np.int16:
            # The passthrough path would otherwise write the wrong bytes without a word.
            raise TypeError(f"OutputEncoder needs int16 samples, got {samples.dtype}")
        return self._to_bytes(self._resampler.process(samples))

    def flush(self) -> bytes:
        """Return the audio the resampler still holds, at the end of a response."""
        return self._to_bytes(self._resampler.flush())

    def reset(self) -> None:
        """Drop buffered audio, e.g. when the agent is interrupted."""
        self._resampler.reset()

    def _to_bytes(self, samples: npt.NDArray[np.int16]) -> bytes:
        if self._ulaw:
            return ulaw_encode(samples)
        if _NATIVE_IS_WIRE:
            return samples.tobytes()
        return samples.astype(_PCM_WIRE).tobytes()
