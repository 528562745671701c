"""testscope for pytest: spans, metrics and logs per test over testscope's C++ core.

The pytest plugin (testscope.plugin, registered through the pytest11 entry point) does the
work; code under test needs only the OpenTelemetry API, prometheus_client and logging. For
the seed's structured log lines without logging, use log_event.
"""

from .logs import log_event
from .metrics import register_registry

__all__ = ["log_event", "register_registry"]
__version__ = "0.1.0"
