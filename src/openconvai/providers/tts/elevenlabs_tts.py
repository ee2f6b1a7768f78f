"""ElevenLabs voices through the official `elevenlabs` SDK, streamed as raw 16 kHz PCM.

`POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_16000` answers with a chunked
body of 16-bit little-endian mono samples, so no decoding is needed: bytes become frames
as they arrive.
"""

import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
from elevenlabs.client import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.types.voice_settings import VoiceSettings

from openconvai.providers.access import Access
from openconvai.providers.errors import MissingCredentials, ProviderError
from openconvai.providers.tts.base import Voice
from openconvai.providers.vad.base import Frame

SAMPLE_RATE = 16000
_OUTPUT_FORMAT = "pcm_16000"
# A voice that has not started within this long has failed as far as a caller is concerned.
_TIMEOUT_SECS = 20.0
# Only these models accept `language_code`; the others reject or ignore it.
_LANGUAGE_CODE_MODELS = ("eleven_turbo_v2_5", "eleven_flash_v2_5")


class ElevenLabsTts:
    """Synthesizes with ElevenLabs' streaming endpoint; one connection pool per account."""

    def __init__(self, access: Access) -> None:
        if access.api_key is None:
            raise MissingCredentials("ElevenLabs voices need an ElevenLabs API key")
        self._http = httpx.AsyncClient()
        self._client = AsyncElevenLabs(
            api_key=access.api_key,
            base_url=access.base_url,
            headers=dict(access.headers) or None,
            timeout=_TIMEOUT_SECS,
            httpx_client=self._http,
        )

    @property
    def sample_rate(self) -> int:
        """16 kHz (the `pcm_16000` output format)."""
        return SAMPLE_RATE

    async def synthesize(self, text: str, voice: Voice) -> AsyncIterator[Frame]:
        """Audio of `text` spoken by `voice`, a chunk per piece of the response body."""
        settings = VoiceSettings(
            stability=voice.stability,
            similarity_boost=voice.similarity_boost,
            speed=voice.speed,
        )
        options: dict[str, Any] = {}
        if voice.model_id in _LANGUAGE_CODE_MODELS and voice.language:
            options["language_code"] = voice.language.split("-")[0].lower()
        carry = b""
        try:
            # The raw client's context manager closes the HTTP response as soon as the
            # caller stops iterating (barge-in), instead of whenever a generator is collected.
            async with self._client.text_to_speech.with_raw_response.stream(
                voice.voice_id,
                text=text,
                model_id=voice.model_id,
                output_format=_OUTPUT_FORMAT,
                optimize_streaming_latency=voice.optimize_streaming_latency,
                voice_settings=settings,
                **options,
            ) as response:
                async for chunk in response.data:
                    data = carry + chunk if carry else chunk
                    usable = len(data) & ~1
                    carry = data[usable:]
                    if usable:
                        yield _samples(data, usable)
        except ApiError as error:
            raise ProviderError(
                "tts_cascade_error",
                f"ElevenLabs text-to-speech failed with HTTP {error.status_code}: "
                f"{_describe(error.body)}",
            ) from error
        except httpx.HTTPError as error:
            raise ProviderError(
                "tts_cascade_error",
                f"ElevenLabs text-to-speech request failed: {type(error).__name__}: {error}",
            ) from error

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


def _samples(data: bytes, usable: int) -> Frame:
    samples: Frame = np.frombuffer(data, dtype="<i2", count=usable // 2)
    if sys.byteorder != "little":
        samples = samples.astype(np.int16)
    return samples


def _describe(body: object) -> str:
    """The human part of an ElevenLabs error body (`{"detail": {"message": ...}}`)."""
    if isinstance(body, dict):
        detail = body.get("detail", body)
        if isinstance(detail, dict):
            message = detail.get("message")
            status = detail.get("status")
            if message:
                return f"{message} ({status})" if status else str(message)
        return str(detail)
    return str(body) if body else "no details"
