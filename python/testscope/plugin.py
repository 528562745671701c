"""The pytest front of testscope (registered as the `testscope` pytest11 plugin).

Drives one native TestSession per pytest process, as the C++ fronts do:
  pytest_configure            options (--testscope-* over TESTSCOPE_*, the harness parser),
                              the OpenTelemetry provider or span processor, metrics, logging
  pytest_collection_modifyitems  quarantine `skip` deselects; TESTSCOPE_SHARD / _SHUFFLE_SEED
  pytest_sessionstart         begin_program (run.json, /metrics, live export)
  pytest_runtest_setup        begin_test: the node id is test.case.name
  pytest_runtest_makereport   add_failure per failed phase; at teardown end_test and
                              finish_test (artifacts), the timeline into the failure report
  pytest_sessionfinish        end_program: run.json, push; exit 0 if every failure was quarantined
Under pytest-xdist each worker is such a session writing into one tree (docs/pytest.md).
"""

from __future__ import annotations

import logging
import os
import sys

import pytest

_FLAGS = (
    ("artifacts", "DIR", "write testscope's artifact tree to DIR (TESTSCOPE_ARTIFACTS)"),
    ("console", "never|failed|always", "which tests show a timeline in the report (default failed)"),
    ("metrics-filter", "PREFIX", "the timeline's metrics section shows only names starting with PREFIX"),
    ("metrics-port", "[HOST:]PORT", "serve /metrics for Prometheus while the session runs"),
    ("pushgateway", "URL", "at the end, push the metrics to a Pushgateway"),
    ("quarantine", "FILE", "the quarantine file (default: testscope-quarantine.toml here)"),
)


def pytest_addoption(parser):
    group = parser.getgroup("testscope", "testscope: spans, metrics and logs per test")
    for name, meta, help_text in _FLAGS:
        group.addoption(f"--testscope-{name}", dest="testscope_" + name.replace("-", "_"), default=None,
                        metavar=meta, help=help_text)
    group.addoption("--testscope-otlp", dest="testscope_otlp", nargs="?", const="", default=None,
                    metavar="URL", help="send each test's trace over OTLP/HTTP (URL: a base; write it with =)")
    group.addoption("--no-testscope", dest="testscope_off", action="store_true", default=False,
                    help="disable the testscope plugin")


def _flags(config) -> list:
    flags = []
    for name, _, _ in _FLAGS:
        value = config.getoption("testscope_" + name.replace("-", "_"))
        if value is not None:
            flags.append(f"--testscope-{name}={value}")
    otlp = config.getoption("testscope_otlp")
    if otlp is not None:
        flags.append("--testscope-otlp" + (f"={otlp}" if otlp else ""))
    return flags


def _xdist_worker(config):
    return getattr(config, "workerinput", None)


def _xdist_controller(config) -> bool:
    return _xdist_worker(config) is None and bool(getattr(config.option, "numprocesses", None)) \
        and getattr(config.option, "dist", "no") != "no"


def pytest_configure(config):
    if config.getoption("testscope_off") or os.environ.get("TESTSCOPE_DISABLE") == "1":
        return
    if config.pluginmanager.has_plugin("testscope-session"):
        return
    plugin = TestscopePlugin(config)
    config.pluginmanager.register(plugin, "testscope-session")


_metrics_registered = False


class _TestState:
    __slots__ = ("failed", "skipped", "report", "token")

    def __init__(self):
        self.failed = False
        self.skipped = False
        self.report = None  # the report the failure section goes into
        self.token = None


class TestscopePlugin:
    __test__ = False  # not a test class, whatever pytest's python_classes say

    def __init__(self, config):
        from . import _native, _provoke, logs, metrics, otel

        global _metrics_registered
        self.config = config
        self._native = _native
        self._otel = otel
        worker = _xdist_worker(config)
        self.worker = worker["workerid"] if worker else None
        self.controller = _xdist_controller(config)
        argv = ["pytest", *config.invocation_params.args]
        flags = _flags(config)
        self.tree = None  # the controller's artifact root, for a worker
        self.xdist_order = {}  # the controller's record: worker -> node ids in the order run
        if self.worker:
            # A worker writes a run root of its own under the controller's tree
            # (<root>/workers/<gwN>/: run.json with its argv and counts), then moves its test
            # folders into <root>/tests (node ids are distinct, so are their folders). The
            # endpoint, push and live export are the controller's.
            self.tree = config.getoption("testscope_artifacts") or os.environ.get("TESTSCOPE_ARTIFACTS") or None
            if self.tree:
                flags.append(f"--testscope-artifacts={os.path.join(self.tree, 'workers', self.worker)}")
        self.session = _native.Session(flags, argv, self.worker is not None)
        self.options = self.session.options()
        self.tracing = otel.install()
        _provoke.install()  # asyncio tasks are provoked at the event loop (testscope run --provoke)
        from ._lanes import current_lane

        current_lane()  # names this thread's buffer after the Python thread ("MainThread")
        if not _metrics_registered:
            _native.register_python_metrics(metrics.collect)
            _metrics_registered = True
        self.handler = logs.Handler()
        root = logging.getLogger()
        self.previous_level = root.level
        if root.level == logging.NOTSET or root.level > logging.INFO:
            root.setLevel(logging.INFO)  # the seed logs its events at INFO
        root.addHandler(self.handler)
        self.tests = {}
        self.counts = [0, 0, 0]  # run, failed, skipped
        self.order = 0
        self.quarantined = []
        self.color = False

    # ---- collection: quarantine skip, shard, shuffle ------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items):
        skipped = [item for item in items if self.session.is_skipped(item.nodeid)]
        kept = [item for item in items if not self.session.is_skipped(item.nodeid)]
        shard, seed = self.options["shard"], self.options["shuffle_seed"]
        if shard is not None or seed is not None:
            order = self._native.run_order(len(kept), shard, seed)
            chosen = set(order)
            skipped += [item for i, item in enumerate(kept) if i not in chosen]
            kept = [kept[i] for i in order]
        if skipped:
            config.hook.pytest_deselected(items=skipped)
            items[:] = kept
        elif shard is not None or seed is not None:
            items[:] = kept

    def pytest_sessionstart(self, session):
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        self.color = bool(reporter is not None and reporter._tw.hasmarkup)
        seed = self.options["shuffle_seed"]
        self.session.begin_program(int(seed) & ((1 << 63) - 1) if seed is not None else 0)

    # ---- one test --------------------------------------------------------------------------------

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item):
        from opentelemetry import context as context_api
        from opentelemetry.trace import set_span_in_context

        state = _TestState()
        self.tests[item.nodeid] = state
        path, line0, _ = item.location
        file = str(item.path) if hasattr(item, "path") else path
        self.session.begin_test(item.nodeid, file, (line0 or 0) + 1)
        self.order += 1
        if self.worker:
            from .logs import log_event

            log_event("pytest.xdist", worker=self.worker, order=self.order)
        root = self._otel.root_span_context()
        if root is not None:
            state.token = context_api.attach(set_span_in_context(root))
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        try:
            self._on_report(item, outcome.get_result(), call.excinfo.typename if call.excinfo else "")
        except Exception as e:  # never into pytest's own machinery: a warning, the test unchanged
            print(f"testscope: warning: {item.nodeid}: {type(e).__name__}: {e}", file=sys.stderr)

    def _on_report(self, item, report, exception_type=""):
        state = self.tests.get(item.nodeid)
        if state is None:
            return
        if report.failed:
            state.failed = True
            if state.report is None:
                state.report = report
            crash = getattr(report.longrepr, "reprcrash", None)
            if crash is not None:
                file, line, message = crash.path, crash.lineno, crash.message
            else:
                file, line = str(item.path) if hasattr(item, "path") else item.location[0], (item.location[1] or 0) + 1
                message = str(report.longrepr).strip().splitlines()[-1] if report.longrepr else "failed"
            if report.when != "call":
                message = f"error in {report.when}: {message}"
            self.session.add_failure(str(file), int(line or 0), message, True, exception_type)
        elif report.skipped and report.when in ("setup", "call"):
            state.skipped = True
        if report.when == "teardown":
            self._finish(item, state, report)

    def _finish(self, item, state, teardown_report):
        from opentelemetry import context as context_api

        if state.token is not None:
            try:
                context_api.detach(state.token)
            except Exception:
                pass
        del self.tests[item.nodeid]
        outcome = "fail" if state.failed else ("skip" if state.skipped else "pass")
        _, note = self.session.end_test(outcome)
        self.session.finish_test()
        self.counts[0] += 1
        if outcome == "fail":
            self.counts[1] += 1
        elif outcome == "skip":
            self.counts[2] += 1
        console = self.options["console"]
        show = console == "always" or (console == "failed" and outcome == "fail")
        target = state.report if state.report is not None else teardown_report
        if note and outcome == "fail":
            self.quarantined.append(note)
            target.sections.append(("testscope quarantine", note))
            target.user_properties.append(("testscope.quarantine", note))
        if show:
            text = self.session.timeline(self.color)
            if outcome == "fail":
                target.sections.append(("testscope timeline", text))
                if self.worker and target is not teardown_report:
                    # The call's report went to the xdist controller already: the teardown's
                    # carries the timeline there (see pytest_runtest_logreport).
                    teardown_report.user_properties.append(("testscope.timeline", text))
            else:
                reporter = self.config.pluginmanager.get_plugin("terminalreporter")
                if reporter is not None:
                    reporter.write("\n" + text)

    # ---- the end -------------------------------------------------------------------------------

    def pytest_terminal_summary(self, terminalreporter):
        for note in self.quarantined:
            terminalreporter.write_line(note, yellow=True)

    def pytest_runtest_logreport(self, report):
        # Under xdist the controller hears every worker's reports: it counts the tests for its
        # run.json and records which worker ran which test, in order, and puts a failed test's
        # timeline (sent with its teardown report) into the failing report it keeps.
        if not self.controller or report.when != "teardown":
            return
        for key, value in getattr(report, "user_properties", ()):
            if key == "testscope.timeline":
                reporter = self.config.pluginmanager.get_plugin("terminalreporter")
                kept = reporter.stats.get("failed", []) + reporter.stats.get("error", []) if reporter else []
                for failed in kept:
                    if failed.nodeid == report.nodeid and failed.when in ("setup", "call"):
                        failed.sections.append(("testscope timeline", value))
                        break
        node = getattr(report, "node", None)
        worker = getattr(getattr(node, "gateway", None), "id", None) or getattr(report, "worker_id", "?")
        self.xdist_order.setdefault(worker, []).append(report.nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        status = int(exitstatus)
        if self.controller:
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")
            stats = reporter.stats if reporter is not None else {}
            counts = [sum(len(v) for v in self.xdist_order.values()), len(stats.get("failed", [])),
                      len(stats.get("skipped", []))]
            final = self.session.end_program(status, *counts)
            self._write_xdist_order()
        else:
            final = self.session.end_program(status, *self.counts)
            if self.worker and self.tree:
                self._move_tests_into_tree()
        if final != status:
            session.exitstatus = final

    def _move_tests_into_tree(self):
        source = os.path.join(self.tree, "workers", self.worker, "tests")
        target = os.path.join(self.tree, "tests")
        if not os.path.isdir(source):
            return
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(source):
            destination = os.path.join(target, name)
            try:
                if os.path.exists(destination):  # the same node id run again: the newer wins
                    import shutil

                    shutil.rmtree(destination)
                os.replace(os.path.join(source, name), destination)
            except OSError as e:
                print(f"testscope: warning: moving {name} into {target}: {e}", file=sys.stderr)
        try:
            os.rmdir(source)
        except OSError:
            pass

    def _write_xdist_order(self):
        root = self.options["artifacts_dir"]
        if not root or not self.xdist_order:
            return
        import json

        data = {"schema": 1, "workers": {w: nodes for w, nodes in sorted(self.xdist_order.items())}}
        try:
            with open(os.path.join(root, "pytest-xdist.json"), "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.write("\n")
        except OSError as e:
            print(f"testscope: warning: writing pytest-xdist.json: {e}", file=sys.stderr)

    def pytest_unconfigure(self, config):
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.previous_level)
