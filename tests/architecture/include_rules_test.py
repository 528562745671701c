#!/usr/bin/env python3
"""The include rule of docs/architecture.md: a folder under src/ includes only from folders of
a lower rank in that document's table (public headers aside). Reads the table, then every
source file under src/, and prints each include that goes up or sideways. Exit 0 when none.

  include_rules_test.py REPOSITORY_ROOT
  include_rules_test.py --self-test     the checker on a small made-up tree with one bad include
"""
import pathlib
import re
import subprocess
import sys
import tempfile

if sys.argv[1:] == ["--self-test"]:
    with tempfile.TemporaryDirectory() as tmp:
        fake = pathlib.Path(tmp)
        (fake / "docs").mkdir()
        (fake / "docs" / "architecture.md").write_text("| 0 | `low` | x | y |\n| 1 | `high` | x | y |\n")
        for folder, text in {"low": '#include "high/thing.hpp"\n', "high": '#include "low/base.hpp"\n'}.items():
            (fake / "src" / folder).mkdir(parents=True)
            (fake / "src" / folder / "a.cpp").write_text(text)
        run = subprocess.run([sys.executable, __file__, tmp], capture_output=True, text=True)
        expected = "src/low/a.cpp:1: includes high/ (rank 1), later in the data flow than low/ (rank 0)"
        if run.returncode != 1 or expected not in run.stdout or "1 problem(s)" not in run.stdout:
            sys.exit(f"self-test: the bad include was not reported as expected:\n{run.stdout}{run.stderr}")
    print("self-test: the bad include was reported, the good one was not")
    sys.exit(0)

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
doc = root / "docs" / "architecture.md"
row = re.compile(r"^\|\s*(\d+)\s*\|\s*`([a-z_0-9]+)`\s*\|")
ranks = {}
for line in doc.read_text(encoding="utf-8").splitlines():
    match = row.match(line)
    if match:
        ranks[match.group(2)] = int(match.group(1))
if not ranks:
    sys.exit(f"{doc}: no rank table found")

problems = []
src = root / "src"
folders = sorted(p.name for p in src.iterdir() if p.is_dir())
for folder in folders:
    if folder not in ranks:
        problems.append(f"src/{folder}/: not in the table of {doc.relative_to(root)}; give it a rank")
for folder in ranks:
    if folder not in folders:
        problems.append(f"{doc.relative_to(root)}: lists `{folder}`, but there is no src/{folder}/")

include = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/')
for folder in folders:
    if folder not in ranks:
        continue
    for path in sorted((src / folder).rglob("*")):
        if path.suffix not in {".cpp", ".hpp", ".h", ".cc", ".in"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            match = include.match(line)
            if not match:
                continue
            target = match.group(1)
            if target in ("testscope", folder) or target not in ranks:
                continue  # public headers, the folder itself, or not ours (a library's)
            if ranks[target] >= ranks[folder]:
                where = "a sibling" if ranks[target] == ranks[folder] else "later in the data flow"
                problems.append(
                    f"{path.relative_to(root)}:{number}: includes {target}/ (rank {ranks[target]}), "
                    f"{where} than {folder}/ (rank {ranks[folder]})"
                )

for problem in problems:
    print(problem)
print(f"{len(folders)} folders, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
