#!/usr/bin/env python3
"""`testscope export --otlp` into a real Jaeger, read back through Jaeger's query API.

    jaeger_test.py --testscope BIN --jaeger BIN --program PROGRAM [--work DIR]

Runs PROGRAM (the promo example: two threads, spans with attributes, log events, a flaky
failure) three times under `testscope run`, starts Jaeger (v2, built from the Go module proxy
by scripts/bootstrap into build/jaeger/) on free loopback ports with in-memory storage and a
logs pipeline into its debug exporter, exports the run, then checks that Jaeger holds every
span of every test exactly as the artifacts on disk have it: ids, parents, names, start and
duration, attributes, events, error status and the resource; and that every log record
arrived. Exit 0 when all holds, 1 with what differed, 2 when Jaeger or a program is missing
(the message says how to build it).
"""

import argparse
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CONFIG = """\
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [jaeger_storage_exporter]
    logs:
      receivers: [otlp]
      processors: []
      exporters: [debug]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:{query}
    grpc:
      endpoint: 127.0.0.1:{query_grpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{otlp}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
  debug:
    verbosity: detailed
"""

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
    return condition


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def start_jaeger(binary, work):
    """Starts Jaeger on free loopback ports; (process, otlp port, query port, log path). A port
    taken by another process between choosing and binding it makes Jaeger exit at once: then
    it is started again on other ports (3 tries)."""
    log_path = os.path.join(work, "jaeger.log")
    for attempt in range(3):
        otlp, query, query_grpc = free_ports(3)
        config = os.path.join(work, "jaeger.yaml")
        with open(config, "w", encoding="utf-8") as file:
            file.write(CONFIG.format(otlp=otlp, query=query, query_grpc=query_grpc))
        with open(log_path, "w", encoding="utf-8") as log:
            process = subprocess.Popen([binary, "--config", config], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                get_json(f"http://127.0.0.1:{query}/api/services")
                return process, otlp, query, log_path
            except OSError:
                time.sleep(0.2)
        if process.poll() is None:
            process.kill()
            process.wait()
            sys.exit(f"jaeger_test: Jaeger's query API did not answer within 60 s:\n{open(log_path).read()[-3000:]}")
        print(f"jaeger_test: Jaeger exited {process.returncode} at start (try {attempt + 1}); trying other ports",
              file=sys.stderr)
    sys.exit(f"jaeger_test: Jaeger did not start:\n{open(log_path).read()[-3000:]}")


def value_text(value):
    """An OTLP/JSON AnyValue as Jaeger shows a tag value, as text."""
    kind, inner = next(iter(value.items())) if value else ("stringValue", "")
    if kind == "boolValue":
        return "true" if inner else "false"
    if kind in ("arrayValue", "kvlistValue"):
        return None  # Jaeger flattens these its own way: not compared
    return str(inner)


def spans_on_disk(out):
    """{span id: (trace id, span, resource attributes)} of every trace.otlp.json in OUT."""
    spans = {}
    for path in glob.glob(os.path.join(out, "runs", "*", "tests", "*", "trace.otlp.json")):
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
        for resource_spans in document["resourceSpans"]:
            resource = {a["key"]: value_text(a["value"]) for a in resource_spans["resource"].get("attributes", [])}
            for scope_spans in resource_spans["scopeSpans"]:
                for span in scope_spans["spans"]:
                    spans[span["spanId"]] = (span["traceId"], span, resource)
    return spans


def run_spans(out):
    """{span id: (name, parent span id)} of the runner's spans that export builds from
    testscope-run.json: the run's, and one per execution under it."""
    with open(os.path.join(out, "testscope-run.json"), encoding="utf-8") as file:
        manifest = json.load(file)
    program = os.path.basename(manifest["program"][0])
    spans = {manifest["span_id"]: (f"testscope run {program}", manifest.get("parent_span_id") or "")}
    for execution in manifest["executions"]:
        spans[execution["span_id"]] = (f"execution {execution['name']}", manifest["span_id"])
    return spans


def log_records_on_disk(out):
    count = 0
    for path in glob.glob(os.path.join(out, "runs", "*", "tests", "*", "logs.jsonl")):
        with open(path, encoding="utf-8") as file:
            count += sum(1 for line in file if line.strip())
    return count


def compare_span(ours, theirs, resource, process):
    """Checks one of Jaeger's spans against ours (`resource` as export sends it); records
    failures."""
    name = f"span {ours['spanId']} ({ours['name']})"
    check(theirs["operationName"] == ours["name"], f"{name}: Jaeger names it {theirs['operationName']!r}")
    check(theirs["traceID"] == ours["traceId"], f"{name}: trace {theirs['traceID']} != {ours['traceId']}")
    parents = [r["spanID"] for r in theirs.get("references", []) if r["refType"] == "CHILD_OF"]
    want_parent = ours.get("parentSpanId", "")
    check(parents == ([want_parent] if want_parent else []), f"{name}: parents {parents}, want {want_parent!r}")
    start_us = int(ours["startTimeUnixNano"]) // 1000
    duration_us = (int(ours["endTimeUnixNano"]) - int(ours["startTimeUnixNano"])) / 1000
    check(theirs["startTime"] == start_us, f"{name}: start {theirs['startTime']} us, want {start_us}")
    check(abs(theirs["duration"] - duration_us) <= 1, f"{name}: duration {theirs['duration']} us, want {duration_us}")
    tags = {t["key"]: str(t["value"]).lower() if t["type"] == "bool" else str(t["value"]) for t in theirs["tags"]}
    for attribute in ours.get("attributes", []):
        want = value_text(attribute["value"])
        if want is not None:
            check(tags.get(attribute["key"]) == want,
                  f"{name}: tag {attribute['key']}={tags.get(attribute['key'])!r}, want {want!r}")
    if ours.get("status", {}).get("code") == 2:
        check(tags.get("otel.status_code") == "ERROR" and tags.get("error") == "true",
              f"{name}: an error span without Jaeger's error tags: {tags}")
    events = [e["name"] for e in ours.get("events", [])]
    logs = [next((f["value"] for f in log["fields"] if f["key"] == "event"), None) for log in theirs.get("logs", [])]
    check(sorted(logs) == sorted(events), f"{name}: Jaeger's logs {logs}, want the events {events}")
    process_tags = {t["key"]: str(t["value"]) for t in process["tags"]}
    for key, value in resource.items():
        if key == "service.name":
            check(process["serviceName"] == value, f"{name}: service {process['serviceName']!r}, want {value!r}")
        elif value is not None:
            check(process_tags.get(key) == value, f"{name}: process tag {key}={process_tags.get(key)!r}, want {value!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testscope", required=True)
    parser.add_argument("--jaeger", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--work", help="keep the run, Jaeger's config and its log here")
    args = parser.parse_args()
    for what, path in (("testscope", args.testscope), ("the example program", args.program)):
        if not os.access(path, os.X_OK):
            print(f"jaeger_test: {what} {path} is not built (cmake --build build)", file=sys.stderr)
            return 2
    if not os.access(args.jaeger, os.X_OK):
        print(f"jaeger_test: Jaeger is not built at {args.jaeger}: scripts/bootstrap builds it with Go from "
              "tests/jaeger/go.mod (go build -o build/jaeger/jaeger github.com/jaegertracing/jaeger/cmd/jaeger)",
              file=sys.stderr)
        return 2

    work = args.work or tempfile.mkdtemp(prefix="testscope-jaeger-")
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    run = subprocess.run([args.testscope, "run", "-n", "3", "--out", out, "--", args.program],
                         capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        print(f"jaeger_test: testscope run exited {run.returncode}:\n{run.stderr}", file=sys.stderr)
        return 1

    jaeger, otlp, query, log_path = start_jaeger(args.jaeger, work)
    try:
        service = f"testscope-jaeger-test-{os.getpid()}"
        env = dict(os.environ, OTEL_SERVICE_NAME=service)
        env.pop("OTEL_RESOURCE_ATTRIBUTES", None)
        exported = subprocess.run([args.testscope, "export", out, "--otlp", f"http://127.0.0.1:{otlp}"],
                                  capture_output=True, text=True, env=env, check=False)
        said = exported.stdout + exported.stderr
        print(said.strip())
        if not check(exported.returncode == 0, f"export exited {exported.returncode}: {said}"):
            return 1
        sent = re.search(r"(\d+) spans and (\d+) log records sent", said)
        check(sent is not None, f"export did not say what it sent: {said}")

        ours = spans_on_disk(out)
        check(len(ours) > 0 and sent and int(sent.group(1)) == len(ours) + len(run_spans(out)),
              f"export sent {sent and sent.group(1)} spans; OUT holds {len(ours)} and the runner's")
        # Jaeger stores asynchronously: ask until every trace holds its spans (or 30 s pass).
        trace_ids = sorted({trace_id for trace_id, _, _ in ours.values()})
        theirs, processes = {}, {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            theirs.clear()
            for trace_id in trace_ids:
                try:
                    data = get_json(f"http://127.0.0.1:{query}/api/traces/{trace_id}")["data"]
                except OSError:
                    data = []
                for trace in data:
                    processes.update(trace["processes"])
                    for span in trace["spans"]:
                        theirs[span["spanID"]] = span
            if len(theirs) >= len(ours) + len(run_spans(out)):
                break
            time.sleep(0.5)
        check(service in get_json(f"http://127.0.0.1:{query}/api/services")["data"],
              f"Jaeger does not list the service {service}")
        missing = sorted(set(ours) - set(theirs))
        check(not missing, f"{len(missing)} of {len(ours)} spans are not in Jaeger, e.g. {missing[:3]}")
        runner = run_spans(out)
        for span_id, (name, parent) in runner.items():
            span = theirs.get(span_id)
            if check(span is not None, f"the runner's span {name} ({span_id}) is not in Jaeger"):
                parents = [r["spanID"] for r in span.get("references", []) if r["refType"] == "CHILD_OF"]
                check(span["operationName"] == name and parents == ([parent] if parent else []),
                      f"the runner's span {span_id}: {span['operationName']!r} under {parents}, want {name!r} "
                      f"under {parent!r}")
        extra = sorted(set(theirs) - set(ours) - set(runner))
        check(not extra, f"Jaeger holds spans that OUT does not: {extra[:3]}")
        for span_id, (_, span, resource) in ours.items():
            if span_id in theirs:  # OTEL_SERVICE_NAME names the service over the artifacts' own
                compare_span(span, theirs[span_id], dict(resource, **{"service.name": service}),
                             processes[theirs[span_id]["processID"]])

        # Log records go to the debug exporter, which prints each one to Jaeger's log.
        records = log_records_on_disk(out)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            printed = len(re.findall(r"^LogRecord #\d+", open(log_path, encoding="utf-8").read(), re.M))
            if printed >= records:
                break
            time.sleep(0.5)
        check(records > 0, "the promo example wrote no log records")
        check(printed == records, f"Jaeger's collector printed {printed} log records; OUT holds {records}")
        check(sent and int(sent.group(2)) == records, f"export sent {sent and sent.group(2)} log records of {records}")
    finally:
        jaeger.terminate()
        try:
            jaeger.wait(timeout=10)
        except subprocess.TimeoutExpired:
            jaeger.kill()
    for failure in FAILURES[:40]:
        print(f"jaeger_test: {failure}", file=sys.stderr)
    if FAILURES:
        print(f"jaeger_test: {len(FAILURES)} differences (work folder {work})", file=sys.stderr)
        return 1
    print(f"jaeger_test: Jaeger holds all {len(ours)} spans of {len(trace_ids)} traces as on disk, "
          f"and its collector received all {records} log records")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
