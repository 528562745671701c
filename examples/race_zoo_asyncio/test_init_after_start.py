# Initialisation after start: a service starts its request handler task, then loads its
# configuration (~0.2 ms on a worker thread). The first request reaches the handler 1.5 ms
# after the start. If the service's own task is resumed late, the handler uses the
# configuration before it is loaded.
# Twin: the configuration is loaded before the handler task starts.
import asyncio

from zoo import io, run_tasks, tracer


class Service:
    def __init__(self):
        self.config = None

    async def load_config(self):
        with tracer.start_as_current_span("load_config"):
            await io()
            self.config = {"limit": 10}

    async def handle_first_request(self):
        await asyncio.sleep(0.0015)  # the first request arrives
        with tracer.start_as_current_span("handle_request") as span:
            span.set_attribute("service.configured", self.config is not None)
            return self.config["limit"]

    async def start(self, load_first):
        if load_first:
            await self.load_config()
        handler = asyncio.create_task(self.handle_first_request(), name="handler")
        if not load_first:
            await self.load_config()
        return await handler


def test_racy_start_serves_with_configuration():
    assert run_tasks(("service", Service().start(load_first=False))) == [10]


def test_ordered_start_serves_with_configuration():
    assert run_tasks(("service", Service().start(load_first=True))) == [10]
