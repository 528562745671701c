# Lost wake-up with asyncio.Event: the consumer checks the queue, finds it empty, flushes
# its metrics (~0.2 ms on a worker thread), clears the event and waits for it. The producer
# puts an item and sets the event 1 ms later. If the consumer is resumed late, the producer's
# set() falls between its check and its clear(): the wake-up is lost and the consumer waits
# until its deadline (0.5 s: the twin is woken well within it, even on a busy machine).
# Twin: clear() before the check, so a set() after the check is never undone.
import asyncio

from zoo import after, io, run_tasks, tracer

DEADLINE = 0.5  # seconds the consumer waits to be woken


class Mailbox:
    def __init__(self):
        self.items = []
        self.ready = asyncio.Event()

    async def put(self, item):
        with tracer.start_as_current_span("put"):
            self.items.append(item)
            self.ready.set()

    async def take_racy(self):
        with tracer.start_as_current_span("check_empty") as span:
            empty = not self.items
            span.set_attribute("mailbox.empty", empty)
        if empty:
            with tracer.start_as_current_span("flush_metrics"):
                await io()
            self.ready.clear()
            with tracer.start_as_current_span("wait_ready"):
                await asyncio.wait_for(self.ready.wait(), DEADLINE)
        return self.items.pop()

    async def take(self):
        while True:
            self.ready.clear()
            with tracer.start_as_current_span("check_empty") as span:
                empty = not self.items
                span.set_attribute("mailbox.empty", empty)
            if not empty:
                return self.items.pop()
            with tracer.start_as_current_span("flush_metrics"):
                await io()
            with tracer.start_as_current_span("wait_ready"):
                await asyncio.wait_for(self.ready.wait(), DEADLINE)


def test_racy_consumer_is_woken():
    box = Mailbox()
    taken, _ = run_tasks(("consumer", box.take_racy()), ("producer", after(0.001, box.put("order"))))
    assert taken == "order"


def test_consumer_is_woken():
    box = Mailbox()
    taken, _ = run_tasks(("consumer", box.take()), ("producer", after(0.001, box.put("order"))))
    assert taken == "order"
