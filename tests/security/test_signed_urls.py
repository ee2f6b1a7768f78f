"""Conversation tokens: round trip, tampering, wrong agent, expiry; the signing key file."""

import os
import stat
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openconvai.security.signed_urls import (
    InvalidToken,
    issue_token,
    load_or_create_signing_key,
    verify_token,
)

KEY = b"k" * 32
NOW = 1_750_000_000.0


def reason(token: str, agent_id: str = "agent_1", *, key: bytes = KEY, now: float = NOW) -> str:
    with pytest.raises(InvalidToken) as caught:
        verify_token(key, token, agent_id, now=now)
    return caught.value.reason


def test_token_round_trips_and_is_url_safe() -> None:
    token = issue_token(KEY, "agent_1", now=NOW)
    verify_token(KEY, token, "agent_1", now=NOW)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert issue_token(KEY, "agent_1", now=NOW) != token, "every token has its own nonce"


def test_expiry_with_an_injected_clock() -> None:
    token = issue_token(KEY, "agent_1", ttl_secs=60, now=NOW)
    verify_token(KEY, token, "agent_1", now=NOW + 59.9)
    assert reason(token, now=NOW + 60) == "expired"
    assert reason(token, now=NOW + 10_000) == "expired"


def test_default_ttl_is_fifteen_minutes() -> None:
    token = issue_token(KEY, "agent_1", now=NOW)
    verify_token(KEY, token, "agent_1", now=NOW + 899)
    assert reason(token, now=NOW + 900) == "expired"


def test_wrong_agent_and_wrong_key() -> None:
    token = issue_token(KEY, "agent_1", now=NOW)
    assert reason(token, "agent_2") == "wrong_agent"
    assert reason(token, key=b"x" * 32) == "invalid"


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.def", "a.b.c", "é.é", "=.="])
def test_garbage_is_invalid(token: str) -> None:
    assert reason(token) == "invalid"


def test_purpose_is_signed_and_checked_on_request() -> None:
    token = issue_token(KEY, "agent_1", now=NOW, purpose="conversation_token")
    verify_token(KEY, token, "agent_1", now=NOW)
    verify_token(KEY, token, "agent_1", now=NOW, purpose="conversation_token")
    with pytest.raises(InvalidToken):
        verify_token(KEY, token, "agent_1", now=NOW, purpose="signed_url")


def test_agent_ids_with_separators_are_safe() -> None:
    token = issue_token(KEY, "a|b|c", now=NOW)
    verify_token(KEY, token, "a|b|c", now=NOW)
    assert reason(token, "a|b") == "wrong_agent"


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        issue_token(KEY, "agent_1", ttl_secs=0)
    with pytest.raises(ValueError):
        issue_token(KEY, "agent_1", purpose="a|b")


@given(
    agent_id=st.text(min_size=1, max_size=40),
    position=st.integers(min_value=0),
    replacement=st.characters(codec="ascii"),
)
def test_any_single_character_tamper_fails(agent_id: str, position: int, replacement: str) -> None:
    token = issue_token(KEY, agent_id, now=NOW)
    verify_token(KEY, token, agent_id, now=NOW)
    index = position % len(token)
    if token[index] == replacement:
        return
    tampered = token[:index] + replacement + token[index + 1 :]
    with pytest.raises(InvalidToken) as caught:
        verify_token(KEY, tampered, agent_id, now=NOW)
    assert caught.value.reason == "invalid"


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = load_or_create_signing_key(data_dir)
    path = data_dir / "signing.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert load_or_create_signing_key(data_dir) == key
    assert os.listdir(data_dir) == ["signing.key"], "no temporary file is left behind"


def test_processes_sharing_a_data_dir_agree(tmp_path: Path) -> None:
    keys: list[bytes] = []
    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        keys.append(load_or_create_signing_key(tmp_path))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    token = issue_token(keys[0], "agent_1", now=NOW)
    verify_token(keys[-1], token, "agent_1", now=NOW)


def test_configured_key_wins_and_matches_a_copied_key_file(tmp_path: Path) -> None:
    file_key = load_or_create_signing_key(tmp_path / "a")
    copied = load_or_create_signing_key(tmp_path / "b", file_key.decode("ascii"))
    assert copied == file_key
    assert not (tmp_path / "b").exists(), "a configured key writes no file"
    token = issue_token(file_key, "agent_1", now=NOW)
    verify_token(copied, token, "agent_1", now=NOW)
    assert load_or_create_signing_key(tmp_path, b"z" * 40) == b"z" * 40


def test_short_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32"):
        load_or_create_signing_key(tmp_path, "short")
    (tmp_path / "signing.key").write_bytes(b"")
    with pytest.raises(ValueError, match="too short"):
        load_or_create_signing_key(tmp_path)
