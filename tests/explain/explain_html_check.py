#!/usr/bin/env python3
"""The explanation in the HTML report, checked in a real browser: runs the promo example under
`testscope run --provoke=heavy`, writes `testscope report --html`, loads it in headless Chromium
(--dump-dom: the page after its script ran) and checks that each flaky test's section opens with
the explanation and that the spans marked in the failing and passing swimlanes are exactly the
two operations `testscope explain --format json` names, in those two executions, on the threads
it names. Then, on the fixture tree of a race between two asyncio-like tasks (make_explain_trees.py
step), that the orders timing cannot tell from the explanation are on the page under it, and
for a race of two orders at once (conjunction), the order that refines it.

  explain_html_check.py --testscope T --promo P --chromium C --work DIR"""
import argparse
import html
import json
import pathlib
import re
import shutil
import subprocess
import sys


def dump_dom(chromium, page):
    return subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--dump-dom", page.resolve().as_uri()], check=True, capture_output=True, text=True,
                          timeout=120).stdout


def timing_equal_problems(args, work):
    """The step tree's explanation and what timing cannot tell from it, on the page."""
    trees = work / "trees"
    subprocess.run([sys.executable, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures/make_explain_trees.py"),
                    str(trees)], check=True, capture_output=True)
    explained = json.loads(subprocess.run([args.testscope, "explain", str(trees / "step"), "--format", "json"],
                                          check=True, capture_output=True, text=True).stdout)
    top = explained["tests"][0]["explanations"][0]
    if len(top["equally"]) < 2:
        return [f"explain lists {len(top['equally'])} timing-equal orders for the step tree, not 2"]
    page = work / "step.html"
    subprocess.run([args.testscope, "report", str(trees / "step"), "--html", str(page)], check=False,
                   capture_output=True)
    text = html.unescape(re.sub(r"<br>", "\n", dump_dom(args.chromium, page)))
    block = re.search(r'<p class="explanation">(.*?)</p>', text, re.S)
    if not block:
        return ["the step tree's page has no explanation"]
    problems = [f"'or, the same by timing: {e['statement']}' is not under the explanation"
                for e in top["equally"] if f"or, the same by timing: {e['statement']}" not in block.group(1)]
    # A race of two orders at once: the refinement under the explanation.
    page = work / "conjunction.html"
    subprocess.run([args.testscope, "report", str(trees / "conjunction"), "--html", str(page)], check=False,
                   capture_output=True)
    explained = json.loads(subprocess.run([args.testscope, "explain", str(trees / "conjunction"), "--format",
                                           "json"], check=True, capture_output=True, text=True).stdout)
    refined = explained["tests"][0]["explanations"][0]["refined_by"]
    text = html.unescape(re.sub(r"<br>", "\n", dump_dom(args.chromium, page)))
    block = re.search(r'<p class="explanation">(.*?)</p>', text, re.S)
    if len(refined) != 1 or not block or \
            f"where it holds, the failing executions also had: {refined[0]['statement']}" not in block.group(1):
        problems.append("the conjunction tree's refinement is not under its explanation")
    return problems


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--testscope", "--promo", "--chromium", "--work"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    work = pathlib.Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = work / "out"
    subprocess.run([args.testscope, "run", "-n", "40", "--provoke=heavy", "--seed", "3", "--out", str(out), "--",
                    args.promo, "--gtest_filter=PromoRace.Racy*"], check=False, capture_output=True)
    explained = json.loads(subprocess.run([args.testscope, "explain", str(out), "--format", "json"],
                                          check=True, capture_output=True, text=True).stdout)
    test = explained["tests"][0]
    if test["status"] != "explained":
        sys.exit(f"explain did not explain the promo race: {test['summary']}")
    top = test["explanations"][0]
    page = work / "report.html"
    subprocess.run([args.testscope, "report", str(out), "--html", str(page)], check=False, capture_output=True)
    dom = dump_dom(args.chromium, page)
    problems = timing_equal_problems(args, work)
    if top["statement"] not in html.unescape(dom):
        problems.append("the explanation's statement is not on the page")
    for role in ("failing", "passing"):
        box = re.search(r'<div class="execution %s"[^>]*>(.*?)(?=<div class="execution |<p class="legend")' % role,
                        dom, re.S)
        if not box:
            problems.append(f"no {role} execution on the page")
            continue
        marked = {}
        for lane in re.finditer(r'<div class="lane" data-thread="([^"]*)">(.*?)(?=<div class="lane"|$)',
                                box.group(1), re.S):
            for span in re.finditer(r'<div class="span explained"[^>]*data-explain="([^"]*)"[^>]*title="([^"]*)"',
                                    lane.group(2)):
                span_id = re.search(r"(?<![a-z_])span_id=([0-9a-f]{16})", html.unescape(span.group(2))).group(1)
                marked[span_id] = (html.unescape(lane.group(1)), html.unescape(span.group(1)))
        want = {}
        for i, op in enumerate(top["operations"]):
            where = op[role]
            if where:
                want[where["span_id"]] = (where["thread"], f"[{i + 1} {op['edge']}]")
        if set(marked) != set(want):
            problems.append(f"{role}: marked spans {sorted(marked)}, explain names {sorted(want)}")
        for span_id, (thread, label) in want.items():
            if span_id in marked and (not marked[span_id][0].startswith(thread) or marked[span_id][1] != label):
                problems.append(f"{role}: span {span_id} marked {marked[span_id]}, expected {thread} {label}")
        execution = top[f"{role}_example"].split("/")[1]
        if f'data-execution="{execution}"' not in dom:
            problems.append(f"{role}: the page does not show execution {execution}, the one explain names")
    if problems:
        sys.exit("\n".join(problems))
    print(f"the page shows '{top['statement']}' and marks its two spans in executions "
          f"{top['failing_example']} and {top['passing_example']}")


if __name__ == "__main__":
    main()
