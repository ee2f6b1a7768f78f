"""Responses of the signed-URL and conversation-token endpoints."""

from pydantic import Field

from openconvai.schemas.base import ContractModel


class ConversationSignedUrlResponse(ContractModel):
    """`GET /v1/convai/conversation/get-signed-url`: a WebSocket URL that needs no API key."""

    signed_url: str = Field(
        description="The conversation WebSocket URL with a short-lived signature; use it as is."
    )


class ConversationTokenResponse(ContractModel):
    """`GET /v1/convai/conversation/token`: the signature on its own."""

    token: str = Field(
        description="A short-lived conversation token; the WebSocket accepts it as `token`."
    )
    conversation_id: str | None = Field(
        default=None,
        description="Always null here: the conversation id is assigned when the socket opens.",
    )
