"""Conversation benchmark: N simultaneous voice conversations against one server process.

Starts `openconvai serve` with the instant scripted providers (tone-code speech in and out,
a scripted LLM) pinned to CPU 0 where possible, and drives it from this process (pinned to
CPU 1) over real WebSockets speaking the ElevenLabs conversation protocol:

    python bench/conversations.py [--sessions 1,10,100,200] [--turns 3] [--chunk-ms 20]

Each session connects, sends `conversation_initiation_client_data`, then streams 16 kHz PCM
in real time like an open microphone: silence while all sessions sit idle (memory and CPU
of idle sessions are sampled then), then per turn tone-coded user speech, the end-of-turn
silence and more silence while the agent replies. For every N it prints:

- platform overhead: arrival of the reply's first `audio` event minus the moment the client
  had sent the user's speech and the agent's end-of-turn silence (the earliest moment the
  turn can be known to be over), so the configured end-of-turn wait is already excluded;
- late audio: chunks that arrived after their playback time (the playback clock of a reply
  starts when its first chunk arrives);
- the server's CPU (utime+stime from /proc) while all sessions sit idle (microphone open,
  silence) and while all of them hold turns, and its RSS (VmRSS) before any session, with
  N idle sessions and at peak;
- a breakdown line: end of turn to `user_transcript` (the server's intake, before the
  reply is generated), the clients' own CPU and lateness (their timing error is in the
  figures above) and the CPU other processes took from both cores during the run.

Every run of N sessions uses a fresh server, so one run's memory does not leak into the next.
"""

import argparse
import asyncio
import base64
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from openconvai.providers import tone_code
from placement import pin
from serving import Server, ServerGone, cpu_secs, rss_mb, serve

SAMPLE_RATE = tone_code.SAMPLE_RATE
END_OF_TURN_MS = 500  # the server's end-of-turn silence for turn_eagerness "normal"
REPLY_SETTLE_SECS = 0.3  # after a reply's playback ends, wait this long for stray audio
GAP_SECS = 0.5  # the user's pause between hearing a reply and speaking again
FIRST_AUDIO_TIMEOUT_SECS = 10.0
CONNECT_TIMEOUT_SECS = 15.0
_now = time.perf_counter  # the clients' clock (uvloop's loop.time() ticks in whole ms)
TARGETS = (
    "targets (2 cores, 100 sessions): overhead p50 <= 5 ms, p99 <= 20 ms; <= 5 MB/idle session"
)


@dataclass(frozen=True)
class Options:
    """The command line."""

    sessions: list[int]
    turns: int
    chunk_ms: int
    reply_ms: int
    text: str
    stagger: float
    idle: float
    duration: float
    compression: bool


# --- the server -------------------------------------------------------------------------


def _cpu_busy_secs(cpu: int) -> float:
    """Time CPU `cpu` spent busy (any process), in seconds; 0 where unknown."""
    with suppress(OSError):
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith(f"cpu{cpu} "):
                ticks = [int(value) for value in line.split()[1:]]
                idle = ticks[3] + ticks[4]  # idle + iowait
                return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    return 0.0


def _server(workdir: Path, options: Options) -> AbstractAsyncContextManager[Server]:
    """The server of one run: scripted providers on CPU 0."""
    env = {
        "OPENCONVAI_LOG_LEVEL": "warning",
        "OPENCONVAI_SCRIPTED_PROVIDERS": "true",
        "OPENCONVAI_SCRIPTED_AUDIO_MS": str(options.reply_ms),
        "OPENCONVAI_SCRIPTED_REPLY": None,
    }
    return serve(workdir, env, cpu=0)


async def _create_agent(server: Server) -> str:
    config = {"turn": {"turn_timeout": 120}, "agent": {"first_message": ""}}
    headers = {"xi-api-key": server.admin_key}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as client:
        response = await client.post(
            "/v1/convai/agents/create", json={"conversation_config": config}, timeout=30
        )
        response.raise_for_status()
        return str(response.json()["agent_id"])


# --- the audio the clients send ---------------------------------------------------------


@dataclass(frozen=True)
class Script:
    """Ready-to-send `user_audio_chunk` messages: speech and silence, one chunk each."""

    speech: list[str]
    silence: str
    chunk_secs: float
    end_of_turn_chunks: int
    text: str

    @classmethod
    def build(cls, text: str, chunk_ms: int) -> "Script":
        chunk = SAMPLE_RATE * chunk_ms // 1000
        speech = tone_code.encode(text)
        # Leading silence, so the speech ends exactly where a chunk ends.
        speech = np.concatenate([np.zeros(-speech.size % chunk, dtype=np.int16), speech])
        messages = [_audio_message(speech[i : i + chunk]) for i in range(0, speech.size, chunk)]
        return cls(
            speech=messages,
            silence=_audio_message(np.zeros(chunk, dtype=np.int16)),
            chunk_secs=chunk_ms / 1000,
            end_of_turn_chunks=END_OF_TURN_MS // chunk_ms,
            text=tone_code.decode(tone_code.encode(text)),
        )


def _audio_message(samples: np.ndarray[Any, np.dtype[np.int16]]) -> str:
    payload = base64.b64encode(samples.astype("<i2").tobytes()).decode()
    return json.dumps({"user_audio_chunk": payload})


def _b64_size(text: str) -> int:
    """Bytes a base64 string decodes to, without decoding it."""
    return len(text) * 3 // 4 - text.endswith("=") - text.endswith("==")


def _bytes_per_sec(audio_format: str) -> float:
    codec, _, rate = audio_format.partition("_")
    return float(rate) * (2 if codec == "pcm" else 1)


# --- the clients ------------------------------------------------------------------------


@dataclass
class Totals:
    """What all sessions of one run measured."""

    overheads: list[float] = field(default_factory=list)
    transcript_delays: list[float] = field(default_factory=list)  # end of turn → transcript
    send_lags: list[float] = field(default_factory=list)
    chunks: int = 0
    late: int = 0
    worst_lateness: float = 0.0
    turns_done: int = 0
    turns_missed: int = 0
    wrong_transcripts: int = 0
    unexpected_audio: int = 0
    interruptions: int = 0
    failures: dict[str, int] = field(default_factory=dict)

    def fail(self, reason: str) -> None:
        self.failures[reason] = self.failures.get(reason, 0) + 1


class Run:
    """Shared state of N sessions: their barriers and totals."""

    def __init__(
        self, url: str, script: Script, sessions: int, turns: int, compression: bool
    ) -> None:
        self.url = url
        self.script = script
        self.sessions = sessions
        self.turns = turns
        self.compression = compression
        self.totals = Totals()
        self.go: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.all_settled = asyncio.Event()
        self.first_done = asyncio.Event()
        self._settled = 0

    def settled(self) -> None:
        """One more session is connected (or failed to)."""
        self._settled += 1
        if self._settled >= self.sessions:
            self.all_settled.set()


class Mic:
    """A real-time microphone: one chunk every `period` seconds, sent when it is complete."""

    def __init__(self, ws: ClientConnection, period: float, lags: list[float]) -> None:
        self._ws = ws
        self._period = period
        self._lags = lags
        self._next = _now() + period

    async def tick(self) -> float:
        """Wait until the next chunk is complete; the time it may be sent."""
        delay = self._next - _now()
        if delay > 0:
            await asyncio.sleep(delay)
        now = _now()
        self._lags.append(now - self._next)
        self._next += self._period
        return now

    async def send(self, message: str) -> None:
        """Send the next chunk when it is due."""
        await self.tick()
        await self._ws.send(message)


class Session:
    """One conversation: a microphone task (this) and a receive loop."""

    def __init__(self, run: Run, offset: float) -> None:
        self._run = run
        self._offset = offset
        self._bytes_per_sec = 2.0 * SAMPLE_RATE
        self._awaiting_since: float | None = None  # end of the turn awaiting its reply
        self._reply_id: int | None = None
        self._reply_start = 0.0
        self._reply_secs = 0.0

    async def run(self) -> None:
        """Connect, wait for the go, talk `turns` turns, hang up."""
        run = self._run
        await asyncio.sleep(self._offset)
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_SECS):
                ws = await connect(
                    run.url,
                    open_timeout=CONNECT_TIMEOUT_SECS,
                    close_timeout=5,
                    ping_interval=None,
                    compression="deflate" if run.compression else None,
                    max_size=16 * 1024 * 1024,
                )
                await ws.send(json.dumps({"type": "conversation_initiation_client_data"}))
                first = json.loads(await ws.recv())
            if first.get("type") != "conversation_initiation_metadata":
                run.totals.fail(f"first message {first.get('type')}")
                await ws.close()
                return
            event = first["conversation_initiation_metadata_event"]
            self._bytes_per_sec = _bytes_per_sec(event["agent_output_audio_format"])
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as exc:
            run.totals.fail(f"connect: {type(exc).__name__}")
            return
        finally:
            run.settled()
        receiver = asyncio.create_task(self._receive(ws))
        try:
            await self._talk(ws)
        except ConnectionClosed as exc:
            run.totals.fail(f"closed by server: {exc.rcvd.code if exc.rcvd else 'no code'}")
        finally:
            receiver.cancel()
            with suppress(asyncio.CancelledError, ConnectionClosed):
                await receiver
            with suppress(OSError, TimeoutError, ConnectionClosed):
                await ws.close()

    async def _talk(self, ws: ClientConnection) -> None:
        run, script, totals = self._run, self._run.script, self._run.totals
        mic = Mic(ws, script.chunk_secs, totals.send_lags)
        while not run.go.done():
            await mic.send(script.silence)
        talk_at = run.go.result() + self._offset
        for turn in range(run.turns):
            while _now() < talk_at:
                await mic.send(script.silence)
            for message in script.speech:
                await mic.send(message)
            for _ in range(script.end_of_turn_chunks - 1):
                await mic.send(script.silence)
            # With this chunk, the server has all it needs to know that the turn is over.
            self._awaiting_since = await mic.tick()
            await ws.send(script.silence)
            deadline = self._awaiting_since + FIRST_AUDIO_TIMEOUT_SECS
            while self._awaiting_since is not None and _now() < deadline:
                await mic.send(script.silence)
            if self._awaiting_since is not None:
                self._awaiting_since = None
                totals.turns_missed += 1
            else:
                while _now() < self._reply_start + self._reply_secs + REPLY_SETTLE_SECS:
                    await mic.send(script.silence)
                totals.turns_done += 1
            if turn == run.turns - 1:
                run.first_done.set()
            talk_at = _now() + GAP_SECS

    async def _receive(self, ws: ClientConnection) -> None:
        totals = self._run.totals
        async for raw in ws:
            now = _now()
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "audio":
                audio = message["audio_event"]
                secs = _b64_size(audio["audio_base_64"]) / self._bytes_per_sec
                event_id = audio.get("event_id")
                if event_id != self._reply_id:
                    # The first chunk of a reply: its playback starts now.
                    self._reply_id = event_id
                    if self._awaiting_since is None:
                        totals.unexpected_audio += 1
                    else:
                        totals.overheads.append(now - self._awaiting_since)
                        self._awaiting_since = None
                    self._reply_start, self._reply_secs = now, 0.0
                else:
                    lateness = now - (self._reply_start + self._reply_secs)
                    if lateness > 0:
                        totals.late += 1
                        totals.worst_lateness = max(totals.worst_lateness, lateness)
                totals.chunks += 1
                self._reply_secs += secs
            elif kind == "ping":
                event_id = message["ping_event"]["event_id"]
                await ws.send(json.dumps({"type": "pong", "event_id": event_id}))
            elif kind == "user_transcript":
                heard = message["user_transcription_event"]["user_transcript"]
                if self._awaiting_since is not None:
                    totals.transcript_delays.append(now - self._awaiting_since)
                if heard != self._run.script.text:
                    totals.wrong_transcripts += 1
            elif kind == "interruption":
                totals.interruptions += 1
            elif kind == "error":
                totals.fail(f"error event: {message['error_event'].get('error_type')}")


# --- one run ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """CPU use over a window, in % of one core."""

    server: float
    client: float
    others: float  # what other processes took of the server's core (CPU 0)
    client_others: float  # what other processes took of the clients' core (CPU 1)


@dataclass
class Result:
    """The figures of one run of N sessions."""

    sessions: int
    turns_expected: int
    totals: Totals
    rss_base: float
    rss_idle: float
    rss_peak: float
    idle: Usage  # all sessions connected and silent
    active: Usage  # all sessions in their turns
    timed_out: int


class Sampler:
    """Peak RSS of the server, sampled in the background."""

    def __init__(self, pid: int) -> None:
        self.peak = 0.0
        self._pid = pid

    async def run(self) -> None:
        while True:
            with suppress(OSError, ServerGone):
                self.peak = max(self.peak, rss_mb(self._pid))
            await asyncio.sleep(0.25)


def _window(pid: int) -> Callable[[], Usage]:
    """Start a CPU window; the callable ends it."""
    wall, server, client = time.monotonic(), cpu_secs(pid), time.process_time()
    busy, busy_client = _cpu_busy_secs(0), _cpu_busy_secs(1)

    def end() -> Usage:
        elapsed = max(time.monotonic() - wall, 1e-9)
        server_pct = 100 * (cpu_secs(pid) - server) / elapsed
        client_pct = 100 * (time.process_time() - client) / elapsed
        busy_pct = 100 * (_cpu_busy_secs(0) - busy) / elapsed
        busy_client_pct = 100 * (_cpu_busy_secs(1) - busy_client) / elapsed
        return Usage(
            server=server_pct,
            client=client_pct,
            others=max(0.0, busy_pct - server_pct),
            client_others=max(0.0, busy_client_pct - client_pct),
        )

    return end


async def run_sessions(count: int, options: Options) -> Result:
    """Start a server, run `count` conversations against it, measure."""
    with tempfile.TemporaryDirectory() as tmp:
        async with _server(Path(tmp), options) as server:
            try:
                return await _measure(server, count, options)
            except ServerGone as exc:
                tail = "\n".join(server.log_path.read_text().splitlines()[-20:])
                raise ServerGone(f"{exc}; the end of its log:\n{tail}") from None


async def _measure(server: Server, count: int, options: Options) -> Result:
    script = Script.build(options.text, options.chunk_ms)
    agent_id = await _create_agent(server)
    url = (
        server.base_url.replace("http://", "ws://") + f"/v1/convai/conversation?agent_id={agent_id}"
    )
    # Warm-up: one conversation pays for lazy imports and first-call costs.
    warm = Run(url, script, 1, 1, options.compression)
    warm.go.set_result(_now())
    await asyncio.wait_for(Session(warm, 0.0).run(), timeout=30)
    if warm.totals.turns_done != 1:
        raise RuntimeError(f"warm-up conversation failed: {warm.totals}")
    await asyncio.sleep(1.0)
    rss_base = rss_mb(server.pid)
    sampler = Sampler(server.pid)
    sampling = asyncio.create_task(sampler.run())
    run = Run(url, script, count, options.turns, options.compression)
    deadline = _now() + options.duration
    offsets = [i * options.stagger / count for i in range(count)]
    tasks = [asyncio.create_task(Session(run, offset).run()) for offset in offsets]
    try:
        async with asyncio.timeout(options.stagger + CONNECT_TIMEOUT_SECS + 5):
            await run.all_settled.wait()
        await asyncio.sleep(0.5)
        end_idle = _window(server.pid)
        await asyncio.sleep(options.idle)
        idle = end_idle()
        rss_idle = rss_mb(server.pid)
        go = _now() + 0.1
        run.go.set_result(go)
        # The active window: from the last session's first turn to the first
        # session's last turn's end, when all of them are in their turns.
        await asyncio.sleep(max(0.0, go + options.stagger - _now()))
        end_active = _window(server.pid)
        with suppress(TimeoutError):
            async with asyncio.timeout(max(1.0, deadline - _now())):
                await run.first_done.wait()
        active = end_active()
        remaining = max(1.0, deadline - _now())
        _, pending = await asyncio.wait(tasks, timeout=remaining)
    finally:
        if not run.go.done():
            run.go.set_result(_now())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        sampling.cancel()
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            run.totals.fail(f"client crash: {task.exception()!r}")
    return Result(
        sessions=count,
        turns_expected=count * options.turns,
        totals=run.totals,
        rss_base=rss_base,
        rss_idle=rss_idle,
        rss_peak=sampler.peak,
        idle=idle,
        active=active,
        timed_out=len(pending),
    )


# --- the report -------------------------------------------------------------------------


def _percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(np.ceil(share * len(ordered))) - 1))
    return ordered[rank]


HEADER = (
    f"{'N':>4} {'turns':>9} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
    f"{'late chunks':>16} {'CPU% idle':>10} {'/sess':>6} {'CPU% talk':>10} {'/sess':>6} "
    f"{'RSS MB':>7} {'+MB/idle':>9} {'peak MB':>8}"
)


def _row(result: Result) -> str:
    totals, n = result.totals, result.sessions
    ms = [value * 1000 for value in totals.overheads]
    share = totals.late / totals.chunks if totals.chunks else 0.0
    per_idle = (result.rss_idle - result.rss_base) / n
    return (
        f"{n:>4} {totals.turns_done:>4}/{result.turns_expected:<4} "
        f"{_percentile(ms, 0.5):>7.1f} {_percentile(ms, 0.99):>7.1f} "
        f"{max(ms, default=float('nan')):>7.1f} "
        f"{totals.late:>6}/{totals.chunks:<6} {100 * share:>2.0f}% "
        f"{result.idle.server:>10.1f} {result.idle.server / n:>6.2f} "
        f"{result.active.server:>10.1f} {result.active.server / n:>6.2f} "
        f"{result.rss_base:>7.1f} {per_idle:>9.2f} {result.rss_peak:>8.1f}"
    )


def _details(result: Result) -> list[str]:
    totals, active = result.totals, result.active
    ms = [value * 1000 for value in totals.transcript_delays]
    lines = [
        f"  end of turn -> user_transcript p50 {_percentile(ms, 0.5):.1f} ms, "
        f"p99 {_percentile(ms, 0.99):.1f} ms; clients: CPU {active.client:.0f}%, "
        f"mic sends late p99 {1000 * _percentile(totals.send_lags, 0.99):.1f} ms; "
        f"other processes took {active.others:.0f}% of CPU 0, "
        f"{active.client_others:.0f}% of CPU 1"
    ]
    lines += [f"  {reason}: {count}" for reason, count in sorted(totals.failures.items())]
    if totals.turns_missed:
        lines.append(
            f"  turns with no reply within {FIRST_AUDIO_TIMEOUT_SECS:g} s: {totals.turns_missed}"
        )
    if totals.wrong_transcripts:
        lines.append(f"  user transcripts that were not the words said: {totals.wrong_transcripts}")
    if totals.unexpected_audio:
        lines.append(f"  replies nobody asked for: {totals.unexpected_audio}")
    if totals.interruptions:
        lines.append(f"  interruptions: {totals.interruptions}")
    if totals.late:
        lines.append(f"  worst late chunk: {1000 * totals.worst_lateness:.1f} ms after its time")
    if result.timed_out:
        lines.append(f"  sessions still running at --duration, cancelled: {result.timed_out}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", default="1,10,100,200", help="comma-separated Ns")
    parser.add_argument("--turns", type=int, default=3, help="user turns per session")
    parser.add_argument("--chunk-ms", type=int, default=20, choices=(20, 100))
    parser.add_argument("--reply-ms", type=int, default=1000, help="audio per agent reply")
    parser.add_argument("--text", default="hello there", help="what each user says")
    parser.add_argument("--stagger", type=float, default=1.5, help="seconds to spread starts")
    parser.add_argument("--idle", type=float, default=2.0, help="seconds all sit idle")
    parser.add_argument("--duration", type=float, default=90.0, help="most seconds per N")
    parser.add_argument(
        "--compression", action="store_true", help="offer permessage-deflate, as SDKs do"
    )
    args = parser.parse_args()
    options = Options(
        sessions=[int(n) for n in args.sessions.split(",") if n.strip()],
        turns=max(1, args.turns),
        chunk_ms=args.chunk_ms,
        reply_ms=args.reply_ms,
        text=args.text,
        stagger=args.stagger,
        idle=args.idle,
        duration=args.duration,
        compression=args.compression,
    )
    pin(1)
    print(
        f"one server process (CPU 0), clients in this process (CPU 1); {options.turns} turns "
        f"per session, {options.chunk_ms} ms chunks, {options.reply_ms} ms replies, "
        f"{END_OF_TURN_MS} ms end-of-turn wait excluded, "
        f"compression {'deflate' if options.compression else 'off'}",
        flush=True,
    )
    print(TARGETS)
    print(HEADER, flush=True)
    runner = _runner()
    with runner:
        for count in options.sessions:
            try:
                result = runner.run(run_sessions(count, options))
            except (RuntimeError, TimeoutError, OSError, httpx.HTTPError) as exc:
                print(f"{count:>4} run failed: {exc!r}", flush=True)
                continue
            print(_row(result), flush=True)
            for line in _details(result):
                print(line, flush=True)


def _runner() -> asyncio.Runner:
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


if __name__ == "__main__":
    main()
