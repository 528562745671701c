"""Shared pieces of the asyncio race zoo."""

import asyncio
import time

from opentelemetry import trace

tracer = trace.get_tracer("race_zoo_asyncio")


def io(seconds=0.0002):
    """A short blocking I/O step (a query, a write), on a worker thread."""
    return asyncio.to_thread(time.sleep, seconds)


async def after(seconds, coroutine):
    """`coroutine`, started `seconds` from now: the second actor arrives a little later."""
    await asyncio.sleep(seconds)
    return await coroutine


def run_tasks(*named):
    """Runs (name, coroutine) pairs as tasks of those names on a new event loop; their results."""

    async def main():
        tasks = [asyncio.create_task(coroutine, name=name) for name, coroutine in named]
        return await asyncio.gather(*tasks)

    return asyncio.run(main())
