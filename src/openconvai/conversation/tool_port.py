"""The core's side of tools: what it asks of a tool dispatcher and what it gets back.

The session never knows how a kind of tool runs. It hands each call to a `ToolDispatcher`
(implemented in `openconvai.tools`) together with a `ToolCallContext`, the few things of
the conversation a tool may use, and gets a `ToolOutcome`.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from openconvai.conversation.events import CoreEvent, EndReason
from openconvai.conversation.setup import AgentTool
from openconvai.providers.llm.base import ToolCall


@dataclass(frozen=True)
class ToolOutcome:
    """What came of one tool call."""

    result: str
    is_error: bool = False
    # How the conversation ends once the reply that made the call has been heard.
    then_end: EndReason | None = None
    # Whether the LLM is asked again with the result (False: the turn ends here).
    continue_reply: bool = True


class ClientResults:
    """Results of client tools, delivered by the transport, awaited by the tool's runner."""

    def __init__(self) -> None:
        self._waiters: dict[str, asyncio.Future[tuple[str, bool]]] = {}

    async def wait(self, call_id: str, timeout_secs: float) -> tuple[str, bool] | None:
        """The (result, is_error) the client sent for `call_id`; None if it did not in time."""
        waiter: asyncio.Future[tuple[str, bool]] = asyncio.get_running_loop().create_future()
        self._waiters[call_id] = waiter
        try:
            return await asyncio.wait_for(waiter, timeout_secs)
        except TimeoutError:
            return None
        finally:
            self._waiters.pop(call_id, None)

    def deliver(self, call_id: str, result: str, is_error: bool) -> None:
        """The client answered `call_id` (unknown or late answers are ignored)."""
        waiter = self._waiters.get(call_id)
        if waiter is not None and not waiter.done():
            waiter.set_result((result, is_error))

    def cancel_all(self) -> None:
        """The conversation is ending: nobody waits any longer."""
        for waiter in self._waiters.values():
            waiter.cancel()


@dataclass(frozen=True)
class ToolCallContext:
    """What a tool may use of the conversation that called it."""

    conversation_id: str
    agent_id: str
    event_id: int
    emit: Callable[[CoreEvent], Awaitable[None]]
    client_results: ClientResults


class ToolDispatcher(Protocol):
    """Runs the agent's tool calls, whatever their kind."""

    async def run(
        self, call: ToolCall, tool: AgentTool | None, context: ToolCallContext
    ) -> ToolOutcome:
        """Run one call (`tool` is None when the agent has no tool of that name)."""
        ...
