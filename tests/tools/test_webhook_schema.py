"""What the LLM sees of a webhook tool's parameters, and how its arguments are mended."""

from openconvai.schemas.conversation_config import ConversationalConfig
from openconvai.schemas.tool_config import WebhookToolConfig
from openconvai.services.session_setup import SetupInputs, build_setup
from openconvai.tools.webhook import llm_parameters
from openconvai.tools.webhook_schema import argument_errors, normalise
from tests.tools.webhook_support import ORDER_API, webhook


def test_the_llm_sees_one_object_without_fixed_values() -> None:
    config = webhook(
        "https://example.com/{tenant}/orders/{order_id}",
        method="POST",
        path_params_schema={
            "tenant": {"type": "string", "constant_value": "acme"},
            "order_id": {"type": "string", "description": "The order"},
        },
        query_params_schema={
            "properties": {
                "lang": {"type": "string", "dynamic_variable": "language"},
                "limit": {"type": "integer", "enum": [10, 20]},
            },
            "required": ["lang", "limit"],
        },
        request_body_schema={
            "properties": {
                "source": {"type": "string", "constant_value": "voice"},
                "meta": {"properties": {"caller": {"type": "string", "dynamic_variable": "c"}}},
                "lines": {
                    "type": "array",
                    "items": {
                        "properties": {
                            "sku": {"type": "string"},
                            "channel": {"type": "string", "constant_value": "phone"},
                        }
                    },
                },
            }
        },
    )
    assert llm_parameters(config.api_schema) == {
        "type": "object",
        "properties": {
            "order_id": {"type": "string", "description": "The order"},
            "limit": {"type": "integer", "enum": [10, 20]},
            "lines": {
                "type": "array",
                "items": {"type": "object", "properties": {"sku": {"type": "string"}}},
            },
        },
        "required": ["order_id", "limit"],
    }


def test_obvious_type_slips_are_mended() -> None:
    schema = {
        "type": "object",
        "required": ["count"],
        "properties": {
            "count": {"type": "integer"},
            "price": {"type": "number"},
            "ok": {"type": "boolean"},
            "code": {"type": "string"},
            "maybe": {"type": ["string", "null"]},
            "gone": {"type": "string"},
            "box": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "tags": {"type": "array", "items": {"type": "integer"}},
        },
    }
    given = {
        "count": "3.0",
        "price": " 12.5 ",
        "ok": "TRUE",
        "code": 7,
        "maybe": None,
        "gone": None,
        "box": '{"n": "2"}',
        "tags": ["1", 2.0],
    }
    mended = normalise(schema, given)
    assert mended == {
        "count": 3,
        "price": 12.5,
        "ok": True,
        "code": "7",
        "maybe": None,
        "box": {"n": 2},
        "tags": [1, 2],
    }
    assert argument_errors(schema, mended) == []
    assert given["count"] == "3.0"  # the LLM's arguments are left as they were
    assert normalise(schema, {"count": "3.5", "ok": "yes"}) == {"count": "3.5", "ok": "yes"}
    assert argument_errors(schema, {"count": "3.5", "ok": "yes"}) == [
        "count: '3.5' is not of type 'integer'",
        "ok: 'yes' is not of type 'boolean'",
    ]


def test_the_setup_offers_a_webhook_tools_parameters() -> None:
    raw = webhook("https://example.com/orders/{order_id}", **ORDER_API).model_dump(mode="json")
    config = ConversationalConfig.model_validate(
        {"agent": {"prompt": {"prompt": "You sell things.", "tools": [raw]}}}
    )
    inputs = SetupInputs(
        conversation_id="conv_1",
        agent_id="agent_1",
        text_only=True,
        llm_extra_body={},
        client_values={},
        speculative_replies=False,
    )
    tool = build_setup(config, inputs).tool("lookup_order")
    assert tool is not None and tool.type == "webhook"
    assert isinstance(tool.config, WebhookToolConfig)
    assert tool.spec.parameters == llm_parameters(tool.config.api_schema)
    assert tool.spec.parameters["required"] == ["order_id", "quantity"]
