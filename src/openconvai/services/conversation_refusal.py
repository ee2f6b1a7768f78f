"""Why a conversation could not start."""


class ConversationRefused(Exception):
    """The conversation cannot start; the client gets an `error` event and this close code.

    The codes are WebSocket close codes (1008 policy, 1011 server error, 1013 try again
    later); other transports map them to their own wire.
    """

    def __init__(self, error_type: str, message: str, close_code: int = 1008) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.close_code = close_code
