"""System tools, run by the platform itself (`built_in_tools` and system tool configs)."""

from openconvai.conversation.events import EndReason
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import ToolCall


class SystemToolRunner:
    """`end_call` today; the other system tools come with the tools issue."""

    async def run(self, call: ToolCall, tool: AgentTool, context: ToolCallContext) -> ToolOutcome:
        """Run the system tool named by the tool's `system_tool_type`."""
        if tool.system_tool_type == "end_call":
            # The model gets its round to say goodbye; the call ends once that is heard.
            return ToolOutcome("The call will end after this message.", then_end=EndReason.END_CALL)
        return ToolOutcome(
            f"Tools of type {tool.type} are not available in this conversation.", is_error=True
        )
