# Reading a result before the worker publishes it: a report task computes a total (~0.2 ms
# on a worker thread) and publishes it; the handler, instead of awaiting the task, gives it
# 2 ms and reads the published value. If the report task is resumed late, the handler reads
# before the publish and finds nothing.
# Twin: the handler awaits the task.
import asyncio

from zoo import io, run_tasks, tracer


class Report:
    def __init__(self):
        self.total = None

    async def compute(self):
        with tracer.start_as_current_span("compute_total"):
            await io()
        with tracer.start_as_current_span("publish_total"):
            self.total = 42


async def handle(wait_for_task):
    report = Report()
    task = asyncio.create_task(report.compute(), name="reporter")
    if wait_for_task:
        await task
    else:
        await asyncio.sleep(0.002)  # "long enough"
    with tracer.start_as_current_span("read_total") as span:
        span.set_attribute("report.total", str(report.total))
        total = report.total
    await task
    return total


def test_racy_handler_reads_the_published_total():
    assert run_tasks(("handler", handle(wait_for_task=False))) == [42]


def test_awaiting_handler_reads_the_published_total():
    assert run_tasks(("handler", handle(wait_for_task=True))) == [42]
