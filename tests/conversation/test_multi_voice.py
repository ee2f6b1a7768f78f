"""Multi-voice replies: `<Label>...</Label>` picks a supported voice; markup is never heard."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import numpy as np
import pytest

from openconvai.conversation.events import AgentAudio, AgentResponse
from openconvai.providers import tone_code
from openconvai.providers.tts.base import Voice
from openconvai.providers.tts.scripted import ToneCodeTts
from openconvai.providers.vad.base import Frame
from tests.support.core import make_setup, start

pytestmark = pytest.mark.looptime

REPLY = "Once upon a time. <Wolf>Let me in, little pig!</Wolf> <Ghost>Boo.</Ghost> The end."


class VoiceLog(ToneCodeTts):
    """Tone-code speech that notes which voice said which text."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[tuple[str, str]] = []

    async def synthesize(self, text: str, voice: Voice) -> AsyncIterator[Frame]:
        self.said.append((voice.voice_id, text))
        async for chunk in super().synthesize(text, voice):
            yield chunk


async def test_each_span_is_said_by_its_voice_and_the_markup_by_none() -> None:
    narrator = Voice(voice_id="narrator_voice", model_id="m")
    setup = make_setup(voice=narrator, voices={"Wolf": replace(narrator, voice_id="wolf_voice")})
    tts = VoiceLog()
    h = await start(setup, reply=REPLY, first_token_ms=0, token_ms=10, synthesizer=tts)
    await h.speak("story")
    await asyncio.sleep(15)
    assert tts.said == [
        ("narrator_voice", "Once upon a time."),
        ("wolf_voice", "Let me in, little pig!"),
        # An unknown label is the default voice; its tags are dropped all the same.
        ("narrator_voice", "Boo."),
        ("narrator_voice", "The end."),
    ]
    ((_, response),) = h.of(AgentResponse)
    assert response.text == "Once upon a time. Let me in, little pig! Boo. The end."
    assert h.log.turns[-1].message == response.text
    audio = np.concatenate(
        [np.frombuffer(event.audio, dtype="<i2") for _, event in h.of(AgentAudio)]
    )
    heard = tone_code.decode(audio)
    assert "<" not in heard and ">" not in heard and "wolf" not in heard.lower()


async def test_a_first_message_with_markup_is_split_too() -> None:
    narrator = Voice(voice_id="narrator_voice", model_id="m")
    setup = make_setup(
        voice=narrator,
        voices={"Wolf": replace(narrator, voice_id="wolf_voice")},
        first_message="Hello. <wolf>Grr.</wolf>",
    )
    tts = VoiceLog()
    h = await start(setup, synthesizer=tts)
    await asyncio.sleep(5)
    assert tts.said == [("narrator_voice", "Hello."), ("wolf_voice", "Grr.")]
    assert h.of(AgentResponse)[0][1].text == "Hello. Grr."
