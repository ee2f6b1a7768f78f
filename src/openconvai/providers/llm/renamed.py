"""A model asked under the vendor's model id, whose usage is reported under the agent's."""

from collections.abc import AsyncIterator

from openconvai.providers.llm.base import LanguageModel, LlmEvent, LlmRequest, Usage


class RenamedModel:
    """Sends the vendor's model id, but reports usage under the agent's model name."""

    def __init__(self, model: LanguageModel, vendor_model: str) -> None:
        self._model = model
        self._vendor_model = vendor_model

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmEvent]:
        """The wrapped model's reply to the request, under the vendor's model id."""
        vendor_request = LlmRequest(
            model=self._vendor_model,
            messages=request.messages,
            tools=request.tools,
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            extra_body=request.extra_body,
        )
        async for event in self._model.stream(vendor_request):
            if isinstance(event, Usage):
                yield Usage(request.model, event.input_tokens, event.output_tokens)
            else:
                yield event
