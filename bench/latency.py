"""What the latency benchmarks share: the loopback baseline and how a series is printed."""

import statistics
import time

import httpx

_now = time.perf_counter


async def round_trips(base_url: str, count: int) -> list[float]:
    """Loopback HTTP round trips (ms) to `base_url/ping`: the floor any hop here costs."""
    results = []
    async with httpx.AsyncClient() as http:
        for _ in range(count):
            started = _now()
            await http.get(f"{base_url}/ping")
            results.append((_now() - started) * 1000)
    return results


def percentile_row(name: str, values: list[float], width: int = 46) -> str:
    """One printed line: p50 and p99 of `values` (ms)."""
    if not values:
        return f"  {name:<{width}} no samples"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"  {name:<{width}} p50 {statistics.median(ordered):6.2f} ms  p99 {p99:6.2f} ms"
