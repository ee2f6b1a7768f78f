"""The official `elevenlabs` SDK reads stored conversations from a real server process."""

import asyncio
from pathlib import Path

import httpx
from elevenlabs import ElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.types import GetConversationResponseModel, GetConversationsPageResponseModel

from openconvai.services import api_keys, conversations
from openconvai.services.bootstrap import ensure_default_workspace
from openconvai.services.conversations import TranscriptEntryIn
from openconvai.store import migrate
from openconvai.store.database import Database
from tests.api.test_conversations import write_wav
from tests.conftest import ADMIN_KEY
from tests.integration.test_sdk_agents import sdk
from tests.support.live_server import LiveServer, live_server

TOOL_CALL = {
    "type": "client",
    "request_id": "call_1",
    "tool_name": "lookup_order",
    "params_as_json": '{"order": 7}',
    "tool_has_been_called": True,
}
TOOL_RESULT = {
    "request_id": "call_1",
    "tool_name": "lookup_order",
    "result_value": "shipped",
    "is_error": False,
    "tool_has_been_called": True,
    "type": "client",
}


async def seed(database_url: str, data_dir: Path, count: int) -> list[str]:
    """Conversations written the way the live core writes them, before the server starts."""
    await asyncio.to_thread(migrate.upgrade, database_url)
    database = Database(database_url)
    ids: list[str] = []
    try:
        async with database.session() as session:
            await ensure_default_workspace(session, ADMIN_KEY)
            workspace_id = await api_keys.authenticate(session, ADMIN_KEY)
            for index in range(count):
                conversation_id = await conversations.start_conversation(
                    session,
                    workspace_id=workspace_id,
                    agent_id="agent_gone",
                    user_id=f"user-{index % 2}",
                    initiation_client_data={"source_info": {"source": "python_sdk"}},
                    metadata={"conversation_initiation_source": "python_sdk"},
                )
                await conversations.mark_in_progress(session, conversation_id)
                turns = [
                    TranscriptEntryIn(role="agent", message="Hi!", time_in_call_secs=0, event_id=1),
                    TranscriptEntryIn(
                        role="user", message="Where is order 7?", time_in_call_secs=2
                    ),
                    TranscriptEntryIn.model_validate(
                        {
                            "role": "agent",
                            "message": "It has shipped and",
                            "original_message": "It has shipped and arrives tomorrow.",
                            "interrupted": True,
                            "time_in_call_secs": 4,
                            "event_id": 3,
                            "tool_calls": [TOOL_CALL],
                            "tool_results": [TOOL_RESULT],
                        }
                    ),
                ]
                for turn in turns:
                    await conversations.append_message(session, conversation_id, turn)
                await conversations.record_response_feedback(session, conversation_id, 3, "like")
                recording = f"recordings/{conversation_id}.wav"
                write_wav(data_dir / recording)
                await conversations.finish_conversation(
                    session,
                    conversation_id,
                    status="done",
                    termination_reason="Client disconnected",
                    call_duration_secs=6,
                    recording_path=recording,
                    has_user_audio=True,
                    has_response_audio=True,
                )
                ids.append(conversation_id)
    finally:
        await database.close()
    return ids


def drive_conversations(
    client: ElevenLabs, http: httpx.Client, server: LiveServer, ids: list[str]
) -> None:
    history = client.conversational_ai.conversations
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = history.list(page_size=2, cursor=cursor)
        assert isinstance(page, GetConversationsPageResponseModel)
        seen += [summary.conversation_id for summary in page.conversations]
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    only = history.list(user_id="user-0")
    assert sorted(s.conversation_id for s in only.conversations) == sorted(ids[::2])
    summary = only.conversations[0]
    assert (summary.message_count, summary.status, summary.call_successful) == (
        3,
        "done",
        "unknown",
    )
    assert summary.agent_name is None

    conversation = history.get(ids[0])
    assert isinstance(conversation, GetConversationResponseModel)
    assert conversation.conversation_id == ids[0] and conversation.status == "done"
    assert [entry.role for entry in conversation.transcript] == ["agent", "user", "agent"]
    cut = conversation.transcript[2]
    assert cut.interrupted and cut.original_message == "It has shipped and arrives tomorrow."
    assert cut.tool_calls is not None and cut.tool_calls[0].tool_name == "lookup_order"
    assert cut.feedback is not None and cut.feedback.score == "like"
    metadata = conversation.metadata
    assert metadata.call_duration_secs == 6
    assert metadata.feedback is not None and metadata.feedback.likes == 1
    assert metadata.conversation_initiation_source == "python_sdk"
    assert conversation.has_audio and conversation.has_user_audio
    # The SDK constructs its models leniently; validate the same JSON strictly as well.
    raw = http.get(
        f"{server.base_url}/v1/convai/conversations/{ids[0]}", headers={"xi-api-key": ADMIN_KEY}
    ).json()
    GetConversationResponseModel.model_validate(raw)
    listing = http.get(
        f"{server.base_url}/v1/convai/conversations", headers={"xi-api-key": ADMIN_KEY}
    ).json()
    GetConversationsPageResponseModel.model_validate(listing)

    client.conversational_ai.conversations.feedback.create(ids[0], feedback="dislike")
    rated = history.get(ids[0]).metadata.feedback
    assert rated is not None and rated.overall_score == "dislike"

    audio = b"".join(history.audio.get(ids[0]))
    assert audio[:4] == b"RIFF" or audio[0] == 0xFF

    history.delete(ids[0])
    try:
        history.get(ids[0])
    except ApiError as exc:
        assert exc.status_code == 404
    else:
        raise AssertionError("a deleted conversation must be gone")


async def test_official_sdk_reads_conversations(tmp_path: Path, database_url: str) -> None:
    data_dir = tmp_path / "data"
    ids = await seed(database_url, data_dir, 5)

    def scenario() -> None:
        with (
            live_server(data_dir, database_url, ADMIN_KEY) as server,
            httpx.Client(timeout=30) as http,
        ):
            drive_conversations(sdk(server, http), http, server, ids)

    await asyncio.to_thread(scenario)
