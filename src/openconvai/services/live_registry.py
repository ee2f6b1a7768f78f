"""The conversations this process runs, and the concurrency slots each one holds."""

from dataclasses import dataclass

from openconvai.conversation.events import EndReason
from openconvai.conversation.session import ConversationSession
from openconvai.services.admission import Admission


@dataclass(frozen=True)
class Slots:
    """The concurrency slots a conversation holds, given back when it ends."""

    holder: str
    keys: tuple[str, ...] = ()

    async def release(self, admission: Admission) -> None:
        """Give every slot back."""
        for key in self.keys:
            await admission.release(key, self.holder)


class LiveConversations:
    """The conversations this process is running, for admission and graceful shutdown."""

    def __init__(self) -> None:
        self._sessions: dict[str, tuple[str, ConversationSession]] = {}

    def add(self, workspace_id: str, session: ConversationSession) -> None:
        """A conversation started."""
        self._sessions[session.setup.conversation_id] = (workspace_id, session)

    def remove(self, session: ConversationSession) -> None:
        """A conversation is over."""
        self._sessions.pop(session.setup.conversation_id, None)

    def count(self, workspace_id: str | None = None) -> int:
        """Live conversations, of one workspace or in all."""
        return sum(1 for ws, _ in self._sessions.values() if workspace_id in (None, ws))

    async def end_all(self, reason: EndReason) -> None:
        """End every live conversation cleanly (transcripts finalised, clients told)."""
        for _, session in list(self._sessions.values()):
            await session.end(reason)
