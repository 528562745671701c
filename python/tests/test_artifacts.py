"""A real pytest session on projects/basic: the artifact tree, checked as strictly as C++'s."""

import json

import pytest

from helpers import attributes, check_otlp_tree, check_promtool, clean_env, load_tree, otlp_spans, run_pytest

BASIC = "test_basic.py::"


def line_of(text: str) -> int:
    """The 1-based line of projects/basic/test_basic.py that holds `text`."""
    from helpers import PROJECTS

    lines = (PROJECTS / "basic" / "test_basic.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.fixture(scope="module")
def basic_tree(tmp_path_factory):
    import shutil

    from helpers import PROJECTS

    root = tmp_path_factory.mktemp("basic")
    shutil.copytree(PROJECTS / "basic", root / "basic")
    result = run_pytest(root / "basic", "-q", f"--testscope-artifacts={root / 'out'}")
    return root / "out", load_tree(root / "out"), result


def test_exit_status_and_run_json(basic_tree):
    out, tests, result = basic_tree
    assert result.returncode == 1, result.stdout + result.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["framework"] == "pytest"
    assert run["exit_status"] == 1
    assert run["tests"] == {"run": 7, "failed": 1, "skipped": 1}


def test_one_folder_per_node_id_with_outcomes(basic_tree):
    _, tests, _ = basic_tree
    outcomes = {name: summary["outcome"] for name, (_, summary) in tests.items()}
    assert outcomes == {
        BASIC + "test_spans_and_records": "pass",
        BASIC + "test_asyncio_lanes": "pass",
        BASIC + "test_thread": "pass",
        BASIC + "test_fails": "fail",
        BASIC + "test_skipped": "skip",
        BASIC + "test_param[two users]": "pass",
        BASIC + "test_param[a/b]": "pass",
    }
    _, failed = tests[BASIC + "test_fails"]
    assert failed["test"]["suite"] == ""
    assert failed["test"]["file"].endswith("test_basic.py")
    assert failed["test"]["line"] == line_of("def test_fails")
    [failure] = failed["failures"]
    assert failure["file"].endswith("test_basic.py") and failure["line"] == line_of("assert 1 + 1 == 3")
    assert failure["message"] == "assert (1 + 1) == 3"
    # In the trace the failure is the Python exception it was (OpenTelemetry's exception.type).
    folder, _ = tests[BASIC + "test_fails"]
    root = next(s for s in otlp_spans(folder) if s["name"] == BASIC + "test_fails")
    [event] = root["events"]
    assert attributes(event)["exception.type"] == "AssertionError"


def test_otlp_and_chrome_pass_the_strict_check(basic_tree):
    out, _, _ = basic_tree
    check_otlp_tree(out)


def test_metrics_prom_passes_promtool_and_holds_deltas(basic_tree):
    out, tests, _ = basic_tree
    folder, summary = tests[BASIC + "test_spans_and_records"]
    check_promtool(folder / "metrics.prom")
    metrics = {(m["name"], tuple(sorted(m["labels"].items()))): m for m in summary["metrics"]}
    assert metrics[("fixture_uses_total", (("code", "SUMMER20"), ("status", "ok")))]["increase"] == 2.0
    assert metrics[("fixture_depth", ())]["value"] == 5.0
    names = {m["name"] for m in summary["metrics"]}
    assert not any(n.startswith(("process_", "python_gc_")) for n in names)
    # Another test changed no counter: only the gauge's value at its end.
    _, other = tests[BASIC + "test_thread"]
    assert [m["name"] for m in other["metrics"]] == ["fixture_depth"]


def test_spans_attributes_events_status_and_code_locations(basic_tree):
    _, tests, _ = basic_tree
    folder, summary = tests[BASIC + "test_spans_and_records"]
    spans = {s["name"]: s for s in otlp_spans(folder)}
    root = spans[BASIC + "test_spans_and_records"]
    assert attributes(root)["test.case.name"] == BASIC + "test_spans_and_records"
    assert attributes(root)["test.case.result.status"] == "pass"
    outer, inner, raises, manual = spans["outer"], spans["inner"], spans["raises"], spans["manual"]
    assert outer["parentSpanId"] == root["spanId"]
    assert inner["parentSpanId"] == outer["spanId"] and raises["parentSpanId"] == outer["spanId"]
    assert manual["parentSpanId"] == root["spanId"]
    for name in ("decorated", "decorated_async", "kept_open"):
        assert spans[name]["parentSpanId"] == root["spanId"], name
        assert int(spans[name]["endTimeUnixNano"]) >= int(spans[name]["startTimeUnixNano"])
    assert attributes(spans["kept_open"])["after"] == "1"
    assert {s["traceId"] for s in spans.values()} == {summary["trace_id"]}
    a = attributes(outer)
    assert a["a.int"] == "7" and a["a.str"] == "text" and a["a.float"] == 1.5 and a["a.bool"] is True
    assert a["code.filepath"].endswith("test_basic.py") and a["code.function"] == "test_spans_and_records"
    assert int(a["code.lineno"]) == line_of('start_as_current_span("outer"')
    assert [e["name"] for e in outer["events"]] == ["checkpoint"]
    assert inner["status"] == {"code": 2, "message": "limit"}
    assert raises["status"]["code"] == 2
    [exception] = raises["events"]
    ea = attributes(exception)
    assert exception["name"] == "exception" and ea["exception.type"] == "ValueError"
    assert ea["exception.message"] == "boom"


def test_logs_carry_trace_and_span_ids(basic_tree):
    _, tests, _ = basic_tree
    folder, summary = tests[BASIC + "test_spans_and_records"]
    inner = next(s for s in otlp_spans(folder) if s["name"] == "inner")
    logs = [json.loads(line) for line in (folder / "logs.jsonl").read_text().splitlines()]
    assert [(l["event"], l["severity_text"]) for l in logs] == [
        ("promo_check", "INFO"), ("promo_applied", "INFO"), ("plain message", "WARN")]
    assert logs[0]["fields"] == {"code": "SUMMER20", "uses": 0}
    assert logs[1]["fields"] == {"code": "SUMMER20", "user": "u1"}
    assert logs[2]["fields"] == {"logger": "fixture"}
    assert {(l["trace_id"], l["span_id"]) for l in logs} == {(summary["trace_id"], inner["spanId"])}


def test_asyncio_tasks_are_lanes_and_keep_parents(basic_tree):
    _, tests, _ = basic_tree
    folder, summary = tests[BASIC + "test_asyncio_lanes"]
    threads = {t["name"]: t for t in summary["threads"]}
    assert {"MainThread", "user-u1", "user-u2"} <= set(threads)
    assert len({t["os_tid"] for t in summary["threads"]}) == len(summary["threads"])
    spans = otlp_spans(folder)
    by_id = {s["spanId"]: s for s in spans}
    gather = next(s for s in spans if s["name"] == "gather")
    applies = [s for s in spans if s["name"] == "apply_promo"]
    assert len(applies) == 2 and all(s["parentSpanId"] == gather["spanId"] for s in applies)
    for query in (s for s in spans if s["name"] == "db.query"):
        assert by_id[query["parentSpanId"]]["name"] == "apply_promo"
    # Chrome trace: each task's spans on the task's own track.
    chrome = json.loads((folder / "trace.chrome.json").read_text())["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in chrome if e.get("ph") == "M" and e.get("name") == "thread_name"}
    users = {}
    for e in chrome:
        if e.get("ph") == "X" and e["name"] == "apply_promo":
            users.setdefault(names[e["tid"]].split(" ")[0], 0)
            users[names[e["tid"]].split(" ")[0]] += 1
    assert users == {"user-u1": 1, "user-u2": 1}


def test_threads_are_named_after_python_threads(basic_tree):
    _, tests, _ = basic_tree
    folder, summary = tests[BASIC + "test_thread"]
    span = next(s for s in otlp_spans(folder) if s["name"] == "in_thread")
    thread_names = {t["name"] for t in summary["threads"]}
    assert "worker-1" in thread_names
    assert span["parentSpanId"] == summary["root_span_id"]


def test_timeline_under_the_failure_only(basic_tree):
    _, _, result = basic_tree
    out = result.stdout
    assert "testscope timeline" in out
    assert f"testscope ▸ {BASIC}test_fails  FAIL" in out
    assert "├─ before_failure" in out
    assert "✗ failure at" in out and "assert (1 + 1) == 3" in out
    assert out.count("testscope ▸") == 1


def test_console_never_by_flag_and_environment(project):
    root = project("basic")
    by_flag = run_pytest(root, "-q", "--testscope-console=never", "-k", "fails")
    assert by_flag.returncode == 1 and "testscope ▸" not in by_flag.stdout
    by_env = run_pytest(root, "-q", "-k", "fails", env=clean_env(TESTSCOPE_CONSOLE="never"))
    assert by_env.returncode == 1 and "testscope ▸" not in by_env.stdout
    always = run_pytest(root, "-q", "--testscope-console=always", "-k", "thread or fails")
    assert always.stdout.count("testscope ▸") == 2


def test_metrics_filter_and_bad_flag_warning(project):
    root = project("basic")
    result = run_pytest(root, "-q", "-k", "fails", "--testscope-metrics-filter=nothing_", "--testscope-console=bogus")
    assert "metrics nothing_*" not in result.stdout and "fixture_depth" not in result.stdout
    assert "testscope: warning:" in result.stderr and "bogus" in result.stderr
    assert "testscope ▸" in result.stdout  # the bad value falls back to the default


def test_user_configured_sdk_keeps_its_exporter_and_feeds_the_capture(project, tmp_path):
    root = project("sdk")
    result = run_pytest(root, "-q", f"--testscope-artifacts={tmp_path / 'out'}")
    assert result.returncode == 0, result.stdout + result.stderr
    check_otlp_tree(tmp_path / "out")
    [(folder, summary)] = load_tree(tmp_path / "out").values()
    spans = {s["name"]: s for s in otlp_spans(folder)}
    assert spans["sdk_outer"]["parentSpanId"] == summary["root_span_id"]
    assert spans["sdk_inner"]["parentSpanId"] == spans["sdk_outer"]["spanId"]
    assert {s["traceId"] for s in spans.values()} == {summary["trace_id"]}
    assert attributes(spans["sdk_outer"])["k"] == "v"
    # The SDK's event at its own time (the middle of the span), not at the span's end.
    outer = spans["sdk_outer"]
    [event] = outer["events"]
    assert event["name"] == "halfway" and attributes(event)["step"] == "1"
    start, end, at = int(outer["startTimeUnixNano"]), int(outer["endTimeUnixNano"]), int(event["timeUnixNano"])
    assert start + 15_000_000 <= at <= end - 15_000_000, (start, at, end)
