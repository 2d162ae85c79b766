"""The accuracy run as Markdown for the people tuning the engine: scores per mode, and every case the
engine gets wrong with what it said and what is true -- except the held-out cases, which appear only
by name and in aggregate, so nobody tunes on them."""
import datetime
import subprocess

import corpus
import scoring


def truth_text(case, mode):
    shapes = " or ".join(scoring.short(p) for p in corpus.acceptable_patterns(case, mode))
    text = ("leak, " if case["leak"] else "not a leak, ") + shapes
    if case.get("acceptable_undecided"):
        text += " (or undecided)"
    if "rate_bytes_per_s" in case:
        text += f", {case['rate_bytes_per_s'] / 1e3:.0f} kB/s"
    if "warmup_bytes" in case:
        text += f", warm-up {case['warmup_bytes'] / 1e6:.0f} MB of {scoring.short_metric(corpus.warmup_metric(case))}"
    return text


def said_text(r):
    if r["said"] == scoring.ERROR:
        return "(the run failed)"
    text = f"leak={str(r['leak']).lower()}, {r['said']}, {r['severity']}, {r['metric']}, rate {r['rate'] / 1e3:.0f} kB/s"
    if r["warmup"]:
        text += f", warm-up {r['warmup'] / 1e6:.1f} MB of {scoring.short_metric(r['warmup_metric'])}"
    return text


def engine_version():
    described = subprocess.run(["git", "-C", corpus.REPO, "log", "-1", "--format=%h of %cs"], capture_output=True, text=True)
    return described.stdout.strip() or "unknown"


def site_text(stats):
    """The top site's score, where the truth names one ("-" without sites: RSS-only mode)."""
    return f"{stats['site_right']}/{stats['sites_scored']}" if stats.get("sites_scored") else "-"


def write(path, modes, cases, judged, scores, holdout_scores, problems, targets_judged=True, source="running every program"):
    """`source`: how the reports were had (the programs run, or the last run's recordings re-analyzed)."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Accuracy corpus: where the engine stands", "",
             f"Written by `tests/accuracy/run_accuracy.py --markdown` at {stamp}, on the tree at "
             f"`{engine_version()}`, {source}. Held-out cases are listed by name and scored only in aggregate: do not tune "
             "on them.", ""]
    lines += ["| mode | cases | leak-or-not | pattern | top site | undecided | invariant violations | rate error (median) |",
              "|---|---|---|---|---|---|---|---|"]
    for m in modes:
        s = scores[m]
        lines.append(f"| {m} | {s['cases']} | {s['leak_right']}/{s['cases']} ({s['leak_accuracy']:.0%}) | "
                     f"{s['pattern_right']}/{s['cases']} ({s['pattern_accuracy']:.0%}) | {site_text(s)} | {s['undecided']} | "
                     f"{s['violations']} | {scoring.percent(s['rate_error_median'])} |")
    held = [c["name"] for c in cases if c.get("holdout")]
    if held:
        lines += ["", f"Held out ({len(held)}): " + ", ".join(held) + ".", "",
                  "| mode | held-out leak-or-not | held-out pattern | held-out top site | held-out violations |",
                  "|---|---|---|---|---|"]
        for m in modes:
            s = holdout_scores[m]
            if s.get("cases"):
                lines.append(f"| {m} | {s['leak_accuracy']:.0%} | {s['pattern_accuracy']:.0%} | {site_text(s)} | {s['violations']} |")
    for m in modes:
        wrong = [(c, r) for c, r in zip(cases, judged[m])
                 if not c.get("holdout") and (not (r["leak_ok"] and r["pattern_ok"]) or r["violations"])]
        lines += ["", f"## {m}: cases wrong or inconsistent ({len(wrong)})", ""]
        if not wrong:
            lines.append("None.")
        for c, r in wrong:
            lines.append(f"- **{c['name']}** ({c.get('class', '')}): true: {truth_text(c, m)}; said: {said_text(r)}.")
            if r.get("summary"):
                lines.append(f"  Summary: \"{r['summary']}\"")
            for v in r["violations"]:
                lines.append(f"  Invariant: {v}")
    visible = [p for p in problems if not any(p.startswith(h + ":") or ("/" + h + ":") in p for h in held)]
    lines += ["", "## Exit status", ""] + [f"- {p}" for p in visible] + \
        ([f"- (and {len(problems) - len(visible)} on held-out cases)"] if len(visible) < len(problems) else [])
    if not targets_judged:
        lines.append("- A subset of the corpus: the targets apply to the whole corpus and were not judged.")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
