"""The conversation service as the live core drives it, on SQLite and PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from openconvai.services import conversations
from openconvai.services.conversations import TranscriptEntryIn
from openconvai.services.errors import NotFound
from openconvai.store import migrate
from openconvai.store import workspaces as workspace_store
from openconvai.store.database import Database
from openconvai.store.models import Agent, Conversation, ConversationMessage


@dataclass
class Store:
    """A migrated store with one workspace."""

    database: Database
    workspace_id: str


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    await asyncio.to_thread(migrate.upgrade, database_url)
    database = Database(database_url)
    async with database.session() as session:
        workspace = await workspace_store.add_workspace(session, "Team")
        await session.commit()
    try:
        yield Store(database, workspace.id)
    finally:
        await database.close()


async def start(store: Store, *, node_id: str = "node-a", **options: Any) -> str:
    async with store.database.session() as session:
        return await conversations.start_conversation(
            session, workspace_id=store.workspace_id, agent_id="agent_x", node_id=node_id, **options
        )


def user(text: str, at: int) -> TranscriptEntryIn:
    return TranscriptEntryIn(role="user", message=text, time_in_call_secs=at, source_medium="audio")


def agent(text: str, at: int, event_id: int, **changes: object) -> TranscriptEntryIn:
    return TranscriptEntryIn.model_validate(
        {"role": "agent", "message": text, "time_in_call_secs": at, "event_id": event_id, **changes}
    )


async def row(store: Store, conversation_id: str) -> Conversation:
    async with store.database.session() as session:
        found = await session.get(Conversation, conversation_id)
        assert found is not None
        return found


async def test_a_conversation_from_start_to_finish(store: Store) -> None:
    async with store.database.session() as session:
        session.add(
            Agent(
                id="agent_x", workspace_id=store.workspace_id, name="Support", tags=[],
                conversation_config={}, platform_settings={}, created_at_ms=0, updated_at_ms=0,
            )
        )  # fmt: skip
        await session.commit()
    conversation_id = await start(
        store,
        user_id="caller-7",
        dynamic_variables={"name": "Ada", "system__agent_id": "agent_x"},
        initiation_client_data={
            "source_info": {"source": "python_sdk", "version": "2.78.0"},
            "conversation_config_override": {"agent": {"first_message": "Hey"}},
        },
        metadata={
            "authorization_method": "signed_url",
            "conversation_initiation_source": "python_sdk",
        },
    )
    assert conversation_id.startswith("conv_")
    assert (await row(store, conversation_id)).status == "initiated"
    async with store.database.session() as session:
        await conversations.mark_in_progress(session, conversation_id)
        assert await conversations.append_message(session, conversation_id, agent("Hey", 0, 1)) == 0
        assert (
            await conversations.append_message(session, conversation_id, user("Hi there", 3)) == 1
        )
        tool_call = {
            "type": "client", "request_id": "call_1", "tool_name": "lookup",
            "params_as_json": "{}", "tool_has_been_called": True,
        }  # fmt: skip
        tool_result = {
            "request_id": "call_1", "tool_name": "lookup", "result_value": "42",
            "is_error": False, "tool_has_been_called": True,
        }  # fmt: skip
        long_reply = agent(
            "The answer is forty-two, and here is why", 5, 3,
            tool_calls=[tool_call], tool_results=[tool_result],
        )  # fmt: skip
        # An interrupted turn is written once, already cut to what was heard.
        cut = long_reply.model_copy(
            update={
                "message": "The answer is",
                "original_message": long_reply.message,
                "interrupted": True,
            }
        )
        seq = await conversations.append_message(session, conversation_id, cut)
        assert seq == 2
        await conversations.finish_conversation(
            session,
            conversation_id,
            status="done",
            termination_reason="Client disconnected",
            call_duration_secs=9,
            recording_path="recordings/x.wav",
            has_user_audio=True,
            has_response_audio=True,
        )
    async with store.database.session() as session:
        got = await conversations.get_conversation(session, store.workspace_id, conversation_id)
        last_call = await session.scalar(select(Agent.last_call_time_unix_secs))
    assert last_call == got.metadata.start_time_unix_secs
    assert got.status == "done"
    assert got.agent_name == "Support"
    assert got.user_id == "caller-7"
    assert [(e.role, e.message) for e in got.transcript] == [
        ("agent", "Hey"),
        ("user", "Hi there"),
        ("agent", "The answer is"),
    ]
    third = got.transcript[2]
    assert (
        third.interrupted and third.original_message == "The answer is forty-two, and here is why"
    )
    assert third.source_event_id == 3 and third.time_in_call_secs == 5
    assert third.tool_calls[0].tool_name == "lookup" and third.tool_results[0].result_value == "42"
    assert got.transcript[1].source_medium == "audio"
    meta = got.metadata
    assert (meta.termination_reason, meta.call_duration_secs) == ("Client disconnected", 9)
    assert meta.accepted_time_unix_secs is not None
    assert meta.authorization_method == "signed_url"
    assert meta.conversation_initiation_source == "python_sdk"
    assert meta.text_only is False and meta.error is None
    data = got.conversation_initiation_client_data
    assert data.source_info.source == "python_sdk" and data.source_info.version == "2.78.0"
    assert data.dynamic_variables == {"name": "Ada", "system__agent_id": "agent_x"}
    assert data.user_id == "caller-7"
    assert data.conversation_config_override.agent is not None
    assert data.conversation_config_override.agent.first_message == "Hey"
    assert (got.has_audio, got.has_user_audio, got.has_response_audio) == (True, True, True)
    assert (got.user_message_count, got.agent_message_count) == (1, 2)
    assert (await row(store, conversation_id)).node_id is None


async def test_bad_start_data_is_refused_before_anything_is_stored(store: Store) -> None:
    with pytest.raises(ValidationError):
        await start(store, metadata={"authorization_method": "by_magic"})
    with pytest.raises(ValidationError):
        await start(store, initiation_client_data={"source_info": {"source": 5}})
    with pytest.raises(ValidationError):
        await start(store, dynamic_variables={"nested": {"no": "objects"}})
    async with store.database.session() as session:
        assert (await session.scalars(select(Conversation))).all() == []


async def test_sources_newer_than_the_contract_read_as_unknown(store: Store) -> None:
    conversation_id = await start(
        store,
        initiation_client_data={"source_info": {"source": "flutter_sdk", "version": "0.1.0"}},
        metadata={"conversation_initiation_source": "flutter_sdk"},
    )
    async with store.database.session() as session:
        got = await conversations.get_conversation(session, store.workspace_id, conversation_id)
    assert got.metadata.conversation_initiation_source == "unknown"
    source_info = got.conversation_initiation_client_data.source_info
    assert (source_info.source, source_info.version) == ("unknown", "0.1.0")


async def test_writes_to_a_missing_conversation_are_not_found(store: Store) -> None:
    async with store.database.session() as session:
        with pytest.raises(NotFound):
            await conversations.append_message(session, "conv_gone", user("hello", 1))
        with pytest.raises(NotFound):
            await conversations.mark_in_progress(session, "conv_gone")


async def test_orphans_are_failed_per_node_then_all(store: Store) -> None:
    live_a = await start(store, node_id="node-a")
    waiting_b = await start(store, node_id="node-b")
    finished = await start(store, node_id="node-a")
    async with store.database.session() as session:
        await conversations.mark_in_progress(session, live_a)
        await conversations.append_message(session, live_a, user("one", 4))
        await conversations.append_message(session, live_a, agent("two", 42, 2))
        await conversations.finish_conversation(
            session, finished, status="done", termination_reason="end_call", call_duration_secs=7
        )
        assert await conversations.fail_orphaned_conversations(session, "node-a") == 1
    failed = await row(store, live_a)
    assert (failed.status, failed.call_duration_secs) == ("failed", 42)
    assert failed.termination_reason == conversations.ORPHAN_TERMINATION_REASON
    assert failed.error == {
        "code": conversations.ORPHAN_ERROR_CODE,
        "reason": conversations.ORPHAN_TERMINATION_REASON,
    }
    assert (await row(store, waiting_b)).status == "initiated"
    async with store.database.session() as session:
        assert await conversations.fail_orphaned_conversations(session, None) == 1
        assert await conversations.fail_orphaned_conversations(session, None) == 0
    orphan_b = await row(store, waiting_b)
    assert (orphan_b.status, orphan_b.call_duration_secs) == ("failed", 0)
    assert (await row(store, finished)).status == "done"
    async with store.database.session() as session:
        got = await conversations.get_conversation(session, store.workspace_id, live_a)
    assert got.metadata.error is not None and got.metadata.error.code == 1011


async def test_response_feedback_moves_the_counters(store: Store) -> None:
    conversation_id = await start(store)
    async with store.database.session() as session:
        await conversations.append_message(session, conversation_id, agent("First", 1, 4))
        await conversations.append_message(session, conversation_id, agent("Second", 6, 8))

    async def rate(event_id: int, score: conversations.FeedbackScore | None) -> tuple[int, int]:
        async with store.database.session() as session:
            await conversations.record_response_feedback(session, conversation_id, event_id, score)
        stored = await row(store, conversation_id)
        return stored.feedback_likes, stored.feedback_dislikes

    assert await rate(4, "like") == (1, 0)
    assert await rate(4, "like") == (1, 0)
    assert await rate(8, "like") == (2, 0)
    assert await rate(4, "dislike") == (1, 1)
    assert await rate(8, None) == (0, 1)
    assert await rate(99, None) == (0, 1)
    async with store.database.session() as session:
        got = await conversations.get_conversation(session, store.workspace_id, conversation_id)
    first, second = got.transcript
    assert first.feedback is not None and first.feedback.score == "dislike"
    assert second.feedback is None
    assert (got.metadata.feedback.likes, got.metadata.feedback.dislikes) == (0, 1)


async def test_a_rating_before_its_response_is_written_waits_for_it(store: Store) -> None:
    conversation_id = await start(store)
    async with store.database.session() as session:
        await conversations.record_response_feedback(session, conversation_id, 12, "like")
    assert (await row(store, conversation_id)).feedback_likes == 1
    async with store.database.session() as session:
        await conversations.append_message(session, conversation_id, user("Question", 2))
        await conversations.append_message(session, conversation_id, agent("Answer", 3, 12))
        query = select(ConversationMessage).order_by(ConversationMessage.seq)
        messages = (await session.scalars(query)).all()
    assert messages[0].feedback is None
    assert messages[1].feedback is not None and messages[1].feedback["score"] == "like"
    stored = await row(store, conversation_id)
    assert stored.pending_feedback == {} and stored.feedback_likes == 1
    async with store.database.session() as session:
        await conversations.record_response_feedback(session, conversation_id, 12, "dislike")
    stored = await row(store, conversation_id)
    assert (stored.feedback_likes, stored.feedback_dislikes) == (0, 1)
