# Use after close: a sender writes three messages (~0.1 ms each on a worker thread) on a
# connection; a shutdown task closes the connection 2 ms after the start, assuming the
# sender is done by then. If the sender is resumed late, a send meets the closed connection.
# Twin: the shutdown waits for the sender to drain before it closes.
import asyncio

from zoo import after, io, run_tasks, tracer


class Connection:
    def __init__(self):
        self.open = True
        self.drained = asyncio.Event()

    async def send(self, message):
        with tracer.start_as_current_span("send") as span:
            span.set_attribute("conn.open", self.open)
            if not self.open:
                raise ConnectionError(f"send {message!r} on a closed connection")
            await io(0.0001)

    async def send_all(self, messages):
        for message in messages:
            await self.send(message)
        self.drained.set()

    async def close(self, drain_first):
        if drain_first:
            await self.drained.wait()
        with tracer.start_as_current_span("close"):
            self.open = False


def shut_down(drain_first):
    conn = Connection()
    run_tasks(("sender", conn.send_all(["a", "b", "c"])), ("shutdown", after(0.002, conn.close(drain_first))))


def test_racy_shutdown_never_cuts_a_send():
    shut_down(drain_first=False)


def test_draining_shutdown_never_cuts_a_send():
    shut_down(drain_first=True)
