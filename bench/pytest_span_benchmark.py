#!/usr/bin/env python3
"""A span with two attributes through the OpenTelemetry Python API: testscope's provider (the
pytest front's, recording into the C++ recorder while a test is captured) against
opentelemetry-sdk with a SimpleSpanProcessor and an in-memory exporter (the seed's setup).

    build/.venv/bin/python bench/pytest_span_benchmark.py [--spans N] [--repeat R]

Both run the same code, the seed's hot path:
    with tracer.start_as_current_span("apply_promo") as span:
        span.set_attribute("promo.code", "SUMMER20"); span.set_attribute("user.id", "u1")
Each figure is the best of R rounds of N spans (the rounds of the three alternate) (microseconds per span). testscope's spans are
recorded inside a captured test (a native TestSession, no artifacts written), in batches of
10,000 spans per test so the 8 MiB buffer never fills; the end of each test (assembling its
record, after the test body) is timed apart and printed on its own line. The SDK's exporter
is cleared between rounds.
docs/pytest.md has the goal (at least 10x cheaper) and the last run.
"""

import argparse
import os
import platform
import time


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def seed_path(tracer):
    with tracer.start_as_current_span("apply_promo") as span:
        span.set_attribute("promo.code", "SUMMER20")
        span.set_attribute("user.id", "u1")


def per_span_us(run, spans: int, repeat: int, before=None) -> float:
    best = float("inf")
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        timed = run(spans)
        best = min(best, timed if timed is not None else time.perf_counter() - start)
    return best / spans * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    os.environ.pop("TESTSCOPE_ARTIFACTS", None)
    from opentelemetry.sdk.trace import TracerProvider as SdkProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from testscope import _native, otel

    sdk_provider = SdkProvider()
    exporter = InMemorySpanExporter()
    sdk_provider.add_span_processor(SimpleSpanProcessor(exporter))
    sdk_tracer = sdk_provider.get_tracer("bench")
    ours = otel.TracerProvider().get_tracer("bench")

    session = _native.Session(["--testscope-console=never"], ["bench"], False)
    session.begin_program(0)

    def run_sdk(n):
        for _ in range(n):
            seed_path(sdk_tracer)

    assembly = []  # seconds per span of the test's end (assembling the record), per round

    def run_ours_captured(n):
        # Only the spans are timed; the test's end is timed apart (it happens after the test
        # body, off the path whose timing a race depends on).
        elapsed = 0.0
        done = 0
        while done < n:
            batch = min(10000, n - done)
            session.begin_test("bench::span", __file__, 1)
            start = time.perf_counter()
            for _ in range(batch):
                seed_path(ours)
            elapsed += time.perf_counter() - start
            start = time.perf_counter()
            session.end_test("pass")
            session.finish_test()
            assembly.append((time.perf_counter() - start) / batch)
            done += batch
        return elapsed

    def run_ours_idle(n):
        for _ in range(n):
            seed_path(ours)

    # Rounds alternate between the three, so a change in the machine's load hits all alike.
    sdk = captured = idle = float("inf")
    for _ in range(args.repeat):
        sdk = min(sdk, per_span_us(run_sdk, args.spans, 1, before=exporter.clear))
        captured = min(captured, per_span_us(run_ours_captured, args.spans, 1))
        idle = min(idle, per_span_us(run_ours_idle, args.spans, 1))
    session.end_program(0, 0, 0, 0)

    print(f"host: {cpu_model()}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}; "
          f"Python {platform.python_version()}")
    print(f"{'provider':58} {'us/span':>8}")
    print(f"{'opentelemetry-sdk + SimpleSpanProcessor + InMemorySpanExporter':58} {sdk:8.2f}")
    print(f"{'testscope (pytest front), test captured':58} {captured:8.2f}")
    print(f"{'testscope (pytest front), no test captured':58} {idle:8.2f}")
    print(f"{'  testscope: the test end (assembling the record), per span':58} {min(assembly) * 1e6:8.2f}")
    print(f"ratio sdk / testscope captured: {sdk / captured:.1f}x (goal: at least 10x)")


if __name__ == "__main__":
    main()
