"""Which recorder buffer the calling code records into: its asyncio task's lane, else its thread's.

Each asyncio task gets a lane of its own (a buffer named after the task, shown as a thread
in the timeline, the Chrome trace and the HTML report), so the seed's race between two tasks
on one event loop shows as two swimlanes. Threads record into their own buffers, named after
the Python thread.
"""

from __future__ import annotations

import threading
from asyncio import current_task as _current_task
from asyncio.events import _get_running_loop

from . import _native

_lanes: dict = {}  # task -> lane handle
_named = threading.local()


def _close(task) -> None:
    lane = _lanes.pop(task, 0)
    if lane:
        _native.close_lane(lane)


def current_lane() -> int:
    """The lane of the running asyncio task (opened at its first span), or 0: the thread's own.
    (The native begin_span does the no-loop case itself and calls this with a loop running.)"""
    loop = _get_running_loop()
    if loop is not None:
        task = _current_task(loop)
        if task is not None:
            lane = _lanes.get(task)
            if lane is None:
                lane = _native.open_lane(task.get_name())
                _lanes[task] = lane
                task.add_done_callback(_close)
            return lane
    if not getattr(_named, "done", False):
        _named.done = True
        _native.set_thread_name(threading.current_thread().name)
    return 0
