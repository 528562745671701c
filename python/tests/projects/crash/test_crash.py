# Tests that end their process: a segfault, an abort, a SIGKILL, a hang. CRASH_MODE picks one.
import ctypes
import os
import signal
import time

from opentelemetry import trace

tracer = trace.get_tracer(__name__)
MODE = os.environ.get("CRASH_MODE", "")


def test_before():
    with tracer.start_as_current_span("fine"):
        pass


def test_dies():
    with tracer.start_as_current_span("doomed") as span:
        span.set_attribute("mode", MODE)
        if MODE == "segfault":
            ctypes.string_at(0)
        elif MODE == "abort":
            os.abort()
        elif MODE == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif MODE == "hang":
            time.sleep(600)


def test_after():
    pass
