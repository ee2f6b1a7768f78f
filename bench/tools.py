"""What the platform adds around a webhook tool call: instant fakes, real server, real sockets.

Starts `openconvai serve` (one CPU) with an agent whose custom LLM is a fake OpenAI-compatible
server in this process (the other CPU) and whose webhook tool `get_order` points at a fake
endpoint in this process too; both answer at once. It then holds N text conversations at the
same time over real WebSockets, each of them a few turns:

    python bench/tools.py [--conversations 50] [--turns 4] [--gap 3] [--duration 120]

Every turn names its own order id; the fake LLM answers the user's message with one tool call
carrying that id, the webhook's URL carries it and its JSON answer echoes it, and the LLM
request with the tool result carries it back, so every timestamp is keyed by it. On this
process's clock it notes: the fake LLM's last chunk of the tool-call stream (`[DONE]`), the
webhook request's arrival, the webhook answer's last byte handed over, and the arrival of the
next LLM request (the one with the tool result). It prints p50/p99 of

- LLM's completed tool call -> webhook request (parse the stream, check and build the call,
  send it through the outbound guard);
- webhook response -> next LLM request (read the answer, turn it into the tool result, ask
  the LLM again);
- their sum: the platform's own share of a tool call;

and, as a baseline measured in the same run, the loopback HTTP round trip to the fakes. The
first turn of every conversation is left out (it creates the HTTP clients). Target (issue:
Tools and MCP): p50 <= 5 ms for each hop.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route
from websockets.asyncio.client import connect

from latency import percentile_row, round_trips
from placement import free_port, pin
from serving import cpu_secs, serve

TOOL_NAME = "get_order"
TURN_TIMEOUT_SECS = 20.0
_now = time.perf_counter


@dataclass
class Stamps:
    """Timestamps by order id, written by the fakes' thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    tool_call_done: dict[str, float] = field(default_factory=dict)  # (a)
    webhook_request: dict[str, float] = field(default_factory=dict)  # (b)
    webhook_response: dict[str, float] = field(default_factory=dict)  # (c)
    next_llm_request: dict[str, float] = field(default_factory=dict)  # (d)
    unexpected: list[str] = field(default_factory=list)

    def add(self, series: dict[str, float], order_id: str, at: float) -> None:
        """Note `at` for `order_id` in `series`; a second time is a surprise worth telling."""
        with self.lock:
            if order_id in series:
                self.unexpected.append(f"{order_id} seen twice")
            else:
                series[order_id] = at


def order_id(conversation: int, turn: int) -> str:
    return f"C{conversation:03d}T{turn:02d}"


def turn_of(order: str) -> int:
    return int(order.rpartition("T")[2])


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    data = {
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
        "model": "bench", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }  # fmt: skip
    return f"data: {json.dumps(data)}\n\n".encode()


def _order_in_tool_message(message: dict[str, Any]) -> str:
    """The order id the webhook echoed, from the tool result the platform passed on."""
    try:
        return str(json.loads(str(message.get("content") or ""))["order_id"])
    except (ValueError, KeyError, TypeError):
        return ""


def fake_vendors(stamps: Stamps) -> Starlette:
    """An OpenAI chat-completions stream that calls the tool, and the tool's webhook."""

    async def chat(request: Request) -> StreamingResponse:
        raw = await request.body()
        arrived = _now()  # the whole request is in: what the platform sent has arrived
        body = json.loads(raw)
        last = (body.get("messages") or [{}])[-1]
        if last.get("role") == "tool":
            order = _order_in_tool_message(last)
            stamps.add(stamps.next_llm_request, order, arrived)
            return StreamingResponse(_answer(order), media_type="text/event-stream")
        # The user's message ends with the order id of this turn.
        order = str(last.get("content") or "").split()[-1].rstrip("?")
        return StreamingResponse(_tool_call(order), media_type="text/event-stream")

    async def _tool_call(order: str) -> AsyncIterator[bytes]:
        yield _chunk({"role": "assistant", "content": ""})
        call = {"index": 0, "id": f"call_{order}", "type": "function",
                "function": {"name": TOOL_NAME, "arguments": ""}}  # fmt: skip
        yield _chunk({"tool_calls": [call]})
        arguments = json.dumps({"order_id": order})
        yield _chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments}}]})
        yield _chunk({}, "tool_calls")
        stamps.add(stamps.tool_call_done, order, _now())
        yield b"data: [DONE]\n\n"

    async def _answer(order: str) -> AsyncIterator[bytes]:
        yield _chunk({"role": "assistant", "content": ""})
        yield _chunk({"content": f"Order {order} has shipped; "})
        yield _chunk({"content": "it arrives on Tuesday."})
        yield _chunk({}, "stop")
        yield b"data: [DONE]\n\n"

    async def webhook(request: Request) -> StreamingResponse:
        arrived = _now()
        order = request.path_params["order_id"]
        await request.body()
        stamps.add(stamps.webhook_request, order, arrived)
        payload = json.dumps({"order_id": order, "status": "shipped", "eta": "Tuesday"}).encode()

        async def answer() -> AsyncIterator[bytes]:
            yield payload[:-1]
            stamps.add(stamps.webhook_response, order, _now())
            yield payload[-1:]

        return StreamingResponse(answer(), media_type="application/json")

    async def ping(request: Request) -> StreamingResponse:
        async def nothing() -> AsyncIterator[bytes]:
            yield b"ok"

        return StreamingResponse(nothing())

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/orders/{order_id}", webhook, methods=["GET", "POST"]),
            Route("/ping", ping, methods=["GET"]),
        ]
    )


@contextmanager
def run_fakes(stamps: Stamps) -> Iterator[str]:
    """The fakes under uvicorn in a thread of this process."""
    port = free_port()
    config = uvicorn.Config(
        fake_vendors(stamps),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        backlog=2048,
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


async def create_agent(base_url: str, admin_key: str, fakes: str) -> str:
    """A webhook tool at the fake, and an agent whose custom LLM is the fake."""
    tool = {
        "type": "webhook",
        "name": TOOL_NAME,
        "description": "Looks up an order's delivery.",
        "api_schema": {
            "url": f"{fakes}/orders/{{order_id}}",
            "method": "GET",
            "path_params_schema": {"order_id": {"type": "string", "description": "The order."}},
        },
    }
    async with httpx.AsyncClient(
        base_url=base_url, headers={"xi-api-key": admin_key}, timeout=30
    ) as http:
        response = await http.post("/v1/convai/tools", json={"tool_config": tool})
        response.raise_for_status()
        tool_id = str(response.json()["id"])
        prompt = {
            "prompt": "You look up orders.",
            "llm": "custom-llm",
            "custom_llm": {"url": f"{fakes}/v1", "model_id": "bench"},
            "tool_ids": [tool_id],
        }
        config = {
            "agent": {"first_message": "", "prompt": prompt},
            "turn": {"turn_timeout": 600},
        }
        response = await http.post("/v1/convai/agents/create", json={"conversation_config": config})
        response.raise_for_status()
        return str(response.json()["agent_id"])


@dataclass
class Outcome:
    """What the clients saw."""

    turns_done: int = 0
    conversations_done: int = 0
    errors: list[str] = field(default_factory=list)


async def conversation(
    ws_url: str, index: int, turns: int, start_delay: float, gap: float, outcome: Outcome
) -> None:
    """One text conversation of `turns` turns, each answered after a tool call."""
    await asyncio.sleep(start_delay)
    try:
        async with connect(ws_url, max_size=None, compression=None) as ws:
            initiation = {
                "type": "conversation_initiation_client_data",
                "conversation_config_override": {"conversation": {"text_only": True}},
            }
            await ws.send(json.dumps(initiation))
            metadata = json.loads(await asyncio.wait_for(ws.recv(), TURN_TIMEOUT_SECS))
            if metadata["type"] != "conversation_initiation_metadata":
                raise RuntimeError(f"unexpected first event {metadata['type']}")
            for turn in range(turns):
                text = f"where is my order {order_id(index, turn)}?"
                await ws.send(json.dumps({"type": "user_message", "text": text}))
                async with asyncio.timeout(TURN_TIMEOUT_SECS):
                    while True:
                        message = json.loads(await ws.recv())
                        if message["type"] == "ping":
                            event_id = message["ping_event"]["event_id"]
                            await ws.send(json.dumps({"type": "pong", "event_id": event_id}))
                        elif message["type"] == "agent_response":
                            said = message["agent_response_event"]["agent_response"]
                            if "shipped" not in said:
                                outcome.errors.append(f"{text!r} answered {said!r}")
                            break
                outcome.turns_done += 1
                # The user reads the answer a moment; conversations drift apart in time.
                await asyncio.sleep(gap * (0.5 + (index * 7919 + turn * 104729) % 1000 / 1000))
        outcome.conversations_done += 1
    except Exception as error:  # a failed conversation is reported, not fatal
        outcome.errors.append(f"conversation {index}: {type(error).__name__}: {error}")


def _hop(start: dict[str, float], end: dict[str, float]) -> dict[str, float]:
    """end - start in ms for every measured order id (not a first turn) that has both."""
    return {
        order: (end[order] - start[order]) * 1000
        for order in start
        if order in end and turn_of(order) > 0
    }


def row(name: str, values: list[float]) -> str:
    return percentile_row(name, values, 46)


async def main(options: argparse.Namespace) -> None:
    pin(1)
    # The fakes' thread shares this process with the clients: let it take the GIL quickly.
    sys.setswitchinterval(0.0005)
    stamps = Stamps()
    outcome = Outcome()
    with run_fakes(stamps) as fakes, tempfile.TemporaryDirectory() as tmp:
        env = {
            "OPENCONVAI_LOCAL_MODELS": "false",
            "OPENCONVAI_LOG_LEVEL": "warning",
            "OPENCONVAI_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        }
        async with serve(Path(tmp), env, cpu=0) as server:
            agent_id = await create_agent(server.base_url, server.admin_key, fakes)
            ws_url = f"{server.ws_url}?agent_id={agent_id}"
            started, server_cpu, own_cpu = _now(), cpu_secs(server.pid), time.process_time()
            tasks = [
                asyncio.create_task(
                    conversation(
                        ws_url, index, options.turns, index * options.stagger, options.gap, outcome
                    )
                )
                for index in range(options.conversations)
            ]
            _, pending = await asyncio.wait(tasks, timeout=options.duration)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            elapsed = _now() - started
            server_cpu = cpu_secs(server.pid) - server_cpu
            own_cpu = time.process_time() - own_cpu
        baseline = await round_trips(fakes, 200)
    to_webhook = _hop(stamps.tool_call_done, stamps.webhook_request)
    to_llm = _hop(stamps.webhook_response, stamps.next_llm_request)
    both = sorted(set(to_webhook) & set(to_llm))
    total = [to_webhook[order] + to_llm[order] for order in both]
    print(
        f"tool call overhead: {options.conversations} conversations x {options.turns} turns, "
        f"{outcome.turns_done} turns answered, {outcome.conversations_done} conversations "
        f"finished in {elapsed:.1f} s "
        f"(server on CPU 0, fakes and clients on 1)"
    )
    print(
        f"samples (first turn of each conversation left out): {len(to_webhook)} tool calls, "
        f"{len(to_llm)} tool results, {len(total)} both"
    )
    print(
        f"CPU busy while talking: server {server_cpu / elapsed:.0%} of CPU 0, "
        f"fakes and clients {own_cpu / elapsed:.0%} of CPU 1"
    )
    print("target (issue: Tools and MCP): p50 <= 5 ms each hop")
    print(row("LLM's completed tool call -> webhook request", list(to_webhook.values())))
    print(row("webhook response -> next LLM request", list(to_llm.values())))
    print(row("platform total (both hops)", total))
    print(row("baseline: loopback HTTP round trip", baseline))
    if pending:
        print(f"stopped at the --duration cap ({options.duration:g} s): {len(pending)} unfinished")
    for problem in (outcome.errors + stamps.unexpected)[:10]:
        print(f"  ! {problem}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=4, help="per conversation (first: warm-up)")
    parser.add_argument("--stagger", type=float, default=0.02, help="seconds between starts")
    parser.add_argument(
        "--gap",
        type=float,
        default=3.0,
        help="mean pause between a conversation's turns, s (3: a spoken turn's pace; 0.3 "
        "saturates the server and measures queueing instead)",
    )
    parser.add_argument("--duration", type=float, default=120.0, help="cap on the whole run, s")
    asyncio.run(main(parser.parse_args()))
