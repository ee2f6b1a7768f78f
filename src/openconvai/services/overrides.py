"""Client overrides of an agent's config at conversation start, checked against its permissions.

A client's `conversation_config_override` is laid over the agent's `conversation_config`
field by field. Each field needs its flag in the agent's
`platform_settings.overrides.conversation_config_override` (`agent.prompt.prompt: true`
lets a client replace the system prompt); a field without a true flag, or with no flag at
all (`turn.turn_timeout`), is refused, and the refusal names every such field at once.
The flags are read from the stored dump, so flags only newer SDKs know (`tts.stability`,
`agent.prompt.llm`), kept there as extra fields, work as well.

Two exceptions, both because the official SDKs send them unasked:

- text only. The Python SDK without an audio interface sends a top-level `text_only`; the
  JS SDK in chat mode sends `conversation.text_only`. Refusing either would break text
  chat for every SDK user, so `true` is always honoured (it only narrows what the server
  does). `false` on an agent configured text only is honoured with the flag and otherwise
  ignored, not refused, since it is also just what a voice client reports.
- `conversation.client_events`, which the JS types let a client send. It only filters what
  this client receives, so a client may always narrow the agent's list; the events the
  agent does not send (which may be hidden on purpose, such as full tool results) are
  dropped unless the agent's flag `conversation.client_events` allows any list.
"""

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from openconvai.schemas.conversation_config import ConversationalConfig

JsonDict = dict[str, Any]


class OverrideNotAllowed(Exception):
    """The agent does not let clients override these fields; `paths` lists all of them."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        super().__init__(
            "The agent does not allow overriding: "
            + ", ".join(paths)
            + ". Enable them in platform_settings.overrides."
        )


class InvalidOverride(ValueError):
    """The override is malformed, or the config it produces is not valid."""


def apply_overrides(
    conversation_config: Mapping[str, Any],
    override: Mapping[str, Any] | None,
    allowed: Mapping[str, Any],
) -> tuple[JsonDict, bool]:
    """The effective config of one conversation and whether it is text only.

    `conversation_config` is the agent's complete config dump, `override` the client's
    `conversation_config_override` and `allowed` the agent's `platform_settings.overrides`
    dump. Raises `OverrideNotAllowed` or `InvalidOverride`.
    """
    config = copy.deepcopy(dict(conversation_config))
    if override is None:
        override = {}
    if not isinstance(override, Mapping):
        raise InvalidOverride("conversation_config_override must be an object.")
    flags = _as_dict(allowed.get("conversation_config_override"))
    rest = dict(override)
    # Taken out before the generic walk: these follow their own rules (see module docs).
    top_text_only = rest.pop("text_only", None)
    conversation = rest.get("conversation")
    nested_text_only = None
    client_events = None
    if isinstance(conversation, Mapping):
        conversation = dict(conversation)
        nested_text_only = conversation.pop("text_only", None)
        client_events = conversation.pop("client_events", None)
        rest["conversation"] = conversation

    refused: list[str] = []
    _overlay(config, rest, flags, (), refused)
    if refused:
        raise OverrideNotAllowed(refused)

    conversation_flag = flags.get("conversation")

    def flagged(name: str) -> bool:
        if conversation_flag is True:
            return True
        return isinstance(conversation_flag, Mapping) and conversation_flag.get(name) is True

    section = config.setdefault("conversation", {})
    _apply_text_only(
        section,
        (("text_only", top_text_only), ("conversation.text_only", nested_text_only)),
        allow_false=flagged("text_only"),
    )
    if client_events is not None:
        section["client_events"] = _client_events(
            section.get("client_events"), client_events, allow_any=flagged("client_events")
        )

    try:
        effective = ConversationalConfig.model_validate(config)
    except ValidationError as exc:
        raise InvalidOverride(_describe(exc)) from exc
    return effective.model_dump(mode="json"), effective.conversation.text_only


def apply_client_llm_extra_body(
    allowed: Mapping[str, Any], extra_body: Mapping[str, Any] | None
) -> JsonDict:
    """The client's `custom_llm_extra_body` if the agent allows one (an empty one always is)."""
    if not extra_body:
        return {}
    if not isinstance(extra_body, Mapping):
        raise InvalidOverride("custom_llm_extra_body must be an object.")
    if allowed.get("custom_llm_extra_body") is not True:
        raise OverrideNotAllowed(["custom_llm_extra_body"])
    return copy.deepcopy(dict(extra_body))


def _overlay(
    target: JsonDict,
    override: Mapping[str, Any],
    flags: Mapping[str, Any],
    path: tuple[str, ...],
    refused: list[str],
) -> None:
    for key, value in override.items():
        if value is None:
            # The SDKs' override models default every field to null: "not overridden".
            continue
        here = (*path, key)
        flag = flags.get(key)
        if isinstance(flag, Mapping):
            if not isinstance(value, Mapping):
                raise InvalidOverride(f"Override '{'.'.join(here)}' must be an object.")
            child = target.get(key)
            if not isinstance(child, dict):
                child = target[key] = {}
            _overlay(child, value, flag, here, refused)
        elif flag is True:
            _merge_into(target, key, value)
        elif isinstance(value, Mapping):
            # No flag for the object: name each field sent in it, not just the object.
            _overlay({}, value, {}, here, refused)
        else:
            refused.append(".".join(here))


def _merge_into(target: JsonDict, key: str, value: object) -> None:
    # A flag on a whole object allows each of its fields: merge, so the fields the client
    # leaves out keep the agent's values. Anything else (a list included) is replaced.
    current = target.get(key)
    if isinstance(value, Mapping) and isinstance(current, dict):
        for name, item in value.items():
            if item is not None:
                _merge_into(current, name, item)
    else:
        target[key] = copy.deepcopy(value)


def _apply_text_only(
    section: JsonDict, requests: tuple[tuple[str, object], ...], *, allow_false: bool
) -> None:
    sent = [(path, value) for path, value in requests if value is not None]
    for path, value in sent:
        if not isinstance(value, bool):
            raise InvalidOverride(f"Override '{path}' must be a boolean.")
    if any(value for _path, value in sent):
        section["text_only"] = True
    elif sent and allow_false:
        section["text_only"] = False


def _client_events(agent_events: object, requested: object, *, allow_any: bool) -> list[Any]:
    if not isinstance(requested, list):
        raise InvalidOverride("Override 'conversation.client_events' must be a list.")
    if allow_any:
        return list(requested)
    if not all(isinstance(event, str) for event in requested):
        raise InvalidOverride("Override 'conversation.client_events' must list event names.")
    offered = set(agent_events) if isinstance(agent_events, list) else set()
    return [event for event in requested if event in offered]


def _as_dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"])
        parts.append(f"{location}: {error['msg']}" if location else error["msg"])
    return "Invalid conversation_config_override: " + "; ".join(parts)
