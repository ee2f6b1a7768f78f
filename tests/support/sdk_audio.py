"""An `AudioInterface` for the official SDK that speaks tone code and records what it hears."""

import threading
import time
from collections.abc import Callable

import numpy as np
from elevenlabs.conversational_ai.conversation import AudioInterface

from openconvai.providers import tone_code

CHUNK_SAMPLES = 4000  # 250 ms at 16 kHz, as the SDK's default interface sends


class PcmAudio(AudioInterface):
    """Says `speech` (16 kHz int16, after `delay_secs`), then keeps the line open with silence."""

    def __init__(self, speech: np.ndarray, delay_secs: float = 0.5) -> None:
        self.speech = speech
        self.delay_secs = delay_secs
        self.received = bytearray()
        self.interruptions = 0
        self.speech_ended_at: float | None = None  # time.monotonic() of the speech's end
        self.first_audio_after_speech: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, input_callback: Callable[[bytes], None]) -> None:
        self._thread = threading.Thread(target=self._talk, args=(input_callback,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def output(self, audio: bytes) -> None:
        if self.speech_ended_at is not None and self.first_audio_after_speech is None:
            self.first_audio_after_speech = time.monotonic()
        self.received.extend(audio)

    def interrupt(self) -> None:
        self.interruptions += 1

    def _talk(self, send: Callable[[bytes], None]) -> None:
        silence = np.zeros(CHUNK_SAMPLES, dtype=np.int16)
        if self._stop.wait(self.delay_secs):
            return
        started = time.monotonic()
        for start in range(0, self.speech.size, CHUNK_SAMPLES):
            chunk = self.speech[start : start + CHUNK_SAMPLES]
            send(chunk.astype("<i2").tobytes())
            # Real time, measured from the start, so sleeping never drifts behind.
            ahead = started + (start + chunk.size) / 16000 - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        self.speech_ended_at = time.monotonic()
        while not self._stop.wait(0.25):
            send(silence.tobytes())


class ToneCodeAudio(PcmAudio):
    """Says `utterance` as tone code and decodes what the agent says back."""

    def __init__(self, utterance: str, delay_secs: float = 0.5) -> None:
        super().__init__(tone_code.encode(utterance), delay_secs)
        self.utterance = utterance

    def heard_text(self) -> str:
        """What the agent said, decoded from the 16 kHz PCM it sent."""
        return tone_code.decode(np.frombuffer(bytes(self.received), dtype="<i2"))
