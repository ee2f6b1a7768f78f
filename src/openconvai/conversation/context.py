"""What the parts of one live conversation share: its setup, providers, outputs and history."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from openconvai.conversation.events import ALWAYS_SENT, CoreEvent, EndReason
from openconvai.conversation.log import CallRecorder, ConversationLog, LoggedTurn
from openconvai.conversation.reply import Reply
from openconvai.conversation.setup import SessionSetup
from openconvai.conversation.tool_port import (
    ClientAnswers,
    SessionSwitch,
    ToolDispatcher,
    Variables,
)
from openconvai.providers.llm.base import ChatMessage, LlmRequest
from openconvai.providers.pipeline import Pipeline
from openconvai.providers.stt.base import SttStream

Emit = Callable[[CoreEvent], Awaitable[None]]

logger = logging.getLogger(__name__)


class CoreContext:
    """The state the session, its replies, speculation and timers work on together."""

    def __init__(
        self,
        setup: SessionSetup,
        pipeline: Pipeline,
        emit: Emit,
        log: ConversationLog,
        recorder: CallRecorder | None,
        tools: ToolDispatcher,
        stt: SttStream,
        secret: Callable[[str], Awaitable[str]],
        handover: Callable[[str], Awaitable[SessionSwitch]] | None,
    ) -> None:
        self.setup = setup
        self.pipeline = pipeline
        self.emit_raw = emit
        self.log = log
        self.recorder = recorder
        self.tools = tools
        self.stt = stt
        self.secret = secret
        self.handover = handover
        # Set by the session: it re-makes its streams when a switch needs other ones.
        self.on_switch: Callable[[SessionSetup, Pipeline], None] = lambda setup, pipeline: None
        self.client_results: ClientAnswers[tuple[str, bool]] = ClientAnswers()
        self.approvals: ClientAnswers[bool] = ClientAnswers()
        # The dynamic variables as they stand: tools' assignments update them.
        self.variables: Variables = dict(setup.variables)
        self.loop = asyncio.get_running_loop()
        self.started_at = self.loop.time()
        self.last_activity = self.started_at
        self.last_user_activity = self.started_at
        # The LLM's view of the conversation (the system prompt is added per request).
        self.messages: list[ChatMessage] = []
        self.reply: Reply | None = None
        self.event_id = 0
        self.ending = False
        # Set by the session: ends the conversation (for timers and tools).
        self.end: Callable[[EndReason], Awaitable[None]] = _not_started

    async def emit(self, event: CoreEvent) -> None:
        """Send an event unless the client did not ask for events of its kind."""
        name = event.client_event
        if name is not None and name not in ALWAYS_SENT and name not in self.setup.client_events:
            return
        await self.emit_raw(event)

    def switch_to(self, switch: SessionSwitch) -> None:
        """Go on as another setup (language or agent), with its providers if they differ."""
        before, providers = self.setup, self.pipeline
        self.setup = switch.setup
        if switch.pipeline is not None:
            self.pipeline = switch.pipeline
        self.on_switch(before, providers)

    def next_event_id(self) -> int:
        """A new event id (responses and user turns are numbered in order)."""
        self.event_id += 1
        return self.event_id

    def elapsed(self) -> float:
        """Seconds since the conversation started."""
        return self.loop.time() - self.started_at

    def touch(self, *, user: bool) -> None:
        """Something happened: restart the inactivity clocks (the user's, if `user`)."""
        now = self.loop.time()
        self.last_activity = now
        if user:
            self.last_user_activity = now

    def llm_request(self, with_tools: bool = True) -> LlmRequest:
        """The request for the LLM's next generation (`with_tools` False: offer none)."""
        setup = self.setup
        system = [ChatMessage("system", setup.system_prompt)] if setup.system_prompt else []
        return LlmRequest(
            model=setup.llm_model,
            messages=[*system, *self.messages],
            tools=[tool.spec for tool in setup.tools] if with_tools else [],
            temperature=setup.temperature,
            max_tokens=setup.max_tokens,
            extra_body=setup.llm_extra_body,
        )

    def record_user(self, text: str, medium: Literal["audio", "text"]) -> None:
        """A user turn joins the LLM's context and the transcript."""
        self.messages.append(ChatMessage("user", text))
        self.log_user(text, medium)

    def log_user(self, text: str, medium: Literal["audio", "text"]) -> None:
        """A user turn joins the transcript."""
        self.log.add(
            LoggedTurn(
                role="user",
                message=text,
                time_in_call_secs=int(self.elapsed()),
                source_medium=medium,
                event_id=self.event_id,
            )
        )

    def agent_turn(self, reply: Reply, message: str) -> LoggedTurn:
        """The transcript entry of what was said of `reply`."""
        return LoggedTurn(
            role="agent",
            message=message,
            time_in_call_secs=int(self.elapsed()),
            tool_calls=reply.tool_calls,
            event_id=reply.event_id,
            agent_id=reply.agent_id or self.setup.agent_id,
        )


async def _not_started(reason: EndReason) -> None:
    raise RuntimeError("the conversation has not started")
