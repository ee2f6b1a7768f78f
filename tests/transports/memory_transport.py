"""A transport of a few lines: typed user turns in, agent replies out, all in memory.

It proves that the conversation runner serves more than the ElevenLabs WebSocket: no wire,
no socket, just a `Channel` and a `StartRequest`.
"""

import asyncio
from dataclasses import dataclass, field

from openconvai.conversation.events import (
    AgentResponse,
    ConversationEnded,
    ConversationStarted,
    CoreEvent,
    EndReason,
    ErrorEvent,
    UserTranscript,
)
from openconvai.conversation.session import ConversationSession
from openconvai.services.conversation_deps import ConversationDeps
from openconvai.transports.runner import ConversationRefused, StartRequest, run_conversation


@dataclass
class MemoryChannel:
    """A `Channel` whose peer is a queue of lines and a list of what came back."""

    inbox: "asyncio.Queue[str | None]" = field(default_factory=asyncio.Queue)
    lines: list[tuple[str, str]] = field(default_factory=list)
    conversation_id: str | None = None
    ended: EndReason | None = None
    refusal: ConversationRefused | None = None
    replies: "asyncio.Queue[str]" = field(default_factory=asyncio.Queue)

    async def deliver(self, event: CoreEvent) -> None:
        """Keep the text of what the core says; the end closes the inbox."""
        match event:
            case ConversationStarted(conversation_id=conversation_id):
                self.conversation_id = conversation_id
            case UserTranscript(text=text):
                self.lines.append(("user", text))
            case AgentResponse(text=text):
                self.lines.append(("agent", text))
                self.replies.put_nowait(text)
            case ErrorEvent(message=message):
                self.lines.append(("error", message))
            case ConversationEnded(reason=reason):
                self.ended = reason
                self.inbox.put_nowait(None)

    async def refuse(self, refusal: ConversationRefused) -> None:
        """Remember why it did not start."""
        self.refusal = refusal

    async def serve(self, session: ConversationSession) -> None:
        """Each line from the inbox is a user turn; None is the peer hanging up."""
        while not session.ended:
            line = await self.inbox.get()
            if line is None:
                return
            await session.user_text(line)


@dataclass
class MemoryConversation:
    """A conversation on the memory transport, running in a task."""

    channel: MemoryChannel
    task: "asyncio.Task[ConversationSession | None]"

    async def say(self, line: str, timeout_secs: float = 10) -> str:
        """Send a user turn; the agent's answer."""
        self.channel.inbox.put_nowait(line)
        return await asyncio.wait_for(self.channel.replies.get(), timeout_secs)

    async def hang_up(self) -> ConversationSession | None:
        """The peer goes; the runner ends and stores the conversation."""
        self.channel.inbox.put_nowait(None)
        return await asyncio.wait_for(self.task, 10)


def start_memory_conversation(deps: ConversationDeps, agent_id: str) -> MemoryConversation:
    """Open a text conversation with `agent_id` through the runner."""
    channel = MemoryChannel()
    request = StartRequest(
        agent_id=agent_id,
        initiation={"conversation_config_override": {"conversation": {"text_only": True}}},
    )
    task = asyncio.create_task(run_conversation(deps, request, channel))
    return MemoryConversation(channel, task)
