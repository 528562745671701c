"""prometheus_client's registries, read by testscope's core at each test's start and end.

The core keeps what changed (counter and histogram increases, gauge values at the end) in
metrics.prom, summary.json and the console timeline, and serves the running totals on
/metrics and in the Pushgateway push, beside C++ metrics. Read: prometheus_client's default
REGISTRY and the registries passed to register_registry(). The default registry's process
and platform collectors (process_*, python_gc_*, python_info) are left out: they change in
every test and are not the code under test's.
"""

from __future__ import annotations

import math

_registries: list = []
_SKIPPED_PREFIXES = ("process_", "python_gc_", "python_info")


def register_registry(registry) -> None:
    """Also read `registry` (a prometheus_client CollectorRegistry) per test."""
    if all(r is not registry for r in _registries):
        _registries.append(registry)


def _families():
    try:
        from prometheus_client import REGISTRY
    except ImportError:
        return []
    out = []
    seen = set()
    for registry in [REGISTRY, *_registries]:
        if id(registry) in seen:
            continue
        seen.add(id(registry))
        for metric in registry.collect():
            if metric.name.startswith(_SKIPPED_PREFIXES):
                continue
            out.extend(_convert(metric))
    return out


def _convert(metric):
    kind = metric.type
    if kind == "counter":
        samples = [(s.labels, s.value, (), 0.0, 0.0) for s in metric.samples if s.name.endswith("_total")]
        return [(metric.name + "_total", metric.documentation, "counter", samples)]
    if kind in ("gauge", "unknown"):
        samples = [(s.labels, s.value, (), 0.0, 0.0) for s in metric.samples if s.name == metric.name]
        return [(metric.name, metric.documentation, "gauge" if kind == "gauge" else "untyped", samples)]
    if kind in ("histogram", "summary"):
        series = {}
        for s in metric.samples:
            labels = {k: v for k, v in s.labels.items() if k not in ("le", "quantile")}
            key = tuple(sorted(labels.items()))
            entry = series.setdefault(key, [labels, 0.0, [], 0.0, 0.0])
            if s.name.endswith("_bucket"):
                le = float(s.labels["le"])
                if not math.isinf(le):
                    entry[2].append((le, s.value))
            elif s.name.endswith("_sum"):
                entry[3] = s.value
            elif s.name.endswith("_count"):
                entry[4] = s.value
        samples = [tuple(e) for e in series.values()]
        return [(metric.name, metric.documentation, kind, samples)]
    # info and stateset: one gauge series per sample, as the text format shows them.
    samples = [(s.labels, s.value, (), 0.0, 0.0) for s in metric.samples]
    name = metric.name + ("_info" if kind == "info" else "")
    return [(name, metric.documentation, "gauge", samples)]


def collect():
    """What the native collectable reads (see python/src/native.cpp)."""
    try:
        return _families()
    except Exception as e:  # a broken collector must not break the tests
        import sys

        print(f"testscope: warning: reading prometheus_client metrics: {e}", file=sys.stderr)
        return []
