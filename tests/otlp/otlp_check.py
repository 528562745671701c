#!/usr/bin/env python3
"""Strict check of testscope's trace files against the official OTLP protobuf definitions.

    otlp_check.py [--tree ROOT]... [PATH]...

PATH is a trace.otlp.json file, or a folder searched for *.otlp.json files. --tree ROOT
checks a whole artifact tree (schema 1): ROOT/run.json finished, and every test folder
under ROOT/tests complete (summary.json, trace.otlp.json, trace.chrome.json), one folder
per test the run counted.

Each OTLP file must be UTF-8 JSON without duplicate keys or bare NaN/Infinity, follow
OTLP/JSON's rules (trace and span ids as lowercase hex of the right length, not all zero;
enums as integers in range), and then parse with protobuf's JSON mapping into
opentelemetry.proto.trace.v1.TracesData with unknown fields rejected, after the hex ids
are converted to the base64 that protobuf's mapping expects. A trace.chrome.json beside an
OTLP file is checked too: a traceEvents list, complete events with numeric ts, dur >= 0,
pid and tid, every flow start matched by a flow end, and one complete event per span.

Exit status: 0 when every file passed and at least one OTLP file was checked; 1 when a
check failed (each failure is printed with its file and reason); 2 for a usage error or
a missing protobuf package.
"""

import argparse
import base64
import json
import math
import os
import sys

SPAN_KIND_MAX = 5  # SPAN_KIND_CONSUMER
STATUS_CODE_MAX = 2  # STATUS_CODE_ERROR
HEX_DIGITS = set("0123456789abcdef")


class CheckError(Exception):
    """A file failed a check; the message says where and why."""


def _reject_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise CheckError("duplicate key %r in one object" % key)
        obj[key] = value
    return obj


def _reject_constant(token):
    raise CheckError("bare %s is not JSON (write it as a string)" % token)


def load_json(path):
    """Loads strict JSON: valid UTF-8, no duplicate keys, no NaN/Infinity tokens."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CheckError("cannot read: %s" % e.strerror)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CheckError("not UTF-8 at byte %d" % e.start)
    try:
        doc = json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise CheckError("invalid JSON at line %d column %d: %s" % (e.lineno, e.colno, e.msg))
    _check_strings(doc, "$")
    return doc, text


def _check_strings(value, where):
    """Every string must be encodable as UTF-8 (no lone surrogates from \\ud800 escapes)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CheckError("%s: string holds a lone surrogate (not valid UTF-8)" % where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, where)
            _check_strings(item, "%s.%s" % (where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_strings(item, "%s[%d]" % (where, i))


def _hex_to_base64(obj, field, length, where, required):
    """Checks obj[field] is lowercase hex of `length` digits, not all zero; converts it."""
    if field not in obj:
        if required:
            raise CheckError("%s: missing %s" % (where, field))
        return
    value = obj[field]
    if not isinstance(value, str):
        raise CheckError("%s.%s: expected a hex string, got %s" % (where, field, type(value).__name__))
    if value == "" and not required:
        return  # an empty parentSpanId means "no parent"
    if len(value) != length:
        raise CheckError("%s.%s: %r has %d hex digits, expected %d" % (where, field, value, len(value), length))
    if not set(value) <= HEX_DIGITS:
        raise CheckError("%s.%s: %r is not lowercase hex" % (where, field, value))
    if set(value) == {"0"}:
        raise CheckError("%s.%s: all-zero id is invalid" % (where, field))
    obj[field] = base64.b64encode(bytes.fromhex(value)).decode("ascii")


def _check_enum(obj, field, maximum, where):
    if field not in obj:
        return
    value = obj[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise CheckError("%s.%s: enums are integers in OTLP/JSON, got %r" % (where, field, value))
    if not 0 <= value <= maximum:
        raise CheckError("%s.%s: %d is not a known value (0..%d)" % (where, field, value, maximum))


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _list(obj, field, where):
    value = obj.get(field, [])
    if not isinstance(value, list):
        raise CheckError("%s.%s: expected a list" % (where, field))
    return value


def otlp_rules(doc):
    """OTLP/JSON's own rules, then hex ids -> base64. Returns the span ids (hex) seen."""
    if not isinstance(doc, dict):
        raise CheckError("top level is not an object")
    span_ids = []
    for r, rs in enumerate(_list(doc, "resourceSpans", "$")):
        if not isinstance(rs, dict):
            raise CheckError("resourceSpans[%d] is not an object" % r)
        for s, ss in enumerate(_list(rs, "scopeSpans", "resourceSpans[%d]" % r)):
            if not isinstance(ss, dict):
                raise CheckError("resourceSpans[%d].scopeSpans[%d] is not an object" % (r, s))
            for i, span in enumerate(_list(ss, "spans", "resourceSpans[%d].scopeSpans[%d]" % (r, s))):
                where = "resourceSpans[%d].scopeSpans[%d].spans[%d]" % (r, s, i)
                if not isinstance(span, dict):
                    raise CheckError("%s is not an object" % where)
                if isinstance(span.get("name"), str):
                    where += " (%s)" % span["name"][:60]
                if isinstance(span.get("spanId"), str):
                    span_ids.append(span["spanId"])
                _hex_to_base64(span, "traceId", 32, where, required=True)
                _hex_to_base64(span, "spanId", 16, where, required=True)
                _hex_to_base64(span, "parentSpanId", 16, where, required=False)
                _check_enum(span, "kind", SPAN_KIND_MAX, where)
                status = span.get("status", {})
                if isinstance(status, dict):
                    _check_enum(status, "code", STATUS_CODE_MAX, where + ".status")
                start = _as_int(span.get("startTimeUnixNano"))
                end = _as_int(span.get("endTimeUnixNano"))
                if start is not None and end is not None and end < start:
                    raise CheckError("%s: endTimeUnixNano %d is before startTimeUnixNano %d" % (where, end, start))
                for k, link in enumerate(_list(span, "links", where)):
                    if not isinstance(link, dict):
                        raise CheckError("%s.links[%d] is not an object" % (where, k))
                    _hex_to_base64(link, "traceId", 32, "%s.links[%d]" % (where, k), required=True)
                    _hex_to_base64(link, "spanId", 16, "%s.links[%d]" % (where, k), required=True)
    return span_ids


def check_otlp(path):
    """Checks one OTLP/JSON file; returns its span ids (hex)."""
    from google.protobuf import json_format
    from opentelemetry.proto.trace.v1 import trace_pb2

    doc, _ = load_json(path)
    span_ids = otlp_rules(doc)
    try:
        message = json_format.Parse(json.dumps(doc), trace_pb2.TracesData(), ignore_unknown_fields=False)
    except json_format.ParseError as e:
        raise CheckError("protobuf: %s" % str(e).split("\n")[0])
    parsed = sum(len(ss.spans) for rs in message.resource_spans for ss in rs.scope_spans)
    if parsed != len(span_ids):
        raise CheckError("protobuf parsed %d spans, the file lists %d" % (parsed, len(span_ids)))
    return span_ids


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_chrome(path, span_ids=None):
    """Checks a Chrome trace event file; with span_ids, one X event per OTLP span."""
    doc, _ = load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        raise CheckError("no traceEvents list")
    starts = {}
    finishes = {}
    x_span_ids = []
    for i, event in enumerate(doc["traceEvents"]):
        where = "traceEvents[%d]" % i
        if not isinstance(event, dict):
            raise CheckError("%s is not an object" % where)
        phase = event.get("ph")
        if not isinstance(phase, str) or not phase:
            raise CheckError("%s: no ph" % where)
        if "name" in event and isinstance(event["name"], str):
            where += " (%s %s)" % (phase, event["name"][:60])
        if phase in ("X", "i", "s", "f"):
            if not _number(event.get("ts")):
                raise CheckError("%s: ts is not a number: %r" % (where, event.get("ts")))
            for field in ("pid", "tid"):
                if field not in event or isinstance(event[field], bool) or not isinstance(event[field], (int, str)):
                    raise CheckError("%s: missing or bad %s" % (where, field))
        if phase == "X":
            if not _number(event.get("dur")) or event["dur"] < 0:
                raise CheckError("%s: dur must be a number >= 0, got %r" % (where, event.get("dur")))
            args = event.get("args", {})
            if isinstance(args, dict) and "span_id" in args:
                x_span_ids.append(args["span_id"])
        elif phase in ("s", "f"):
            if "id" not in event or isinstance(event["id"], bool) or not isinstance(event["id"], (int, str)):
                raise CheckError("%s: flow event without an id" % where)
            target = starts if phase == "s" else finishes
            if event["id"] in target:
                raise CheckError("%s: flow id %r used twice" % (where, event["id"]))
            target[event["id"]] = event
    for flow_id in starts:
        if flow_id not in finishes:
            raise CheckError("flow %r starts ('s') but never finishes ('f')" % flow_id)
    for flow_id in finishes:
        if flow_id not in starts:
            raise CheckError("flow %r finishes ('f') but never starts ('s')" % flow_id)
    if span_ids is not None and sorted(x_span_ids) != sorted(span_ids):
        raise CheckError("complete events do not match the OTLP spans: %d X events for %d spans"
                         % (len(x_span_ids), len(span_ids)))


def check_tree(root, failures):
    """Checks an artifact tree's completeness; returns the OTLP files in it."""
    otlp_files = []

    def fail(path, reason):
        failures.append("%s: %s" % (path, reason))

    run_path = os.path.join(root, "run.json")
    expected_tests = None
    try:
        run, _ = load_json(run_path)
        if not isinstance(run, dict) or run.get("schema") != 1:
            fail(run_path, "schema is not 1")
        elif run.get("end_unix_ns") is None or run.get("exit_status") is None:
            fail(run_path, "the run never finished (end_unix_ns or exit_status is null)")
        elif isinstance(run.get("tests"), dict):
            expected_tests = run["tests"].get("run")
    except CheckError as e:
        fail(run_path, str(e))
    tests_dir = os.path.join(root, "tests")
    folders = sorted(os.listdir(tests_dir)) if os.path.isdir(tests_dir) else []
    if not folders:
        fail(tests_dir, "no test folders")
    for name in folders:
        folder = os.path.join(tests_dir, name)
        for file in ("summary.json", "trace.otlp.json", "trace.chrome.json"):
            if not os.path.isfile(os.path.join(folder, file)):
                fail(os.path.join(folder, file), "missing")
        summary_path = os.path.join(folder, "summary.json")
        if os.path.isfile(summary_path):
            try:
                summary, _ = load_json(summary_path)
                if not isinstance(summary, dict) or summary.get("schema") != 1:
                    fail(summary_path, "schema is not 1")
                elif summary.get("id") != name:
                    fail(summary_path, "id %r is not the folder name" % summary.get("id"))
            except CheckError as e:
                fail(summary_path, str(e))
        if os.path.isfile(os.path.join(folder, "trace.otlp.json")):
            otlp_files.append(os.path.join(folder, "trace.otlp.json"))
    if isinstance(expected_tests, int) and expected_tests != len(folders):
        fail(tests_dir, "run.json counts %d tests run, the tree has %d test folders" % (expected_tests, len(folders)))
    return otlp_files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", default=[], help="an artifact tree root to check whole")
    parser.add_argument("paths", nargs="*", help="trace.otlp.json files or folders to search")
    args = parser.parse_args(argv)
    try:
        import google.protobuf  # noqa: F401
        import opentelemetry.proto.trace.v1.trace_pb2  # noqa: F401
    except ImportError as e:
        print("otlp_check: %s (install scripts/requirements.txt, e.g. with scripts/bootstrap)" % e, file=sys.stderr)
        return 2

    failures = []
    otlp_files = []
    for root in args.tree:
        otlp_files.extend(check_tree(root, failures))
    for path in args.paths:
        if os.path.isdir(path):
            for folder, _, files in sorted(os.walk(path)):
                otlp_files.extend(os.path.join(folder, f) for f in sorted(files) if f.endswith(".otlp.json"))
        elif os.path.exists(path):
            otlp_files.append(path)
        else:
            failures.append("%s: no such file or folder" % path)

    checked = 0
    for path in otlp_files:
        try:
            span_ids = check_otlp(path)
            checked += 1
        except CheckError as e:
            failures.append("%s: %s" % (path, e))
            continue
        chrome = os.path.join(os.path.dirname(path), "trace.chrome.json")
        if os.path.isfile(chrome):
            try:
                check_chrome(chrome, span_ids)
            except CheckError as e:
                failures.append("%s: %s" % (chrome, e))

    for failure in failures:
        print("otlp_check: FAIL %s" % failure, file=sys.stderr)
    if checked == 0 and not failures:
        print("otlp_check: no OTLP file was checked", file=sys.stderr)
        return 1
    if failures:
        return 1
    print("otlp_check: %d OTLP file(s) valid" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
