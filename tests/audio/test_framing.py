import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openconvai.audio.framing import FrameSplitter


def test_returns_exact_frames_and_keeps_the_remainder() -> None:
    splitter = FrameSplitter()
    samples = np.arange(1000, dtype=np.int16)
    frames = splitter.push(samples)
    assert [len(frame) for frame in frames] == [320, 320, 320]
    assert splitter.pending == 40
    assert np.array_equal(np.concatenate(frames), samples[:960])

    frames = splitter.push(np.arange(1000, 1300, dtype=np.int16))
    assert len(frames) == 1
    assert splitter.pending == 20
    assert np.array_equal(frames[0], np.arange(960, 1280))


def test_small_pushes_accumulate_into_one_frame() -> None:
    splitter = FrameSplitter(frame_samples=4)
    assert splitter.push(np.array([1, 2], dtype=np.int16)) == []
    assert splitter.push(np.array([3], dtype=np.int16)) == []
    assert splitter.pending == 3
    frames = splitter.push(np.array([4, 5], dtype=np.int16))
    assert [frame.tolist() for frame in frames] == [[1, 2, 3, 4]]
    assert splitter.pending == 1


def test_frames_inside_a_chunk_are_views_and_straddling_ones_are_independent() -> None:
    splitter = FrameSplitter(frame_samples=4)
    splitter.push(np.array([1, 2], dtype=np.int16))
    chunk = np.arange(10, 16, dtype=np.int16)
    first, second = splitter.push(chunk)
    assert first.tolist() == [1, 2, 10, 11]
    assert second.tolist() == [12, 13, 14, 15]
    assert np.shares_memory(second, chunk)
    splitter.push(np.arange(100, 110, dtype=np.int16))
    assert first.tolist() == [1, 2, 10, 11]


def test_empty_push_and_reset() -> None:
    splitter = FrameSplitter()
    assert splitter.push(np.zeros(0, dtype=np.int16)) == []
    splitter.push(np.zeros(100, dtype=np.int16))
    splitter.reset()
    assert splitter.pending == 0
    assert splitter.push(np.ones(320, dtype=np.int16))[0].tolist() == [1] * 320


def test_rejects_non_positive_frame_size() -> None:
    with pytest.raises(ValueError):
        FrameSplitter(0)


@given(st.lists(st.integers(0, 1000), max_size=30), st.integers(1, 400))
def test_every_sample_comes_out_once_in_order(chunk_sizes: list[int], frame_samples: int) -> None:
    splitter = FrameSplitter(frame_samples)
    stream = np.arange(sum(chunk_sizes), dtype=np.int64).astype(np.int16)
    frames: list[npt.NDArray[np.int16]] = []
    start = 0
    for size in chunk_sizes:
        frames.extend(splitter.push(stream[start : start + size]))
        start += size
    assert all(len(frame) == frame_samples for frame in frames)
    emitted = np.concatenate(frames) if frames else np.zeros(0, dtype=np.int16)
    assert len(emitted) + splitter.pending == len(stream)
    assert splitter.pending < frame_samples
    assert np.array_equal(emitted, stream[: len(emitted)])
