"""MP3 encoding of recordings (the contract serves conversation audio as `audio/mpeg`)."""

import lameenc
import numpy as np
import numpy.typing as npt

_BIT_RATE_KBPS = 64


def pcm16_to_mp3(samples: npt.NDArray[np.int16], sample_rate: int) -> bytes:
    """Mono 16-bit PCM as MP3 at 64 kbit/s (speech needs no more). CPU-heavy: off the loop."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(_BIT_RATE_KBPS)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(2)
    return bytes(encoder.encode(samples.astype("<i2").tobytes()) + encoder.flush())
