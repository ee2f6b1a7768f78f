"""Dynamic variables: system values, precedence, rendering and every missing name at once."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openconvai.conversation.dynamic_variables import (
    MissingDynamicVariable,
    ReservedDynamicVariable,
    referenced_variables,
    render,
    resolve_variables,
    system_variables,
)

NOW = datetime(2025, 11, 21, 21, 19, 51, 877690, tzinfo=UTC)


def test_system_variables_have_the_platform_names_and_shapes() -> None:
    system = system_variables(
        agent_id="agent_1",
        conversation_id="conv_1",
        caller_id="+12523960448",
        called_number="+12018774358",
        call_duration_secs=12,
        now=NOW,
        timezone="America/New_York",
    )
    assert system == {
        "system__agent_id": "agent_1",
        "system__current_agent_id": "agent_1",
        "system__conversation_id": "conv_1",
        "system__time_utc": "2025-11-21T21:19:51.877690+00:00",
        "system__time": "Friday, 16:19 21 November 2025",
        "system__timezone": "America/New_York",
        "system__call_duration_secs": 12,
        "system__caller_id": "+12523960448",
        "system__called_number": "+12018774358",
    }


def test_system_time_without_timezone_is_utc_and_phone_numbers_are_empty() -> None:
    system = system_variables(agent_id="a", conversation_id="c", now=NOW)
    assert system["system__timezone"] == "UTC"
    assert system["system__time"] == "Friday, 21:19 21 November 2025"
    assert system["system__caller_id"] == system["system__called_number"] == ""
    assert system["system__call_duration_secs"] == 0


def test_unknown_timezone_falls_back_to_utc_and_says_so() -> None:
    system = system_variables(agent_id="a", conversation_id="c", now=NOW, timezone="Mars/Base")
    assert system["system__timezone"] == "UTC"
    assert system["system__time"] == "Friday, 21:19 21 November 2025"


def test_a_non_utc_now_is_reported_in_utc() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=5)))
    system = system_variables(agent_id="a", conversation_id="c", now=local)
    assert system["system__time_utc"] == "2025-11-21T21:19:51.877690+00:00"


def test_default_now_is_the_current_time() -> None:
    before = datetime.now(UTC)
    stamp = system_variables(agent_id="a", conversation_id="c")["system__time_utc"]
    assert isinstance(stamp, str)
    assert before <= datetime.fromisoformat(stamp) <= datetime.now(UTC)


def test_precedence_placeholders_then_client_then_system() -> None:
    resolved = resolve_variables(
        placeholders={"name": "placeholder", "plan": "free", "system__agent_id": "fake"},
        client_values={"name": "Ann", "vip": True},
        system={"system__agent_id": "agent_1"},
    )
    assert resolved == {
        "name": "Ann",
        "plan": "free",
        "vip": True,
        "system__agent_id": "agent_1",
    }


def test_client_cannot_send_system_variables() -> None:
    with pytest.raises(ReservedDynamicVariable) as caught:
        resolve_variables(
            placeholders={},
            client_values={"system__time": "x", "ok": 1, "system__agent_id": "y"},
            system={"system__agent_id": "agent_1"},
        )
    assert caught.value.names == ["system__agent_id", "system__time"]
    assert "system__agent_id, system__time" in str(caught.value)


@pytest.mark.parametrize("value", [None, [1], {"a": 1}, float("nan"), float("inf"), b"x"])
def test_values_must_be_scalars(value: object) -> None:
    with pytest.raises(ValueError, match="'bad'"):
        resolve_variables(placeholders={}, client_values={"bad": value}, system={})
    with pytest.raises(ValueError, match="'bad'"):
        resolve_variables(placeholders={"bad": value}, client_values={}, system={})


def test_render_formats_values_like_json() -> None:
    text = render(
        "{{name}} {{ yes }} {{no}} {{n}} {{x}} {{ tiny }}",
        {"name": "Ann", "yes": True, "no": False, "n": 3, "x": 2.5, "tiny": 1e-7},
    )
    assert text == "Ann true false 3 2.5 1e-07"


def test_render_allows_whitespace_and_name_punctuation() -> None:
    variables = {"user.name": "Ann", "order-id": 7, "_x": "u", "sip_x_y": "s"}
    template = "{{\tuser.name }} {{ order-id}} {{_x}} {{  sip_x_y\n}}"
    assert render(template, variables) == "Ann 7 u s"
    assert referenced_variables(template) == set(variables)


@pytest.mark.parametrize(
    "text",
    ["{{}}", "{{ }}", "{{#if x}}", "{{ a b }}", '{{"k": 1}}', "{{1abc}}", "{ {x} }", "{x}"],
)
def test_what_does_not_look_like_a_variable_is_left_as_written(text: str) -> None:
    assert referenced_variables(text) == set()
    assert render(text, {}) == text


def test_every_missing_variable_is_reported_once_in_order() -> None:
    template = "Hi {{ b }}, {{a}} and {{b}} and {{known}} and {{c}}"
    with pytest.raises(MissingDynamicVariable) as caught:
        render(template, {"known": 1})
    assert caught.value.names == ["b", "a", "c"]
    assert "b, a, c" in str(caught.value)


def test_values_are_inserted_literally() -> None:
    # A value that looks like a placeholder or a regex replacement is not expanded again.
    assert render("{{a}}", {"a": "{{b}} \\1 \\g<0>", "b": "no"}) == "{{b}} \\1 \\g<0>"


def test_render_refuses_a_value_of_the_wrong_type() -> None:
    with pytest.raises(ValueError, match="'a'"):
        render("{{a}}", {"a": [1]})


_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,12}", fullmatch=True)
# Text without braces: a brace from the text next to a value could form a new placeholder.
_plain = st.text(alphabet=st.characters(exclude_characters="{}"), max_size=20)
_values = st.one_of(
    _plain,
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)


def _placeholder(name: str, pad: str) -> str:
    return "{{" + pad + name + pad + "}}"


@given(st.dictionaries(_names, _values, min_size=1), st.data())
def test_render_leaves_no_known_placeholder(
    variables: dict[str, object], data: st.DataObject
) -> None:
    known = st.sampled_from(sorted(variables))
    pieces = data.draw(
        st.lists(
            st.one_of(
                _plain,
                st.builds(_placeholder, known, st.sampled_from(["", " ", "\t", "  "])),
                st.builds(_placeholder, _names, st.just("")),
            ),
            max_size=12,
        )
    )
    template = "".join(pieces)
    unknown = referenced_variables(template) - set(variables)
    if unknown:
        with pytest.raises(MissingDynamicVariable) as caught:
            render(template, variables)
        # Exactly the names with no value are reported, each once.
        assert sorted(caught.value.names) == sorted(unknown)
        return
    rendered = render(template, variables)
    for name in variables:
        assert not re.search(r"\{\{\s*" + re.escape(name) + r"\s*\}\}", rendered)
