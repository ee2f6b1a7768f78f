"""Dynamic variables: the `system__*` set, merging with client values, `{{ name }}` rendering.

A conversation's variables come from three places, later ones winning: the agent's
`dynamic_variable_placeholders`, the client's `dynamic_variables`, and the platform's
`system__*` values, which nobody may set or shadow. A template that names a variable with
no value cannot be rendered: ElevenLabs refuses to start such a conversation, and so does
`render`, naming every missing variable at once so the caller can fix them in one go.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

VariableValue = str | int | float | bool
Variables = dict[str, VariableValue]

SYSTEM_PREFIX = "system__"

# A variable name: a letter or `_`, then letters, digits, `_`, `-` or `.`. The contract
# sets no grammar; this admits every name the platform uses (`system__env_x`, `secret__x`,
# `sip_x_y`) and names people write for nested data (`user.name`, `order-id`), while
# `{{#if x}}`, `{{ a b }}`, `{{"k": 1}}` or `{{}}` in a prompt do not look like variables
# and stay as written instead of blocking the conversation as "missing".
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_PLACEHOLDER = re.compile(r"\{\{\s*(" + _NAME + r")\s*\}\}")

# English names, not `%A`/`%B`: strftime follows the process locale, the platform does not.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class MissingDynamicVariable(Exception):
    """A template names variables that have no value; `names` lists all of them."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            "Missing required dynamic variables: "
            + ", ".join(names)
            + ". Send them in dynamic_variables or give them placeholders in the agent."
        )


class ReservedDynamicVariable(ValueError):
    """A client tried to set `system__*` variables, which only the platform sets."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            "Dynamic variables starting with 'system__' are set by the platform and cannot "
            "be sent by a client: " + ", ".join(names)
        )


def system_variables(
    *,
    agent_id: str,
    conversation_id: str,
    caller_id: str | None = None,
    called_number: str | None = None,
    call_duration_secs: int = 0,
    now: datetime | None = None,
    timezone: str | None = None,
) -> Variables:
    """The `system__*` variables of a conversation at `now` (default: the current time).

    `timezone` is the agent's IANA zone (`prompt.timezone`); without one, or with one this
    machine does not know, times are in UTC and `system__timezone` says so. The phone
    numbers are empty strings outside phone calls so templates that use them still render.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    zone_name, zone = _zone(timezone)
    local = moment.astimezone(zone)
    return {
        "system__agent_id": agent_id,
        # Differs from system__agent_id only after a transfer, which the caller handles.
        "system__current_agent_id": agent_id,
        "system__conversation_id": conversation_id,
        # The platform's shape: Python's isoformat of an aware UTC datetime.
        "system__time_utc": moment.isoformat(),
        "system__time": _human_time(local),
        "system__timezone": zone_name,
        "system__call_duration_secs": int(call_duration_secs),
        "system__caller_id": caller_id or "",
        "system__called_number": called_number or "",
    }


def resolve_variables(
    *,
    placeholders: Mapping[str, object],
    client_values: Mapping[str, object],
    system: Mapping[str, object],
) -> Variables:
    """Placeholders, overridden by the client's values, overridden by the system's.

    Raises `ReservedDynamicVariable` if the client sends `system__*` names and `ValueError`
    (naming the variable) for a value that is not a string, number or boolean.
    """
    reserved = sorted(name for name in client_values if name.startswith(SYSTEM_PREFIX))
    if reserved:
        raise ReservedDynamicVariable(reserved)
    resolved: Variables = {}
    for source in (placeholders, client_values, system):
        for name, value in source.items():
            resolved[name] = validate_value(name, value)
    return resolved


def validate_value(name: str, value: object) -> VariableValue:
    """`value` if it is a string, a finite number or a boolean; else `ValueError`."""
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            # JSON has no NaN or Infinity, so such a value could never be rendered as one.
            raise ValueError(f"Dynamic variable '{name}' must be a finite number, not {value}.")
        return value
    raise ValueError(
        f"Dynamic variable '{name}' must be a string, number or boolean, "
        f"not {type(value).__name__}."
    )


def referenced_variables(template: str) -> set[str]:
    """The variable names `template` refers to."""
    return {match.group(1) for match in _PLACEHOLDER.finditer(template)}


def render(template: str, variables: Mapping[str, object]) -> str:
    """`template` with every `{{ name }}` replaced by its value.

    Strings go in as they are, booleans as `true`/`false` and numbers as JSON numbers.
    Raises `MissingDynamicVariable` listing every name with no value, in order of first use.
    """
    missing = _missing(_PLACEHOLDER.finditer(template), variables)
    if missing:
        raise MissingDynamicVariable(missing)
    return _PLACEHOLDER.sub(lambda match: format_value(match.group(1), variables), template)


def format_value(name: str, variables: Mapping[str, object]) -> str:
    """The text a variable's value renders as."""
    value = validate_value(name, variables[name])
    if isinstance(value, str):
        return value
    # json.dumps gives `true`/`false`, `3`, `2.5`, `1e-07`: what the JSON client sent.
    return json.dumps(value)


def _missing(matches: Iterable[re.Match[str]], variables: Mapping[str, object]) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in matches if m.group(1) not in variables))


def _zone(name: str | None) -> tuple[str, tzinfo]:
    if name:
        try:
            return name, ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # The agent config does not validate the zone; a typo there must not stop
            # every call, and the fallback is reported in system__timezone.
            pass
    # datetime's own UTC, so a machine without the tz database still works.
    return "UTC", UTC


def _human_time(moment: datetime) -> str:
    # The platform's format, e.g. "Friday, 16:19 21 November 2025".
    weekday = _WEEKDAYS[moment.weekday()]
    month = _MONTHS[moment.month - 1]
    return f"{weekday}, {moment:%H:%M} {moment:%d} {month} {moment.year}"
