"""OpenAI voices through the official `openai` SDK, streamed as raw 24 kHz PCM.

`POST /v1/audio/speech` with `response_format=pcm` answers with a chunked body of 16-bit
little-endian mono samples at 24 kHz, turned into frames as the bytes arrive.
"""

import sys
from collections.abc import AsyncIterator

import httpx2
import numpy as np
import openai

from openconvai.providers.access import Access
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.tts.base import Voice
from openconvai.providers.vad.base import Frame

SAMPLE_RATE = 24000
DEFAULT_MODEL = "gpt-4o-mini-tts"
MODELS = frozenset({"tts-1", "tts-1-hd", "gpt-4o-mini-tts"})
_VOICE_PREFIX = "openai:"
_TIMEOUT_SECS = 20.0
# The API's accepted range; outside it the request is refused.
_MIN_SPEED, _MAX_SPEED = 0.25, 4.0


class OpenAiTts:
    """Synthesizes with OpenAI's speech endpoint; one connection pool per account."""

    def __init__(self, access: Access) -> None:
        if access.api_key is None:
            raise MissingCredentials("OpenAI voices need an OpenAI API key")
        # No SDK retries: a conversation is waiting, and a retry after back-off costs it
        # more than reporting the error does.
        self._client = openai.AsyncOpenAI(
            api_key=access.api_key,
            base_url=access.base_url,
            default_headers=dict(access.headers) or None,
            max_retries=0,
            timeout=_TIMEOUT_SECS,
        )

    @property
    def sample_rate(self) -> int:
        """24 kHz (the `pcm` response format)."""
        return SAMPLE_RATE

    async def synthesize(self, text: str, voice: Voice) -> AsyncIterator[Frame]:
        """Audio of `text` spoken by `voice`, a chunk per piece of the response body."""
        model = voice.model_id if voice.model_id in MODELS else DEFAULT_MODEL
        name = voice.voice_id.removeprefix(_VOICE_PREFIX)
        carry = b""
        try:
            async with self._client.audio.speech.with_streaming_response.create(
                model=model,
                voice=name,
                input=text,
                response_format="pcm",
                speed=min(max(voice.speed, _MIN_SPEED), _MAX_SPEED),
            ) as response:
                async for chunk in response.iter_bytes():
                    data = carry + chunk if carry else chunk
                    usable = len(data) & ~1
                    carry = data[usable:]
                    if usable:
                        yield _samples(data, usable)
        except openai.APIStatusError as error:
            raise ProviderError(
                "tts_cascade_error",
                f"OpenAI text-to-speech failed with HTTP {error.status_code}: {_reason(error)}",
            ) from error
        except (openai.APIError, httpx2.HTTPError) as error:
            raise ProviderError(
                "tts_cascade_error",
                f"OpenAI text-to-speech request failed: {type(error).__name__}: {error}",
            ) from error

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.close()


def _samples(data: bytes, usable: int) -> Frame:
    samples: Frame = np.frombuffer(data, dtype="<i2", count=usable // 2)
    if sys.byteorder != "little":
        samples = samples.astype(np.int16)
    return samples


def _reason(error: openai.APIStatusError) -> str:
    """OpenAI's own words from an error body (`{"error": {"message": ...}}`)."""
    body = error.body
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return error.message
