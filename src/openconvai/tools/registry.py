"""The tool dispatcher: the runner for each contract tool type."""

import asyncio
import logging

from openconvai.conversation.setup import AgentTool, ToolType
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import ToolCall
from openconvai.security.outbound import OutboundGuard
from openconvai.tools.base import ToolRunner
from openconvai.tools.client import ClientToolRunner
from openconvai.tools.system import SystemToolRunner
from openconvai.tools.webhook import WebhookToolRunner

logger = logging.getLogger(__name__)

_GRACE_SECS = 1.0


class ToolRegistry:
    """Dispatches each call to the runner of its tool's type (a `ToolDispatcher`)."""

    def __init__(self, runners: dict[ToolType, ToolRunner] | None = None) -> None:
        self._runners: dict[ToolType, ToolRunner] = dict(runners or {})

    def register(self, kind: ToolType, runner: ToolRunner) -> None:
        """Serve tools of `kind` with `runner` (replacing any before)."""
        self._runners[kind] = runner

    async def run(
        self, call: ToolCall, tool: AgentTool | None, context: ToolCallContext
    ) -> ToolOutcome:
        """Run one call; a missing tool, an unserved kind or a failure is an error outcome."""
        if tool is None:
            return ToolOutcome(f"There is no tool called {call.name}.", is_error=True)
        runner = self._runners.get(tool.type)
        if runner is None:
            return ToolOutcome(
                f"Tools of type {tool.type} are not available in this conversation.",
                is_error=True,
            )
        try:
            # Every runner keeps its own time limit; this one catches a runner that does not,
            # so no tool can hold a turn for ever.
            limit = tool.response_timeout_secs + tool.approval_wait_secs + _GRACE_SECS
            return await asyncio.wait_for(runner.run(call, tool, context), limit)
        except TimeoutError:
            logger.warning("tool %s did not finish within %.1f s", call.name, limit)
            return ToolOutcome(
                f"The tool {call.name} did not answer in time; it was not completed.",
                is_error=True,
            )
        except Exception as exc:
            # A tool's bug must not leave the conversation waiting: the LLM hears of it.
            logger.exception("tool %s failed", call.name)
            return ToolOutcome(f"The tool {call.name} failed: {exc}", is_error=True)


def default_registry(*, guard: OutboundGuard | None = None) -> ToolRegistry:
    """Every kind of tool this server runs; webhook tools only given the outbound `guard`
    their calls go through."""
    runners: dict[ToolType, ToolRunner] = {
        "client": ClientToolRunner(),
        "system": SystemToolRunner(),
    }
    if guard is not None:
        runners["webhook"] = WebhookToolRunner(guard)
    return ToolRegistry(runners)
