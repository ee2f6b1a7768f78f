"""The inference pool runs work off the event loop and refuses more than it can queue."""

import asyncio
import threading

import pytest

from openconvai.providers.inference import InferenceBusy, InferencePool


async def test_work_beyond_the_queue_limit_is_refused_at_once() -> None:
    pool = InferencePool("test", workers=1, queue_limit=1, error_type="asr_transcription_error")
    release = threading.Event()
    loop_thread = threading.get_ident()

    def job() -> int:
        release.wait(5)
        return threading.get_ident()

    running = asyncio.ensure_future(pool.run(job))
    queued = asyncio.ensure_future(pool.run(job))
    await asyncio.sleep(0.05)
    with pytest.raises(InferenceBusy) as busy:
        await pool.run(job)
    assert busy.value.error_type == "asr_transcription_error"
    assert "saturated" in busy.value.message
    release.set()
    threads = await asyncio.gather(running, queued)
    assert loop_thread not in threads
    # Once the backlog drained, work is accepted again.
    assert await pool.run(lambda: 7) == 7
    pool.close()
