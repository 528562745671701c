"""Provocation of asyncio tasks (`testscope run --provoke`): the event loop resumes tasks late.

Threads are provoked where they pass a span's begin or end: they wait there, and other
threads run meanwhile. Tasks on one event loop cannot wait that way: a task that waits holds
the loop, and every other task waits with it (measured: no race between tasks ever showed).
So under provocation the event loop itself is nudged. Every resumption of a task (the
loop's `call_soon` of the task's first step, or of its wake-up when what it awaited is done)
may be deferred by a delay the recorder chooses for (the run's seed, the task's name, how
many times that task was resumed in this test), with the run's profile, as it chooses a
thread's waits; tasks whose turn or I/O comes meanwhile run first. The resumption is recorded
as a `testscope.provoke.wait` event, point `resume <task name>`, on the task's current span
in its lane, at the time the task was held back, with the delay it got.

Deferral only postpones a resumption: no callback is dropped, run twice or run out of order
within one task, so correct code keeps its results. Deadlines the test sets itself
(`asyncio.wait_for`, `asyncio.timeout`) see the added delays.

Installed on asyncio.BaseEventLoop (every loop of the standard library: selector and proactor
loops); loops that are not (uvloop) are not provoked. Installed only when the run asks for
provocation (TESTSCOPE_PROVOKE), and active only while a test is captured.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
import weakref

from . import _native
from ._lanes import _lanes
from .otel import current_span_id

_original_call_soon = None
_resumptions: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # task -> resumptions
_Task = asyncio.Task
_active = _native.provoke_active
_delay_ns = _native.provoke_resume_delay_ns


def _resume(task, callback, start_ticks: int, start_ns: int, *args) -> None:
    """Runs in the task's context, when the loop gets to the deferred resumption."""
    try:
        _native.record_resume_wait(_lanes.get(task, 0), current_span_id(), start_ticks,
                                   time.monotonic_ns() - start_ns, task.get_name())
    except Exception:  # never into the code under test
        pass
    callback(*args)


# A task's own resumptions: its step (C: TaskStepMethWrapper; Python's Task: __step) and its
# wake-up when an awaited future is done. Other methods of a task the code schedules itself
# (`loop.call_soon(task.cancel)`) are left alone.
_RESUMPTIONS = frozenset({"task_step", "task_wakeup", "__step", "__wakeup"})


def _resumption(callback) -> bool:
    return type(callback).__name__ == "TaskStepMethWrapper" or getattr(callback, "__name__", "") in _RESUMPTIONS


def _deferral(callback) -> int:
    """How long to hold back this callback, in ns: 0 unless it resumes a task under provocation."""
    task = getattr(callback, "__self__", None)
    if not (isinstance(task, _Task) and _active() and _resumption(callback)):
        return 0
    count = _resumptions.get(task, 0) + 1
    _resumptions[task] = count
    return _delay_ns(task.get_name(), count)


def _call_soon(self, callback, *args, context=None):
    try:
        delay = _deferral(callback)
    except Exception:  # never into the event loop: the callback runs as it would have
        delay = 0
    if delay > 0:
        resume = functools.partial(_resume, callback.__self__, callback, _native.now_ticks(), time.monotonic_ns())
        return self.call_later(delay / 1e9, resume, *args, context=context)
    return _original_call_soon(self, callback, *args, context=context)


def install() -> bool:
    """Defers task resumptions from now on when the run asks for provocation; True if it does."""
    global _original_call_soon
    profile = os.environ.get("TESTSCOPE_PROVOKE", "")
    if profile in ("", "off") or _original_call_soon is not None:
        return _original_call_soon is not None
    _original_call_soon = asyncio.BaseEventLoop.call_soon
    asyncio.BaseEventLoop.call_soon = _call_soon
    return True
