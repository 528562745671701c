#!/usr/bin/env python3
"""Instructions the recorder executes per captured span, counted by callgrind.

The span goal (docs/performance.md) is a ratio of times, and times depend on the CPU:
the same code measured 1.4x on an AMD EPYC and 2.65x (before the fast paths) on an
Intel Xeon, whose RDTSC overlaps less with the work around it. The instruction count
does not depend on the CPU, so it is the number to watch when only one kind of CPU is
at hand. This runs BM_SpanTwoAttributes (one thread) under valgrind's callgrind and
divides the inclusive instruction count of every call into the recorder's span entry
points (Span::begin, Span::finish and the attribute functions) by the number of spans.

    bench/span_instructions.py [build-bench/bench/span_benchmark]

Needs valgrind (scripts/bootstrap does not install it: `apt-get install valgrind`).
Takes about a minute. Prints one line per entry point and the total per span.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

# Entry points of the span hot path: the names of the current recorder, and of the
# recorder before the fast paths (record_attribute took an AttributeValue), so that an
# older build can be measured the same way.
ENTRY_POINTS = {
    "begin": re.compile(r"^testscope::Span::begin\("),
    "finish": re.compile(r"^testscope::Span::finish\(\)"),
    "attributes": re.compile(r"^testscope::detail::record_(string_|scalar_)?attribute\("),
}


def parse_calls(path):
    """Sums calls and inclusive instructions over every call edge into each function."""
    names = {}  # callgrind's compressed names: "(12)" -> name
    calls = collections.Counter()
    inclusive = collections.Counter()
    target = None
    pending_calls = None
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if line.startswith("cfn=") or line.startswith("cfi=") or line.startswith("cob="):
                if line.startswith("cfn="):
                    target = resolve(names, line[4:])
                continue
            if line.startswith("fn="):
                resolve(names, line[3:])
                continue
            if line.startswith("calls="):
                pending_calls = int(line[6:].split()[0])
                continue
            if pending_calls is not None:
                fields = line.split()
                if len(fields) >= 2 and target is not None:
                    calls[target] += pending_calls
                    inclusive[target] += int(fields[1])
                pending_calls = None
    return calls, inclusive


def resolve(names, text):
    match = re.match(r"^\((\d+)\)(?: (.*))?$", text)
    if not match:
        return text
    key, name = match.group(1), match.group(2)
    if name is not None:
        names[key] = name
    return names.get(key, text)


def main():
    program = sys.argv[1] if len(sys.argv) > 1 else "build-bench/bench/span_benchmark"
    if not os.access(program, os.X_OK):
        sys.exit(f"span_instructions: {program} is not an executable (build it: "
                 "cmake --build build-bench --target span_benchmark)")
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", program,
                   "--benchmark_filter=BM_SpanTwoAttributes/min_time:0.200/threads:1$"]
        try:
            run = subprocess.run(command, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            sys.exit("span_instructions: valgrind is not installed (apt-get install valgrind)")
        if run.returncode != 0 or not os.path.exists(out):
            sys.exit(f"span_instructions: {' '.join(command)} failed:\n{run.stderr[-2000:]}")
        calls, inclusive = parse_calls(out)
    spans = 0
    per_span = {}
    for part, pattern in ENTRY_POINTS.items():
        matched = [name for name in calls if pattern.search(name)]
        total_calls = sum(calls[name] for name in matched)
        total = sum(inclusive[name] for name in matched)
        if part == "begin":
            spans = total_calls
        per_span[part] = total
    if spans == 0:
        sys.exit("span_instructions: no call of testscope::Span::begin was recorded")
    print(f"{spans} spans recorded under callgrind ({program})")
    for part, total in per_span.items():
        print(f"  {part:<11} {total / spans:7.1f} instructions per span")
    print(f"  {'total':<11} {sum(per_span.values()) / spans:7.1f} instructions per span "
          "(the inline code at the call site not included)")


if __name__ == "__main__":
    main()
