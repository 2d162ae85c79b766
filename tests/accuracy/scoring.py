"""Scores leakscope's reports against the corpus truth: per case (leak or not, pattern, rate,
warm-up, top site) and per mode (confusion matrix, accuracies, rate errors).

"Undecided" (verdict.decided == false, when the field exists) is a third outcome: it is right only
on cases whose truth allows it (acceptable_undecided); anywhere else it is a miss, for leak-or-not
and for the pattern alike (the user was told to wait where the answer was there to be given). A leak
may allow it only where the run cannot tell it from a bounded program, shown by measurement in its
header (a V8 heap growing ahead of its collections for 16 s looks the same leaking or not).

A warm-up is scored only against a truth of the same series: the manifest's warmup_bytes is what the
program fills by construction (its live heap) unless the case says "warmup_metric": "rss", and a
report whose warm-up is of another series (RSS's warm-up told beside a heap verdict, or any warm-up
of an RSS-only run) is counted as not comparable rather than as an error."""
import statistics

import corpus
import invariants

UNDECIDED = "undecided"
ERROR = "error"


def judge(case, report, mode):
    """What the report said about the case and whether it is right; report None = the run failed."""
    if report is None:
        return {"name": case["name"], "mode": mode, "said": ERROR, "leak": None, "leak_ok": False,
                "pattern_ok": False, "violations": [], "rate_error": None, "warmup_error": None,
                "warmup_other_series": False, "site_ok": None}
    verdict, growth, sites = report["verdict"], report["growth"], report.get("sites") or []
    undecided = verdict.get("decided") is False
    allowed_undecided = bool(case.get("acceptable_undecided"))
    if undecided:
        leak_ok = pattern_ok = allowed_undecided
    else:
        leak_ok = verdict["leak"] == case["leak"]
        pattern_ok = verdict["pattern"] in corpus.acceptable_patterns(case, mode)
    rate_error = None
    if "rate_bytes_per_s" in case and verdict["leak"]:
        rate_error = growth["steady_rate_bytes_per_s"] / case["rate_bytes_per_s"] - 1.0
    warmup_error, warmup_other_series = None, False
    if "warmup_bytes" in case and not verdict["leak"]:
        if report_warmup_metric(growth) == corpus.warmup_metric(case):
            warmup_error = growth["warmup_bytes"] / case["warmup_bytes"] - 1.0
        else:
            warmup_other_series = True
    site_ok = None
    if "top_site" in case and mode != "rss":
        site_ok = bool(sites) and case["top_site"] in sites[0]["function"]
    return {"name": case["name"], "mode": mode, "said": UNDECIDED if undecided else verdict["pattern"],
            "pattern": verdict["pattern"], "leak": verdict["leak"], "severity": verdict["severity"],
            "metric": growth["metric"], "rate": growth["steady_rate_bytes_per_s"],
            "warmup": growth["warmup_bytes"], "warmup_metric": report_warmup_metric(growth),
            "warmup_other_series": warmup_other_series, "watch_more_s": verdict.get("watch_more_s"),
            "summary": verdict.get("summary", ""), "leak_ok": leak_ok, "pattern_ok": pattern_ok,
            "violations": invariants.check(report), "rate_error": rate_error, "warmup_error": warmup_error,
            "site_ok": site_ok, "top_site": sites[0]["function"] if sites else None}


def report_warmup_metric(growth):
    """The series the report's warmup_bytes is of: growth.warmup_metric where the report says it (since
    session 19: "rss" when RSS's warm-up is told beside a heap verdict), else the verdict's own metric."""
    return growth.get("warmup_metric") or growth["metric"]


def score(cases, results):
    """Aggregates one mode's results (dicts from judge, same order as cases)."""
    n = len(results)
    if n == 0:
        return {"cases": 0}
    rate_errors = [abs(r["rate_error"]) for r in results if r["rate_error"] is not None]
    warmup_errors = [abs(r["warmup_error"]) for r in results if r["warmup_error"] is not None]
    matrix = {}
    for case, result in zip(cases, results):
        row = matrix.setdefault(case["pattern"], {})
        row[result["said"]] = row.get(result["said"], 0) + 1
    return {
        "cases": n,
        "leak_right": sum(r["leak_ok"] for r in results),
        "pattern_right": sum(r["pattern_ok"] for r in results),
        "leak_accuracy": sum(r["leak_ok"] for r in results) / n,
        "pattern_accuracy": sum(r["pattern_ok"] for r in results) / n,
        "undecided": sum(r["said"] == UNDECIDED for r in results),
        "errors": sum(r["said"] == ERROR for r in results),
        "violations": sum(len(r["violations"]) for r in results),
        # The top site named where the truth names one (not in RSS-only mode, which has no sites).
        "sites_scored": sum(r["site_ok"] is not None for r in results),
        "site_right": sum(bool(r["site_ok"]) for r in results),
        "rate_error_median": statistics.median(rate_errors) if rate_errors else None,
        "rate_errors_scored": len(rate_errors),
        "warmup_error_median": statistics.median(warmup_errors) if warmup_errors else None,
        "warmup_errors_scored": len(warmup_errors),
        # Warm-ups not scored because the report's is of another series than the truth's.
        "warmup_other_series": sum(bool(r.get("warmup_other_series")) for r in results),
        "confusion": matrix,
    }


def format_confusion(matrix):
    columns = sorted({c for row in matrix.values() for c in row})
    rows = sorted(matrix)
    width = max([len(r) for r in rows] + [10])
    head = "truth \\ said".ljust(width) + " " + " ".join(short(c).rjust(8) for c in columns)
    lines = [head]
    for row in rows:
        lines.append(row.ljust(width) + " " + " ".join(str(matrix[row].get(c, "")).rjust(8) for c in columns))
    return "\n".join(lines)


SHORT = {"stable": "stable", "warmup_plateau": "warmup", "bounded_sawtooth": "sawtooth",
         "periodic_spikes": "periodic", "linear_growth": "linear", "staircase_growth": "stairs",
         "accelerating_growth": "accel", "fragmentation": "frag", "insufficient_data": "no-data",
         UNDECIDED: "undecid.", ERROR: "error"}


def short(pattern):
    return SHORT.get(pattern, pattern[:8])


def short_metric(metric):
    """A series as the rows name it: "heap" or "rss"."""
    return "heap" if metric == "live_heap" else metric


def percent(x):
    return "-" if x is None else f"{100 * x:+.0f}%"
