"""An `AudioInterface` for the official SDK that speaks tone code and records what it hears."""

import threading
import time
from collections.abc import Callable

import numpy as np
from elevenlabs.conversational_ai.conversation import AudioInterface

from openconvai.providers import tone_code

CHUNK_SAMPLES = 4000  # 250 ms at 16 kHz, as the SDK's default interface sends


class ToneCodeAudio(AudioInterface):
    """Says `utterance` (after `delay_secs`), then keeps the line open with silence."""

    def __init__(self, utterance: str, delay_secs: float = 0.5) -> None:
        self.utterance = utterance
        self.delay_secs = delay_secs
        self.received = bytearray()
        self.interruptions = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, input_callback: Callable[[bytes], None]) -> None:
        self._thread = threading.Thread(target=self._talk, args=(input_callback,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def output(self, audio: bytes) -> None:
        self.received.extend(audio)

    def interrupt(self) -> None:
        self.interruptions += 1

    def heard_text(self) -> str:
        """What the agent said, decoded from the 16 kHz PCM it sent."""
        return tone_code.decode(np.frombuffer(bytes(self.received), dtype="<i2"))

    def _talk(self, send: Callable[[bytes], None]) -> None:
        speech = tone_code.encode(self.utterance)
        silence = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
        if self._stop.wait(self.delay_secs):
            return
        for start in range(0, speech.size, CHUNK_SAMPLES):
            chunk = speech[start : start + CHUNK_SAMPLES]
            send(chunk.astype("<i2").tobytes())
            time.sleep(chunk.size / 16000)
        while not self._stop.wait(0.25):
            send(silence.tobytes())
