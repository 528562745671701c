"""pytest-xdist with two workers: one artifact tree, distinct ids, which worker ran what in
which order; and `testscope run` verdicts per node id over it."""

import json
import sys

from helpers import check_otlp_tree, load_tree, run_pytest, run_testscope


def test_two_workers_write_one_tree(project, tmp_path):
    root = project("basic")
    out = tmp_path / "out"
    result = run_pytest(root, "-q", "-n", "2", f"--testscope-artifacts={out}")
    assert result.returncode == 1, result.stdout + result.stderr
    check_otlp_tree(out)
    assert "testscope ▸ test_basic.py::test_fails  FAIL" in result.stdout  # via the teardown report
    tests = load_tree(out)
    assert len(tests) == 7
    assert len({s["trace_id"] for _, s in tests.values()}) == 7
    assert len({s["id"] for _, s in tests.values()}) == 7
    run = json.loads((out / "run.json").read_text())
    assert run["tests"] == {"run": 7, "failed": 1, "skipped": 1} and run["exit_status"] == 1
    order = json.loads((out / "pytest-xdist.json").read_text())["workers"]
    assert set(order) == {"gw0", "gw1"}
    assert sorted(n for nodes in order.values() for n in nodes) == sorted(tests)
    # Each test's log says the same worker and its position there.
    for worker, nodes in order.items():
        for position, node in enumerate(nodes, 1):
            folder, _ = tests[node]
            [event] = [json.loads(l) for l in (folder / "logs.jsonl").read_text().splitlines()
                       if json.loads(l)["event"] == "pytest.xdist"]
            assert event["fields"] == {"worker": worker, "order": position}
    for worker in ("gw0", "gw1"):
        assert json.loads((out / "workers" / worker / "run.json").read_text())["framework"] == "pytest"


def test_run_verdicts_over_xdist(project, tmp_path):
    root = project("basic")
    out = tmp_path / "out"
    result = run_testscope(root, "run", "-n", "2", "--out", str(out), "--", sys.executable, "-m", "pytest",
                           "-q", "-n", "2")
    verdicts = {v["name"]: v["verdict"] for v in json.loads((out / "verdicts.json").read_text())["tests"]}
    assert verdicts["test_basic.py::test_fails"] == "failed", result.stdout + result.stderr
    assert verdicts["test_basic.py::test_param[two users]"] == "passed"
    assert len(verdicts) == 7
    tests = json.loads((out / "verdicts.json").read_text())["tests"]
    assert all(v["runs"] == 2 for v in tests if v["verdict"] != "skipped")
