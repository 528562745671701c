#!/usr/bin/env python3
"""The HTML report checked in a real browser: headless Chromium loads the page written by
`testscope report OUT --html FILE`, runs its script, and dumps the DOM, which this script
parses (html.parser) and compares with the artifact tree the page was made from.

1. A real run: `testscope run -n 20` of html_report_fixture_program (Html.FlakyAcrossThreads
   fails on even executions, on three threads with nested spans, events, logs and a
   counter). The verdict rows must match verdicts.json; for the flaky test, the failing and
   the passing execution shown must each have one swimlane per thread of its
   trace.chrome.json, one span element per complete event, one mark per instant event; the
   failure message and the metric changes must be shown.
2. A hand-made tree with hostile names (`Bad</script><img src=x onerror=alert(1)>`, quotes,
   unicode) in test names, thread names, span names, attributes and failure messages: no
   element may be injected, and the names must come out as the same text. A corrupt and a
   missing trace must become messages; a trace of 25,000 spans must be cut to 20,000 with a
   note.

Usage: html_report_browser_check.py --testscope BIN --fixture BIN --chromium BIN --work DIR
Exits 0 when every check passes; prints each failed check otherwise.
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return condition


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag=None, cls=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes())
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, *args, **kwargs):
        found = self.find_all(*args, **kwargs)
        return found[0] if found else None


class DomBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def render(chromium, html_file):
    """The DOM after the page's script ran, as Chromium serializes it."""
    result = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--user-data-dir=" + str(html_file.parent / "chromium-profile"),
                             "--dump-dom", html_file.resolve().as_uri()],
                            capture_output=True, text=True, timeout=180)
    if result.returncode != 0 or "<html" not in result.stdout:
        sys.exit("chromium failed (%d): %s" % (result.returncode, result.stderr[-2000:]))
    builder = DomBuilder()
    builder.feed(result.stdout)
    builder.close()
    return builder.root


def report(testscope, out, html_file):
    result = subprocess.run([testscope, "report", str(out), "--html", str(html_file)], capture_output=True,
                            text=True, timeout=300)
    if result.returncode not in (0, 1) or not html_file.exists():
        sys.exit("testscope report --html failed (%d): %s" % (result.returncode, result.stderr))
    return result


def trace_shape(trace_file):
    """Threads (tid -> name), complete and instant events of a trace.chrome.json."""
    events = json.loads(trace_file.read_text())["traceEvents"]
    threads = {}
    for e in events:
        if e["ph"] == "M" and e["name"] == "thread_name":
            threads[str(e["tid"])] = e["args"]["name"]
    for e in events:
        if e["ph"] in ("X", "i"):
            threads.setdefault(str(e["tid"]), str(e["tid"]))
    return (threads, [e for e in events if e["ph"] == "X"], [e for e in events if e["ph"] == "i"])


def check_rows(dom, verdicts, where):
    rows = dom.find_all("tr", cls="verdict-row")
    check(len(rows) == len(verdicts["tests"]), "%s: %d verdict rows, verdicts.json has %d tests"
          % (where, len(rows), len(verdicts["tests"])))
    for row, t in zip(rows, verdicts["tests"]):
        name = t["name"] + (" (whole program)" if t["kind"] == "program" else "")
        cells = {c: row.find("td", cls=c).text().strip() for c in ("verdict", "test", "runs", "failures", "rate")}
        expected = {"verdict": t["verdict"], "test": name, "runs": str(t["runs"]), "failures": str(t["failures"]),
                    "rate": "%.1f%%" % (t["failure_rate"] * 100)}
        check(cells == expected, "%s: row %r, expected %r" % (where, cells, expected))
        check(("v-" + t["verdict"].replace(" ", "-")) in row.classes(), "%s: row class of %s" % (where, name))


def check_execution(box, trace_file, where, max_spans=20000):
    threads, spans, marks = trace_shape(trace_file)
    lanes = box.find_all("div", cls="lane")
    check(len(lanes) == len(threads), "%s: %d swimlanes, the trace has %d threads" % (where, len(lanes), len(threads)))
    labels = sorted(lane.find("div", cls="lane-label").text() for lane in lanes)
    check(labels == sorted(threads.values()), "%s: lane labels %r, threads %r" % (where, labels, threads))
    shown = box.find_all("div", cls="span")
    check(len(shown) == min(len(spans), max_spans), "%s: %d span elements, the trace has %d spans"
          % (where, len(shown), len(spans)))
    names = sorted(s.text() for s in shown)
    if len(spans) <= max_spans:
        check(names == sorted(e["name"] for e in spans), "%s: span names differ" % where)
    check(len(box.find_all("div", cls="mark")) == len(marks), "%s: marks vs %d instant events" % (where, len(marks)))
    return threads, spans, marks


def check_real_run(args, work):
    out = work / "run"
    run = subprocess.run([args.testscope, "run", "-n", "20", "-j", "2", "--out", str(out), "--", args.fixture],
                         capture_output=True, text=True, timeout=600)
    check(run.returncode == 1, "testscope run exits 1 for a flaky test, got %d: %s" % (run.returncode, run.stderr))
    html_file = work / "run.html"
    result = report(args.testscope, out, html_file)
    check(result.returncode == 1, "report --html keeps the exit code 1")
    verdicts = json.loads((out / "verdicts.json").read_text())
    dom = render(args.chromium, html_file)
    check_rows(dom, verdicts, "run")

    failing_tests = [t for t in verdicts["tests"] if t["failures"] > 0]
    sections = dom.find_all("section", cls="test-detail")
    check([s.attrs.get("data-test") for s in sections] == [t["name"] for t in failing_tests],
          "run: one detail section per failing test")
    flaky = next(t for t in verdicts["tests"] if t["name"] == "Html.FlakyAcrossThreads")
    check(flaky["verdict"] == "flaky" and flaky["failures"] == 10, "run: Html.FlakyAcrossThreads failed 10 of 20")
    section = dom.find("section", data_test="Html.FlakyAcrossThreads")
    if not check(section is not None, "run: the flaky test has a detail section"):
        return
    failing = section.find("div", cls="execution", data_role="failing")
    passing = section.find("div", cls="execution", data_role="passing")
    if not check(failing is not None and passing is not None, "run: a failing and a passing execution"):
        return
    attempt = next(f for f in flaky["failing"] if f["execution"] == failing.attrs["data-execution"])
    threads, _, _ = check_execution(failing, out / attempt["artifacts"] / "trace.chrome.json", "run failing")
    check(len(threads) == 3, "run: the failing execution ran on 3 threads, got %r" % threads)
    check(failing.find("pre", cls="message").text().strip() == attempt["message"].strip(),
          "run: the failure message is shown")
    check("is even: both workers wrote" in failing.text(), "run: the failure message's text")
    passing_dir = out / "runs" / passing.attrs["data-execution"] / "tests" / "Html.FlakyAcrossThreads"
    check(json.loads((passing_dir / "summary.json").read_text())["outcome"] == "pass", "run: passing is a pass")
    check_execution(passing, passing_dir / "trace.chrome.json", "run passing")
    metrics = section.find("table", cls="metrics")
    check(metrics is not None and 'worker="worker-b"' in metrics.text(), "run: metric changes are shown")
    # The fixture's attribute `quote"<tag>` = `</script><b>x</b>` stays text.
    check(not dom.find_all("b") and not dom.find_all("tag"), "run: an attribute value injected an element")
    check(len(dom.find_all("script")) == 2, "run: exactly the page's two script elements")
    # Self-contained: nothing is loaded from anywhere, links only point inside the page.
    check(not [n for n in dom.walk() if "src" in n.attrs or n.tag == "link"], "run: an element loads a resource")
    check(all(a.attrs.get("href", "#").startswith("#") for a in dom.find_all("a")), "run: a link leaves the page")
    unwritable = subprocess.run([args.testscope, "report", str(out), "--html", str(work / "missing" / "r.html")],
                                capture_output=True, text=True, timeout=60)
    check(unwritable.returncode == 2 and "cannot write" in unwritable.stderr, "run: an unwritable --html exits 2")
    print("real run: %d rows, failing execution %s and passing %s checked"
          % (len(verdicts["tests"]), failing.attrs["data-execution"], passing.attrs["data-execution"]))


HOSTILE = "Bad</script><img src=x onerror=alert(1)>.Case\"'&<!--ü漢"
T0 = 1_700_000_000_000_000_000


def write_tree(root):
    """Four executions of three tests; see the module's docstring."""
    shutil.rmtree(root, ignore_errors=True)

    def summary(name, folder, outcome, n, message):
        suite, case = name.split(".", 1)
        failures = [{"file": "t.cpp", "line": 3, "fatal": False, "message": message, "time_unix_ns": T0}] \
            if outcome != "pass" else []
        return {"schema": 1, "testscope_version": "0.1.0", "id": folder,
                "test": {"full_name": name, "suite": suite, "name": case, "type_param": "", "value_param": "",
                         "file": "t.cpp", "line": 1},
                "outcome": outcome, "start_unix_ns": T0 + n, "end_unix_ns": T0 + n + 1000, "duration_ns": 1000,
                "trace_id": "%032x" % n, "root_span_id": "%016x" % n, "failures": failures,
                "counts": {"spans": 1, "events": 0, "threads": 1, "unfinished_spans": 0, "dropped_records": 0},
                "threads": [], "artifacts": {"otlp": "trace.otlp.json", "chrome": "trace.chrome.json"}}

    def trace(spans, threads):
        events = [{"ph": "M", "name": "thread_name", "pid": 1, "tid": tid, "args": {"name": name}}
                  for tid, name in threads.items()]
        return json.dumps({"traceEvents": events + spans})

    hostile_trace = trace([
        {"ph": "X", "name": HOSTILE, "cat": "test", "ts": 0, "dur": 900, "pid": 1, "tid": 1, "args": {}},
        {"ph": "X", "name": "</script><script>alert(3)</script>", "cat": "span", "ts": 100, "dur": 300, "pid": 1,
         "tid": 2, "args": {"<img src=a onerror=alert(4)>": "\"><img src=b onerror=alert(5)>"}},
        {"ph": "i", "name": "<img src=c onerror=alert(6)>", "cat": "log", "s": "t", "ts": 200, "pid": 1, "tid": 2,
         "args": {"k": "</script>"}},
    ], {1: "main <img src=z onerror=alert(7)>", 2: "worker ü漢 \"'"})
    huge = [{"ph": "X", "name": "s%d" % i, "ts": i, "dur": 0.5, "pid": 1, "tid": 1} for i in range(25000)]
    tests = {  # name -> folder, outcomes per execution, failing message
        HOSTILE: ("Bad_script_img.Case", ["pass", "fail", "pass", "fail"], "<img src=y onerror=alert(2)></pre>"),
        "Corrupt.Trace": ("Corrupt.Trace", ["fail", "pass", "pass", "pass"], "corrupt trace"),
        "Huge.Trace": ("Huge.Trace", ["fail", "pass", "pass", "pass"], "huge trace"),
    }
    for n in range(1, 5):
        run = root / "runs" / str(n)
        for name, (folder, outcomes, message) in tests.items():
            d = run / "tests" / folder
            d.mkdir(parents=True)
            outcome = outcomes[n - 1]
            (d / "summary.json").write_text(json.dumps(summary(name, folder, outcome, n, message)))
            if name == HOSTILE:
                (d / "trace.chrome.json").write_text(hostile_trace)
            elif name == "Corrupt.Trace":
                if n == 1:
                    (d / "trace.chrome.json").write_text(hostile_trace[:70])  # truncated mid-write
                # n == 2 (the passing execution shown) has no trace at all
            elif name == "Huge.Trace":
                (d / "trace.chrome.json").write_text(trace(huge if n == 1 else huge[:3], {1: "main"}))
        (run / "run.json").write_text(json.dumps({
            "schema": 1, "testscope_version": "0.1.0", "framework": "googletest", "argv": ["./t"], "host": "ci",
            "pid": 1000 + n, "start_unix_ns": T0 + n, "end_unix_ns": T0 + n + 5000, "random_seed": n, "chaos": None,
            "exit_status": 1, "tests": {"run": 3, "failed": 1, "skipped": 0}, "traceparent": None}))


def check_hostile_tree(args, work):
    out = work / "hostile"
    write_tree(out)
    html_file = work / "hostile.html"
    report(args.testscope, out, html_file)
    page = html_file.read_text(encoding="utf-8")
    check(page.count("</script>") == 2, "hostile: raw page has only the two closing </script> tags")
    check("<img" not in page, "hostile: raw page contains '<img'")
    dom = render(args.chromium, html_file)
    verdicts = json.loads(subprocess.run([args.testscope, "report", str(out), "--format", "json"],
                                         capture_output=True, text=True, timeout=60).stdout)
    check_rows(dom, verdicts, "hostile")
    check(not dom.find_all("img"), "hostile: an <img> element was injected")
    check(len(dom.find_all("script")) == 2, "hostile: exactly the page's two script elements")
    check(not any(k.startswith("on") for n in dom.walk() for k in n.attrs), "hostile: an on* attribute")
    section = dom.find("section", data_test=HOSTILE)
    if check(section is not None, "hostile: the detail section carries the name as its data-test"):
        check(HOSTILE in section.find("h3").text(), "hostile: the heading shows the name as text")
        failing = section.find("div", cls="execution", data_role="failing")
        check(failing.find("pre", cls="message").text().strip().endswith("<img src=y onerror=alert(2)></pre>"),
              "hostile: the failure message is shown as text")
        check_execution(failing, out / "runs/2/tests/Bad_script_img.Case/trace.chrome.json", "hostile failing")
        check(any(s.text() == "</script><script>alert(3)</script>" for s in failing.find_all("div", cls="span")),
              "hostile: the span name is text")
    corrupt = dom.find("section", data_test="Corrupt.Trace")
    if check(corrupt is not None, "hostile: Corrupt.Trace has a section"):
        notes = [n.text() for n in corrupt.find_all("p", cls="error")]
        check(len(notes) == 2, "hostile: corrupt and missing traces give two error notes: %r" % notes)
        check(any("not valid JSON at byte" in n for n in notes), "hostile: the corrupt trace's message: %r" % notes)
        check(any("cannot read" in n for n in notes), "hostile: the missing trace's message: %r" % notes)
        check(not corrupt.find_all("div", cls="lane"), "hostile: no swimlanes for unreadable traces")
    huge = dom.find("section", data_test="Huge.Trace")
    if check(huge is not None, "hostile: Huge.Trace has a section"):
        failing = huge.find("div", cls="execution", data_role="failing")
        check_execution(failing, out / "runs/1/tests/Huge.Trace/trace.chrome.json", "huge failing")
        capped = failing.find("p", cls="capped")
        check(capped is not None and "20000 of 25000" in capped.text(), "hostile: the cap is noted")
    print("hostile tree: checked")


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--testscope", "--fixture", "--chromium", "--work"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    check_hostile_tree(args, work)
    check_real_run(args, work)
    if failures:
        sys.exit("%d checks failed" % len(failures))
    print("all checks passed")


if __name__ == "__main__":
    main()
