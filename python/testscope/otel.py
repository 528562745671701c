"""OpenTelemetry's Python API over testscope's native recorder.

`TracerProvider` implements the API's TracerProvider/Tracer/Span for code that calls
`trace.get_tracer(__name__)` and `start_as_current_span(...)`: each span is recorded by the
C++ recorder (a few microseconds; docs/pytest.md has the measurement), parented through
OpenTelemetry's own context (contextvars), so asyncio tasks keep their parents.
`SpanProcessor` feeds spans of a user-configured opentelemetry-sdk TracerProvider into the
same capture, with the SDK's own ids.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import traceback
from typing import Optional

from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.context import _RUNTIME_CONTEXT
from opentelemetry.context.context import Context
from opentelemetry.trace import (
    INVALID_SPAN_CONTEXT,
    NonRecordingSpan,
    SpanContext,
    Status,
    StatusCode,
    TraceFlags,
)
from opentelemetry.trace.propagation import _SPAN_KEY

from . import _native
from ._lanes import current_lane

_MASK64 = (1 << 64) - 1
_begin = _native.begin_span
_RESOLVE_LANE = _native.RESOLVE_LANE  # begin_span finds the lane itself (one native call)
_set_value = context_api.set_value
_get_current = _RUNTIME_CONTEXT.get_current
_attach = _RUNTIME_CONTEXT.attach
_runtime_detach = _RUNTIME_CONTEXT.detach
# The default runtime context (ContextVarsRuntimeContext) is one ContextVar: use it directly,
# which spares two Python calls per span. Another runtime context (OTEL_PYTHON_CONTEXT) goes
# through its methods.
_context_var = getattr(_RUNTIME_CONTEXT, "_current_context", None)
if isinstance(_context_var, contextvars.ContextVar):
    _get_current = _context_var.get
    _attach = _context_var.set
    _runtime_detach = _context_var.reset


def _detach(token) -> None:
    try:
        _runtime_detach(token)
    except Exception:  # as the API's detach: a token from another context is logged, not raised
        context_api.detach(token)
_STATUS = {StatusCode.UNSET: 0, StatusCode.OK: 1, StatusCode.ERROR: 2}


def _parent_ids(context) -> tuple:
    """(span id, trace hi, trace lo) of the span current in `context` (None: the current one)."""
    ctx = _get_current() if context is None else context
    parent = ctx.get(_SPAN_KEY)
    if parent is None:
        return 0, 0, 0
    if type(parent) in _OUR_SPANS:
        n = parent._native
        return n.span_id, n.trace_hi, n.trace_lo
    return _ids_of(parent)


def current_span_id() -> int:
    """The id of the span current in the calling context (0: none, the test's root)."""
    return _parent_ids(None)[0]


def _ids_of(parent) -> tuple:
    sc = parent.get_span_context()
    if not sc.is_valid:
        return 0, 0, 0
    return sc.span_id, sc.trace_id >> 64, sc.trace_id & _MASK64


class Span(trace.Span):
    """A span recorded by the native recorder; its methods never raise into the code under test."""

    # _lane: the lane the span began in. Its records go there (a lane id that was closed since,
    # or belongs to another thread, falls back to the calling thread's own buffer natively).
    __slots__ = ("_native", "_name", "_context", "_lane")

    def __init__(self, native, name: str, lane: int = 0) -> None:
        self._native = native
        self._name = name
        self._context = None
        self._lane = lane

    def get_span_context(self) -> SpanContext:
        if self._context is None:
            n = self._native
            if n.span_id:
                self._context = SpanContext(
                    trace_id=(n.trace_hi << 64) | n.trace_lo,
                    span_id=n.span_id,
                    is_remote=False,
                    trace_flags=TraceFlags(TraceFlags.SAMPLED),
                )
            else:
                self._context = INVALID_SPAN_CONTEXT
        return self._context

    def is_recording(self) -> bool:
        return self._native.recording

    def set_attribute(self, key: str, value) -> None:
        self._native.set_attribute(self._lane, key, value)

    def set_attributes(self, attributes) -> None:
        for key, value in attributes.items():
            self._native.set_attribute(self._lane, key, value)

    def add_event(self, name: str, attributes=None, timestamp: Optional[int] = None) -> None:
        self._native.add_event(self._lane, name, attributes, timestamp)  # timestamp: unix ns, or now

    def add_link(self, context, attributes=None) -> None:  # links are not recorded
        pass

    def update_name(self, name: str) -> None:
        # The name went into the buffer at the start; the new one is kept as an attribute.
        self._native.set_attribute(self._lane, "testscope.updated_name", name)

    def set_status(self, status, description: Optional[str] = None) -> None:
        if isinstance(status, Status):
            code, message = status.status_code, status.description or ""
        else:
            code, message = status, description or ""
        self._native.set_status(self._lane, _STATUS.get(code, 0), message if code is StatusCode.ERROR else "")

    def record_exception(self, exception, attributes=None, timestamp=None, escaped: bool = False) -> None:
        fields = {
            "exception.type": type(exception).__qualname__,
            "exception.message": str(exception),
            "exception.stacktrace": "".join(
                traceback.format_exception(type(exception), exception, exception.__traceback__)
            ),
            "exception.escaped": str(escaped),
        }
        if attributes:
            fields.update(attributes)
        self._native.add_event(self._lane, "exception", fields)

    def end(self, end_time: Optional[int] = None) -> None:
        self._native.end(self._lane)

    def __repr__(self) -> str:
        return f"testscope.otel.Span(name={self._name!r}, recording={self._native.recording})"


class _ActiveSpan(Span):
    """What start_as_current_span returns: the span itself, as a context manager (and
    decorator) that begins it on __enter__, makes it current, and ends it on __exit__; one
    object, without the generator machinery of the API's default implementation."""

    # _options: None for the defaults, else (context, attributes, record_exception,
    # set_status_on_exception, end_on_exit).
    __slots__ = ("_options", "_token")

    def __init__(self, name: str, options) -> None:
        self._native = _NOT_STARTED
        self._name = name
        self._context = None
        self._lane = 0
        self._options = options

    def __enter__(self):
        options = self._options
        context = None if options is None else options[0]
        current = _get_current() if context is None else context
        parent = current.get(_SPAN_KEY)
        if parent is None:
            native = _begin(_RESOLVE_LANE, self._name, 0, 0, 0, 0, 0, 0, 1)
        elif type(parent) in _OUR_SPANS:
            n = parent._native
            native = _begin(_RESOLVE_LANE, self._name, n.span_id, n.trace_hi, n.trace_lo, 0, 0, 0, 1)
        else:
            ids = _ids_of(parent)
            native = _begin(_RESOLVE_LANE, self._name, ids[0], ids[1], ids[2], 0, 0, 0, 1)
        self._native = native
        lane = self._lane = native.lane
        if options is not None and options[1] and native.recording:
            for key, value in options[1].items():
                native.set_attribute(lane, key, value)
        values = Context(current)
        _dict_set(values, _SPAN_KEY, self)
        self._token = _attach(values)
        return self

    def __exit__(self, exc_type, exc, tb):
        options = self._options
        try:
            if exc is not None and self._native.recording:
                if options is None or options[2]:
                    self.record_exception(exc, escaped=True)
                if options is None or options[3]:
                    self.set_status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}")
        finally:
            _detach(self._token)
            if options is None or options[4]:
                self._native.end(self._lane)
        return False

    def __call__(self, function):
        # @tracer.start_as_current_span("name"), on a function or a coroutine function: a new
        # span per call.
        name, options = self._name, self._options
        if inspect.iscoroutinefunction(function):
            @functools.wraps(function)
            async def run_async(*a, **k):
                with _ActiveSpan(name, options):
                    return await function(*a, **k)
            return run_async

        @functools.wraps(function)
        def run(*a, **k):
            with _ActiveSpan(name, options):
                return function(*a, **k)
        return run


_OUR_SPANS = frozenset((Span, _ActiveSpan))
_dict_set = dict.__setitem__  # Context forbids item assignment; this is its construction

_NOT_STARTED = _native.NativeSpan()  # records nothing: a span not entered yet


class Tracer(trace.Tracer):
    """A tracer whose spans go to testscope's recorder (or to the user's SDK provider once
    they set one: see _Delegation)."""

    def __init__(self, name: str, version: Optional[str] = None, schema_url: Optional[str] = None,
                 attributes=None) -> None:
        self._args = (name, version, schema_url)
        self._delegate_tracer = None
        self._delegate_of = None

    def _delegate(self):
        provider = _delegation.provider
        if provider is None:
            return None
        if self._delegate_of is not provider:
            self._delegate_tracer = provider.get_tracer(*self._args)
            self._delegate_of = provider
        return self._delegate_tracer

    def _start(self, name, context, attributes, depth):
        parent_span, parent_hi, parent_lo = _parent_ids(context)
        lane = current_lane()
        native = _begin(lane, name, parent_span, parent_hi, parent_lo, 0, 0, 0, 2)
        if attributes and native.recording:
            for key, value in attributes.items():
                native.set_attribute(lane, key, value)
        return Span(native, name, lane)

    def start_span(self, name, context=None, kind=trace.SpanKind.INTERNAL, attributes=None, links=None,
                   start_time=None, record_exception=True, set_status_on_exception=True) -> trace.Span:
        if _delegation.provider is not None:
            return self._delegate().start_span(name, context, kind, attributes, links, start_time,
                                               record_exception, set_status_on_exception)
        return self._start(name, context, attributes, 1)

    def start_as_current_span(self, name, context=None, kind=trace.SpanKind.INTERNAL, attributes=None,
                              links=None, start_time=None, record_exception=True,
                              set_status_on_exception=True, end_on_exit=True):
        if _delegation.provider is not None:
            return self._delegate().start_as_current_span(name, context, kind, attributes, links, start_time,
                                                          record_exception, set_status_on_exception,
                                                          end_on_exit)
        if context is None and attributes is None and record_exception and set_status_on_exception \
                and end_on_exit:
            return _ActiveSpan(name, None)
        return _ActiveSpan(name, (context, attributes, record_exception, set_status_on_exception, end_on_exit))


class TracerProvider(trace.TracerProvider):
    """The provider the plugin installs when the program has set none."""

    def get_tracer(self, instrumenting_module_name, instrumenting_library_version=None, schema_url=None,
                   attributes=None) -> Tracer:
        return Tracer(instrumenting_module_name, instrumenting_library_version, schema_url, attributes)


class _Delegation:
    """The user's own provider, once they set one over ours (see install())."""

    provider = None


_delegation = _Delegation()
_ours: Optional[TracerProvider] = None


class SpanProcessor:
    """An opentelemetry-sdk SpanProcessor that records the SDK's spans (with its ids) in
    testscope's capture, beside whatever exporters the user configured."""

    def __init__(self) -> None:
        self._open: dict = {}

    def on_start(self, span, parent_context=None) -> None:
        try:
            sc = span.get_span_context()
            parent = span.parent
            if parent is not None and parent.is_valid:
                p = (parent.span_id, parent.trace_id >> 64, parent.trace_id & _MASK64)
            else:
                p = (0, 0, 0)
            lane = current_lane()
            native = _begin(lane, span.name, p[0], p[1], p[2], sc.span_id, sc.trace_id >> 64,
                            sc.trace_id & _MASK64, 0)
            if native.recording:
                self._open[sc.span_id] = (native, lane)
        except Exception:  # never into the code under test
            pass

    def on_end(self, span) -> None:
        try:
            native, lane = self._open.pop(span.get_span_context().span_id, (None, 0))
            if native is None:
                return
            for key, value in (span.attributes or {}).items():
                native.set_attribute(lane, key, value)
            for event in span.events:  # at their own times, not the span's end
                native.add_event(lane, event.name, dict(event.attributes or {}), event.timestamp)
            code = span.status.status_code
            if code is not StatusCode.UNSET:
                native.set_status(lane, _STATUS[code], span.status.description or "")
            native.end(lane)
        except Exception:
            pass

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def _on_ending(self, span) -> None:  # SDK >= 1.3x calls this on some processors
        pass


def _adopt(provider) -> bool:
    """Adds our SpanProcessor to a user's SDK provider (once); False if it takes none."""
    add = getattr(provider, "add_span_processor", None)
    if add is None:
        return False
    if not getattr(provider, "_testscope_processor", False):
        add(SpanProcessor())
        try:
            provider._testscope_processor = True
        except Exception:
            pass
    return True


_original_set_tracer_provider = trace.set_tracer_provider


def _set_tracer_provider(tracer_provider) -> None:
    # The user sets their SDK provider after the plugin installed ours (a session fixture, as in
    # the seed's conftest): theirs becomes the global one, with our processor added, and tracers
    # already handed out by ours delegate to it.
    if _ours is not None and trace._TRACER_PROVIDER is _ours and tracer_provider is not _ours:
        _adopt(tracer_provider)
        _delegation.provider = tracer_provider
        trace._TRACER_PROVIDER = tracer_provider
        return
    _original_set_tracer_provider(tracer_provider)


def install() -> str:
    """Makes spans through the OpenTelemetry API reach testscope. Returns what was done:
    "provider" (ours installed), "processor" (added to the user's SDK provider) or "none"
    (a provider we cannot feed)."""
    global _ours
    trace.set_tracer_provider = _set_tracer_provider
    current = trace._TRACER_PROVIDER
    if current is None:
        _ours = TracerProvider()
        _original_set_tracer_provider(_ours)
        return "provider"
    if current is _ours:
        return "provider"
    return "processor" if _adopt(current) else "none"


def root_span_context() -> Optional[NonRecordingSpan]:
    """The test's root span as an API span, to make the test's context the parent of SDK spans."""
    span_id, hi, lo = _native.root_context()
    if not span_id:
        return None
    return NonRecordingSpan(SpanContext(trace_id=(hi << 64) | lo, span_id=span_id, is_remote=False,
                                        trace_flags=TraceFlags(TraceFlags.SAMPLED)))
