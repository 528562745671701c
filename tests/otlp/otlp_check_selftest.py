#!/usr/bin/env python3
"""Proves otlp_check.py cannot pass vacuously: broken variants of a real sample fail.

    otlp_check_selftest.py SAMPLES_DIR

SAMPLES_DIR is the tree write_samples made. Its Samples.DeepNesting files are the
baseline (they must pass); each case below breaks one thing in a copy, and the checker
must reject it with the expected reason. A few variants that proto3 JSON allows must pass.
"""

import copy
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import otlp_check  # noqa: E402


def first_span(doc):
    return doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]


def child_span(doc):
    return doc["resourceSpans"][0]["scopeSpans"][0]["spans"][1]


def with_attr(doc, value):
    child_span(doc)["attributes"].append({"key": "selftest", "value": value})


def set_(path_fn, key, value):
    def mutate(doc):
        path_fn(doc)[key] = value
    return mutate


def delete(path_fn, key):
    def mutate(doc):
        del path_fn(doc)[key]
    return mutate


def events(phase):
    return lambda doc: [e for e in doc["traceEvents"] if e["ph"] == phase]


# (name, mutation of the OTLP doc, mutation of the chrome doc, raw text edit, expected reason)
OTLP_CASES = [
    ("uppercase trace id", lambda d: first_span(d).update(traceId=first_span(d)["traceId"].upper()), "not lowercase hex"),
    ("uppercase span id", lambda d: child_span(d).update(spanId="ABCDEF0123456789"), "not lowercase hex"),
    ("non-hex parent id", lambda d: child_span(d).update(parentSpanId="zz" * 8), "not lowercase hex"),
    ("short span id", lambda d: child_span(d).update(spanId="abc"), "hex digits"),
    ("long trace id", lambda d: child_span(d).update(traceId="a" * 34), "hex digits"),
    ("base64 span id", lambda d: child_span(d).update(spanId="AAAAAAAAAAA="), "hex digits"),
    ("all-zero trace id", lambda d: child_span(d).update(traceId="0" * 32), "all-zero"),
    ("all-zero span id", lambda d: child_span(d).update(spanId="0" * 16), "all-zero"),
    ("missing span id", delete(child_span, "spanId"), "missing spanId"),
    ("trace id as number", set_(child_span, "traceId", 12345), "expected a hex string"),
    ("bad link id", lambda d: child_span(d).update(links=[{"traceId": "A" * 32, "spanId": "b" * 16}]), "links[0]"),
    ("unknown span field", set_(child_span, "spanID", "b7ad6b7169203331"), "no field named"),
    ("unknown top-level field", lambda d: d.update(extra=1), "no field named"),
    ("unknown resource field", lambda d: d["resourceSpans"][0]["resource"].update(labels=[]), "no field named"),
    ("unknown AnyValue field", lambda d: with_attr(d, {"int64Value": "1"}), "no field named"),
    ("name is a number", set_(child_span, "name", 5), "protobuf"),
    ("kind as an unknown name", set_(child_span, "kind", "internal"), "enums are integers"),
    ("kind as an enum name", set_(child_span, "kind", "SPAN_KIND_INTERNAL"), "enums are integers"),
    ("kind out of range", set_(child_span, "kind", 9), "not a known value"),
    ("kind is a fraction", set_(child_span, "kind", 1.5), "enums are integers"),
    ("status code out of range", lambda d: child_span(d).update(status={"code": 7}), "not a known value"),
    ("time not a number", set_(child_span, "startTimeUnixNano", "soon"), "protobuf"),
    ("end before start", set_(child_span, "endTimeUnixNano", "1"), "before startTimeUnixNano"),
    ("AnyValue with two values", lambda d: with_attr(d, {"stringValue": "a", "intValue": "1"}), "oneof"),
    ("intValue not an integer", lambda d: with_attr(d, {"intValue": "1.5x"}), "protobuf"),
    ("boolValue as a string", lambda d: with_attr(d, {"boolValue": "yes"}), "protobuf"),
    ("events not a list", set_(child_span, "events", {}), "repeated field events"),
    ("attributes not a list", set_(child_span, "attributes", {"a": 1}), "protobuf"),
    ("spans not a list", lambda d: d["resourceSpans"][0]["scopeSpans"][0].update(spans={}), "expected a list"),
    ("top level is a list", lambda d: [d], "not an object"),
]

# Variants proto3 JSON allows: the checker must accept them (it is strict, not arbitrary).
ALLOWED_CASES = [
    ("intValue as a JSON number", lambda d: with_attr(d, {"intValue": 7})),
    ("time as a JSON number", lambda d: child_span(d).update(startTimeUnixNano=int(child_span(d)["startTimeUnixNano"]))),
    ("doubleValue NaN string", lambda d: with_attr(d, {"doubleValue": "NaN"})),
    ("empty parentSpanId on the root", lambda d: first_span(d).update(parentSpanId="")),
    ("a valid link", lambda d: child_span(d).update(links=[{"traceId": "a" * 32, "spanId": "b" * 16}])),
]

RAW_CASES = [
    ("invalid UTF-8 bytes", lambda b: b.replace(b'"outer"', b'"out\xff"', 1), "not UTF-8"),
    ("lone surrogate escape", lambda b: b.replace(b'"outer"', b'"\\ud800"', 1), "lone surrogate"),
    ("bare NaN token", lambda b: b.replace(b'"kind":1', b'"kind":NaN', 1), "bare NaN"),
    ("duplicate key", lambda b: b.replace(b'"kind":1', b'"kind":1,"kind":1', 1), "duplicate key"),
    ("truncated file", lambda b: b[: len(b) // 2], "invalid JSON"),
    ("empty file", lambda b: b"", "invalid JSON"),
]

CHROME_CASES = [
    ("no traceEvents", lambda d: d.pop("traceEvents"), "no traceEvents"),
    ("traceEvents not a list", lambda d: d.update(traceEvents={}), "no traceEvents"),
    ("X with negative dur", lambda d: events("X")(d)[1].update(dur=-1), "dur must be"),
    ("X with string ts", lambda d: events("X")(d)[1].update(ts="0"), "ts is not a number"),
    ("X without tid", lambda d: events("X")(d)[1].pop("tid"), "tid"),
    ("X without pid", lambda d: events("X")(d)[1].pop("pid"), "pid"),
    ("s without f", lambda d: d["traceEvents"].remove(events("f")(d)[0]), "never finishes"),
    ("f without s", lambda d: d["traceEvents"].remove(events("s")(d)[0]), "never starts"),
    ("flow ids differ", lambda d: events("f")(d)[0].update(id=987654), "never finishes"),
    ("a span's X event missing", lambda d: d["traceEvents"].remove(events("X")(d)[-1]), "do not match the OTLP spans"),
]


def run_checker(args):
    """Runs otlp_check.main, returns (exit status, stderr text)."""
    import contextlib
    import io

    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        status = otlp_check.main(args)
    return status, err.getvalue()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    base = os.path.join(sys.argv[1], "tests", "Samples.DeepNesting")
    with open(os.path.join(base, "trace.otlp.json"), "rb") as f:
        otlp_bytes = f.read()
    with open(os.path.join(base, "trace.chrome.json"), "rb") as f:
        chrome_bytes = f.read()
    otlp_doc = json.loads(otlp_bytes)
    chrome_doc = json.loads(chrome_bytes)
    assert len(otlp_doc["resourceSpans"][0]["scopeSpans"][0]["spans"]) > 2, "the baseline needs spans"
    assert any(e["ph"] == "s" for e in chrome_doc["traceEvents"]), "the baseline needs a flow"

    problems = []
    work = tempfile.mkdtemp(prefix="otlp_selftest_")
    try:
        def case_dir(name):
            folder = os.path.join(work, name.replace(" ", "_").replace("'", ""))
            os.makedirs(folder)
            return folder

        def write(folder, otlp, chrome):
            with open(os.path.join(folder, "trace.otlp.json"), "wb") as f:
                f.write(otlp)
            with open(os.path.join(folder, "trace.chrome.json"), "wb") as f:
                f.write(chrome)
            return os.path.join(folder, "trace.otlp.json")

        def expect(name, path, should_pass, reason=None):
            status, err = run_checker([path])
            if should_pass and status != 0:
                problems.append("%s: rejected, should pass:\n%s" % (name, err))
            elif not should_pass and status == 0:
                problems.append("%s: accepted, should fail" % name)
            elif not should_pass and reason not in err:
                problems.append("%s: failed for another reason than %r:\n%s" % (name, reason, err))
            else:
                print("ok   %-32s %s" % (name, err.strip().splitlines()[0] if err.strip() else "passes"))

        expect("baseline", write(case_dir("baseline"), otlp_bytes, chrome_bytes), True)
        for name, mutate, reason in OTLP_CASES:
            doc = copy.deepcopy(otlp_doc)
            doc = mutate(doc) or doc
            expect(name, write(case_dir(name), json.dumps(doc).encode(), chrome_bytes), False, reason)
        for name, mutate in ALLOWED_CASES:
            doc = copy.deepcopy(otlp_doc)
            mutate(doc)
            expect(name, write(case_dir(name), json.dumps(doc).encode(), chrome_bytes), True)
        for name, edit, reason in RAW_CASES:
            broken = edit(otlp_bytes)
            if broken == otlp_bytes:
                problems.append("%s: the edit did not apply to the baseline" % name)
                continue
            expect(name, write(case_dir(name), broken, chrome_bytes), False, reason)
        for name, mutate, reason in CHROME_CASES:
            doc = copy.deepcopy(chrome_doc)
            mutate(doc)
            expect("chrome: " + name, write(case_dir(name), otlp_bytes, json.dumps(doc).encode()), False, reason)

        # No files at all must not pass; a missing path must not pass.
        status, _ = run_checker([])
        if status == 0:
            problems.append("no arguments: exit 0, should fail")
        empty = case_dir("empty folder")
        status, _ = run_checker([empty])
        if status == 0:
            problems.append("a folder without OTLP files: exit 0, should fail")
        status, _ = run_checker([os.path.join(work, "does-not-exist.json")])
        if status == 0:
            problems.append("a missing file: exit 0, should fail")

        # An incomplete artifact tree must fail --tree.
        tree = os.path.join(work, "tree")
        shutil.copytree(sys.argv[1], tree)
        status, err = run_checker(["--tree", tree])
        if status != 0:
            problems.append("--tree on the intact sample tree failed:\n%s" % err)
        os.remove(os.path.join(tree, "tests", "Samples.DeepNesting", "trace.chrome.json"))
        status, err = run_checker(["--tree", tree])
        if status == 0 or "trace.chrome.json: missing" not in err:
            problems.append("--tree with a missing chrome file: %d\n%s" % (status, err))
        shutil.rmtree(tree)
        shutil.copytree(sys.argv[1], tree)
        shutil.rmtree(os.path.join(tree, "tests", "Samples.RootOnly"))
        status, err = run_checker(["--tree", tree])
        if status == 0 or "test folders" not in err:
            problems.append("--tree with a test folder missing: %d\n%s" % (status, err))
        with open(os.path.join(tree, "run.json")) as f:
            run = json.load(f)
        run["exit_status"] = None
        with open(os.path.join(tree, "run.json"), "w") as f:
            json.dump(run, f)
        status, err = run_checker(["--tree", tree])
        if status == 0 or "never finished" not in err:
            problems.append("--tree with an unfinished run.json: %d\n%s" % (status, err))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for problem in problems:
        print("FAIL " + problem, file=sys.stderr)
    print("%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
