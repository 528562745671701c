# A read-modify-write across an await between two asyncio tasks, and its locked twin. The
# second task arrives 0.3 ms after the first, whose audit write takes ~0.1 ms on a worker
# thread: it seldom fails on its own; under `testscope run --provoke` the event loop resumes
# tasks late and the second task reads before the first has written.
import asyncio
import os
import time

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


async def withdraw(account, lock):
    async with lock:
        with tracer.start_as_current_span("read_balance"):
            balance = account["balance"]
        with tracer.start_as_current_span("audit"):
            await asyncio.to_thread(time.sleep, 0.0001)
        with tracer.start_as_current_span("write_balance"):
            account["balance"] = balance - 30


async def later(coroutine):
    await asyncio.sleep(0.0003)
    await coroutine


class NoLock:
    async def __aenter__(self):
        pass

    async def __aexit__(self, *exc):
        pass


def withdraw_twice(lock):
    account = {"balance": 100}

    async def main():
        first = asyncio.create_task(withdraw(account, lock), name="clerk-1")
        second = asyncio.create_task(later(withdraw(account, lock)), name="clerk-2")
        await asyncio.gather(first, second)

    asyncio.run(main())
    return account["balance"]


def test_racy_withdrawals_are_all_counted():
    assert withdraw_twice(NoLock()) == 40


def test_locked_withdrawals_are_all_counted():
    assert withdraw_twice(asyncio.Lock()) == 40


def test_the_event_loop_is_changed_only_under_provoke():
    patched = asyncio.BaseEventLoop.call_soon.__module__ != "asyncio.base_events"
    assert patched == (os.environ.get("TESTSCOPE_PROVOKE", "off") not in ("", "off"))
