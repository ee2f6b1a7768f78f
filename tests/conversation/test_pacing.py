"""Real-time pacing of agent audio, on virtual time (looptime): exact, whatever the load."""

import asyncio

import pytest

from openconvai.conversation.pacing import RealtimePacer

pytestmark = pytest.mark.looptime

CHUNK = 0.02  # 20 ms of audio
EPS = 1e-6  # looptime keeps time to the microsecond


def now() -> float:
    return asyncio.get_running_loop().time()


async def send(pacer: RealtimePacer, count: int, chunk: float = CHUNK) -> list[tuple[float, float]]:
    """Send `count` chunks; for each, when it left and the audio sent before it."""
    sent: list[tuple[float, float]] = []
    for _ in range(count):
        before = pacer.sent_secs
        await pacer.before_send(chunk)
        sent.append((now(), before))
    return sent


async def test_nothing_sent_is_nothing_started_or_played() -> None:
    pacer = RealtimePacer()
    assert pacer.started_at is None
    assert pacer.sent_secs == 0.0
    await asyncio.sleep(3)
    assert pacer.played_secs() == 0.0
    assert pacer.started_at is None


async def test_the_first_chunk_goes_at_once_and_starts_playback() -> None:
    await asyncio.sleep(7)  # the loop's clock is not at zero when the reply begins
    pacer = RealtimePacer()
    start = now()
    await pacer.before_send(CHUNK)
    assert now() == start
    assert pacer.started_at == start
    assert pacer.sent_secs == CHUNK
    # Later chunks leave playback's start where it was.
    await send(pacer, 50)
    assert pacer.started_at == start


async def test_sent_audio_stays_at_most_lead_secs_ahead_of_playback() -> None:
    pacer = RealtimePacer(lead_secs=0.25)
    start = now()
    sent = await send(pacer, 100)  # two seconds of audio
    # 13 chunks (0.26 s) go at once: the 14th would put 0.26 s ahead, more than 0.25.
    assert [t for t, _ in sent[:13]] == [start] * 13
    assert sent[13][0] == pytest.approx(start + 0.01, abs=EPS)
    for index, (t, before) in enumerate(sent):
        ahead = before - (t - start)  # audio in flight when this chunk leaves
        assert ahead <= 0.25 + EPS, index
        if index >= 13:
            # Held back no longer than needed: then one chunk every 20 ms.
            assert ahead == pytest.approx(0.25, abs=EPS), index
            assert t == pytest.approx(start + CHUNK * index - 0.25, abs=EPS), index
    assert pacer.sent_secs == pytest.approx(2.0)
    assert now() == pytest.approx(start + 1.98 - 0.25, abs=EPS)


async def test_a_larger_lead_sends_more_at_once() -> None:
    pacer = RealtimePacer(lead_secs=1.0)
    start = now()
    sent = await send(pacer, 100)
    # Chunk k leaves at once while 0.02 k <= 1.0: the first 51.
    assert sum(1 for t, _ in sent if t == start) == 51
    assert sent[-1][0] == pytest.approx(start + 1.98 - 1.0, abs=EPS)


async def test_no_lead_paces_at_playback_speed() -> None:
    pacer = RealtimePacer(lead_secs=0.0)
    start = now()
    sent = await send(pacer, 20)
    assert [t - start for t, _ in sent] == pytest.approx(
        [CHUNK * index for index in range(20)], abs=EPS
    )


async def test_played_secs_follows_the_loop_clock_up_to_what_was_sent() -> None:
    pacer = RealtimePacer(lead_secs=10.0)  # everything leaves at once
    start = now()
    await send(pacer, 50)  # one second
    assert now() == start
    assert pacer.played_secs() == 0.0
    await asyncio.sleep(0.3)
    assert pacer.played_secs() == pytest.approx(0.3, abs=EPS)
    await asyncio.sleep(0.6)
    assert pacer.played_secs() == pytest.approx(0.9, abs=EPS)
    await asyncio.sleep(0.6)
    assert pacer.played_secs() == pytest.approx(pacer.sent_secs)  # capped: all of it heard
    await asyncio.sleep(10)
    assert pacer.played_secs() == pytest.approx(1.0)


async def test_played_secs_while_paced() -> None:
    pacer = RealtimePacer()
    start = now()
    await send(pacer, 100)
    elapsed = now() - start
    assert pacer.played_secs() == pytest.approx(elapsed, abs=EPS)
    assert pacer.sent_secs - pacer.played_secs() == pytest.approx(0.25 + CHUNK, abs=EPS)
    await asyncio.sleep(pacer.sent_secs - pacer.played_secs())
    assert pacer.played_secs() == pytest.approx(pacer.sent_secs)


async def test_a_gap_in_sending_does_not_count_as_audio_played() -> None:
    pacer = RealtimePacer(lead_secs=0.25)
    await send(pacer, 50)  # one second, the first sentence
    await asyncio.sleep(5)  # the first sentence has played; a tool call takes a while
    assert pacer.played_secs() == pytest.approx(1.0)
    gap_end = now()
    sent = await send(pacer, 100)  # two more seconds, the next sentence
    at_once = sum(1 for t, _ in sent if t == gap_end)
    assert at_once * CHUNK <= 0.25 + CHUNK + EPS
    # Playback resumed when sending did: the gap's silence is not counted as heard.
    assert pacer.played_secs() == pytest.approx(1.0 + (now() - gap_end), abs=EPS)
    assert pacer.sent_secs - pacer.played_secs() <= 0.25 + CHUNK + EPS
