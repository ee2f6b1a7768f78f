"""Webhook tools against a real HTTP server on 127.0.0.1 that records what it gets.

These run in real time (no looptime): real sockets and virtual time do not mix.
"""

import time
from typing import Any

import pytest

from openconvai.conversation.tool_port import ToolOutcome
from openconvai.security.outbound import OutboundGuard
from openconvai.tools.webhook import WebhookToolRunner, llm_parameters
from tests.support.live_server import free_port
from tests.tools.recording_server import Reply, recording_server
from tests.tools.webhook_support import ORDER_API, call, context, webhook, with_fields


async def test_path_query_and_body_are_filled_from_the_arguments(runner: WebhookToolRunner) -> None:
    async with recording_server() as server:
        config = webhook(server.url("/orders/{order_id}/items"), **ORDER_API)
        # "3", "true" and 75001 are the slips an LLM makes; they are mended, not refused.
        arguments = {
            "order_id": "A 1/2",
            "verbose": "true",
            "quantity": "3",
            "note": "ring twice",
            "address": {"city": "Paris", "zip": 75001},
            "unasked": "not sent",
        }
        outcome = await call(runner, config, arguments)
    ((request,),) = [server.received]
    assert request.method == "POST"
    assert request.path == "/orders/A%201%2F2/items"
    assert request.query == {"verbose": "true"}
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "quantity": 3,
        "note": "ring twice",
        "address": {"city": "Paris", "zip": "75001"},
    }
    assert not outcome.is_error
    assert '"quantity": 3' in outcome.result and '"path": "/orders/A 1/2/items"' in outcome.result


async def test_get_sends_no_body_and_offers_none(runner: WebhookToolRunner) -> None:
    async with recording_server() as server:
        config = webhook(server.url("/orders/{order_id}"), **{**ORDER_API, "method": "GET"})
        assert set(llm_parameters(config.api_schema)["properties"]) == {"order_id", "verbose"}
        outcome = await call(runner, config, {"order_id": "7", "quantity": 2})
    ((request,),) = [server.received]
    assert (request.method, request.path, request.body) == ("GET", "/orders/7", b"")
    assert "content-type" not in request.headers
    assert not outcome.is_error


async def test_constants_and_variables_fill_what_they_name(runner: WebhookToolRunner) -> None:
    async with recording_server() as server:
        config = webhook(
            server.url("/{tenant}/orders"),
            method="POST",
            path_params_schema={"tenant": {"type": "string", "constant_value": "acme"}},
            query_params_schema={
                "properties": {
                    "lang": {"type": "string", "dynamic_variable": "language"},
                    "max": {"type": "integer", "dynamic_variable": "max_items"},
                },
                "required": ["lang"],
            },
            request_body_schema={
                "properties": {
                    "source": {"type": "string", "constant_value": "voice"},
                    "meta": {
                        "properties": {
                            "caller": {"type": "string", "dynamic_variable": "system__caller_id"}
                        }
                    },
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
        variables = {"language": "fr", "max_items": "5", "system__caller_id": "+3312345"}
        # Whatever the LLM says of a fixed property, the config's value is sent.
        arguments = {"lines": [{"sku": "A"}, {"sku": "B"}], "source": "hacked", "lang": "xx"}
        outcome = await call(runner, config, arguments, ctx=context(variables))
    assert not outcome.is_error, outcome.result
    ((request,),) = [server.received]
    assert request.path == "/acme/orders"
    assert request.query == {"lang": "fr", "max": "5"}
    assert request.json() == {
        "source": "voice",
        "meta": {"caller": "+3312345"},
        "lines": [{"sku": "A", "channel": "phone"}, {"sku": "B", "channel": "phone"}],
    }


async def test_headers_take_secrets_and_variables_the_url_templates(
    runner: WebhookToolRunner,
) -> None:
    async with recording_server() as server:
        config = webhook(
            server.url("/{{tenant}}/v1/items/{item}"),
            path_params_schema={"item": {"type": "integer"}},
            request_headers={
                "X-Plain": "fixed",
                "Authorization": {"secret_id": "sec_1"},
                "X-Conversation": {"variable_name": "system__conversation_id"},
                "X-Greeting": "hello {{user_name}}",
            },
        )
        config = with_fields(
            config, dynamic_variables={"dynamic_variable_placeholders": {"user_name": "guest"}}
        )
        ctx = context(
            {"tenant": "acme", "system__conversation_id": "conv_1"},
            secrets={"sec_1": "Bearer s3cret"},
        )
        outcome = await call(runner, config, {"item": 12}, ctx=ctx)
    assert not outcome.is_error, outcome.result
    ((request,),) = [server.received]
    assert request.method == "GET"
    assert request.path == "/acme/v1/items/12"
    assert request.headers["x-plain"] == "fixed"
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.headers["x-conversation"] == "conv_1"
    # The tool's placeholder stands in for a variable the conversation does not have.
    assert request.headers["x-greeting"] == "hello guest"


async def test_a_missing_secret_or_variable_stops_the_call(runner: WebhookToolRunner) -> None:
    async with recording_server() as server:
        secret = webhook(server.url("/x"), request_headers={"Authorization": {"secret_id": "s"}})
        outcome = await call(runner, secret)
        assert outcome.is_error and "secret s of its Authorization header" in outcome.result
        variable = webhook(server.url("/{{region}}/x"))
        outcome = await call(runner, variable)
        assert outcome.is_error and "region" in outcome.result
        accented = webhook(server.url("/x"), request_headers={"X-Name": "{{name}}"})
        outcome = await call(runner, accented, ctx=context({"name": "Zoë"}))
        assert outcome.is_error and "X-Name header is not plain ASCII" in outcome.result
    assert server.received == []


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"verbose": True, "quantity": 1}, "'order_id' is a required property"),
        ({"order_id": "7"}, "'quantity' is a required property"),
        ({"order_id": "7", "quantity": "three"}, "quantity: 'three' is not of type 'integer'"),
        ({"order_id": "7", "quantity": 1, "verbose": "maybe"}, "verbose: 'maybe' is not of"),
        ({"order_id": "7", "quantity": 1, "address": {"city": ["Paris"]}}, "address.city: ['Pa"),
    ],
)
async def test_invalid_arguments_never_reach_the_server(
    runner: WebhookToolRunner, arguments: dict[str, Any], named: str
) -> None:
    async with recording_server() as server:
        config = webhook(server.url("/orders/{order_id}"), **ORDER_API)
        outcome = await call(runner, config, arguments)
    assert outcome.is_error
    assert outcome.result.startswith("The arguments for lookup_order are not valid")
    assert named in outcome.result
    assert server.received == []


async def test_a_slow_webhook_times_out(guard: OutboundGuard) -> None:
    async with recording_server(lambda _: Reply(delay_secs=3)) as server:
        runner = WebhookToolRunner(guard, max_timeout_secs=0.3)
        started = time.monotonic()
        outcome = await call(runner, webhook(server.url("/slow")))
    assert time.monotonic() - started < 2
    assert outcome.is_error
    assert outcome.result == "The lookup_order webhook did not answer within 0.3 seconds."


@pytest.mark.parametrize("status", [404, 500])
async def test_an_http_error_gives_its_status_and_an_excerpt(
    runner: WebhookToolRunner, status: int
) -> None:
    body = b'{"detail": "no such order"}' + b" " * 50 + b"x" * 1000
    async with recording_server(lambda _: Reply(status, body)) as server:
        outcome = await call(runner, webhook(server.url("/orders")))
    assert outcome.is_error
    assert outcome.result.startswith(
        f'The lookup_order webhook answered with HTTP {status}: {{"detail": "no such order"}} x'
    )
    assert len(outcome.result) < 400
    assert outcome.full_result == body.decode()


async def test_a_text_answer_is_the_result(runner: WebhookToolRunner) -> None:
    reply = Reply(body=b"Your order ships tomorrow.", content_type="text/plain")
    async with recording_server(lambda _: reply) as server:
        config = webhook(server.url("/orders"))
        config = with_fields(config, assignments=[{"dynamic_variable": "x", "value_path": "a"}])
        outcome = await call(runner, config)
    assert outcome == ToolOutcome("Your order ships tomorrow.")


async def test_an_empty_answer_says_so(runner: WebhookToolRunner) -> None:
    async with recording_server(lambda _: Reply(204)) as server:
        outcome = await call(runner, webhook(server.url("/orders")))
    assert outcome == ToolOutcome("The lookup_order webhook answered HTTP 204 with no content.")


async def test_a_long_answer_is_cut_for_the_llm_and_kept_whole(runner: WebhookToolRunner) -> None:
    text = "y" * 30_000
    async with recording_server(lambda _: Reply(body=text.encode())) as server:
        outcome = await call(runner, webhook(server.url("/orders")))
    assert not outcome.is_error
    assert outcome.result.startswith("y" * 10_000) and len(outcome.result) < 10_100
    assert outcome.full_result == text


async def test_an_answer_over_the_body_cap_is_an_error(guard: OutboundGuard) -> None:
    async with recording_server(lambda _: Reply(body=b"z" * 5000)) as server:
        runner = WebhookToolRunner(guard, max_body_bytes=1000)
        outcome = await call(runner, webhook(server.url("/orders")))
    assert outcome.is_error
    assert outcome.result == (
        "The lookup_order webhook's answer was larger than the 1000 bytes allowed."
    )


async def test_a_closed_port_is_an_error(runner: WebhookToolRunner) -> None:
    outcome = await call(runner, webhook(f"http://127.0.0.1:{free_port()}/orders"))
    assert outcome.is_error
    assert outcome.result.startswith("The lookup_order webhook could not be reached")


async def test_a_private_address_is_refused_without_connecting() -> None:
    resolved: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        resolved.append(host)
        return ["10.0.0.1"]

    async with OutboundGuard(resolver=resolver) as default_guard:
        runner = WebhookToolRunner(default_guard)
        started = time.monotonic()
        outcome = await call(runner, webhook("http://10.0.0.1/orders"))
        assert time.monotonic() - started < 1
        assert outcome.is_error
        assert outcome.result.startswith(
            "The lookup_order webhook may not be called from this server"
        )
        # A name resolving there is refused as well, once resolved, before any connection.
        outcome = await call(runner, webhook("http://orders.internal/orders"))
        assert outcome.is_error and "may not be called" in outcome.result
    assert resolved == ["orders.internal"]


async def test_assignments_set_variables_from_a_nested_path(runner: WebhookToolRunner) -> None:
    answer = {
        "user": {"name": "Ada", "vip": True, "orders": [{"id": 7}, {"id": 9}], "tags": ["a"]},
        "empty": None,
    }
    async with recording_server(lambda _: Reply.of_json(answer)) as server:
        config = with_fields(
            webhook(server.url("/users")),
            assignments=[
                {"dynamic_variable": "user_name", "value_path": "user.name"},
                {"dynamic_variable": "vip", "value_path": "user.vip"},
                {"dynamic_variable": "last_order", "value_path": "user.orders.1.id"},
                {"dynamic_variable": "tags", "value_path": "user.tags"},
                {"dynamic_variable": "gone", "value_path": "user.orders.5.id"},
                {"dynamic_variable": "nothing", "value_path": "empty"},
                {"dynamic_variable": "system__agent_id", "value_path": "user.name"},
            ],
        )
        ctx = context({"user_name": "before"})
        outcome = await call(runner, config, ctx=ctx)
    assert not outcome.is_error
    assert outcome.variable_updates == {
        "user_name": "Ada",
        "vip": True,
        "last_order": 9,
        "tags": '["a"]',
    }
    assert ctx.variables == {"user_name": "before"}
