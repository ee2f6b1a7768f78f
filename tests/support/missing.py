"""What a test does when a service or tool it needs is not there."""

import os
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    """In CI (which must provide everything, see .ci/run) a failure; elsewhere a reported skip."""
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI must provide it: see .ci/run)")
    pytest.skip(reason)
