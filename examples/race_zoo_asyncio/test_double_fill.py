# Double fill of a cache (check-then-act across an await): two requests for the same key;
# the second arrives 1.5 ms after the first, whose fill from the backend takes ~0.2 ms. If
# the first request's task is resumed late, the second finds the key still missing and
# loads it again: the backend is asked twice.
# Twin: the first request leaves a future in the cache before it awaits (single flight).
import asyncio

from zoo import after, io, run_tasks, tracer


class Backend:
    def __init__(self):
        self.loads = 0

    async def load(self, key):
        with tracer.start_as_current_span("backend.load") as span:
            self.loads += 1
            span.set_attribute("cache.key", key)
            await io()
            return key.upper()


class RacyCache:
    def __init__(self, backend):
        self.backend, self.values = backend, {}

    async def get(self, key):
        with tracer.start_as_current_span("cache.lookup") as span:
            hit = key in self.values
            span.set_attribute("cache.hit", hit)
        if not hit:
            self.values[key] = await self.backend.load(key)
        return self.values[key]


class SingleFlightCache:
    def __init__(self, backend):
        self.backend, self.values = backend, {}

    async def get(self, key):
        with tracer.start_as_current_span("cache.lookup") as span:
            entry = self.values.get(key)
            span.set_attribute("cache.hit", entry is not None)
            if entry is None:
                entry = self.values[key] = asyncio.ensure_future(self.backend.load(key))
        return await entry


def fill_twice(cache_type):
    backend = Backend()
    cache = cache_type(backend)
    results = run_tasks(("request-1", cache.get("price")), ("request-2", after(0.0015, cache.get("price"))))
    return backend, results


def test_racy_cache_loads_each_key_once():
    backend, results = fill_twice(RacyCache)
    assert results == ["PRICE", "PRICE"]
    assert backend.loads == 1


def test_single_flight_cache_loads_each_key_once():
    backend, results = fill_twice(SingleFlightCache)
    assert results == ["PRICE", "PRICE"]
    assert backend.loads == 1
