#!/usr/bin/env python3
"""What `testscope run` adds per execution (goal: at most 5 ms).

Times `testscope run -n N --out DIR -- PROGRAM` against spawning PROGRAM N times directly,
one after another, the way the runner does: posix_spawn (no shell) in a new process group,
stdin from /dev/null, stdout and stderr to runs/<n>/output.log, TESTSCOPE_ARTIFACTS set to
runs/<n>, so the program writes the same artifacts in both cases. The two are alternated
REPETITIONS times and the medians compared: overhead per execution =
(median testscope run - median direct) / N, in wall time and in CPU time (user + system of
every process involved, from wait4/getrusage; wall time on a shared machine also counts
waiting for a core). The testscope side includes everything the command does: creating the
folders, the loop, reading the tree back and writing verdicts.json.

A third series spawns the program directly with TESTSCOPE_BUFFER_DIR=<out>/buffers/0 as
well, as `testscope run -j 1` does (the recorder's buffers become files there, for crash
recovery; the folder is kept for the whole run), and deletes the files after each
execution: it splits the overhead into what the file-backed buffers cost and what the
runner costs by itself.

  bench/runner_overhead.py --testscope build-bench/src/cli/testscope \\
      --program build-bench/bench/trivial_gtest_program [-n 200] [--repetitions 5]
"""
import argparse, os, resource, shutil, statistics, subprocess, sys, tempfile, time

GOAL_MS = 5.0


def spawn_directly(program, runs_dir, n, buffer_dir=False):
    """Spawns `program` n times in sequence as the runner does; returns (wall, CPU) seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TESTSCOPE_", "GTEST_"))}
    start = time.perf_counter()
    cpu = 0.0
    buffers = os.path.join(os.path.dirname(runs_dir), "buffers", "0")
    if buffer_dir:
        os.makedirs(buffers)
    for i in range(1, n + 1):
        run = os.path.join(runs_dir, str(i))
        os.makedirs(run)
        env["TESTSCOPE_ARTIFACTS"] = os.path.abspath(run)
        if buffer_dir:
            env["TESTSCOPE_BUFFER_DIR"] = os.path.abspath(buffers)
        log = os.path.join(run, "output.log")
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
                   (os.POSIX_SPAWN_DUP2, 1, 2)]
        pid = os.posix_spawn(program, [program], env, file_actions=actions, setpgroup=0)
        _, status, usage = os.wait4(pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"runner_overhead: {program} failed (see {log})")
        if buffer_dir:
            for name in os.listdir(buffers):
                os.unlink(os.path.join(buffers, name))
    if buffer_dir:
        os.rmdir(buffers)
    return time.perf_counter() - start, cpu


def through_testscope(testscope, program, out, n):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TESTSCOPE_", "GTEST_"))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([testscope, "run", "-n", str(n), "--out", out, "--", program], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # testscope and the executions it waited for
    if done.returncode != 0:
        sys.exit(f"runner_overhead: testscope run exited {done.returncode} (see {out})")
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testscope", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--repetitions", type=int, default=int(os.environ.get("REPETITIONS", 5)))
    args = parser.parse_args()
    program = os.path.abspath(args.program)
    work = tempfile.mkdtemp(prefix="runner_overhead_")
    direct, buffered, runner = [], [], []
    try:
        for _ in range(args.repetitions):
            shutil.rmtree(os.path.join(work, "direct"), ignore_errors=True)
            direct.append(spawn_directly(program, os.path.join(work, "direct", "runs"), args.n))
            shutil.rmtree(os.path.join(work, "buffered"), ignore_errors=True)
            buffered.append(spawn_directly(program, os.path.join(work, "buffered", "runs"), args.n, True))
            shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
            runner.append(through_testscope(args.testscope, program, os.path.join(work, "out"), args.n))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ms = lambda seconds: seconds * 1000 / args.n
    print(f"runner overhead, {args.n} executions of {os.path.basename(program)}, "
          f"median of {args.repetitions} (load average {os.getloadavg()[0]:.2f}):")
    medians = {}
    for label, series in (("spawned directly", direct), ("directly, with TESTSCOPE_BUFFER_DIR", buffered),
                          ("testscope run", runner)):
        wall, cpu = statistics.median(w for w, _ in series), statistics.median(c for _, c in series)
        medians[label] = (wall, cpu)
        print(f"  {label + ':':37} wall {wall:6.3f} s ({ms(wall):5.2f} ms each), CPU {cpu:6.3f} s "
              f"({ms(cpu):5.2f} ms each); wall of each: " + ", ".join(f"{w:.3f}" for w, _ in series))
    (d_wall, d_cpu), (b_wall, b_cpu), (r_wall, r_cpu) = medians.values()
    for what, d, b, r in (("wall", d_wall, b_wall, r_wall), ("CPU", d_cpu, b_cpu, r_cpu)):
        overhead = ms(r - d)
        print(f"  overhead per execution, {what}: {overhead:.2f} ms (goal <= {GOAL_MS} ms: "
              + ("met" if overhead <= GOAL_MS else "MISSED")
              + f"); of which file-backed buffers {ms(b - d):.2f} ms, the runner itself {ms(r - b):.2f} ms")

if __name__ == "__main__":
    main()
