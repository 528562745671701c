"""Log events: Python `logging` records and the seed's log_event(name, **fields).

Each becomes a log event of the test being captured, with the trace and span ids of the
OpenTelemetry span current where it was logged: in logs.jsonl, inline in the console
timeline and as an instant event in the Chrome trace. A record whose message is a JSON
object with an "event" key (the seed's `logger.info(json.dumps({"event": ..., **kwargs}))`)
becomes that event with the other keys as fields; any other record becomes an event named
by its message, with the logger's name as a field.
"""

from __future__ import annotations

import json
import logging

from opentelemetry.context import _RUNTIME_CONTEXT
from opentelemetry.trace.propagation import _SPAN_KEY

from . import _native
from ._lanes import current_lane
from .otel import _OUR_SPANS

_MASK64 = (1 << 64) - 1


def _severity(levelno: int) -> int:
    # OpenTelemetry severity numbers: DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21.
    if levelno >= logging.CRITICAL:
        return 21
    if levelno >= logging.ERROR:
        return 17
    if levelno >= logging.WARNING:
        return 13
    if levelno >= logging.INFO:
        return 9
    return 5


def _current_ids():
    span = _RUNTIME_CONTEXT.get_current().get(_SPAN_KEY)
    if span is None:
        return 0, 0, 0
    if type(span) in _OUR_SPANS:
        n = span._native
        return n.span_id, n.trace_hi, n.trace_lo
    sc = span.get_span_context()
    if not sc.is_valid:
        return 0, 0, 0
    return sc.span_id, sc.trace_id >> 64, sc.trace_id & _MASK64


def log_event(event: str, severity: int = 9, **fields) -> None:
    """Records a log event named `event` with `fields` (str, int, float, bool; others as str),
    under the current span. Costs one native call; nothing when no test is captured."""
    if not _native.capture_active():
        return
    span_id, hi, lo = _current_ids()
    _native.log_event(current_lane(), severity, event, span_id, hi, lo, fields)


class Handler(logging.Handler):
    """A logging handler that records each record as a log event of the current test."""

    def emit(self, record: logging.LogRecord) -> None:
        if not _native.capture_active():
            return
        try:
            message = record.getMessage()
            fields = None
            if message.startswith("{"):
                try:
                    data = json.loads(message)
                except ValueError:
                    data = None
                if isinstance(data, dict) and isinstance(data.get("event"), str):
                    event = data.pop("event")
                    fields = data
            if fields is None:
                event, fields = message, {"logger": record.name}
            span_id, hi, lo = _current_ids()
            _native.log_event(current_lane(), _severity(record.levelno), event, span_id, hi, lo, fields)
        except Exception:
            self.handleError(record)
