"""A call's recording mixes both sides on one timeline, written as the call goes."""

from pathlib import Path

import numpy as np

from openconvai.audio.call_recording import WavCallRecorder
from openconvai.audio.wav import wav_to_pcm16
from openconvai.providers import tone_code


def frames(samples: np.ndarray) -> list[np.ndarray]:
    return [samples[i : i + 320] for i in range(0, samples.size - 319, 320)]


def test_both_sides_are_mixed_in_time_order(tmp_path: Path) -> None:
    recorder = WavCallRecorder(tmp_path / "call.wav", agent_sample_rate=16000)
    user = tone_code.encode("hello")
    silence = np.zeros(16000 * 4, dtype=np.int16)
    agent = tone_code.encode("world")
    timeline = np.concatenate([user, silence])
    agent_at = user.size / 16000 + 0.5
    for index, frame in enumerate(frames(timeline)):
        recorder.user(frame)
        # The agent's audio arrives a little ahead of where it plays, in 100 ms chunks.
        now = (index + 1) * 0.02
        for start in range(0, agent.size, 1600):
            chunk_at = agent_at + start / 16000
            if now <= chunk_at < now + 0.02:
                recorder.agent(agent[start : start + 1600], chunk_at)
    recorder.close()
    samples, rate = wav_to_pcm16((tmp_path / "call.wav").read_bytes())
    assert rate == 16000
    assert samples.size >= timeline.size
    assert tone_code.decode(samples).replace(" ", "") == "helloworld"
    assert recorder.has_user_audio and recorder.has_agent_audio


def test_agent_audio_with_no_user_frames_is_not_held_in_memory(tmp_path: Path) -> None:
    recorder = WavCallRecorder(tmp_path / "call.wav", agent_sample_rate=22050)
    chunk = np.full(2205, 1000, dtype=np.int16)
    for index in range(100):  # 10 s of agent speech while the user sends nothing
        recorder.agent(chunk, index * 0.1)
    assert recorder._agent.size < 16000  # at most about half a second is pending
    recorder.close()
    samples, _ = wav_to_pcm16((tmp_path / "call.wav").read_bytes())
    assert abs(samples.size - 160000) < 3200
    assert not recorder.has_user_audio and recorder.has_agent_audio
