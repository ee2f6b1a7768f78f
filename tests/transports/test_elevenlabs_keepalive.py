"""The ElevenLabs keep-alive on virtual time: when pings leave and what they measure."""

import asyncio
import json

import pytest

from openconvai.transports.elevenlabs.keepalive import Keepalive

pytestmark = pytest.mark.looptime


async def test_ping_and_measured_round_trip() -> None:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    sent: list[tuple[float, dict[str, object]]] = []

    async def send(frame: str) -> None:
        sent.append((loop.time() - t0, json.loads(frame)))

    keepalive = Keepalive(send, interval_secs=2)
    task = asyncio.create_task(keepalive.run())
    await asyncio.sleep(2.15)
    ((t_ping, first),) = sent
    assert first["type"] == "ping"
    event = first["ping_event"]
    assert isinstance(event, dict) and event["ping_ms"] is None
    assert t_ping == pytest.approx(2, abs=0.11)
    await asyncio.sleep(0.08)
    keepalive.pong(event["event_id"])
    rtt_ms = (loop.time() - t0 - t_ping) * 1000
    await asyncio.sleep(2)
    second = sent[1][1]["ping_event"]
    assert isinstance(second, dict)
    assert second["ping_ms"] == pytest.approx(rtt_ms, abs=1)
    assert second["event_id"] == event["event_id"] + 1
    task.cancel()


async def test_unanswered_pings_are_forgotten_and_unknown_pongs_ignored() -> None:
    frames: list[str] = []

    async def send(frame: str) -> None:
        frames.append(frame)

    keepalive = Keepalive(send, interval_secs=1)
    task = asyncio.create_task(keepalive.run())
    await asyncio.sleep(20.5)
    task.cancel()
    assert len(frames) == 20
    keepalive.pong(12345)  # never sent
    keepalive.pong(1)  # too old: forgotten
    assert keepalive.ping_ms is None
    keepalive.pong(20)
    assert keepalive.ping_ms == 500
