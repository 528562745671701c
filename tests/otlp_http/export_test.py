#!/usr/bin/env python3
"""`testscope export OUT --otlp [URL]` against a loopback OTLP/HTTP receiver.

    export_test.py --testscope BIN --big-tree DIR --small-tree DIR [--samples DIR] [TEST...]

The receiver (http.server on 127.0.0.1, a free port) records every request, answers as
each test scripts it, and checks every body strictly: gzip when announced, UTF-8 JSON
without duplicate keys or bare NaN, OTLP/JSON's hex ids, then protobuf's json_format
into the official ExportTraceServiceRequest / ExportLogsServiceRequest with unknown
fields rejected (tests/otlp/otlp_check.py's rules). TEST names unittest cases
(ExportTest.test_retry_after_429); none runs them all. Exit status: unittest's.
"""

import argparse
import base64
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "otlp"))
import otlp_check  # noqa: E402  (the strict JSON and OTLP rules of the on-disk check)

ARGS = None
MAX_BODY = 4 * 1024 * 1024


def strict_parse(path, raw_json):
    """Checks one request body; returns (signal, items, resources) or raises CheckError."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

    try:
        text = raw_json.decode("utf-8")
    except UnicodeDecodeError as e:
        raise otlp_check.CheckError("not UTF-8 at byte %d" % e.start)
    doc = json.loads(text, object_pairs_hook=otlp_check._reject_duplicates,
                     parse_constant=otlp_check._reject_constant)
    otlp_check._check_strings(doc, "$")
    if path.endswith("/v1/logs") or path.endswith("/custom/logs"):
        signal, message = "logs", logs_service_pb2.ExportLogsServiceRequest()
        resources = [rl.get("resource", {}) for rl in doc.get("resourceLogs", [])]
        listed = 0
        for r, rl in enumerate(doc.get("resourceLogs", [])):
            for s, sl in enumerate(rl.get("scopeLogs", [])):
                for i, record in enumerate(sl.get("logRecords", [])):
                    where = "resourceLogs[%d].scopeLogs[%d].logRecords[%d]" % (r, s, i)
                    otlp_check._hex_to_base64(record, "traceId", 32, where, required=False)
                    otlp_check._hex_to_base64(record, "spanId", 16, where, required=False)
                    listed += 1
    else:
        signal, message = "traces", trace_service_pb2.ExportTraceServiceRequest()
        resources = [rs.get("resource", {}) for rs in doc.get("resourceSpans", [])]
        listed = len(otlp_check.otlp_rules(doc))
    try:
        json_format.Parse(json.dumps(doc), message, ignore_unknown_fields=False)
    except json_format.ParseError as e:
        raise otlp_check.CheckError("protobuf: %s" % str(e).split("\n")[0])
    if signal == "logs":
        parsed = sum(len(sl.log_records) for rl in message.resource_logs for sl in rl.scope_logs)
    else:
        parsed = sum(len(ss.spans) for rs in message.resource_spans for ss in rs.scope_spans)
    if parsed != listed:
        raise otlp_check.CheckError("protobuf parsed %d items, the body lists %d" % (parsed, listed))
    if parsed == 0:
        raise otlp_check.CheckError("an empty request (the specification says not to send one)")
    return signal, parsed, resources


class Receiver:
    """A scripted OTLP/HTTP endpoint. `answer(n, path)` gives (status, headers, body) for the
    n-th request (from 0); every request is recorded with its time and check result."""

    def __init__(self, answer=None, check=True):
        self.answer = answer or (lambda n, path: (200, {}, b"{}"))
        check_bodies = check
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                record = {"time": time.monotonic(), "path": self.path, "headers": dict(self.headers),
                          "raw": raw, "error": None, "signal": None, "items": 0, "resources": [],
                          "size": None, "doc": None}
                try:
                    body = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
                    record["size"] = len(body)
                    if check_bodies:
                        record["signal"], record["items"], record["resources"] = strict_parse(self.path, body)
                        record["doc"] = json.loads(body)
                    else:  # a test of many megabytes: counted, not kept
                        record["raw"] = None
                except Exception as e:  # a bad body fails the test, whatever the reason
                    record["error"] = "%s: %s" % (type(e).__name__, e)
                with receiver.lock:
                    n = len(receiver.requests)
                    receiver.requests.append(record)
                status, headers, reply = receiver.answer(n, self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def free_port():
    """A port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_counts(root):
    """(spans, log records) in the trace.otlp.json and logs.jsonl files under root."""
    spans = logs = 0
    for dirpath, _, files in os.walk(root):
        if "trace.otlp.json" in files:
            with open(os.path.join(dirpath, "trace.otlp.json"), encoding="utf-8") as f:
                doc = json.load(f)
            spans += sum(len(ss.get("spans", [])) for rs in doc.get("resourceSpans", [])
                         for ss in rs.get("scopeSpans", []))
        if "logs.jsonl" in files:
            with open(os.path.join(dirpath, "logs.jsonl"), encoding="utf-8") as f:
                logs += sum(1 for line in f if line.strip())
    return spans, logs


def tree_digest(root):
    """Every file's path, size, mtime and content hash: 'nothing changed on disk'."""
    entries = []
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            st = os.stat(path)
            with open(path, "rb") as f:
                entries.append((path, st.st_size, st.st_mtime_ns, hashlib.sha256(f.read()).hexdigest()))
    return sorted(entries)


def write_big_trace(path, spans, span_bytes=0):
    """Replaces the trace at `path` (keeping its resource and scope) with `spans` spans, the
    last with a string attribute of `span_bytes` bytes when given. Written a span at a time."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    rs = doc["resourceSpans"][0]
    trace_id = rs["scopeSpans"][0]["spans"][0]["traceId"]
    head = '{"resourceSpans":[{"resource":%s,"scopeSpans":[{"scope":%s,"spans":[' % (
        json.dumps(rs["resource"]), json.dumps(rs["scopeSpans"][0]["scope"]))
    span = ('{"traceId":"%s","spanId":"%%016x","parentSpanId":"0000000000000001","name":"step %%d",'
            '"kind":1,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000001000",'
            '"attributes":[{"key":"item","value":{"intValue":"%%d"}},{"key":"thread.name","value":'
            '{"stringValue":"worker-%%d"}}],"events":[],"status":{}}') % trace_id
    with open(path, "w", encoding="utf-8") as f:
        f.write(head)
        for i in range(spans):
            f.write((span % (i + 1, i, i, i % 64)) + ("," if i + 1 < spans else ""))
        if span_bytes:
            f.write(',{"traceId":"%s","spanId":"ffffffffffffffff","name":"huge","attributes":[{"key":"blob",'
                    '"value":{"stringValue":"' % trace_id)
            chunk = "y" * (1 << 20)
            for _ in range(span_bytes >> 20):
                f.write(chunk)
            f.write('"}}]}')
        f.write("]}]}]}")


def run_measured(cmd, env, limit_bytes=None):
    """Runs cmd to its end; returns (exit code, stdout, stderr, peak resident bytes), with
    the child's own rusage (wait4), and its address space limited to `limit_bytes` if given."""
    def limit():
        if limit_bytes:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, preexec_fn=limit)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                usage.ru_maxrss * 1024)


def attributes(resource):
    return {a["key"]: list(a["value"].values())[0] for a in resource.get("attributes", [])}


class ExportTest(unittest.TestCase):
    def export(self, tree, *args, env=None, timeout=120):
        """Runs `testscope export tree args...` with a clean environment plus `env`."""
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("OTEL_", "GITHUB_", "TESTSCOPE_")) and not k.lower().endswith("_proxy")}
        clean.update(env or {})
        start = time.monotonic()
        proc = subprocess.run([ARGS.testscope, "export", tree, *args], env=clean, capture_output=True,
                              text=True, timeout=timeout)
        proc.seconds = time.monotonic() - start
        return proc

    def assert_bodies_valid(self, receiver):
        self.assertTrue(receiver.requests, "no request reached the receiver")
        for r in receiver.requests:
            self.assertIsNone(r["error"], "request to %s: %s" % (r["path"], r["error"]))

    def summary(self, proc):
        m = re.search(r"(\d+) spans? and (\d+) log records? sent to .* in (\d+) batch(?:es)?; (\d+) rejected, "
                      r"(\d+) not sent", proc.stdout)
        self.assertIsNotNone(m, "no summary line in stdout: %r" % proc.stdout)
        return tuple(int(x) for x in m.groups())

    # -- the happy path on a tree that needs several batches --------------------------------

    def test_big_tree_gzip_paths_headers_batches(self):
        before = tree_digest(ARGS.big_tree)
        spans, logs = tree_counts(ARGS.big_tree)
        with Receiver() as rx:
            proc = self.export(ARGS.big_tree, "--otlp", rx.url,
                               env={"OTEL_EXPORTER_OTLP_HEADERS": "api-key=s3cr%3Dt%20value, x-team = qa ,bad"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_bodies_valid(rx)
        for r in rx.requests:
            self.assertIn(r["path"], ("/v1/traces", "/v1/logs"))
            self.assertEqual(r["headers"].get("Content-Type"), "application/json")
            self.assertEqual(r["headers"].get("Content-Encoding"), "gzip")
            self.assertEqual(r["headers"].get("api-key"), "s3cr=t value")
            self.assertEqual(r["headers"].get("x-team"), "qa")
            self.assertTrue(r["headers"].get("User-Agent", "").startswith("testscope/"))
            self.assertLessEqual(r["size"], MAX_BODY)
            self.assertLess(len(r["raw"]), r["size"], "gzip did not make the body smaller")
            for resource in r["resources"]:
                self.assertEqual(attributes(resource).get("service.name"), "otlp_http_write_tree")
        traces = [r for r in rx.requests if r["signal"] == "traces"]
        log_requests = [r for r in rx.requests if r["signal"] == "logs"]
        self.assertGreater(len(traces), 1, "the big tree should need more than one traces batch")
        self.assertGreater(len(log_requests), 1, "the big tree should need more than one logs batch")
        self.assertEqual(sum(r["items"] for r in traces), spans)
        self.assertEqual(sum(r["items"] for r in log_requests), logs)
        # Batches are filled: every one but the last of a signal is over half the limit.
        for group in (traces, log_requests):
            for r in group[:-1]:
                self.assertGreater(r["size"], MAX_BODY // 2)
        self.assertEqual(self.summary(proc), (spans, logs, len(rx.requests), 0, 0))
        self.assertIn("'bad' is not key=value", proc.stderr)
        self.assertEqual(tree_digest(ARGS.big_tree), before, "export changed files on disk")

    def test_env_endpoint_no_compression_signal_url(self):
        with Receiver() as rx:
            proc = self.export(ARGS.small_tree, "--otlp", env={
                "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url + "/prefix/",
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": rx.url + "/custom/logs",
                "OTEL_EXPORTER_OTLP_COMPRESSION": "none",
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "only-traces=1"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_bodies_valid(rx)
        self.assertEqual(sorted({r["path"] for r in rx.requests}), ["/custom/logs", "/prefix/v1/traces"])
        for r in rx.requests:
            self.assertNotIn("Content-Encoding", r["headers"])
            self.assertEqual(r["headers"].get("only-traces"), "1" if r["signal"] == "traces" else None)

    def test_default_endpoint_is_localhost_4318(self):
        proc = self.export(ARGS.small_tree, "--otlp", env={"OTEL_EXPORTER_OTLP_TIMEOUT": "300"})
        self.assertIn("http://localhost:4318", proc.stderr + proc.stdout)

    def test_resource_attributes_from_environment(self):
        with Receiver() as rx:
            proc = self.export(ARGS.small_tree, "--otlp", rx.url, env={
                "OTEL_SERVICE_NAME": "checkout-ci",
                "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=ci%20run,service.name=ignored,team=qa",
                "GITHUB_ACTIONS": "true", "GITHUB_WORKFLOW": "Build and test", "GITHUB_RUN_ID": "4242",
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_JOB": "test"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_bodies_valid(rx)
        signals = set()
        for r in rx.requests:
            signals.add(r["signal"])
            for resource in r["resources"]:
                a = attributes(resource)
                self.assertEqual(a["service.name"], "checkout-ci")
                self.assertEqual(a["deployment.environment"], "ci run")
                self.assertEqual(a["team"], "qa")
                self.assertEqual(a["cicd.pipeline.name"], "Build and test")
                self.assertEqual(a["cicd.pipeline.run.id"], "4242")
                self.assertEqual(a["cicd.pipeline.run.url.full"], "https://github.com/acme/shop/actions/runs/4242")
                self.assertEqual(a["cicd.pipeline.task.name"], "test")
                self.assertIn("host.name", a)  # the attributes on disk stay
        self.assertEqual(signals, {"traces", "logs"})

    # -- retries ----------------------------------------------------------------------------

    def test_retry_503_then_200(self):
        answers = {0: (503, {}, b'{"message":"warming up"}')}
        with Receiver(lambda n, path: answers.get(n, (200, {}, b"{}"))) as rx:
            proc = self.export(ARGS.small_tree, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_bodies_valid(rx)
        first, second = rx.requests[0], rx.requests[1]
        self.assertEqual(first["raw"], second["raw"], "the retry must send the same request")
        self.assertEqual(first["path"], second["path"])
        self.assertGreaterEqual(second["time"] - first["time"], 0.45, "the backoff is at least half of 1 s")
        spans, logs = tree_counts(ARGS.small_tree)
        self.assertEqual(self.summary(proc)[:2], (spans, logs))

    def test_retry_after_429(self):
        answers = {0: (429, {"Retry-After": "2"}, b'{"message":"slow down"}')}
        with Receiver(lambda n, path: answers.get(n, (200, {}, b"{}"))) as rx:
            proc = self.export(ARGS.small_tree, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(rx.requests[0]["raw"], rx.requests[1]["raw"])
        self.assertGreaterEqual(rx.requests[1]["time"] - rx.requests[0]["time"], 1.9, "Retry-After: 2 not honoured")

    def test_retry_after_past_the_timeout_gives_up(self):
        with Receiver(lambda n, path: (503, {"Retry-After": "60"}, b"{}")) as rx:
            proc = self.export(ARGS.small_tree, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertEqual(len(rx.requests), 1, "nothing more is sent after a failed batch")
        self.assertIn("Retry-After (60.0 s) would pass the export timeout (10.0 s)", proc.stderr)
        self.assertLess(proc.seconds, 5)

    def test_persistent_503_bounded_attempts(self):
        with Receiver(lambda n, path: (503, {}, b'{"message":"down"}')) as rx:
            proc = self.export(ARGS.small_tree, "--otlp", rx.url, env={"OTEL_EXPORTER_OTLP_TIMEOUT": "30000"})
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertEqual(len(rx.requests), 5, "max 5 attempts, then nothing more")
        self.assertEqual(len({r["raw"] for r in rx.requests}), 1)
        self.assertIn("HTTP 503: down; gave up after 5 attempts", proc.stderr)
        gaps = [b["time"] - a["time"] for a, b in zip(rx.requests, rx.requests[1:])]
        self.assertGreater(gaps[-1], gaps[0], "the backoff grows: %r" % gaps)

    def test_400_is_not_retried(self):
        with Receiver(lambda n, path: (400, {}, b'{"code":3,"message":"bad data"}')) as rx:
            proc = self.export(ARGS.small_tree, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assert_bodies_valid(rx)
        self.assertEqual(sorted(r["path"] for r in rx.requests), ["/v1/logs", "/v1/traces"], "one try per batch")
        self.assertIn("HTTP 400: bad data", proc.stderr)
        spans, logs = tree_counts(ARGS.small_tree)
        self.assertEqual(self.summary(proc), (0, 0, 2, spans + logs, 0))

    def test_404_is_refused_not_retried(self):
        with Receiver(lambda n, path: (404, {}, b"no such path")) as rx:
            proc = self.export(ARGS.small_tree, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertEqual(len(rx.requests), 1)
        self.assertIn("HTTP 404: no such path; nothing more is sent", proc.stderr)

    # -- partial success --------------------------------------------------------------------

    def test_partial_success(self):
        def answer(n, path):
            if path == "/v1/traces":
                return 200, {}, b'{"partialSuccess":{"rejectedSpans":"3","errorMessage":"spans too old"}}'
            return 200, {}, b'{"partialSuccess":{"rejectedLogRecords":0,"errorMessage":"just a warning"}}'
        with Receiver(answer) as rx:
            proc = self.export(ARGS.small_tree, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(len(rx.requests), 2)
        self.assertRegex(proc.stderr, r"rejected 3 of \d+ spans: spans too old")
        self.assertIn("the endpoint warns: just a warning", proc.stderr)
        spans, logs = tree_counts(ARGS.small_tree)
        self.assertEqual(self.summary(proc), (spans - 3, logs, 2, 3, 0))

    # -- failures ---------------------------------------------------------------------------

    def test_unreachable_endpoint(self):
        before = tree_digest(ARGS.small_tree)
        port = free_port()
        proc = self.export(ARGS.small_tree, "--otlp", "http://127.0.0.1:%d" % port,
                           env={"OTEL_EXPORTER_OTLP_TIMEOUT": "2500"})
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertIn("http://127.0.0.1:%d/v1/traces" % port, proc.stderr)
        self.assertRegex(proc.stderr, r"(?i)connect")
        self.assertIn("gave up after", proc.stderr)
        self.assertLess(proc.seconds, 6, "the timeout bounds the retries")
        spans, logs = tree_counts(ARGS.small_tree)
        self.assertEqual(self.summary(proc), (0, 0, 1, 0, spans + logs))
        self.assertEqual(tree_digest(ARGS.small_tree), before, "export changed files on disk")

    def test_corrupt_files_are_reported_and_skipped(self):
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "tree")
            shutil.copytree(ARGS.small_tree, tree)
            tests_dir = os.path.join(tree, "runs", "1", "tests")
            first, second = sorted(os.listdir(tests_dir))[:2]
            broken_trace = os.path.join(tests_dir, first, "trace.otlp.json")
            with open(broken_trace, "r+b") as f:
                f.truncate(100)
            broken_logs = os.path.join(tests_dir, second, "logs.jsonl")
            with open(broken_logs, encoding="utf-8") as f:
                lines = f.readlines()
            lines[1] = '{"event": "no time"}\n'
            with open(broken_logs, "w", encoding="utf-8") as f:
                f.writelines(lines)
            spans_before, logs_before = tree_counts(ARGS.small_tree)
            with open(os.path.join(ARGS.small_tree, "runs", "1", "tests", first, "trace.otlp.json")) as f:
                lost_spans = sum(len(ss["spans"]) for rs in json.load(f)["resourceSpans"] for ss in rs["scopeSpans"])
            with Receiver() as rx:
                proc = self.export(tree, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_bodies_valid(rx)
        self.assertIn(broken_trace + ": not valid JSON at byte", proc.stderr)
        self.assertIn(broken_logs + ": line 2: no integer time_unix_ns (skipped)", proc.stderr)
        sent = self.summary(proc)
        self.assertEqual(sent[:2], (spans_before - lost_spans, logs_before - 1))
        self.assertIn("2 bad files or lines skipped", proc.stdout)

    def test_hostile_sample_values(self):
        if not ARGS.samples:
            self.skipTest("no --samples tree")
        with Receiver() as rx:
            proc = self.export(ARGS.samples, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_bodies_valid(rx)
        self.assertEqual(sum(r["items"] for r in rx.requests if r["signal"] == "traces"),
                         tree_counts(ARGS.samples)[0])

    # -- one picture of a run: the runner's spans from testscope-run.json -------------------

    def test_run_spans_complete_the_tree(self):
        """A tree made by `testscope run`: the run's span and one span per execution arrive
        with the tests' spans, all in the run's trace, and every span's parent is sent too,
        so Jaeger or Tempo shows one connected tree."""
        if not ARGS.fixture_program:
            self.skipTest("no --fixture-program")
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "out")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TESTSCOPE_", "GTEST_", "TRACEPARENT"))}
            run = subprocess.run([ARGS.testscope, "run", "-n", "3", "--out", tree, "--", ARGS.fixture_program,
                                  "--gtest_filter=Cli.Passes:Cli.FailsOnEvenExecutions"],
                                 env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(run.returncode, 1, run.stderr)  # execution 2 fails
            with open(os.path.join(tree, "testscope-run.json"), encoding="utf-8") as f:
                manifest = json.load(f)
            test_spans, _ = tree_counts(tree)
            with Receiver() as rx:
                proc = self.export(tree, "--otlp", rx.url)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assert_bodies_valid(rx)
        spans = [span for r in rx.requests if r["signal"] == "traces" for rs in r["doc"]["resourceSpans"]
                 for ss in rs["scopeSpans"] for span in ss["spans"]]
        self.assertEqual(len(spans), test_spans + 1 + len(manifest["executions"]))
        self.assertEqual(self.summary(proc)[0], len(spans))
        by_id = {span["spanId"]: span for span in spans}
        self.assertEqual(len(by_id), len(spans), "span ids are not distinct")
        root = by_id[manifest["span_id"]]
        self.assertNotIn("parentSpanId", root)
        self.assertEqual(root["name"], "testscope run " + os.path.basename(ARGS.fixture_program))
        self.assertEqual(root["startTimeUnixNano"], str(manifest["start_unix_ns"]))
        self.assertEqual(root["endTimeUnixNano"], str(manifest["end_unix_ns"]))
        self.assertEqual(root["status"], {"code": 2, "message": "1 of 3 executions did not pass"})
        for execution in manifest["executions"]:
            span = by_id[execution["span_id"]]
            self.assertEqual(span["parentSpanId"], manifest["span_id"])
            self.assertEqual(span["name"], "execution " + execution["name"])
            self.assertEqual(span["startTimeUnixNano"], str(execution["start_unix_ns"]))
            attrs = {a["key"]: a["value"] for a in span["attributes"]}
            self.assertEqual(attrs["testscope.execution.outcome"], {"stringValue": execution["outcome"]})
            self.assertEqual(attrs["process.exit.code"], {"intValue": str(execution["exit_code"])})
            self.assertEqual(span["status"].get("code"), 2 if execution["outcome"] != "pass" else None)
        for span in spans:
            self.assertEqual(span["traceId"], manifest["trace_id"])
            if span is not root:
                self.assertIn(span["parentSpanId"], by_id, "a span whose parent is not sent: %s" % span["name"])

    # -- memory (issue 14, item 10) ------------------------------------------------------

    def clean_env(self):
        return {k: v for k, v in os.environ.items()
                if not k.startswith(("OTEL_", "GITHUB_", "TESTSCOPE_")) and not k.lower().endswith("_proxy")}

    def test_large_trace_is_streamed_in_bounded_memory(self):
        """A trace of 400,000 spans (~150 MB): export reads and sends it a span and a batch at
        a time; before, it held the text, a DOM of it and every batch at once (GBs)."""
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "tree")
            shutil.copytree(ARGS.small_tree, tree)
            tests_dir = os.path.join(tree, "runs", "1", "tests")
            trace = os.path.join(tests_dir, sorted(os.listdir(tests_dir))[0], "trace.otlp.json")
            write_big_trace(trace, 400000)
            trace_bytes = os.path.getsize(trace)
            spans, logs = tree_counts(tree)
            with Receiver(check=False) as rx:
                code, out, err, peak = run_measured(
                    [ARGS.testscope, "export", tree, "--otlp", rx.url], self.clean_env())
        self.assertEqual(code, 0, err)
        proc = subprocess.CompletedProcess([], code, out, err)
        self.assertEqual(self.summary(proc)[:2], (spans, logs))
        self.assertGreater(trace_bytes, 120 << 20)
        self.assertLess(peak, trace_bytes // 2,
                        "export's peak resident size was %d MiB for a trace of %d MiB" % (peak >> 20, trace_bytes >> 20))

    def test_out_of_memory_names_the_file(self):
        """One span of 300 MB under a 400 MB address-space limit: memory runs out while that
        file is read; export says which file and exits 2 instead of dying of bad_alloc or
        counting it as a bad file."""
        limit = 400 << 20
        probe, _, probe_err, _ = run_measured([ARGS.testscope, "--version"], self.clean_env(), limit)
        if probe != 0:  # a sanitizer's shadow memory needs terabytes of address space
            self.skipTest("testscope does not start under RLIMIT_AS: " + probe_err[:200])
        with tempfile.TemporaryDirectory() as tmp:
            tree = os.path.join(tmp, "tree")
            shutil.copytree(ARGS.small_tree, tree)
            tests_dir = os.path.join(tree, "runs", "1", "tests")
            trace = os.path.join(tests_dir, sorted(os.listdir(tests_dir))[0], "trace.otlp.json")
            write_big_trace(trace, 10, span_bytes=300 << 20)
            with Receiver(check=False) as rx:
                code, out, err, _ = run_measured(
                    [ARGS.testscope, "export", tree, "--otlp", rx.url], self.clean_env(), limit)
        self.assertEqual(code, 2, out + err)
        self.assertIn("testscope export: %s: out of memory while reading it" % trace, err)
        self.assertNotIn("terminate called", err)

    def test_usage_errors(self):
        self.assertEqual(self.export(ARGS.small_tree).returncode, 2)  # no destination
        bad = self.export(ARGS.small_tree, "--otlp", "ftp://example.invalid")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("is not an http:// or https:// URL", bad.stderr)
        bad_env = self.export(ARGS.small_tree, "--otlp", env={"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"})
        self.assertEqual(bad_env.returncode, 2)
        self.assertIn("OTEL_EXPORTER_OTLP_ENDPOINT", bad_env.stderr)
        # A URL libcurl cannot parse is a usage error, not an unreachable endpoint (issue 14).
        for url in ("http://[::1", "http://host:99999", "http://[::1]x"):
            malformed = self.export(ARGS.small_tree, "--otlp", url)
            self.assertEqual(malformed.returncode, 2, url + ": " + malformed.stderr)
            self.assertIn("is not a valid URL", malformed.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(self.export(tmp, "--otlp", "http://127.0.0.1:9").returncode, 2)  # no execution
            self.assertEqual(self.export(os.path.join(tmp, "missing"), "--otlp").returncode, 2)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--testscope", required=True)
    parser.add_argument("--big-tree", required=True)
    parser.add_argument("--small-tree", required=True)
    parser.add_argument("--samples")
    parser.add_argument("--fixture-program", help="tests/cli/cli_fixture_program, for the run-spans case")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
