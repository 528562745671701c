# A fixture project for testscope's pytest front: every kind of record the plugin captures.
import asyncio
import json
import logging
import threading

import pytest
from opentelemetry import trace
from prometheus_client import Counter, Gauge, Histogram

import testscope

tracer = trace.get_tracer(__name__)
uses = Counter("fixture_uses_total", "uses", ["code", "status"])
depth = Gauge("fixture_depth", "a gauge")
latency = Histogram("fixture_latency_seconds", "a histogram", buckets=(0.1, 1.0))
logger = logging.getLogger("fixture")


@tracer.start_as_current_span("decorated")
def decorated():
    return trace.get_current_span()


@tracer.start_as_current_span("decorated_async")
async def decorated_async():
    return trace.get_current_span()


def test_spans_and_records():
    with tracer.start_as_current_span("outer", attributes={"a.int": 7}) as outer:
        outer.set_attribute("a.str", "text")
        outer.set_attributes({"a.float": 1.5, "a.bool": True})
        outer.add_event("checkpoint", {"step": 2})
        with tracer.start_as_current_span("inner") as inner:
            logger.info(json.dumps({"event": "promo_check", "code": "SUMMER20", "uses": 0}))
            testscope.log_event("promo_applied", code="SUMMER20", user="u1")
            logger.warning("plain message")
            inner.set_status(trace.StatusCode.ERROR, "limit")
        try:
            with tracer.start_as_current_span("raises"):
                raise ValueError("boom")
        except ValueError:
            pass
    span = tracer.start_span("manual")
    span.end()
    assert decorated().get_span_context().is_valid
    assert asyncio.run(decorated_async()).get_span_context().is_valid
    with tracer.start_as_current_span("kept_open", end_on_exit=False) as kept:
        assert trace.get_current_span() is kept
    kept.set_attribute("after", 1)
    kept.end()
    uses.labels(code="SUMMER20", status="ok").inc(2)
    depth.set(5)
    latency.observe(0.5)


async def _apply(user):
    with tracer.start_as_current_span("apply_promo") as span:
        span.set_attribute("user.id", user)
        await asyncio.sleep(0.001)
        with tracer.start_as_current_span("db.query"):
            await asyncio.sleep(0.001)


def test_asyncio_lanes():
    async def main():
        with tracer.start_as_current_span("gather"):
            await asyncio.gather(asyncio.create_task(_apply("u1"), name="user-u1"),
                                 asyncio.create_task(_apply("u2"), name="user-u2"))

    asyncio.run(main())


def test_thread():
    def work():
        with tracer.start_as_current_span("in_thread"):
            pass

    t = threading.Thread(target=work, name="worker-1")
    t.start()
    t.join()


def test_fails():
    with tracer.start_as_current_span("before_failure"):
        pass
    assert 1 + 1 == 3


@pytest.mark.skip(reason="not today")
def test_skipped():
    pass


@pytest.mark.parametrize("users", ["two users", "a/b"])
def test_param(users):
    with tracer.start_as_current_span("param"):
        pass
