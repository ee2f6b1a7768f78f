"""Audio hot-path cost: microseconds per 20 ms frame for each wire format, both ways.

    python bench/audio_codec.py [--frames 2000] [--repeats 7]

Input: one client chunk of 20 ms in the format, decoded (PCM view or μ-law table) and
resampled to the core's 16 kHz. Output: one 20 ms core-side chunk at each source rate,
resampled and encoded to the format. Also: frame splitting, and how far the streaming
resampler's output lags its input (its buffering, not CPU).

Figures are the best of `--repeats` runs over `--frames` consecutive frames on one core;
multiply by 50 for the CPU share of one second of one conversation's audio.
"""

import argparse
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from openconvai.audio.codec import InputDecoder, OutputEncoder
from openconvai.audio.formats import CORE_SAMPLE_RATE, SUPPORTED_FORMATS, AudioFormat
from openconvai.audio.framing import FrameSplitter
from openconvai.audio.mulaw import ulaw_encode
from openconvai.audio.resample import StreamResampler

SOURCE_RATES = (16000, 22050, 24000)


def speechlike(rate: int, frames: int) -> npt.NDArray[np.int16]:
    """Band-limited noise with a slow envelope: close enough to speech for CPU cost."""
    rng = np.random.default_rng(0)
    n = rate * frames // 50
    noise = np.convolve(rng.standard_normal(n), np.ones(4) / 4, mode="same")
    envelope = 0.5 + 0.5 * np.sin(np.arange(n) * 2 * np.pi * 3 / rate)
    return np.clip(noise * envelope * 6000, -32768, 32767).astype(np.int16)


def per_frame_us(work: Callable[[], None], frames: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        work()
        best = min(best, (time.perf_counter_ns() - start) / frames / 1000)
    return best


def input_cost(fmt: AudioFormat, frames: int, repeats: int, low_latency: bool) -> float:
    samples = speechlike(fmt.sample_rate, frames)
    per_chunk = fmt.sample_rate // 50
    chunks = [samples[i : i + per_chunk] for i in range(0, len(samples), per_chunk)]
    payloads = [
        ulaw_encode(chunk) if fmt.encoding == "ulaw" else chunk.astype("<i2").tobytes()
        for chunk in chunks
    ]
    decoder = InputDecoder(fmt, low_latency=low_latency)

    def work() -> None:
        for payload in payloads:
            decoder.decode(payload)

    work()  # warm the resampler's buffers
    return per_frame_us(work, len(payloads), repeats)


def output_cost(
    source_rate: int, fmt: AudioFormat, frames: int, repeats: int, low_latency: bool
) -> float:
    samples = speechlike(source_rate, frames)
    per_chunk = source_rate // 50
    chunks = [samples[i : i + per_chunk] for i in range(0, len(samples), per_chunk)]
    encoder = OutputEncoder(source_rate, fmt, low_latency=low_latency)

    def work() -> None:
        for chunk in chunks:
            encoder.encode(chunk)

    work()
    return per_frame_us(work, len(chunks), repeats)


def splitter_cost(frames: int, repeats: int) -> float:
    # Odd-sized pushes so most frames straddle two chunks: the slower case.
    samples = speechlike(CORE_SAMPLE_RATE, frames)
    chunks = [samples[i : i + 331] for i in range(0, len(samples), 331)]
    splitter = FrameSplitter()

    def work() -> None:
        for chunk in chunks:
            splitter.push(chunk)

    return per_frame_us(work, frames, repeats)


def lag_ms(in_rate: int, out_rate: int, low_latency: bool) -> tuple[float, float]:
    """Mean and worst lag of the stream's output behind its input, in steady state."""
    resampler = StreamResampler(in_rate, out_rate, low_latency=low_latency)
    chunk = np.zeros(in_rate // 50, dtype=np.int16)
    produced = 0
    lags = []
    for index in range(1, 301):
        produced += len(resampler.process(chunk))
        if index > 50:
            lags.append((index * len(chunk) * out_rate / in_rate - produced) / out_rate * 1000)
    return float(np.mean(lags)), float(np.max(lags))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    formats = [AudioFormat.parse(name) for name in SUPPORTED_FORMATS]

    print("input: µs per 20 ms chunk, client format -> 16 kHz core samples")
    print(
        f"  {'format':<10} {'cost':>8} {'lag mean/max ms':>18} {'low-latency cost':>18} {'lag':>8}"
    )
    for fmt in formats:
        cost = input_cost(fmt, args.frames, args.repeats, low_latency=False)
        fast = input_cost(fmt, args.frames, args.repeats, low_latency=True)
        mean, worst = lag_ms(fmt.sample_rate, CORE_SAMPLE_RATE, low_latency=False)
        fast_lag, _ = lag_ms(fmt.sample_rate, CORE_SAMPLE_RATE, low_latency=True)
        lag = f"{mean:>9.1f}/{worst:<8.1f}"
        print(f"  {fmt.name:<10} {cost:>8.2f} {lag} {fast:>18.2f} {fast_lag:>8.1f}")

    print("\noutput: µs per 20 ms chunk, source rate -> client format bytes")
    header = "".join(f"{'from ' + str(rate):>12}" for rate in SOURCE_RATES)
    print(f"  {'format':<10}{header}{'low-lat from 16k':>18} {'lag mean/max ms from 16k':>26}")
    for fmt in formats:
        costs = "".join(
            f"{output_cost(rate, fmt, args.frames, args.repeats, low_latency=False):>12.2f}"
            for rate in SOURCE_RATES
        )
        fast = output_cost(CORE_SAMPLE_RATE, fmt, args.frames, args.repeats, low_latency=True)
        mean, worst = lag_ms(CORE_SAMPLE_RATE, fmt.sample_rate, low_latency=False)
        print(f"  {fmt.name:<10}{costs}{fast:>18.2f} {mean:>17.1f}/{worst:<8.1f}")

    print(
        f"\nframe splitting: {splitter_cost(args.frames, args.repeats):.2f} µs per 320-sample frame"
    )


if __name__ == "__main__":
    main()
