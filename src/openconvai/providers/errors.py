"""Provider failures the conversation core reports as the protocol's `error` event."""


class ProviderError(Exception):
    """A provider could not serve a request (vendor error, timeout, saturation).

    `error_type` is the value the client sees in the `error` event, e.g. `llm_error`,
    `custom_llm_error`, `tts_cascade_error`, `asr_transcription_error`.
    """

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class MissingCredentials(ProviderError):
    """The agent names a cloud model whose vendor has no key configured."""

    def __init__(self, message: str) -> None:
        super().__init__("value_error", message)
