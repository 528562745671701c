"""Quarantine, shard and shuffle in the plugin, and `testscope run` over pytest: verdicts
per node id, crash recovery of the four endings, the promo example's verdicts."""

import datetime
import json

import pytest

from helpers import check_otlp_tree, clean_env, load_tree, otlp_spans, run_pytest, run_testscope

BASIC = "test_basic.py::"


def quarantine_file(path, test, mode):
    today = datetime.date.today()
    path.write_text(
        "[[quarantine]]\n"
        f'test = "{test}"\n'
        'reason = "race, see #123"\nowner = "alice"\n'
        f"added = {today - datetime.timedelta(days=1)}\nexpires = {today + datetime.timedelta(days=14)}\n"
        f'mode = "{mode}"\n')


def test_quarantine_run_reports_and_exits_0(project, tmp_path):
    root = project("basic")
    quarantine_file(root / "testscope-quarantine.toml", BASIC + "test_fail*", "run")
    result = run_pytest(root, "-q", f"--testscope-artifacts={tmp_path / 'out'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"[QUARANTINED] {BASIC}test_fails: race, see #123 (owner alice" in result.stdout
    assert "1 failed" in result.stdout  # pytest still shows the failure
    assert "every failure was in a quarantined test; exit code 0" in result.stderr
    _, summary = load_tree(tmp_path / "out")[BASIC + "test_fails"]
    assert summary["outcome"] == "fail" and summary["quarantine"]["owner"] == "alice"
    assert json.loads((tmp_path / "out" / "run.json").read_text())["exit_status"] == 0


def test_quarantine_skip_deselects_node_ids_with_brackets_and_spaces(project, tmp_path):
    root = project("basic")
    quarantine_file(tmp_path / "q.toml", BASIC + "test_param[two users]", "skip")
    result = run_pytest(root, "-q", f"--testscope-quarantine={tmp_path / 'q.toml'}",
                        f"--testscope-artifacts={tmp_path / 'out'}", "-k", "param")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 6 deselected" in result.stdout
    assert list(load_tree(tmp_path / "out")) == [BASIC + "test_param[a/b]"]


def _names_in_order(out):
    tests = load_tree(out)
    return [name for name, (_, s) in sorted(tests.items(), key=lambda kv: kv[1][1]["start_unix_ns"])]


def test_shards_split_exactly_and_a_seed_fixes_the_order(project, tmp_path):
    root = project("basic")
    shards = []
    for i in (1, 2):
        out = tmp_path / f"shard{i}"
        run_pytest(root, "-q", f"--testscope-artifacts={out}", env=clean_env(TESTSCOPE_SHARD=f"{i}/2"))
        shards.append(set(load_tree(out)))
    assert shards[0].isdisjoint(shards[1]) and len(shards[0] | shards[1]) == 7
    assert abs(len(shards[0]) - len(shards[1])) <= 1
    orders = []
    for run in (1, 2):
        out = tmp_path / f"seed{run}"
        run_pytest(root, "-q", f"--testscope-artifacts={out}", env=clean_env(TESTSCOPE_SHUFFLE_SEED="12345"))
        orders.append(_names_in_order(out))
        assert json.loads((out / "run.json").read_text())["random_seed"] == 12345
    assert orders[0] == orders[1] and len(orders[0]) == 7
    other = tmp_path / "seed_other"
    run_pytest(root, "-q", f"--testscope-artifacts={other}", env=clean_env(TESTSCOPE_SHUFFLE_SEED="99"))
    assert sorted(_names_in_order(other)) == sorted(orders[0])


@pytest.mark.parametrize("mode,verdict,outcome", [
    ("segfault", "crashed", "crash"),
    ("abort", "crashed", "crash"),
    ("kill", "crashed", "crash"),
    ("hang", "timed out", "timeout"),
])
def test_run_recovers_a_test_that_ends_its_process(project, tmp_path, mode, verdict, outcome):
    import sys

    root = project("crash")
    out = tmp_path / "out"
    result = run_testscope(root, "run", "-n", "1", "--timeout", "6s", "--out", str(out), "--",
                           sys.executable, "-m", "pytest", "-q", env=clean_env(CRASH_MODE=mode))
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = {v["name"]: v for v in json.loads((out / "verdicts.json").read_text())["tests"]}
    assert verdicts["test_crash.py::test_dies"]["verdict"] == verdict
    assert verdicts["test_crash.py::test_before"]["verdict"] == "passed"
    run_root = out / "runs" / "1"
    folder, summary = load_tree(run_root)["test_crash.py::test_dies"]
    assert summary["outcome"] == outcome
    doomed = next(s for s in otlp_spans(folder) if s["name"] == "doomed")
    assert any(a["key"] == "mode" and a["value"]["stringValue"] == mode for a in doomed["attributes"])
    check_otlp_tree(run_root, finished=False)  # run.json stays unfinished: the process died


def test_run_gives_the_promo_example_its_verdicts(project, tmp_path):
    import sys

    root = project("promo_pytest")
    out = tmp_path / "out"
    result = run_testscope(root, "run", "-n", "30", "--out", str(out), "--", sys.executable, "-m", "pytest", "-q")
    verdicts = {v["name"]: v for v in json.loads((out / "verdicts.json").read_text())["tests"]}
    racy = verdicts["tests/test_promo.py::test_racy_apply_allows_exactly_one_use"]
    atomic = verdicts["tests/test_promo.py::test_atomic_apply_allows_exactly_one_use"]
    assert atomic["verdict"] == "passed", result.stdout
    # Two requests within 2 ms of each other race on a single-use code: most often both win.
    assert racy["verdict"] in ("flaky", "failed"), result.stdout
    assert result.returncode == 1
    # check --apply quarantines it (a flaky test, never a broken one) in a file the suite honours.
    if racy["verdict"] != "flaky":
        return
    (root / "rules.toml").write_text(
        '[[rule]]\nname = "promo-race-flaky"\nkind = "verdict"\nseverity = "warning"\n'
        'tests = ["tests/test_promo.py::*"]\nfailure_rate_above = "1%"\nmin_executions = 5\n'
        'action = "quarantine"\nowner = "promo-team"\nexpires_days = 14\n')
    check = run_testscope(root, "check", str(out), "--rules", "rules.toml", "--apply")
    assert check.returncode == 0, check.stdout + check.stderr
    assert 'test = "tests/test_promo.py::test_racy_apply_allows_exactly_one_use"' in \
        (root / "testscope-quarantine.toml").read_text()
    again = run_pytest(root, "-q")
    assert again.returncode == 0, again.stdout + again.stderr
    # The racy test failed again, quarantined; or this once it passed.
    assert "[QUARANTINED] tests/test_promo.py::test_racy" in again.stdout or "2 passed" in again.stdout


def test_provoke_makes_a_thread_race_show(project, tmp_path):
    import sys

    root = project("threads")
    out = tmp_path / "out"
    result = run_testscope(root, "run", "-n", "20", "--provoke", "--seed", "7", "--out", str(out), "--",
                           sys.executable, "-m", "pytest", "-q")
    [verdict] = json.loads((out / "verdicts.json").read_text())["tests"]
    assert verdict["name"] == "test_threads.py::test_two_threads_use_a_single_use_code"
    assert verdict["failures"] >= 1, result.stdout + result.stderr
    waits = 0
    for trace_file in out.glob("runs/*/tests/*/trace.otlp.json"):
        for span in otlp_spans(trace_file.parent):
            waits += sum(1 for e in span.get("events", []) if e["name"] == "testscope.provoke.wait")
    assert waits > 0

