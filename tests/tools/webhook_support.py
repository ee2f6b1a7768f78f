"""Helpers of the webhook tool tests: configs as a user sends them, and a tool context."""

from collections.abc import Mapping
from typing import Any

from openconvai.conversation.events import CoreEvent
from openconvai.conversation.setup import AgentTool
from openconvai.conversation.tool_port import ClientAnswers, ToolCallContext, ToolOutcome
from openconvai.providers.llm.base import ToolCall, ToolSpec
from openconvai.schemas.tool_config import TOOL_CONFIG_ADAPTER, WebhookToolConfig
from openconvai.tools.webhook import WebhookToolRunner, llm_parameters

LOOPBACK = ["127.0.0.0/8"]


def webhook(url: str, **api_schema: Any) -> WebhookToolConfig:
    """A webhook tool config validated from JSON, as a user would send it."""
    raw = {
        "type": "webhook",
        "name": "lookup_order",
        "description": "Looks up an order",
        "api_schema": {"url": url, **api_schema},
    }
    config = TOOL_CONFIG_ADAPTER.validate_python(raw)
    assert isinstance(config, WebhookToolConfig)
    return config


def with_fields(config: WebhookToolConfig, **fields: Any) -> WebhookToolConfig:
    raw = {**config.model_dump(mode="json"), **fields}
    validated = TOOL_CONFIG_ADAPTER.validate_python(raw)
    assert isinstance(validated, WebhookToolConfig)
    return validated


def agent_tool(config: WebhookToolConfig) -> AgentTool:
    return AgentTool(
        spec=ToolSpec(config.name, config.description, llm_parameters(config.api_schema)),
        type="webhook",
        response_timeout_secs=float(config.response_timeout_secs),
        config=config,
    )


def context(
    variables: Mapping[str, str | int | float | bool] | None = None,
    secrets: Mapping[str, str] | None = None,
) -> ToolCallContext:
    async def emit(event: CoreEvent) -> None:
        pass

    async def secret(secret_id: str) -> str:
        if secrets is None or secret_id not in secrets:
            raise LookupError(secret_id)
        return secrets[secret_id]

    return ToolCallContext(
        conversation_id="conv_1",
        agent_id="agent_1",
        event_id=3,
        emit=emit,
        client_results=ClientAnswers(),
        approvals=ClientAnswers(),
        variables=dict(variables or {}),
        secret=secret,
    )


async def call(
    runner: WebhookToolRunner,
    config: WebhookToolConfig,
    arguments: dict[str, Any] | None = None,
    *,
    ctx: ToolCallContext | None = None,
) -> ToolOutcome:
    tool_call = ToolCall("call_1", config.name, arguments or {})
    return await runner.run(tool_call, agent_tool(config), ctx or context())


ORDER_API: dict[str, Any] = {
    "method": "POST",
    "path_params_schema": {"order_id": {"type": "string", "description": "The order"}},
    "query_params_schema": {"properties": {"verbose": {"type": "boolean"}}},
    "request_body_schema": {
        "type": "object",
        "required": ["quantity"],
        "properties": {
            "quantity": {"type": "integer"},
            "note": {"type": "string"},
            "address": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
            },
        },
    },
}
