#!/usr/bin/env python3
"""Runs one pattern example (examples/patterns/) under `leakscope run` and checks the verdict
against the truth in examples/patterns/manifest.json: the pattern, leak or not, the steady rate
within 20%, and (with the tracker) the top site. A run whose program says it could not keep its
pacing ("pacing lost:", examples/patterns/pacing.hpp) and gets the verdict wrong is not scored (exit 77,
a skip): the truth is stated for the paced program. A run that lost its pacing and is right passes.

Usage: e2e_patterns.py BUILD_DIR MANIFEST EXAMPLE_NAME
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    build, manifest_path, name = sys.argv[1:4]
    with open(manifest_path) as f:
        truth = next(e for e in json.load(f)["examples"] if e["name"] == name)
    # The recording and the report stay where a person can look at them after a failure.
    artifacts = os.path.join(build, "tests", "artifacts", "patterns")
    os.makedirs(artifacts, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="leakscope-pattern-") as work:
        report_path = os.path.join(work, "report.json")
        html_path = os.path.join(artifacts, name + ".html")
        cmd = [os.path.join(build, "bin", "leakscope"), "run", "-q", "-o", os.path.join(artifacts, name + ".lks"),
               "--json", report_path, "--html", html_path, "--", os.path.join(build, "bin", "examples", name), str(truth["seconds"])]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=truth["seconds"] * 4 + 30)
        if run.returncode != 0:
            print(run.stderr)
            return fail(f"leakscope run exited {run.returncode}")
        with open(report_path) as f:
            report = json.load(f)
        with open(os.path.join(artifacts, name + ".json"), "w") as f:
            json.dump(report, f, indent=1)

    # The program says when the machine did not let it keep its pacing (examples/patterns/pacing.hpp).
    lost_pacing = [line for line in run.stderr.splitlines() if line.startswith("pacing lost:")]
    for line in lost_pacing:
        print(line)
    verdict, growth, sites = report["verdict"], report["growth"], report["sites"]
    print(f"{name}: pattern={verdict['pattern']} leak={verdict['leak']} metric={growth['metric']} "
          f"rate={growth['steady_rate_bytes_per_s']:.0f} B/s [{growth['rate_ci_low_bytes_per_s']:.0f}, "
          f"{growth['rate_ci_high_bytes_per_s']:.0f}] warmup={growth['warmup_bytes']:.0f} B "
          f"top={sites[0]['function'] if sites else None}")
    print("summary:", verdict["summary"])
    problems = []
    # Where more than one shape is right (the manifest's acceptable_patterns), any of them passes.
    patterns = [truth["pattern"]] + truth.get("acceptable_patterns", [])
    if verdict["pattern"] not in patterns:
        problems.append(f"pattern {verdict['pattern']}, expected {' or '.join(patterns)}")
    if verdict["leak"] != truth["leak"]:
        problems.append(f"leak {verdict['leak']}, expected {truth['leak']}")
    if "rate_bytes_per_s" in truth:
        rate, expected = growth["steady_rate_bytes_per_s"], truth["rate_bytes_per_s"]
        if abs(rate - expected) > 0.2 * expected:
            problems.append(f"rate {rate:.0f} B/s, expected {expected} within 20%")
    if "warmup_bytes" in truth:
        if abs(growth["warmup_bytes"] - truth["warmup_bytes"]) > 0.2 * truth["warmup_bytes"]:
            problems.append(f"warm-up {growth['warmup_bytes']:.0f} B, expected {truth['warmup_bytes']} within 20%")
    if "metric" in truth and growth["metric"] != truth["metric"]:
        problems.append(f"metric {growth['metric']}, expected {truth['metric']}")
    if "top_site" in truth:
        if not sites or truth["top_site"] not in sites[0]["function"]:
            problems.append(f"top site {sites[0]['function'] if sites else None}, expected {truth['top_site']}")
        elif "top_site_pattern" in truth and sites[0]["pattern"] != truth["top_site_pattern"]:
            problems.append(f"top site pattern {sites[0]['pattern']}, expected {truth['top_site_pattern']}")
    html_problems = check_html(html_path, artifacts, name)  # the page does not depend on the pacing
    if html_problems:
        return fail("; ".join(problems + html_problems))
    if problems and lost_pacing:
        # The truth holds for the program's pacing only; the machine (other jobs) broke it: not scored.
        print("NOT SCORED: the program could not keep its pacing on this machine, so its truth does not "
              "hold for this run; what the verdict got wrong: " + "; ".join(problems))
        return NOT_SCORED
    if problems:
        return fail("; ".join(problems))
    print("ok")
    return 0


def check_html(html_path, artifacts, name):
    """The HTML report of this real run loads in headless Chromium with its script finished (it sets
    data-ready="1" last, so a script error leaves "0"), and leaves a screenshot for a person to look at."""
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if chromium is None:
        print("chromium not installed: HTML not rendered")
        return []
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    url = "file://" + html_path
    problems = []
    with tempfile.TemporaryDirectory(prefix="leakscope-chromium-") as profile:
        dom = subprocess.run([chromium] + flags + ["--user-data-dir=" + profile, "--dump-dom", url],
                             capture_output=True, text=True, timeout=120)
        if 'data-ready="1"' not in dom.stdout:
            problems.append("the HTML report's script did not finish in Chromium")
        if "<svg" not in dom.stdout:
            problems.append("the HTML report has no chart")
    with tempfile.TemporaryDirectory(prefix="leakscope-chromium-") as profile:
        subprocess.run([chromium] + flags + ["--user-data-dir=" + profile, "--window-size=1280,2400",
                        "--screenshot=" + os.path.join(artifacts, name + ".png"), url],
                       capture_output=True, timeout=120)
    return problems


NOT_SCORED = 77  # CTest's SKIP_RETURN_CODE for these tests


def fail(message):
    print("FAIL:", message)
    return 1


if __name__ == "__main__":
    sys.exit(main())
