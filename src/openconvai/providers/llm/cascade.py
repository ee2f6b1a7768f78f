"""An LLM with backups: the next model answers when one fails or stalls before replying."""

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence

from openconvai.providers.errors import ProviderError
from openconvai.providers.llm.base import LanguageModel, LlmEvent, LlmRequest, Prefills

logger = logging.getLogger(__name__)


class CascadingLlm:
    """Tries `models` in order until one starts answering within `timeout_secs`.

    Once a model has produced its first event the reply is its own: a later failure or a
    stall longer than `timeout_secs` between events raises `ProviderError` (the words
    already streamed cannot be taken back by switching models).
    """

    def __init__(
        self, models: Sequence[LanguageModel], *, timeout_secs: float, error_type: str
    ) -> None:
        if not models:
            raise ValueError("a cascade needs at least one model")
        self._models = list(models)
        self._timeout = timeout_secs
        self._error_type = error_type

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The first model's reply that gets going; `ProviderError` if none does."""
        failure: ProviderError | None = None
        for index, model in enumerate(self._models):
            events = aiter(model.stream(request))
            try:
                try:
                    first = await self._next(events)
                except ProviderError as exc:
                    failure = exc if failure is None else failure
                    if index + 1 < len(self._models):
                        logger.warning("LLM failed (%s); trying the next one", exc.message)
                    continue
                if first is None:
                    return
                yield first
                while (event := await self._next(events)) is not None:
                    yield event
                return
            finally:
                await _close(events)
        assert failure is not None
        raise failure

    async def prefill(self, request: LlmRequest) -> None:
        """Warm the first model's prefix cache, if it has one."""
        first = self._models[0]
        if isinstance(first, Prefills):
            await first.prefill(request)

    async def _next(self, events: AsyncIterator[LlmEvent]) -> LlmEvent | None:
        try:
            async with asyncio.timeout(self._timeout):
                return await anext(events, None)
        except TimeoutError:
            raise ProviderError(
                self._error_type, f"the LLM sent nothing for {self._timeout:g} s"
            ) from None
        except ProviderError:
            raise
        except Exception as exc:  # a provider bug must not end the conversation
            raise ProviderError(self._error_type, f"the LLM failed: {exc}") from exc


async def _close(events: AsyncIterator[LlmEvent]) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        await close()
