import numpy as np
import pytest

from openconvai.audio.codec import InputDecoder, OutputEncoder
from openconvai.audio.formats import SUPPORTED_FORMATS, AudioFormat
from openconvai.audio.mulaw import ulaw_decode, ulaw_encode
from tests.audio.tones import chunked, peak_hz, sine, steady_rms

ODD_CHUNKS = [37, 1001, 3]
TONE_RMS = 10000 / np.sqrt(2)


def wire_bytes(fmt: AudioFormat, samples: np.ndarray) -> bytes:
    """Encode samples already at the format's rate, independently of OutputEncoder."""
    if fmt.encoding == "ulaw":
        return ulaw_encode(samples)
    return samples.astype("<i2").tobytes()


def wire_samples(fmt: AudioFormat, data: bytes) -> np.ndarray:
    if fmt.encoding == "ulaw":
        return ulaw_decode(data)
    assert len(data) % 2 == 0
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def decode_all(fmt: AudioFormat, pieces: list[bytes]) -> np.ndarray:
    decoder = InputDecoder(fmt)
    out = [decoder.decode(piece) for piece in pieces]
    out.append(decoder.flush())
    return np.concatenate(out)


def encode_all(source_rate: int, fmt: AudioFormat, samples: np.ndarray, size: int) -> bytes:
    encoder = OutputEncoder(source_rate, fmt)
    out = [encoder.encode(samples[i : i + size]) for i in range(0, len(samples), size)]
    out.append(encoder.flush())
    return b"".join(out)


@pytest.mark.parametrize("name", SUPPORTED_FORMATS)
def test_input_tone_arrives_at_16khz(name: str) -> None:
    fmt = AudioFormat.parse(name)
    payload = wire_bytes(fmt, sine(440, fmt.sample_rate))
    out = decode_all(fmt, chunked(payload, [fmt.sample_rate // 50 * fmt.bytes_per_sample]))
    assert out.dtype == np.int16
    assert len(out) == pytest.approx(16000, abs=2)
    assert peak_hz(out, 16000) == pytest.approx(440, abs=2)
    assert steady_rms(out) == pytest.approx(TONE_RMS, rel=0.03)


@pytest.mark.parametrize("name", SUPPORTED_FORMATS)
def test_input_in_odd_chunks_matches_one_shot(name: str) -> None:
    fmt = AudioFormat.parse(name)
    payload = wire_bytes(fmt, sine(440, fmt.sample_rate))
    whole = decode_all(fmt, [payload])
    pieces = decode_all(fmt, chunked(payload, ODD_CHUNKS))
    assert len(pieces) == len(whole)
    assert np.max(np.abs(pieces.astype(np.int32) - whole)) <= 3


def test_pcm_16000_input_is_exact_across_split_samples() -> None:
    samples = np.random.default_rng(3).integers(-32768, 32768, 5000).astype(np.int16)
    payload = samples.astype("<i2").tobytes()
    decoder = InputDecoder(AudioFormat.parse("pcm_16000"))
    out = [decoder.decode(piece) for piece in chunked(payload, [1, 2, 3, 37, 1001])]
    assert np.array_equal(np.concatenate(out), samples)


def test_pcm_16000_input_is_a_view_of_the_payload() -> None:
    payload = sine(440, 16000, 0.02).tobytes()
    out = InputDecoder(AudioFormat.parse("pcm_16000")).decode(payload)
    assert not out.flags.owndata
    assert len(out) == 320


def test_input_holds_a_lone_byte_until_its_partner_arrives() -> None:
    decoder = InputDecoder(AudioFormat.parse("pcm_16000"))
    assert len(decoder.decode(b"\x01")) == 0
    assert decoder.decode(b"\x02\x03").tolist() == [0x0201]
    assert decoder.decode(b"\x04").tolist() == [0x0403]
    decoder.decode(b"\x05")
    decoder.reset()
    assert decoder.decode(b"\x06\x00").tolist() == [6]


@pytest.mark.parametrize("source_rate", [16000, 22050])
@pytest.mark.parametrize("name", SUPPORTED_FORMATS)
def test_output_tone_arrives_in_each_format(source_rate: int, name: str) -> None:
    fmt = AudioFormat.parse(name)
    data = encode_all(source_rate, fmt, sine(440, source_rate), source_rate // 50)
    assert len(data) % fmt.bytes_per_sample == 0
    out = wire_samples(fmt, data)
    assert len(out) == pytest.approx(fmt.sample_rate, abs=2)
    assert peak_hz(out, fmt.sample_rate) == pytest.approx(440, abs=2)
    assert steady_rms(out) == pytest.approx(TONE_RMS, rel=0.03)


@pytest.mark.parametrize("name", SUPPORTED_FORMATS)
def test_output_in_odd_chunks_matches_one_shot(name: str) -> None:
    fmt = AudioFormat.parse(name)
    tone = sine(440, 22050)
    whole = wire_samples(fmt, encode_all(22050, fmt, tone, len(tone))).astype(np.int32)
    pieces = wire_samples(fmt, encode_all(22050, fmt, tone, 37)).astype(np.int32)
    assert len(pieces) == len(whole)
    if fmt.encoding == "pcm":
        assert np.max(np.abs(pieces - whole)) <= 3
    else:
        # A sample a hair away can land on the neighbouring μ-law code: one step apart.
        assert np.mean(pieces == whole) > 0.98
        assert np.max(np.abs(pieces - whole)) <= 1024


def test_pcm_16000_output_is_the_samples_bytes() -> None:
    tone = sine(440, 16000, 0.1)
    encoder = OutputEncoder(16000, AudioFormat.parse("pcm_16000"))
    assert encoder.encode(tone) == tone.astype("<i2").tobytes()
    assert encoder.flush() == b""


def test_output_reset_drops_buffered_audio() -> None:
    encoder = OutputEncoder(16000, AudioFormat.parse("ulaw_8000"))
    encoder.encode(sine(440, 16000, 0.1))
    encoder.reset()
    assert encoder.flush() == b""


def test_output_rejects_non_int16_samples() -> None:
    encoder = OutputEncoder(16000, AudioFormat.parse("pcm_16000"))
    with pytest.raises(TypeError):
        encoder.encode(np.zeros(320, dtype=np.float32))


def test_low_latency_codecs_round_trip_a_tone() -> None:
    fmt = AudioFormat.parse("ulaw_8000")
    encoder = OutputEncoder(16000, fmt, low_latency=True)
    tone = sine(440, 16000)
    wire = b"".join(encoder.encode(tone[i : i + 320]) for i in range(0, 16000, 320))
    wire += encoder.flush()
    decoder = InputDecoder(fmt, low_latency=True)
    out = np.concatenate([decoder.decode(wire), decoder.flush()])
    assert peak_hz(out, 16000) == pytest.approx(440, abs=2)
    assert steady_rms(out) == pytest.approx(TONE_RMS, rel=0.03)
