import time

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from conftest import EXPORTER

tracer = trace.get_tracer(__name__)  # bound at import, before the fixture sets the SDK


def test_sdk_spans():
    with tracer.start_as_current_span("sdk_outer") as span:
        span.set_attribute("k", "v")
        time.sleep(0.02)
        span.add_event("halfway", {"step": 1})  # stamped now by the SDK, recorded at the span's end
        time.sleep(0.02)
        with tracer.start_as_current_span("sdk_inner"):
            pass
    assert isinstance(trace.get_tracer_provider(), TracerProvider)
    names = [s.name for s in EXPORTER.get_finished_spans()]
    assert names[-2:] == ["sdk_inner", "sdk_outer"]  # the user's exporter still gets them
