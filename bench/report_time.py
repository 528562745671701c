#!/usr/bin/env python3
"""How long `testscope report OUT` takes over 1,000 executions of a 100-test program
(goal: under 2 s). Makes the tree with bench/make_report_tree.py (kept in TREE between runs,
remade when missing), then runs the report REPETITIONS times, after one untimed run that
warms the page cache, and prints the median wall time and every run, and the median CPU
time (user + system, from getrusage; wall time on a shared machine also counts waiting for
a core). The table goes to /dev/null.

  bench/report_time.py --testscope build-bench/src/cli/testscope --tree build-bench/report-tree
"""
import argparse, os, resource, statistics, subprocess, sys, time

GOAL_S = 2.0
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testscope", required=True)
    parser.add_argument("--tree", required=True)
    parser.add_argument("--executions", type=int, default=1000)
    parser.add_argument("--tests", type=int, default=100)
    parser.add_argument("--repetitions", type=int, default=int(os.environ.get("REPETITIONS", 5)))
    parser.add_argument("--format", default="table", choices=["table", "json"])
    args = parser.parse_args()
    stamp = os.path.join(args.tree, ".made-with")
    made_with = f"{args.executions} {args.tests}\n"
    if not os.path.exists(stamp) or open(stamp).read() != made_with:
        started = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(HERE, "make_report_tree.py"), args.tree,
                        "--executions", str(args.executions), "--tests", str(args.tests)], check=True)
        with open(stamp, "w") as f:
            f.write(made_with)
        print(f"made {args.tree} in {time.perf_counter() - started:.1f} s")
    command = [args.testscope, "report", args.tree, "--format", args.format]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    times, cpu_times = [], []
    for i in range(args.repetitions + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in (0, 1):
            sys.exit(f"report_time: testscope report exited {done.returncode}: {done.stderr}")
        if i > 0:
            times.append(elapsed)
            cpu_times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    median = statistics.median(times)
    print(f"testscope report over {args.executions} executions x {args.tests} tests, median of "
          f"{args.repetitions} (load average {os.getloadavg()[0]:.2f}): wall {median:.3f} s (runs "
          + ", ".join(f"{t:.3f}" for t in times) + f"), CPU {statistics.median(cpu_times):.3f} s; "
          f"goal < {GOAL_S} s wall: " + ("met" if median < GOAL_S else "MISSED"))


if __name__ == "__main__":
    main()
