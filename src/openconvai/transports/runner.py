"""The one conversation lifecycle every transport runs.

A transport decodes its wire into a `StartRequest`, then hands it to `run_conversation`
with a `Channel`: its encoder of core events and its receive loop. The runner admits the
conversation, builds the core, registers it, runs it, ends it, unregisters it, gives its
concurrency slots back and leaves its transcript stored, however the conversation ends.
"""

import logging
from typing import Protocol

from openconvai.conversation.events import CoreEvent, EndReason
from openconvai.conversation.session import ConversationSession
from openconvai.services.conversation_deps import ConversationDeps
from openconvai.services.conversation_refusal import ConversationRefused
from openconvai.services.conversation_start import prepare
from openconvai.services.start_request import StartRequest

logger = logging.getLogger(__name__)

__all__ = ["Channel", "ConversationRefused", "StartRequest", "run_conversation"]


class Channel(Protocol):
    """One transport connection, as the runner sees it."""

    async def deliver(self, event: CoreEvent) -> None:
        """Encode a core event for the wire and send it (`ConversationEnded` closes)."""
        ...

    async def refuse(self, refusal: ConversationRefused) -> None:
        """Tell the peer the conversation cannot start, and close."""
        ...

    async def serve(self, session: ConversationSession) -> None:
        """Feed the peer's input to the session until the peer is gone or the session ended."""
        ...


async def run_conversation(
    deps: ConversationDeps, request: StartRequest, channel: Channel
) -> ConversationSession | None:
    """Run one conversation from start to stored end; None if it was refused."""
    try:
        prepared = await prepare(deps, request)
    except ConversationRefused as refusal:
        await channel.refuse(refusal)
        return None
    session = ConversationSession(
        prepared.setup,
        prepared.pipeline,
        channel.deliver,
        prepared.log,
        prepared.recorder,
        tools=prepared.tools,
        secret=prepared.secret,
        handover=prepared.handover,
    )
    deps.live.add(prepared.workspace_id, session)
    try:
        await session.start()
        for event in prepared.announcements:
            await session.announce(event)
        await channel.serve(session)
    finally:
        if not session.ended:
            await session.end(EndReason.CLIENT_DISCONNECTED)
        deps.live.remove(session)
        await prepared.slots.release(deps.admission)
        for cleanup in prepared.cleanup:
            try:
                await cleanup()
            except Exception:
                logger.exception(
                    "cleaning up after conversation %s failed", session.setup.conversation_id
                )
    return session
