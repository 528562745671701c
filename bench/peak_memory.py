#!/usr/bin/env python3
"""Peak memory of one huge test: written, then exported (issue 14, item 10).

Runs bench/many_spans_program (one GoogleTest test of THREADS x SPANS spans, 64 x 50,000 =
3.2 million by default) with TESTSCOPE_ARTIFACTS set, so that the test's artifacts are
written as in any run, then `testscope export OUT --otlp URL` of that tree to a local
OTLP/HTTP receiver that reads every request and answers 200. For each it reports the peak
resident size (ru_maxrss of the process, from wait4), wall and CPU time; for the program
also the sizes of the files it wrote and whether every span arrived.

  bench/peak_memory.py --testscope build/src/cli/testscope \\
      --program build/bench/many_spans_program [--threads 64] [--spans 50000] [--keep DIR] [--via-run]

With --via-run it then runs the same test under `testscope run -n 1`, and once more at 1 x 10
spans, and fails unless both runs give the same verdicts.

The recorder's per-thread buffer keeps its default (8 MiB, room for about 50,000 such spans;
--buffer-kb sets TESTSCOPE_BUFFER_KB); the script fails if a span was dropped. Needs a few GB of disk in
TMPDIR (or --keep) and, for 3.2 million spans, about 2.5 GB of memory for the test's
record itself. Exit status 1 if spans were lost or a step failed.
"""
import argparse
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time


def measured(cmd, env):
    """Runs cmd; returns (exit code, stdout, stderr, peak RSS bytes, wall s, CPU s)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                usage.ru_maxrss * 1024, wall, usage.ru_utime + usage.ru_stime)


class Sink:
    """An OTLP/HTTP endpoint that reads each request, counts its bytes and answers 200 {}."""

    def __init__(self):
        self.requests = 0
        self.bytes = 0
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                sink.bytes += len(self.rfile.read(length))
                sink.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def mib(n):
    return "%.0f MiB" % (n / (1 << 20))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--testscope", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--spans", type=int, default=50000, help="per thread")
    parser.add_argument("--buffer-kb", type=int, help="TESTSCOPE_BUFFER_KB for the program")
    parser.add_argument("--keep", help="write the tree here and keep it (default: a temporary folder)")
    parser.add_argument("--via-run", action="store_true",
                        help="also run the test under `testscope run`, huge and small, and compare the verdicts")
    args = parser.parse_args()

    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("TESTSCOPE_", "OTEL_", "GTEST_")) and not k.lower().endswith("_proxy")}
    tmp = None
    if args.keep:
        out = os.path.abspath(args.keep)
        os.makedirs(out, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        out = tmp.name
    env = dict(base, TESTSCOPE_ARTIFACTS=out, TESTSCOPE_BENCH_THREADS=str(args.threads),
               TESTSCOPE_BENCH_SPANS=str(args.spans))
    if args.buffer_kb:
        env["TESTSCOPE_BUFFER_KB"] = str(args.buffer_kb)
    expected = args.threads * args.spans + 1  # and the test's own span
    code, _, err, peak, wall, cpu = measured([args.program, "--gtest_brief=1"], env)
    ok = code == 0
    test_dir = os.path.join(out, "tests", "PeakMemory.ManySpans")
    sizes = {}
    for name in ("trace.otlp.json", "trace.chrome.json", "logs.jsonl", "summary.json"):
        path = os.path.join(test_dir, name)
        sizes[name] = os.path.getsize(path) if os.path.exists(path) else None
    summary = {}
    if sizes["summary.json"]:
        with open(os.path.join(test_dir, "summary.json"), encoding="utf-8") as f:
            summary = json.load(f)
    spans = summary.get("counts", {}).get("spans")
    dropped = summary.get("counts", {}).get("dropped_records", summary.get("dropped_records"))
    print("program: %d threads x %d spans; exit %d; peak RSS %s; wall %.1f s; CPU %.1f s"
          % (args.threads, args.spans, code, mib(peak), wall, cpu))
    print("  files: " + ", ".join("%s %s" % (k, mib(v) if v is not None else "missing") for k, v in sizes.items()))
    print("  summary.json: spans %s (expected %d), dropped records %s" % (spans, expected, dropped))
    if code != 0:
        print(err[-2000:], file=sys.stderr)
    if spans != expected:
        ok = False

    sink = Sink()
    code, stdout, err, peak, wall, cpu = measured([args.testscope, "export", out, "--otlp", sink.url], base)
    print("export: exit %d; peak RSS %s; wall %.1f s; CPU %.1f s; %d requests, %s received"
          % (code, mib(peak), wall, cpu, sink.requests, mib(sink.bytes)))
    print("  " + (stdout.strip() or err.strip()[-500:]))
    ok = ok and code == 0

    if args.via_run:
        # The same huge test under `testscope run`, and the same program at a size that fits
        # anywhere: the verdicts must be the same (a bounded writer does not turn a pass into
        # a crash or an out-of-memory death).
        verdicts = {}
        for label, threads, spans in (("huge", args.threads, args.spans), ("small", 1, 10)):
            run_out = os.path.join(out, "run-" + label)
            run_env = dict(base, TESTSCOPE_BENCH_THREADS=str(threads), TESTSCOPE_BENCH_SPANS=str(spans))
            code, _, err, peak, wall, cpu = measured(
                [args.testscope, "run", "-n", "1", "--out", run_out, "--", args.program, "--gtest_brief=1"], run_env)
            try:
                with open(os.path.join(run_out, "verdicts.json"), encoding="utf-8") as f:
                    tests = json.load(f)["tests"]
                verdicts[label] = sorted((t["name"], t["verdict"], t["runs"], t["failures"]) for t in tests)
            except (OSError, ValueError, KeyError) as error:
                verdicts[label] = "unreadable: %s" % error
            print("run (%s, %d x %d spans): exit %d; testscope's peak RSS %s; wall %.1f s; verdicts %s"
                  % (label, threads, spans, code, mib(peak), wall, verdicts[label]))
        same = verdicts["huge"] == verdicts["small"]
        print("  verdicts of the huge run %s those of the small run" % ("are" if same else "DIFFER FROM"))
        ok = ok and same
    if tmp:
        tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
