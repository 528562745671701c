# A check-then-act race between two Python threads, with a span around each step. The GIL
# rarely switches between the steps, so it seldom fails on its own; under `testscope run
# --provoke` the waits at span ends let the other thread in.
import threading

from opentelemetry import trace

tracer = trace.get_tracer(__name__)


def test_two_threads_use_a_single_use_code():
    store = {"uses": 0, "applied": 0}

    def apply():
        with tracer.start_as_current_span("apply"):
            with tracer.start_as_current_span("read"):
                uses = store["uses"]
            if uses < 1:
                with tracer.start_as_current_span("write"):
                    store["uses"] = uses + 1
                    store["applied"] += 1

    threads = [threading.Thread(target=apply, name=f"user-{i}") for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store["applied"] == 1
