#!/usr/bin/env python3
"""Writes a synthetic output folder of `testscope run` for the report benchmark: EXECUTIONS
executions (default 1,000) of a program of TESTS tests (default 100), as docs/artifacts.md
describes it: OUT/testscope-run.json, OUT/runs/<n>/run.json, output.log and
OUT/runs/<n>/tests/<id>/summary.json. The traces, metrics.prom and logs.jsonl that real test
folders also hold are left out: `report` never opens them (~0.8 GB instead of ~2 GB).

Test k (0-based) of suite Bench<k // 10>: every 20th test fails in 10% of the executions
(flaky), test 99 always fails, one in 50 executions crashes after half its tests (run.json
never finished, the rest of its summaries missing); the rest pass. Deterministic.

  bench/make_report_tree.py OUT [--executions 1000] [--tests 100]
"""
import argparse, json, os, shutil

T0 = 1_700_000_000_000_000_000
TEST_NS = 2_000_000


def test_name(k):
    return f"Bench{k // 10}.Case{k % 10}"


def outcome(k, n, tests):
    if k == tests - 1:
        return "fail"
    if k % 20 == 0 and n % 10 == 3:
        return "fail"
    return "pass"


def summary(k, n, tests, start):
    name = test_name(k)
    suite, case = name.split(".")
    result = outcome(k, n, tests)
    failures = []
    if result == "fail":
        failures = [{"file": "bench_test.cpp", "line": 40 + k, "fatal": False,
                     "message": f"Expected equality of these values:\n  uses\n    Which is: 2\n  1\n(execution {n})",
                     "time_unix_ns": start + TEST_NS // 2}]
    return {"schema": 1, "testscope_version": "0.1.0", "id": name,
            "test": {"full_name": name, "suite": suite, "name": case, "type_param": "", "value_param": "",
                     "file": "bench_test.cpp", "line": 30 + k},
            "outcome": result, "start_unix_ns": start, "end_unix_ns": start + TEST_NS, "duration_ns": TEST_NS,
            "trace_id": f"{n:016x}{k:016x}", "root_span_id": f"{k + 1:016x}", "failures": failures,
            "counts": {"spans": 3, "events": len(failures), "threads": 2, "unfinished_spans": 0, "logs": 1,
                       "dropped_records": 0, "orphan_records": 0},
            "metrics": [{"name": "work_total", "kind": "counter", "labels": {"status": "ok"}, "increase": 2}],
            "threads": [{"index": 1, "os_tid": 1000 + n, "name": "bench_tests"},
                        {"index": 2, "os_tid": 2000 + n, "name": "worker"}],
            "artifacts": {"otlp": "trace.otlp.json", "chrome": "trace.chrome.json", "logs": "logs.jsonl",
                          "metrics": "metrics.prom"}}


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def write_execution(out, n, tests):
    run = os.path.join(out, "runs", str(n))
    start = T0 + n * 10**9
    crashed = n % 50 == 25
    finished = tests // 2 if crashed else tests
    failed = False
    for k in range(finished):
        folder = os.path.join(run, "tests", test_name(k))
        os.makedirs(folder)
        s = summary(k, n, tests, start + k * TEST_NS)
        failed = failed or s["outcome"] == "fail"
        write(os.path.join(folder, "summary.json"), json.dumps(s, separators=(",", ":")))
    end = start + finished * TEST_NS
    write(os.path.join(run, "run.json"), json.dumps({
        "schema": 1, "testscope_version": "0.1.0", "framework": "googletest", "argv": ["./bench_tests"],
        "host": "bench", "pid": 10000 + n, "start_unix_ns": start, "end_unix_ns": None if crashed else end,
        "random_seed": n, "chaos": None, "exit_status": None if crashed else int(failed),
        "tests": {"run": finished, "failed": int(failed), "skipped": 0}, "traceparent": None}))
    write(os.path.join(run, "output.log"), f"[==========] {finished} tests ran.\n")
    if crashed:
        return {"name": str(n), "dir": f"runs/{n}", "outcome": "crash", "exit_code": None, "signal": 11,
                "start_unix_ns": start, "duration_ns": end - start, "seed": None}
    return {"name": str(n), "dir": f"runs/{n}", "outcome": "fail" if failed else "pass",
            "exit_code": int(failed), "signal": None, "start_unix_ns": start, "duration_ns": end - start,
            "seed": None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--executions", type=int, default=1000)
    parser.add_argument("--tests", type=int, default=100)
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    executions = [write_execution(args.out, n, args.tests) for n in range(1, args.executions + 1)]
    write(os.path.join(args.out, "testscope-run.json"), json.dumps({
        "schema": 1, "command": "run", "argv": ["testscope", "run", "-n", str(args.executions), "--", "./bench_tests"],
        "program": ["./bench_tests"],
        "options": {"executions": args.executions, "until_fail": False, "time_budget_s": None, "jobs": 1,
                    "timeout_s": None, "shuffle": False, "out": args.out, "shard": None},
        "inputs": [], "start_unix_ns": T0, "end_unix_ns": T0 + (args.executions + 1) * 10**9,
        "interrupted": False, "executions": executions}, indent=2))


if __name__ == "__main__":
    main()
