"""Silero VAD on ONNX Runtime: one shared model, batched across conversations.

A conversation keeps only its recurrent state (1 KB) and 64 samples of context. Frames
that WebRTC's cheap detector calls silence while Silero last heard none skip the model.
"""

import asyncio
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import webrtcvad

from openconvai.providers.inference import InferencePool
from openconvai.providers.vad.base import Frame

_RATE = 16000
_WINDOW = 512  # samples per Silero v5 step at 16 kHz (32 ms)
_CONTEXT = 64  # samples of the previous window the model sees with each step
_GATE_BELOW = 0.15  # Silero's last probability under which the WebRTC gate may skip it

Floats = npt.NDArray[np.float32]


class SileroVad:
    """The shared model; `stream()` gives each conversation its own small state."""

    def __init__(self, model_path: Path, pool: InferencePool) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._pool = pool
        self._rate = np.array(_RATE, dtype=np.int64)
        self._pending: list[tuple[Floats, Floats, asyncio.Future[tuple[float, Floats]]]] = []

    def stream(self) -> "SileroVadStream":
        """Fresh state for one conversation."""
        return SileroVadStream(self)

    async def infer(self, window: Floats, state: Floats) -> tuple[float, Floats]:
        """Speech probability of one window and the next state; batched with other callers."""
        future: asyncio.Future[tuple[float, Floats]] = asyncio.get_running_loop().create_future()
        self._pending.append((window, state, future))
        if len(self._pending) == 1:
            # Every conversation whose frame arrives in this loop tick joins the batch.
            asyncio.get_running_loop().call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        windows = np.stack([item[0] for item in batch])
        states = np.concatenate([item[1] for item in batch], axis=1)
        task = asyncio.ensure_future(self._pool.run(lambda: self._run(windows, states)))
        task.add_done_callback(lambda done: _settle(done, batch))

    def _run(self, windows: Floats, states: Floats) -> tuple[Floats, Floats]:
        output, next_states = self._session.run(
            None, {"input": windows, "state": states, "sr": self._rate}
        )
        return np.asarray(output, dtype=np.float32), np.asarray(next_states, dtype=np.float32)


def _settle(
    done: "asyncio.Future[tuple[Floats, Floats]]",
    batch: list[tuple[Floats, Floats, "asyncio.Future[tuple[float, Floats]]"]],
) -> None:
    error = done.exception() if not done.cancelled() else asyncio.CancelledError()
    for index, (_window, _state, future) in enumerate(batch):
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            probabilities, states = done.result()
            future.set_result((float(probabilities[index, 0]), states[:, index : index + 1, :]))


class SileroVadStream:
    """One conversation's VAD: buffers 20 ms frames into Silero's 32 ms windows."""

    def __init__(self, model: SileroVad) -> None:
        self._model = model
        self._gate = webrtcvad.Vad(1)
        self._state: Floats = np.zeros((2, 1, 128), dtype=np.float32)
        self._context: Floats = np.zeros(_CONTEXT, dtype=np.float32)
        self._buffer: Floats = np.zeros(0, dtype=np.float32)
        self._probability = 0.0

    async def process(self, frame: Frame) -> float:
        """Speech probability for this 20 ms frame (the latest window's)."""
        samples = frame.astype(np.float32) / 32768.0
        if self._probability < _GATE_BELOW and not self._gate.is_speech(frame.tobytes(), _RATE):
            self._context = np.concatenate([self._context, samples])[-_CONTEXT:]
            self._buffer = self._buffer[:0]
            self._probability = 0.0
            return 0.0
        self._buffer = np.concatenate([self._buffer, samples])
        while self._buffer.size >= _WINDOW:
            window = np.concatenate([self._context, self._buffer[:_WINDOW]])
            self._context = window[-_CONTEXT:]
            self._buffer = self._buffer[_WINDOW:]
            self._probability, self._state = await self._model.infer(window, self._state)
        return self._probability
