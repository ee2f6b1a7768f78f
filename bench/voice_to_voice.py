"""Voice-to-voice benchmark of the embedded pipeline: Silero VAD, Whisper, llama.cpp, Piper.

Starts one `openconvai serve` with the local models (free to use every core) and talks to it
over a real WebSocket in the ElevenLabs conversation protocol, with questions said by eSpeak NG:

    python bench/voice_to_voice.py [--turns 20] [--concurrent 4] [--naive] [--models-dir DIR]

Latency: one conversation, a warm-up turn then `--turns` spoken turns. The client streams
16 kHz PCM in real time in 20 ms chunks like an open microphone (silence between turns) and,
per turn, measures from the moment it sent the last chunk of speech to the arrival of the
first `audio` event of a new reply; it then lets the reply play out (plus 0.7 s) before
asking the next question. It prints p50/p90/min/max of that, then the median of each stage
of the server's own `turn timings` log lines (milliseconds after the end of the user's
speech as the server estimated it) and each stage's share of the server's total.

Memory: `--concurrent K` conversations are opened at once on the same server (idle,
microphone open), each then takes one spoken turn in turn, and one more conversation is
opened and takes a turn; the server's RSS (VmRSS) is printed at each step.

`--naive` turns speculative replies off: the reply waits for the end of the turn instead
of starting at the user's first pause.
"""

import argparse
import asyncio
import base64
import json
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from serving import Server, ServerGone, rss_mb, serve

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RATE = 16000
CHUNK_SECS = 0.02
CHUNK_SAMPLES = int(SAMPLE_RATE * CHUNK_SECS)
SILENCE_LEVEL = 300  # |sample| at or below this is eSpeak NG's silence, trimmed off
REPLY_TIMEOUT_SECS = 15.0
WARM_UP_TIMEOUT_SECS = 60.0  # the first turn also pays for the models' first calls
AFTER_REPLY_SECS = 0.7  # the user's pause after hearing a reply out
SETTLE_SECS = 2.0  # before reading RSS: let the server finish what a step started
CONNECT_TIMEOUT_SECS = 15.0
SYSTEM_PROMPT = "You are a helpful voice assistant. Answer in one short sentence."
WARM_UP_QUESTION = "Hello, can you hear me?"
QUESTIONS = (
    "What is the capital of France?",
    "How many minutes are there in a day?",
    "What could I cook for dinner tonight?",
    "Why is the sky blue?",
    "Can you recommend a good book for a long train ride?",
    "How do I get a coffee stain out of a white shirt?",
    "What is a good way to fall asleep faster?",
    "How far away is the moon?",
)
TARGETS = "targets (2 cores): p50 <= 1.2 s voice to voice; <= 5 MB per extra conversation"
TIMINGS_MARK = "turn timings "
_now = time.perf_counter


# --- what the user says -----------------------------------------------------------------


def _audio_message(samples: npt.NDArray[np.int16]) -> str:
    payload = base64.b64encode(samples.astype("<i2").tobytes()).decode()
    return json.dumps({"user_audio_chunk": payload})


SILENCE = _audio_message(np.zeros(CHUNK_SAMPLES, dtype=np.int16))


@dataclass(frozen=True)
class Utterance:
    """A question as ready-to-send `user_audio_chunk` messages."""

    text: str
    chunks: list[str]  # the last one ends exactly where the speech ends
    secs: float


def _utterances(texts: Sequence[str]) -> list[Utterance]:
    """Each text said by eSpeak NG, its leading and trailing silence trimmed off."""
    # The speech helper lives with the tests, which are not an installed package.
    sys.path.insert(0, str(ROOT))
    from tests.support.speech import say

    utterances = []
    for text in texts:
        samples = say(text)
        loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_LEVEL)
        speech = samples[loud[0] : loud[-1] + 1]
        # Leading silence, so that the speech ends exactly where a chunk ends.
        padding = np.zeros(-speech.size % CHUNK_SAMPLES, dtype=np.int16)
        speech = np.concatenate([padding, speech])
        chunks = [
            _audio_message(speech[i : i + CHUNK_SAMPLES])
            for i in range(0, speech.size, CHUNK_SAMPLES)
        ]
        utterances.append(Utterance(text, chunks, speech.size / SAMPLE_RATE))
    return utterances


def _b64_size(text: str) -> int:
    """Bytes a base64 string decodes to, without decoding it."""
    return len(text) * 3 // 4 - text.endswith("=") - text.endswith("==")


def _bytes_per_sec(audio_format: str) -> float:
    codec, _, rate = audio_format.partition("_")
    return float(rate) * (2 if codec == "pcm" else 1)


# --- one conversation -------------------------------------------------------------------


class ConversationClosed(RuntimeError):
    """The conversation's WebSocket is closed."""


@dataclass
class Turn:
    """What one spoken turn got back."""

    latency: float | None  # end of speech sent -> first audio of the reply; None: no reply
    heard: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


class Conversation:
    """One conversation: a microphone that streams until it is closed, and a receiver."""

    def __init__(self, ws: ClientConnection, bytes_per_sec: float) -> None:
        self._ws = ws
        self._bytes_per_sec = bytes_per_sec
        self._speech: deque[str] = deque()
        self._spoken = asyncio.Event()
        self._spoken_at = 0.0
        self._awaiting = False  # a turn is waiting for its reply's first audio
        self._replied = asyncio.Event()
        self._last_reply_id = -1
        self._reply_start: float | None = None
        self._reply_secs = 0.0
        self._turn = Turn(None)
        self.unexpected_replies = 0
        self.interruptions = 0
        self.errors: list[str] = []
        self._tasks = [
            asyncio.create_task(self._microphone()),
            asyncio.create_task(self._receive()),
        ]

    @classmethod
    async def open(cls, url: str) -> "Conversation":
        """Connect and start the conversation; the microphone is then open (silence)."""
        async with asyncio.timeout(CONNECT_TIMEOUT_SECS):
            ws = await connect(url, close_timeout=5, max_size=16 * 1024 * 1024)
            await ws.send(json.dumps({"type": "conversation_initiation_client_data"}))
            while True:
                message = json.loads(await ws.recv())
                if message.get("type") == "conversation_initiation_metadata":
                    break
        event = message["conversation_initiation_metadata_event"]
        return cls(ws, _bytes_per_sec(event["agent_output_audio_format"]))

    async def close(self) -> None:
        """Hang up."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with suppress(OSError, TimeoutError, ConnectionClosed):
            await self._ws.close()

    async def say(self, utterance: Utterance, reply_within: float) -> Turn:
        """Speak, wait `reply_within` s at most for the reply's first audio, hear it out."""
        await self._played_out()
        self._turn = turn = Turn(None)
        self._spoken.clear()
        self._replied.clear()
        self._awaiting = True
        self._speech.extend(utterance.chunks)
        await self._until(self._spoken, None)
        if await self._until(self._replied, reply_within) and self._reply_start is not None:
            turn.latency = self._reply_start - self._spoken_at
            await self._played_out()
        self._awaiting = False
        return turn

    async def _played_out(self) -> None:
        """Wait until the current reply has played out, and the user's pause after it."""
        while self._reply_start is not None:
            end = self._reply_start + self._reply_secs + AFTER_REPLY_SECS
            if _now() >= end:
                return
            await self._until(None, end - _now())

    async def _until(self, event: asyncio.Event | None, secs: float | None) -> bool:
        """Wait for `event` (or just `secs`); False if it has not come; raise on hang-up."""
        waiter = asyncio.create_task(event.wait() if event else asyncio.sleep(secs or 0))
        try:
            done, _ = await asyncio.wait(
                [waiter, *self._tasks], timeout=secs, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()
        if any(task in done for task in self._tasks):
            raise ConversationClosed("; ".join(self.errors) or "the server hung up")
        return event is None or event.is_set()

    async def _microphone(self) -> None:
        due = _now()
        while True:
            # A chunk goes out once it is complete, on a fixed clock, like a sound card's.
            due += CHUNK_SECS
            delay = due - _now()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self._speech:
                await self._ws.send(SILENCE)
                continue
            await self._ws.send(self._speech.popleft())
            if not self._speech:
                self._spoken_at = _now()
                self._spoken.set()

    async def _receive(self) -> None:
        try:
            async for raw in self._ws:
                answer = self._handle(json.loads(raw), _now())
                if answer is not None:
                    await self._ws.send(answer)
        except ConnectionClosed as exc:
            self.errors.append(f"closed: {exc.rcvd.code if exc.rcvd else 'no code'}")

    def _handle(self, message: dict[str, Any], now: float) -> str | None:
        """Take in one server message; what to send back, if anything."""
        kind = message.get("type")
        if kind == "audio":
            audio = message["audio_event"]
            event_id = int(audio.get("event_id") or 0)
            if event_id > self._last_reply_id:
                # A new reply: its playback starts with its first chunk.
                self._last_reply_id = event_id
                self._reply_start, self._reply_secs = now, 0.0
                if self._awaiting:
                    self._awaiting = False
                    self._replied.set()
                else:
                    self.unexpected_replies += 1
            if event_id == self._last_reply_id:
                self._reply_secs += _b64_size(audio["audio_base_64"]) / self._bytes_per_sec
        elif kind == "ping":
            return json.dumps({"type": "pong", "event_id": message["ping_event"]["event_id"]})
        elif kind == "user_transcript":
            self._turn.heard.append(message["user_transcription_event"]["user_transcript"])
        elif kind == "agent_response":
            self._turn.replies.append(message["agent_response_event"]["agent_response"])
        elif kind == "interruption":
            self.interruptions += 1
        elif kind == "error":
            self.errors.append(f"error event: {message['error_event']}")
        return None


# --- the server's own timings -----------------------------------------------------------


def _span(start: str, end: str) -> Callable[[dict[str, Any]], float | None]:
    def span(timings: dict[str, Any]) -> float | None:
        if start in timings and end in timings:
            return float(timings[end] - timings[start])
        return None

    return span


def _held(timings: dict[str, Any]) -> float | None:
    """First audio sent minus the later of the first TTS audio and the end of the turn."""
    ready = [timings[name] for name in ("tts_first_chunk", "turn_over") if name in timings]
    if "first_audio" not in timings or not ready:
        return None
    return float(timings["first_audio"] - max(ready))


STAGES: tuple[tuple[str, Callable[[dict[str, Any]], float | None]], ...] = (
    (
        "end of speech -> transcript (incl. pause/end-of-turn wait)",
        _span("speech_end", "transcript"),
    ),
    ("transcript -> first LLM token", _span("transcript", "llm_first_token")),
    ("first LLM token -> first sentence", _span("llm_first_token", "llm_first_segment")),
    ("first sentence -> first TTS audio", _span("llm_first_segment", "tts_first_chunk")),
    ("first audio sent - max(TTS audio, turn over)", _held),
)
# A reply that is one sentence has no first-sentence mark (its sentence ends with the LLM's
# stream): these spans cover every reply, the ones above only some.
SPANS: tuple[tuple[str, Callable[[dict[str, Any]], float | None]], ...] = (
    (
        "first LLM token -> first TTS audio (all replies)",
        _span("llm_first_token", "tts_first_chunk"),
    ),
    ("end of speech -> turn over (the end-of-turn decision)", _span("speech_end", "turn_over")),
)
TOTAL = _span("speech_end", "first_audio")


def _timings(log: str) -> list[dict[str, Any]]:
    """The `turn timings` objects of a stretch of the server's log."""
    decoder = json.JSONDecoder()
    found = []
    for line in log.splitlines():
        _, mark, rest = line.partition(TIMINGS_MARK)
        if mark:
            with suppress(ValueError):
                found.append(decoder.raw_decode(rest.strip())[0])
    return found


# --- the two phases ---------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The command line."""

    turns: int
    concurrent: int
    naive: bool
    models_dir: Path
    verbose: bool


async def _create_agent(server: Server) -> str:
    config = {
        "agent": {"first_message": "", "prompt": {"prompt": SYSTEM_PROMPT}},
        "turn": {"turn_timeout": 120},
    }
    headers = {"xi-api-key": server.admin_key}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as client:
        response = await client.post(
            "/v1/convai/agents/create", json={"conversation_config": config}, timeout=30
        )
        response.raise_for_status()
        return str(response.json()["agent_id"])


def _percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(np.ceil(share * len(ordered))) - 1))
    return ordered[rank]


def _problems(conversation: Conversation) -> list[str]:
    lines = [f"  {error}" for error in conversation.errors]
    if conversation.unexpected_replies:
        lines.append(f"  replies nobody was waiting for: {conversation.unexpected_replies}")
    if conversation.interruptions:
        lines.append(f"  interruptions: {conversation.interruptions}")
    return lines


async def _latency(
    server: Server, url: str, warm_up: Utterance, questions: Sequence[Utterance], options: Options
) -> None:
    conversation = await Conversation.open(url)
    try:
        first = await conversation.say(warm_up, WARM_UP_TIMEOUT_SECS)
        if first.latency is None:
            print(f"warm-up turn: no reply within {WARM_UP_TIMEOUT_SECS:g} s", flush=True)
        else:
            print(f"warm-up turn: first audio after {first.latency * 1000:.0f} ms", flush=True)
        log_start = server.log_path.stat().st_size
        turns = []
        for number in range(options.turns):
            question = questions[number % len(questions)]
            turn = await conversation.say(question, REPLY_TIMEOUT_SECS)
            turns.append(turn)
            if options.verbose:
                took = "missed" if turn.latency is None else f"{turn.latency * 1000:5.0f} ms"
                print(f"  {number + 1:>3} {took}  heard {turn.heard!r}  said {turn.replies!r}")
        problems = _problems(conversation)
    finally:
        await conversation.close()
    with server.log_path.open("rb") as log:
        log.seek(log_start)
        timings = _timings(log.read().decode(errors="replace"))
    _report_latency(turns, timings, problems)


def _report_latency(
    turns: Sequence[Turn], timings: Sequence[dict[str, Any]], problems: list[str]
) -> None:
    ms = [turn.latency * 1000 for turn in turns if turn.latency is not None]
    print(
        f"voice to voice (last speech chunk sent -> first audio of the reply): "
        f"{len(ms)}/{len(turns)} turns got a reply, "
        f"{len(turns) - len(ms)} missed (none within {REPLY_TIMEOUT_SECS:g} s)"
    )
    print(
        f"  p50 {_percentile(ms, 0.5):.0f} ms  p90 {_percentile(ms, 0.9):.0f} ms  "
        f"min {min(ms, default=float('nan')):.0f} ms  max {max(ms, default=float('nan')):.0f} ms"
    )
    totals = [value for value in map(TOTAL, timings) if value is not None]
    total = statistics.median(totals) if totals else float("nan")
    print(
        f"server stages, from its `turn timings` log lines ({len(timings)} replies): "
        f"median ms and share of the server's median total"
    )
    for name, stage in STAGES:
        print(_stage_row(name, stage, timings, total))
    print(f"  {'total: end of speech -> first audio sent':<60} {total:>6.0f}")
    print("  spans across the stages above:")
    for name, span in SPANS:
        print(_stage_row(name, span, timings, total))
    speculative = sum(1 for entry in timings if entry.get("speculative"))
    print(f"  speculative replies: {speculative}, not speculative: {len(timings) - speculative}")
    for line in problems:
        print(line)


def _stage_row(
    name: str,
    stage: Callable[[dict[str, Any]], float | None],
    timings: Sequence[dict[str, Any]],
    total: float,
) -> str:
    values = [value for value in map(stage, timings) if value is not None]
    if not values:
        return f"  {name:<60} {'-':>6}"
    median = statistics.median(values)
    return f"  {name:<60} {median:>6.0f} {100 * median / total:>5.0f}%  (n={len(values)})"


async def _memory(server: Server, url: str, questions: Sequence[Utterance], count: int) -> None:
    async def settled_rss() -> float:
        await asyncio.sleep(SETTLE_SECS)
        return rss_mb(server.pid)

    async def turn(conversation: Conversation, number: int) -> None:
        result = await conversation.say(questions[number % len(questions)], REPLY_TIMEOUT_SECS)
        if result.latency is None:
            missed.append(number)

    missed: list[int] = []
    before = await settled_rss()
    conversations = list(await asyncio.gather(*(Conversation.open(url) for _ in range(count))))
    try:
        idle = await settled_rss()
        for number, conversation in enumerate(conversations):
            await turn(conversation, number)
        talked = await settled_rss()
        conversations.append(await Conversation.open(url))
        await turn(conversations[-1], count)
        extra = await settled_rss()
        problems = [line for conversation in conversations for line in _problems(conversation)]
    finally:
        await asyncio.gather(*(conversation.close() for conversation in conversations))
    print(f"memory (server RSS), {count} conversations open at once, then one more:")
    rows = (
        ("before any", before, ""),
        (f"{count} open, idle", idle, f"(+{(idle - before) / count:.2f} MB each)"),
        ("after one turn each", talked, ""),
        (
            "one more opened, after its turn",
            extra,
            f"-> one more conversation adds {extra - talked:.2f} MB",
        ),
    )
    for label, mb, note in rows:
        print(f"  {label:<34} {mb:>8.1f} MB  {note}".rstrip())
    if missed:
        print(f"  turns with no reply within {REPLY_TIMEOUT_SECS:g} s: {len(missed)}")
    for line in problems:
        print(line)


# --- the run ----------------------------------------------------------------------------


async def run(options: Options) -> None:
    """Start the server, run both phases against it, print the figures, stop it."""
    questions = _utterances(QUESTIONS)
    (warm_up,) = _utterances([WARM_UP_QUESTION])
    env: dict[str, str | None] = {
        "OPENCONVAI_LOG_LEVEL": "info",
        "OPENCONVAI_LOCAL_MODELS": "true",
        "OPENCONVAI_MODELS_DIR": str(options.models_dir),
        "OPENCONVAI_SCRIPTED_PROVIDERS": "false",
        "OPENCONVAI_SPECULATIVE_REPLIES": "false" if options.naive else None,
    }
    with tempfile.TemporaryDirectory() as tmp:
        started = _now()
        async with serve(Path(tmp), env) as server:
            print(f"server ready in {_now() - started:.1f} s", flush=True)
            try:
                url = f"{server.ws_url}?agent_id={await _create_agent(server)}"
                await _guarded(server, _latency(server, url, warm_up, questions, options))
                if options.concurrent > 0:
                    await _guarded(server, _memory(server, url, questions, options.concurrent))
            except ServerGone as exc:
                raise ServerGone(f"{exc}; the end of its log:\n{server.log_tail()}") from None


async def _guarded(server: Server, phase: Awaitable[None]) -> None:
    """Run a phase; a dropped conversation ends it with a line, not a traceback."""
    try:
        await phase
    except (ConversationClosed, OSError, TimeoutError) as exc:
        print(f"phase failed: {exc!r}; the end of the server's log:\n{server.log_tail()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=20, help="spoken turns to time")
    parser.add_argument(
        "--concurrent", type=int, default=4, help="conversations of the memory phase (0: none)"
    )
    parser.add_argument(
        "--naive", action="store_true", help="no speculative replies: wait for the turn's end"
    )
    parser.add_argument(
        "--models-dir", type=Path, default=ROOT / "data" / "models", help="the model cache"
    )
    parser.add_argument("--verbose", action="store_true", help="print every turn")
    args = parser.parse_args()
    options = Options(
        turns=max(1, args.turns),
        concurrent=max(0, args.concurrent),
        naive=args.naive,
        models_dir=args.models_dir.resolve(),
        verbose=args.verbose,
    )
    if not options.models_dir.is_dir():
        sys.exit(f"no models in {options.models_dir}: run `openconvai models install` first")
    print(
        f"embedded pipeline, one server on all cores; speculative replies "
        f"{'off (--naive)' if options.naive else 'on'}; {options.turns} turns after a warm-up "
        f"turn, {CHUNK_SECS * 1000:.0f} ms chunks; models in {options.models_dir}",
        flush=True,
    )
    print(TARGETS, flush=True)
    asyncio.run(run(options))


if __name__ == "__main__":
    main()
