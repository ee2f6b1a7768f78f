"""Conversations API over HTTP (in-process), on SQLite and PostgreSQL.

Conversations are seeded through the service functions the live core calls.
"""

import io
import wave
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI
from sqlalchemy import update

from openconvai.services import api_keys, conversations
from openconvai.services.conversations import TranscriptEntryIn
from openconvai.state import AppState
from openconvai.store.models import Conversation
from tests.conftest import ADMIN_KEY
from tests.schemas.oa_defaults import needs_reference, oa_default_paths, oa_property_paths, value_at

JsonDict = dict[str, Any]
BASE = "/v1/convai/conversations"


async def workspace_of(state: AppState, key: str) -> str:
    async with state.database.session() as session:
        return await api_keys.authenticate(session, key)


async def seed(
    state: AppState,
    *,
    workspace_id: str | None = None,
    agent_id: str = "agent_a",
    user_id: str | None = None,
    start_time: int | None = None,
    call_successful: str | None = None,
    transcript: tuple[str, ...] = ("Hello", "Hi"),
    finish: bool = True,
    recording_path: str | None = None,
) -> str:
    """A conversation with alternating agent/user turns, started at `start_time` if given."""
    workspace_id = workspace_id or await workspace_of(state, ADMIN_KEY)
    async with state.database.session() as session:
        conversation_id = await conversations.start_conversation(
            session,
            workspace_id=workspace_id,
            agent_id=agent_id,
            user_id=user_id,
            dynamic_variables={"customer": "Ada"},
            initiation_client_data={"source_info": {"source": "js_sdk", "version": "1.25.0"}},
            metadata={"conversation_initiation_source": "js_sdk"},
            node_id="test-node",
            text_only=False,
        )
        await conversations.mark_in_progress(session, conversation_id)
        for index, text in enumerate(transcript):
            entry = TranscriptEntryIn(
                role="agent" if index % 2 == 0 else "user",
                message=text,
                time_in_call_secs=index * 2,
                event_id=index + 1,
                source_medium=None if index % 2 == 0 else "audio",
            )
            await conversations.append_message(session, conversation_id, entry)
        if finish:
            await conversations.finish_conversation(
                session,
                conversation_id,
                status="done",
                termination_reason="Client disconnected",
                call_duration_secs=len(transcript) * 2,
                recording_path=recording_path,
                has_user_audio=recording_path is not None,
                has_response_audio=recording_path is not None,
            )
        changes: JsonDict = {}
        if start_time is not None:
            # Listing order and time filters need known start times.
            changes |= {"start_time_unix_secs": start_time, "created_at_ms": start_time * 1000}
        if call_successful is not None:
            changes |= {"call_successful": call_successful, "transcript_summary": "A summary."}
        if changes:
            await session.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(**changes)
            )
            await session.commit()
    return conversation_id


def write_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


async def test_get_returns_the_transcript_and_complete_metadata(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    agent = await client.post(
        "/v1/convai/agents/create", json={"conversation_config": {}, "name": "Front desk"}
    )
    agent_id = agent.json()["agent_id"]
    conversation_id = await seed(
        app_state, agent_id=agent_id, user_id="u-1", transcript=("Hello", "Hi", "Bye")
    )
    response = await client.get(f"{BASE}/{conversation_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conversation_id"] == conversation_id
    assert (body["agent_id"], body["agent_name"]) == (agent_id, "Front desk")
    assert (body["status"], body["user_id"]) == ("done", "u-1")
    assert [(e["role"], e["message"]) for e in body["transcript"]] == [
        ("agent", "Hello"),
        ("user", "Hi"),
        ("agent", "Bye"),
    ]
    assert body["transcript"][1] == {
        "role": "user",
        "message": "Hi",
        "tool_calls": [],
        "tool_results": [],
        "feedback": None,
        "llm_override": None,
        "time_in_call_secs": 2,
        "conversation_turn_metrics": None,
        "rag_retrieval_info": None,
        "llm_usage": None,
        "interrupted": False,
        "original_message": None,
        "source_medium": "audio",
        "source_event_id": 2,
        "created_at_unix_ms": body["transcript"][1]["created_at_unix_ms"],
    }
    meta = body["metadata"]
    assert meta["termination_reason"] == "Client disconnected"
    assert meta["call_duration_secs"] == 6
    assert meta["feedback"] == {
        "type": None,
        "overall_score": None,
        "likes": 0,
        "dislikes": 0,
        "rating": None,
        "comment": None,
    }
    assert meta["authorization_method"] == "public"
    assert meta["conversation_initiation_source"] == "js_sdk"
    assert (meta["text_only"], meta["error"]) == (False, None)
    assert body["analysis"] is None
    client_data = body["conversation_initiation_client_data"]
    assert client_data["source_info"] == {"source": "js_sdk", "version": "1.25.0"}
    assert client_data["dynamic_variables"] == {"customer": "Ada"}
    assert client_data["user_id"] == "u-1"
    assert (body["has_audio"], body["has_user_audio"], body["has_response_audio"]) == (
        False,
        False,
        False,
    )
    assert (body["user_message_count"], body["agent_message_count"]) == (1, 2)


@needs_reference
async def test_get_holds_every_oa_property_and_default(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    async with app_state.database.session() as session:
        # Nothing set beyond the required: every default shows as the OA states it.
        conversation_id = await conversations.start_conversation(
            session, workspace_id=await workspace_of(app_state, ADMIN_KEY), agent_id="agent_a"
        )
        entry = TranscriptEntryIn.model_validate(
            {
                "role": "agent",
                "message": None,
                "time_in_call_secs": 1,
                "tool_calls": [
                    {"request_id": "r1", "tool_name": "t", "params_as_json": "{}",
                     "tool_has_been_called": True}
                ],
                "tool_results": [
                    {"request_id": "r1", "tool_name": "t", "result_value": "ok",
                     "is_error": False, "tool_has_been_called": True, "type": "client"}
                ],
            }
        )  # fmt: skip
        await conversations.append_message(session, conversation_id, entry)
    body = (await client.get(f"{BASE}/{conversation_id}")).json()
    for path in oa_property_paths("GetConversationResponseModel", body):
        value_at(body, path)
    defaults = oa_default_paths("GetConversationResponseModel", body)
    wrong = {p: (v, value_at(body, p)) for p, v in defaults.items() if value_at(body, p) != v}
    assert wrong == {}
    page = (await client.get(BASE)).json()
    for path in oa_property_paths("GetConversationsPageResponseModel", page):
        value_at(page, path)


async def test_list_pages_newest_first_with_a_cursor(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    ids = [await seed(app_state, start_time=1_700_000_000 + n) for n in range(7)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: JsonDict = {"page_size": 3} | ({"cursor": cursor} if cursor else {})
        response = await client.get(BASE, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        seen += [c["conversation_id"] for c in page["conversations"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert pages == 3
    assert seen == ids[::-1]
    first = (await client.get(BASE, params={"page_size": 1})).json()["conversations"][0]
    assert first == {
        "agent_id": "agent_a",
        "agent_name": None,
        "conversation_id": ids[-1],
        "start_time_unix_secs": 1_700_000_006,
        "call_duration_secs": 4,
        "message_count": 2,
        "status": "done",
        "call_successful": "unknown",
        "transcript_summary": None,
        "call_summary_title": None,
        "direction": None,
    }


async def test_list_filters(client: httpx.AsyncClient, app_state: AppState) -> None:
    early = await seed(app_state, agent_id="agent_a", user_id="ann", start_time=1_000)
    middle = await seed(
        app_state, agent_id="agent_b", user_id="bob", start_time=2_000, call_successful="success"
    )
    late = await seed(
        app_state, agent_id="agent_a", user_id="bob", start_time=3_000, call_successful="failure"
    )
    live = await seed(app_state, agent_id="agent_b", start_time=4_000, finish=False)

    async def ids(**params: Any) -> list[str]:
        response = await client.get(BASE, params=params)
        assert response.status_code == 200, response.text
        return [c["conversation_id"] for c in response.json()["conversations"]]

    assert await ids() == [live, late, middle, early]
    assert await ids(agent_id="agent_a") == [late, early]
    assert await ids(user_id="bob") == [late, middle]
    assert await ids(call_successful="success") == [middle]
    assert await ids(call_successful="failure") == [late]
    assert await ids(call_successful="unknown") == [live, early]
    assert await ids(call_start_after_unix=2_000) == [live, late, middle]
    assert await ids(call_start_before_unix=2_000) == [middle, early]
    assert await ids(call_start_after_unix=1_500, call_start_before_unix=3_500) == [late, middle]
    assert await ids(agent_id="agent_b", user_id="bob", call_successful="success") == [middle]
    assert await ids(agent_id="nobody") == []
    summaries = (await client.get(BASE, params={"summary_mode": "include"})).json()
    by_id = {c["conversation_id"]: c for c in summaries["conversations"]}
    assert by_id[middle]["transcript_summary"] == "A summary."
    assert by_id[live]["status"] == "in-progress"
    excluded = (await client.get(BASE)).json()["conversations"]
    assert all(c["transcript_summary"] is None for c in excluded)


async def test_list_refuses_bad_parameters(client: httpx.AsyncClient) -> None:
    for params in (
        {"page_size": 0},
        {"page_size": 101},
        {"call_successful": "maybe"},
        {"summary_mode": "all"},
        {"call_start_after_unix": "yesterday"},
        {"call_start_before_unix": 2**63},
    ):
        assert (await client.get(BASE, params=params)).status_code == 422, params
    response = await client.get(BASE, params={"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["detail"]["status"] == "invalid_cursor"
    # A cursor of another listing (agents by name) is refused too, not misread.
    for _ in range(2):
        await client.post("/v1/convai/agents/create", json={"conversation_config": {}})
    agents = await client.get("/v1/convai/agents", params={"page_size": 1, "sort_by": "name"})
    foreign_cursor = agents.json()["next_cursor"]
    response = await client.get(BASE, params={"cursor": foreign_cursor})
    assert response.status_code == 400


async def test_delete_removes_the_conversation_and_its_recording(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    recording = app_state.settings.data_dir / "recordings" / "one.wav"
    write_wav(recording)
    conversation_id = await seed(app_state, recording_path="recordings/one.wav")
    keep = await seed(app_state)
    response = await client.delete(f"{BASE}/{conversation_id}")
    assert response.status_code == 200
    assert response.json() == {}
    assert not recording.exists()
    assert (await client.get(f"{BASE}/{conversation_id}")).status_code == 404
    assert (await client.delete(f"{BASE}/{conversation_id}")).status_code == 404
    listed = (await client.get(BASE)).json()["conversations"]
    assert [c["conversation_id"] for c in listed] == [keep]


async def test_audio_is_404_without_a_recording(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    silent = await seed(app_state)
    response = await client.get(f"{BASE}/{silent}/audio")
    assert response.status_code == 404
    assert response.json()["detail"]["status"] == "audio_not_found"
    lost = await seed(app_state, recording_path="recordings/never-written.wav")
    response = await client.get(f"{BASE}/{lost}/audio")
    assert response.status_code == 404
    assert response.json()["detail"]["status"] == "audio_not_found"
    outside = await seed(app_state, recording_path="../../etc/passwd")
    assert (await client.get(f"{BASE}/{outside}/audio")).status_code == 404
    assert (await client.get(f"{BASE}/conv_missing/audio")).status_code == 404


async def test_recording_is_served_as_mp3(client: httpx.AsyncClient, app_state: AppState) -> None:
    write_wav(app_state.settings.data_dir / "recordings" / "call.wav", seconds=2)
    conversation_id = await seed(app_state, recording_path="recordings/call.wav")
    body = (await client.get(f"{BASE}/{conversation_id}")).json()
    assert (body["has_audio"], body["has_user_audio"], body["has_response_audio"]) == (
        True,
        True,
        True,
    )
    response = await client.get(f"{BASE}/{conversation_id}/audio")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    # An MPEG audio frame starts with 11 set sync bits.
    assert response.content[0] == 0xFF and response.content[1] & 0xE0 == 0xE0
    assert 8_000 < len(response.content) < 64_000


async def test_feedback(client: httpx.AsyncClient, app_state: AppState) -> None:
    conversation_id = await seed(app_state)
    url = f"{BASE}/{conversation_id}/feedback"

    async def feedback() -> JsonDict:
        body = (await client.get(f"{BASE}/{conversation_id}")).json()
        result: JsonDict = body["metadata"]["feedback"]
        return result

    response = await client.post(url, json={"feedback": "like"})
    assert (response.status_code, response.json()) == (200, {})
    assert (await feedback())["overall_score"] == "like"
    assert (await feedback())["type"] == "thumbs"
    await client.post(url, json={"rating": 4, "comment": "Quick and kind"})
    after_rating = await feedback()
    assert (after_rating["overall_score"], after_rating["rating"]) == ("like", 4)
    assert (after_rating["comment"], after_rating["type"]) == ("Quick and kind", "rating")
    await client.post(url, json={})
    assert await feedback() == after_rating
    await client.post(url, json={"feedback": "dislike"})
    assert (await feedback())["overall_score"] == "dislike"
    await client.post(url, json={"feedback": None})
    assert (await feedback())["overall_score"] is None
    for bad in ({"feedback": "love"}, {"rating": 9}, {"rating": "4"}):
        assert (await client.post(url, json=bad)).status_code == 422, bad
    assert (await client.post(f"{BASE}/conv_missing/feedback", json={})).status_code == 404


async def test_other_workspace_sees_404(
    app: FastAPI, client: httpx.AsyncClient, app_state: AppState
) -> None:
    async with app_state.database.session() as session:
        _row, other_key = await api_keys.create_key(session, "b", new_workspace_name="Team B")
    recording = app_state.settings.data_dir / "recordings" / "mine.wav"
    write_wav(recording)
    conversation_id = await seed(app_state, recording_path="recordings/mine.wav")
    theirs = await seed(app_state, workspace_id=await workspace_of(app_state, other_key))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers={"xi-api-key": other_key},
    ) as other:
        for method, suffix, body in [
            ("GET", "", None),
            ("DELETE", "", None),
            ("GET", "/audio", None),
            ("POST", "/feedback", {"feedback": "like"}),
        ]:
            url = f"{BASE}/{conversation_id}{suffix}"
            foreign = await other.request(method, url, json=body)
            missing = await other.request(
                method, url.replace(conversation_id, "conv_doesnotexist"), json=body
            )
            assert foreign.status_code == 404, (method, url)
            assert foreign.text == missing.text.replace("conv_doesnotexist", conversation_id)
        listed = (await other.get(BASE)).json()["conversations"]
        assert [c["conversation_id"] for c in listed] == [theirs]
    assert recording.exists()
    assert (await client.get(f"{BASE}/{conversation_id}")).status_code == 200
    mine = (await client.get(BASE)).json()["conversations"]
    assert [c["conversation_id"] for c in mine] == [conversation_id]
