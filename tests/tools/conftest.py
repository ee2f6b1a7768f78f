"""Fixtures of the tool tests: an outbound guard that may reach 127.0.0.0/8."""

from collections.abc import AsyncIterator

import pytest

from openconvai.security.outbound import OutboundGuard
from openconvai.tools.webhook import WebhookToolRunner
from tests.tools.webhook_support import LOOPBACK


@pytest.fixture
async def guard() -> AsyncIterator[OutboundGuard]:
    """A guard that lets calls reach 127.0.0.0/8 (closed after the test)."""
    async with OutboundGuard(LOOPBACK) as loopback:
        yield loopback


@pytest.fixture
def runner(guard: OutboundGuard) -> WebhookToolRunner:
    return WebhookToolRunner(guard)
