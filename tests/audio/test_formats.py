import pytest

from openconvai.audio.formats import (
    CORE_SAMPLE_RATE,
    FRAME_SAMPLES,
    SUPPORTED_FORMATS,
    AudioFormat,
)


def test_core_constants_describe_20ms_at_16khz() -> None:
    assert CORE_SAMPLE_RATE == 16000
    assert FRAME_SAMPLES == CORE_SAMPLE_RATE // 50


@pytest.mark.parametrize("name", SUPPORTED_FORMATS)
def test_parse_round_trips_every_api_name(name: str) -> None:
    fmt = AudioFormat.parse(name)
    assert fmt.name == name
    assert AudioFormat.parse(fmt.name) == fmt


def test_parse_fields() -> None:
    assert AudioFormat.parse("pcm_22050") == AudioFormat("pcm", 22050)
    assert AudioFormat.parse("ulaw_8000") == AudioFormat("ulaw", 8000)


@pytest.mark.parametrize(
    "name",
    ["", "pcm", "pcm_", "pcm_16000_", "pcm_16001", "PCM_16000", "ulaw_16000", "alaw_8000",
     "mp3_44100_128", "pcm_-16000", " pcm_16000", "opus_48000"],
)  # fmt: skip
def test_parse_rejects_anything_else(name: str) -> None:
    with pytest.raises(ValueError, match="unsupported audio format"):
        AudioFormat.parse(name)


def test_constructor_rejects_impossible_formats() -> None:
    with pytest.raises(ValueError):
        AudioFormat("ulaw", 16000)
    with pytest.raises(ValueError):
        AudioFormat("pcm", 0)
    with pytest.raises(ValueError):
        AudioFormat("mp3", 44100)  # type: ignore[arg-type]


def test_bytes_per_sample_and_duration() -> None:
    pcm = AudioFormat.parse("pcm_16000")
    ulaw = AudioFormat.parse("ulaw_8000")
    assert pcm.bytes_per_sample == 2
    assert ulaw.bytes_per_sample == 1
    assert pcm.duration_secs(640) == pytest.approx(0.02)
    assert ulaw.duration_secs(160) == pytest.approx(0.02)
    assert AudioFormat.parse("pcm_44100").duration_secs(88200) == pytest.approx(1.0)
    assert pcm.duration_secs(0) == 0.0


def test_formats_are_hashable_values() -> None:
    assert len({AudioFormat.parse("pcm_8000"), AudioFormat("pcm", 8000)}) == 1
