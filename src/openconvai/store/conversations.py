"""Queries on conversations and their transcripts.

Reads for the API are scoped to one workspace; the live core addresses a conversation by
its id alone (it created it, so it knows the workspace is right).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openconvai.store.keyset import Cursor, after, fetch_page
from openconvai.store.models import Agent, Conversation, ConversationMessage

UNFINISHED_STATUSES = ("initiated", "in-progress")


@dataclass(frozen=True)
class ConversationQuery:
    """Filters of a conversation listing (always newest first)."""

    page_size: int = 30
    cursor: Cursor | None = None
    agent_id: str | None = None
    call_successful: Literal["success", "failure", "unknown"] | None = None
    call_start_before_unix: int | None = None
    call_start_after_unix: int | None = None
    user_id: str | None = None


async def add_conversation(session: AsyncSession, conversation: Conversation) -> None:
    """Insert a conversation (not committed)."""
    session.add(conversation)
    await session.flush()


async def get_conversation(
    session: AsyncSession, workspace_id: str, conversation_id: str
) -> Conversation | None:
    """The conversation, if it exists in this workspace."""
    query = select(Conversation).where(
        Conversation.id == conversation_id, Conversation.workspace_id == workspace_id
    )
    return await session.scalar(query)


async def get_conversation_by_id(
    session: AsyncSession, conversation_id: str
) -> Conversation | None:
    """The conversation with this id, whatever its workspace (for the live core)."""
    return await session.get(Conversation, conversation_id)


async def delete_conversation(session: AsyncSession, conversation: Conversation) -> None:
    """Remove a conversation and its transcript (not committed)."""
    await session.execute(
        delete(ConversationMessage).where(ConversationMessage.conversation_id == conversation.id)
    )
    await session.delete(conversation)
    await session.flush()


async def list_conversations(
    session: AsyncSession, workspace_id: str, query: ConversationQuery
) -> tuple[list[Conversation], Cursor | None]:
    """One page of conversations, newest first, and the cursor of the next page."""
    stmt = select(Conversation).where(Conversation.workspace_id == workspace_id)
    if query.agent_id is not None:
        stmt = stmt.where(Conversation.agent_id == query.agent_id)
    if query.call_successful == "unknown":
        # Not analysed yet counts as unknown, as the listing shows it.
        stmt = stmt.where(
            or_(Conversation.call_successful.is_(None), Conversation.call_successful == "unknown")
        )
    elif query.call_successful is not None:
        stmt = stmt.where(Conversation.call_successful == query.call_successful)
    if query.call_start_before_unix is not None:
        stmt = stmt.where(Conversation.start_time_unix_secs <= query.call_start_before_unix)
    if query.call_start_after_unix is not None:
        stmt = stmt.where(Conversation.start_time_unix_secs >= query.call_start_after_unix)
    if query.user_id is not None:
        stmt = stmt.where(Conversation.user_id == query.user_id)
    if query.cursor is not None:
        stmt = stmt.where(after(Conversation.created_at_ms, Conversation.id, query.cursor, "desc"))
    stmt = stmt.order_by(Conversation.created_at_ms.desc(), Conversation.id.desc())
    return await fetch_page(session, stmt, query.page_size, Conversation.created_at_ms)


async def unfinished_conversations(
    session: AsyncSession, node_id: str | None
) -> Sequence[Conversation]:
    """Conversations still `initiated` or `in-progress`: of one node, or of all when None."""
    stmt = select(Conversation).where(Conversation.status.in_(UNFINISHED_STATUSES))
    if node_id is not None:
        stmt = stmt.where(Conversation.node_id == node_id)
    return (await session.scalars(stmt)).all()


async def next_seq(session: AsyncSession, conversation_id: str) -> int:
    """The number the next transcript entry takes (entries count from 0)."""
    query = select(func.max(ConversationMessage.seq)).where(
        ConversationMessage.conversation_id == conversation_id
    )
    last = await session.scalar(query)
    return 0 if last is None else last + 1


async def add_message(session: AsyncSession, message: ConversationMessage) -> None:
    """Insert a transcript entry (not committed)."""
    session.add(message)
    await session.flush()


async def agent_message_for_event(
    session: AsyncSession, conversation_id: str, event_id: int
) -> ConversationMessage | None:
    """The agent turn that the WebSocket event `event_id` carried, if it is written yet."""
    query = (
        select(ConversationMessage)
        .where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.role == "agent",
            ConversationMessage.event_id == event_id,
        )
        .order_by(ConversationMessage.seq.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def list_messages(
    session: AsyncSession, conversation_id: str
) -> Sequence[ConversationMessage]:
    """The whole transcript, in order."""
    query = (
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.seq)
    )
    return (await session.scalars(query)).all()


async def count_messages(
    session: AsyncSession, conversation_ids: Collection[str]
) -> dict[str, int]:
    """How many transcript entries each conversation has (absent: none)."""
    if not conversation_ids:
        return {}
    query = (
        select(ConversationMessage.conversation_id, func.count())
        .where(ConversationMessage.conversation_id.in_(list(conversation_ids)))
        .group_by(ConversationMessage.conversation_id)
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def last_message_times(
    session: AsyncSession, conversation_ids: Collection[str]
) -> dict[str, int]:
    """The latest `time_in_call_secs` of each conversation's transcript (absent: empty)."""
    if not conversation_ids:
        return {}
    query = (
        select(ConversationMessage.conversation_id, func.max(ConversationMessage.time_in_call_secs))
        .where(ConversationMessage.conversation_id.in_(list(conversation_ids)))
        .group_by(ConversationMessage.conversation_id)
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def agent_names(
    session: AsyncSession, workspace_id: str, agent_ids: Collection[str]
) -> dict[str, str]:
    """The current name of each agent that still exists."""
    if not agent_ids:
        return {}
    query = select(Agent.id, Agent.name).where(
        Agent.workspace_id == workspace_id, Agent.id.in_(list(agent_ids))
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def record_agent_call(
    session: AsyncSession, workspace_id: str, agent_id: str, start_time_unix_secs: int
) -> None:
    """Note on the agent when it last took a call (not committed)."""
    await session.execute(
        update(Agent)
        .where(Agent.id == agent_id, Agent.workspace_id == workspace_id)
        .values(last_call_time_unix_secs=start_time_unix_secs)
    )
