"""What the platform adds to a cloud turn: instant fake vendors, real server, real socket.

Starts `openconvai serve` (one CPU) with an OpenAI-compatible LLM and the ElevenLabs
streaming TTS pointed at fake vendors in this process (the other CPU) that answer at once,
then holds one conversation of text turns with spoken replies:

    python bench/cloud_overhead.py [--turns 200]

Per turn it timestamps, on this process's clock: the fake LLM's first byte out, the TTS
request's arrival at the fake ElevenLabs (the first sentence handed to TTS), the fake's
first audio byte out, and the first `audio` event at the client. It prints p50/p99 of

- LLM first byte -> TTS request (parse the stream, cut the first sentence, call the vendor);
- TTS first byte -> first audio out (read, convert to the agent's output format, pace, send);
- their sum: the platform's own share of the time to first audio;

and, as a baseline measured in the same run, the loopback HTTP round trip to the fakes.
Target (issue: cloud LLMs and voices): p50 <= 5 ms.
"""

import argparse
import asyncio
import json
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route
from websockets.asyncio.client import connect

from latency import percentile_row, round_trips
from placement import free_port, pin
from serving import serve

REPLY = ["Sure thing. ", "Here is ", "the answer ", "you asked ", "for."]
VOICE_ID = "cjVigY5qzO86Huf0OWal"
_now = time.perf_counter


class Stamps:
    """Per-turn timestamps written by the fakes' thread and the client."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.turn = -1  # set by the client as it asks; turns never overlap
        self.llm_first_byte: dict[int, float] = {}
        self.tts_request: dict[int, float] = {}
        self.tts_first_byte: dict[int, float] = {}

    def add(self, series: dict[int, float]) -> None:
        """Note now in `series` for the current turn, unless it already has a time."""
        with self.lock:
            series.setdefault(self.turn, _now())


def fake_vendors(stamps: Stamps) -> Starlette:
    """An OpenAI chat-completions stream and an ElevenLabs TTS stream, both instant."""

    async def chat(request: Request) -> StreamingResponse:
        await request.body()

        async def events() -> AsyncIterator[bytes]:
            for index, piece in enumerate(REPLY):
                chunk = {
                    "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
                    "model": "gpt-4o-mini",
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }  # fmt: skip
                if index == 0:
                    stamps.add(stamps.llm_first_byte)
                yield f"data: {json.dumps(chunk)}\n\n".encode()
            done = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
                    "model": "gpt-4o-mini",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}  # fmt: skip
            yield f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream")

    async def speech(request: Request) -> StreamingResponse:
        stamps.add(stamps.tts_request)
        await request.body()
        tone = (np.sin(np.arange(16000 // 2) / 16000 * 2 * np.pi * 220) * 8000).astype("<i2")

        async def audio() -> AsyncIterator[bytes]:
            for start in range(0, tone.size, 1600):
                if start == 0:
                    stamps.add(stamps.tts_first_byte)
                yield tone[start : start + 1600].tobytes()

        return StreamingResponse(audio(), media_type="application/octet-stream")

    async def ping(request: Request) -> StreamingResponse:
        async def nothing() -> AsyncIterator[bytes]:
            yield b"ok"

        return StreamingResponse(nothing())

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/text-to-speech/{voice_id}/stream", speech, methods=["POST"]),
            Route("/ping", ping, methods=["GET"]),
        ]
    )


@contextmanager
def run_fakes(stamps: Stamps) -> Iterator[str]:
    """The fakes under uvicorn in a thread of this process."""
    port = free_port()
    config = uvicorn.Config(
        fake_vendors(stamps), port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


async def create_agent(base_url: str, admin_key: str) -> str:
    config = {
        "agent": {"first_message": "", "prompt": {"llm": "gpt-4o-mini", "prompt": "Be brief."}},
        "tts": {"voice_id": VOICE_ID, "agent_output_audio_format": "pcm_16000"},
        "turn": {"turn_timeout": 600},
    }
    async with httpx.AsyncClient(base_url=base_url, headers={"xi-api-key": admin_key}) as http:
        response = await http.post("/v1/convai/agents/create", json={"conversation_config": config})
        response.raise_for_status()
        return str(response.json()["agent_id"])


async def turns(ws_url: str, count: int, stamps: Stamps) -> list[float]:
    """Text turns with spoken replies; the arrival time of each reply's first audio."""
    arrivals: list[float] = []
    async with connect(ws_url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "conversation_initiation_client_data"}))
        assert json.loads(await ws.recv())["type"] == "conversation_initiation_metadata"
        last_event = 0
        for index in range(count):
            with stamps.lock:
                stamps.turn = index
            await ws.send(json.dumps({"type": "user_message", "text": f"question {index}"}))
            first: float | None = None
            answered = False
            while first is None or not answered:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message["type"] == "ping":
                    event_id = message["ping_event"]["event_id"]
                    await ws.send(json.dumps({"type": "pong", "event_id": event_id}))
                elif message["type"] == "audio":
                    event_id = message["audio_event"]["event_id"]
                    if event_id > last_event and first is None:
                        first = _now()
                        last_event = event_id
                elif message["type"] == "agent_response":
                    answered = True
            arrivals.append(first)
            # The reply is 0.5 s of audio per sentence: let it play before the next turn.
            await asyncio.sleep(1.2)
    return arrivals


def row(name: str, values: list[float]) -> str:
    return percentile_row(name, values, 44)


async def main(count: int) -> None:
    pin(1)
    stamps = Stamps()
    with run_fakes(stamps) as fakes, tempfile.TemporaryDirectory() as tmp:
        env = {
            "OPENCONVAI_LOCAL_MODELS": "false",
            "OPENCONVAI_LOG_LEVEL": "warning",
            "OPENCONVAI_OPENAI_API_KEY": "sk-bench",
            "OPENCONVAI_OPENAI_BASE_URL": f"{fakes}/v1",
            "OPENCONVAI_ELEVENLABS_API_KEY": "xi-bench",
            "OPENCONVAI_ELEVENLABS_BASE_URL": fakes,
        }
        async with serve(Path(tmp), env, cpu=0) as server:
            agent_id = await create_agent(server.base_url, server.admin_key)
            arrivals = await turns(f"{server.ws_url}?agent_id={agent_id}", count + 5, stamps)
        baseline = await round_trips(fakes, 200)
    # The first five turns create the SDK clients and warm caches: leave them out.
    measured = range(5, len(arrivals))
    llm = [stamps.llm_first_byte[turn] for turn in measured]
    requested = [stamps.tts_request[turn] for turn in measured]
    tts = [stamps.tts_first_byte[turn] for turn in measured]
    audio = [arrivals[turn] for turn in measured]
    to_tts = [(b - a) * 1000 for a, b in zip(llm, requested, strict=True)]
    to_client = [(b - a) * 1000 for a, b in zip(tts, audio, strict=True)]
    total = [a + b for a, b in zip(to_tts, to_client, strict=True)]
    print(f"cloud turn overhead over {len(total)} turns (server on CPU 0, fakes and client on 1)")
    print("target (issue): p50 <= 5 ms from the provider's first byte to ours")
    print(row("LLM first byte -> TTS request", to_tts))
    print(row("TTS first byte -> first audio at the client", to_client))
    print(row("platform total", total))
    print(row("baseline: loopback HTTP round trip", baseline))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    asyncio.run(main(parser.parse_args().turns))
