"""Client tools: the agent asks the client (browser, app) to run one and may await its result."""

from openconvai.conversation.events import ClientToolCall
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import ToolCall


class ClientToolRunner:
    """Sends `client_tool_call`; waits for `client_tool_result` when the tool expects one."""

    async def run(self, call: ToolCall, tool: AgentTool, context: ToolCallContext) -> ToolOutcome:
        """Hand the call to the client."""
        await context.emit(
            ClientToolCall(
                tool_name=call.name,
                tool_call_id=call.id,
                parameters=call.arguments,
                event_id=context.event_id,
            )
        )
        if not tool.expects_response:
            return ToolOutcome(f"Client tool {call.name} was called.")
        answer = await context.client_results.wait(call.id, tool.response_timeout_secs)
        if answer is None:
            return ToolOutcome(f"Client tool {call.name} did not answer in time.", is_error=True)
        result, is_error = answer
        return ToolOutcome(result, is_error=is_error)
