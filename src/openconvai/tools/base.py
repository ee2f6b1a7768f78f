"""What every kind of tool implements."""

from typing import Protocol

from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import ToolCall


class ToolRunner(Protocol):
    """Runs the calls of one kind of tool (one contract `type`)."""

    async def run(self, call: ToolCall, tool: AgentTool, context: ToolCallContext) -> ToolOutcome:
        """Run one call of `tool`; raise only for a bug (the registry reports it)."""
        ...
