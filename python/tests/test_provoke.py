"""`--provoke` for asyncio: the event loop resumes tasks late (testscope/_provoke.py)."""

import json
import sys

from helpers import REPO, attributes, clean_env, otlp_spans, run_pytest, run_testscope


def test_provoke_makes_a_race_between_asyncio_tasks_show(project, tmp_path):
    """The event loop resumes tasks late under --provoke: the racy test fails, its locked twin
    never does, and every deferral is a wait event on the deferred task's own lane."""
    root = project("tasks")
    out = tmp_path / "out"
    result = run_testscope(root, "run", "-n", "20", "--provoke", "--seed", "7", "--out", str(out), "--",
                           sys.executable, "-m", "pytest", "-q")
    verdicts = {v["name"].split("::")[1]: v for v in json.loads((out / "verdicts.json").read_text())["tests"]}
    assert verdicts["test_racy_withdrawals_are_all_counted"]["failures"] >= 1, result.stdout + result.stderr
    assert verdicts["test_locked_withdrawals_are_all_counted"]["failures"] == 0
    assert verdicts["test_the_event_loop_is_changed_only_under_provoke"]["failures"] == 0
    resumed, on_root = set(), 0
    for folder in out.glob("runs/*/tests/*racy*"):
        for span in otlp_spans(folder):
            for event in span.get("events", []):
                if event["name"] != "testscope.provoke.wait":
                    continue
                fields = attributes(event)
                assert int(fields["testscope.provoke.wait_ns"]) > 0
                point = fields["testscope.provoke.point"]
                if span["name"].startswith("test_tasks.py::"):
                    on_root += 1  # a task deferred before its first span: on the test's root
                elif point.startswith("resume clerk-"):
                    # within a clerk's span: on that span, in the clerk's lane
                    assert attributes(span)["thread.name"] == point.removeprefix("resume "), (point, span)
                resumed.add(point)
    assert {"resume clerk-1", "resume clerk-2"} <= resumed, resumed
    assert on_root > 0

    plain = run_pytest(root, "-q", "-k", "changed_only")  # without --provoke the loop is left alone
    assert plain.returncode == 0, plain.stdout + plain.stderr


def test_the_asyncio_zoo_twins_pass_and_the_races_show_under_provoke(tmp_path):
    """Correct code never fails because of a deferral: the asyncio race zoo's correct twins
    pass under every profile; the racy tests do fail under some."""
    zoo = REPO / "examples" / "race_zoo_asyncio"
    racy_failures = 0
    for profile, seed in (("heavy", 1), ("heavy", 2), ("chaos", 3), ("pct", 4), ("light", 5)):
        env = clean_env()
        env.update(TESTSCOPE_PROVOKE=profile, TESTSCOPE_PROVOKE_SEED=str(seed),
                   TESTSCOPE_ARTIFACTS=str(tmp_path / f"{profile}-{seed}"))
        result = run_pytest(zoo, "-q", env=env)
        failed = [line.split("::")[1].split(" ")[0] for line in result.stdout.splitlines()
                  if line.startswith("FAILED ")]
        assert all("racy" in name for name in failed), (profile, seed, result.stdout)
        racy_failures += len(failed)
    assert racy_failures > 0


def test_only_a_tasks_own_resumptions_are_deferred(monkeypatch):
    """A task's step and wake-up are resumptions; its other methods that code schedules
    itself (`loop.call_soon(task.cancel)`) are not, and are never deferred."""
    import asyncio

    from testscope import _provoke

    scheduled = []
    original = asyncio.BaseEventLoop.call_soon

    def recording(self, callback, *args, context=None):
        if isinstance(getattr(callback, "__self__", None), asyncio.Task):
            scheduled.append(callback)
        return original(self, callback, *args, context=context)

    monkeypatch.setattr(asyncio.BaseEventLoop, "call_soon", recording)

    async def main():
        sleeper = asyncio.create_task(asyncio.sleep(10))
        worker = asyncio.create_task(asyncio.to_thread(sum, [1, 2]))
        asyncio.get_running_loop().call_soon(sleeper.cancel)
        assert await worker == 3
        try:
            await sleeper
        except asyncio.CancelledError:
            pass

    asyncio.run(main())
    kinds = {(getattr(c, "__name__", None) or type(c).__name__, _provoke._resumption(c)) for c in scheduled}
    assert ("cancel", False) in kinds, kinds
    assert any(resumes for name, resumes in kinds if name != "cancel"), kinds
    assert all(resumes for name, resumes in kinds if name != "cancel"), kinds
