"""The core's side of tools: what it asks of a tool dispatcher and what it gets back.

The session never knows how a kind of tool runs. It hands each call to a `ToolDispatcher`
(implemented in `openconvai.tools`) together with a `ToolCallContext`, the few things of
the conversation a tool may use, and gets a `ToolOutcome`.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from openconvai.conversation.events import CoreEvent, EndReason
from openconvai.conversation.setup import AgentTool, SessionSetup
from openconvai.providers.llm.base import ToolCall
from openconvai.providers.pipeline import Pipeline

T = TypeVar("T")
Variables = dict[str, str | int | float | bool]
# (result, is_error) of a client tool.


@dataclass(frozen=True)
class SessionSwitch:
    """The conversation goes on as another setup: another language, or another agent."""

    setup: SessionSetup
    # The providers of the new setup (None: the same as before).
    pipeline: Pipeline | None = None
    # What the agent says next, in the new setup (None: the LLM answers as the new agent).
    say: str | None = None


@dataclass(frozen=True)
class ToolOutcome:
    """What came of one tool call."""

    result: str
    is_error: bool = False
    # How the conversation ends once the reply that made the call has been heard.
    then_end: EndReason | None = None
    # Whether the LLM is asked again with the result (False: the turn ends here).
    continue_reply: bool = True
    # The whole result as the tool gave it, when `result` (what the LLM sees) is shorter.
    full_result: str | None = None
    # Dynamic variables the call set (`assignments`); later turns and tools see them.
    variable_updates: dict[str, str | int | float | bool] = field(default_factory=dict)
    # The conversation continues as another setup once this call is done.
    switch: SessionSwitch | None = None
    # A system tool's typed result for the transcript (the contract's `result` object).
    details: dict[str, object] | None = None


async def no_secrets(secret_id: str) -> str:
    """A conversation with no secret store (tests, self-hosted configs)."""
    raise LookupError(f"secret {secret_id} is not available in this conversation")


class ClientAnswers(Generic[T]):
    """Answers the client sends about tool calls (results, approvals), by call id.

    The transport delivers them; a tool's runner awaits the one for its call.
    """

    def __init__(self) -> None:
        self._waiters: dict[str, asyncio.Future[T]] = {}

    async def wait(self, call_id: str, timeout_secs: float) -> T | None:
        """The client's answer about `call_id`; None if it did not come in time."""
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters[call_id] = waiter
        try:
            return await asyncio.wait_for(waiter, timeout_secs)
        except TimeoutError:
            return None
        finally:
            self._waiters.pop(call_id, None)

    def deliver(self, call_id: str, answer: T) -> None:
        """The client answered about `call_id` (unknown or late answers are ignored)."""
        waiter = self._waiters.get(call_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

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
    client_results: "ClientAnswers[tuple[str, bool]]"
    # Whether the client approved an MCP call, by call id.
    approvals: "ClientAnswers[bool]"
    # The conversation's dynamic variables as they stand (read only: return updates).
    variables: Variables
    # A workspace secret's value by its id (raises LookupError when there is none).
    secret: Callable[[str], Awaitable[str]] = no_secrets
    # The setup the conversation runs now (its languages, its agent).
    setup: SessionSetup | None = None
    # The conversation as another agent of the workspace would run it (LookupError if there
    # is no such agent); None where the conversation cannot be handed over.
    handover: Callable[[str], Awaitable[SessionSwitch]] | None = None


class ToolDispatcher(Protocol):
    """Runs the agent's tool calls, whatever their kind."""

    async def run(
        self, call: ToolCall, tool: AgentTool | None, context: ToolCallContext
    ) -> ToolOutcome:
        """Run one call (`tool` is None when the agent has no tool of that name)."""
        ...
