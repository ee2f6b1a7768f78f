"""The Redis server tests use (OPENCONVAI_TEST_REDIS_URL)."""

import os

import redis

from tests.support.missing import missing

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url_or_skip() -> str:
    """The test Redis URL; in CI a missing server fails, elsewhere it is a reported skip."""
    url = os.environ.get("OPENCONVAI_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError:
        missing(f"Redis at {url} is not reachable")
    return url
