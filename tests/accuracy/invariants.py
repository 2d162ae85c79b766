"""One story per report: properties every leakscope JSON report must satisfy, whatever the program.
A report that breaks one contradicts itself (e.g. "no leak" next to leak=true), so the accuracy run
fails on any violation. check(report) returns the violations as sentences (empty when consistent)."""
import math
import re

# Shapes that are not growth: a leak verdict with one of these patterns contradicts itself. A sawtooth
# or spikes may carry a leak under them ("Leak under a sawtooth: the floor rises"), as the engine's own
# invariants (tests/support/diagnosis_bench/report_invariants.hpp) allow too.
NON_LEAK_PATTERNS = {"stable", "warmup_plateau", "fragmentation", "insufficient_data"}
# "Sustained pressure near the limit": the share of samples near the limit above which a high or
# critical severity is justified without a leak (the in-process detector's "80% of samples above a
# threshold" rule, taken at half to stay lenient).
NEAR_LIMIT_HIGH = 0.5
# The live heap "grows" (so the tracker must have seen where) when it rises by more than this much
# from the first tenth of the run to the last tenth...
HEAP_RISE_MIN_BYTES = 1_000_000
# ...and by more than this share of its starting level.
HEAP_RISE_MIN_FRACTION = 0.10

SAYS_NO_LEAK = re.compile(r"\bno (heap |memory )?leak\b|\bnot a leak\b", re.IGNORECASE)
SAYS_LEAK = re.compile(r"^\W*leak\b", re.IGNORECASE)


def heap_rise(series):
    """Bytes the live heap rose from the first tenth of the samples to the last tenth (medians), and
    its starting level; (0, 0) when the heap was not tracked."""
    heap = [v for v in series.get("live_heap_bytes") or [] if v is not None]
    if len(heap) < 10:
        return 0.0, 0.0
    tenth = max(1, len(heap) // 10)
    first, last = sorted(heap[:tenth]), sorted(heap[-tenth:])
    start = first[len(first) // 2]
    return last[len(last) // 2] - start, start


def check(report):
    verdict, growth = report["verdict"], report["growth"]
    projection = growth.get("projection") or {}
    leak, pattern, severity = verdict["leak"], verdict["pattern"], verdict["severity"]
    summary = verdict.get("summary", "")
    problems = []

    if leak and pattern in NON_LEAK_PATTERNS:
        problems.append(f"leak=true with pattern {pattern}")

    near_limit = projection.get("fraction_of_samples_near_limit") or 0.0
    if severity in ("critical", "high") and not leak and near_limit < NEAR_LIMIT_HIGH:
        problems.append(f"severity {severity} without a leak and with {near_limit:.0%} of samples near the limit")

    if leak and projection.get("limit_bytes") and projection.get("time_to_limit_s") is None:
        problems.append("leak with a known limit but no time to limit")

    sites = report.get("sites") or []
    rise, start = heap_rise(report.get("series") or {})
    heap_grows = rise > HEAP_RISE_MIN_BYTES and rise > HEAP_RISE_MIN_FRACTION * start
    # With sampled tracking a small rise can draw no sample at all (0.8 MB at one per 512 KiB: one run in
    # five); then the report must say so ("unsampled_growth") rather than leave the sites silent.
    said_unsampled = bool((report.get("unsampled_growth") or {}).get("summary"))
    # Likewise a CPython heap whose rise came in pymalloc's arenas, each charged to whatever code needed
    # one: the report must say so ("arena_growth").
    said_unsampled = said_unsampled or bool((report.get("arena_growth") or {}).get("summary"))
    if leak and sites and (growth["metric"] == "live_heap" or heap_grows) and not any(s["leak"] for s in sites) \
            and not said_unsampled:
        problems.append(f"leak verdict on a growing heap (+{rise / 1e6:.1f} MB) but no site is a leak")

    # The reverse: a decided "no leak" above a site called a leak tells two stories, unless the verdict
    # itself sends the reader to the sites (fragmentation beside a heap that grows too, far slower).
    if not leak and verdict.get("decided") is not False and any(s["leak"] for s in sites) \
            and "look at its sites" not in summary:
        problems.append("a decided no-leak verdict above a site called a leak")

    if leak and SAYS_NO_LEAK.search(summary):
        problems.append(f"leak=true but the summary says otherwise: {summary!r}")
    if not leak and SAYS_LEAK.search(summary):
        problems.append(f"leak=false but the summary says leak: {summary!r}")

    rate = growth["steady_rate_bytes_per_s"]
    low, high = growth["rate_ci_low_bytes_per_s"], growth["rate_ci_high_bytes_per_s"]
    slack = 1e-6 * max(1.0, abs(rate))
    if any(math.isnan(x) for x in (rate, low, high)) or not (low - slack <= rate <= high + slack):
        problems.append(f"rate {rate:.0f} B/s outside its interval [{low:.0f}, {high:.0f}]")

    # The reports' rate tile and Trend row call a rate significant when its interval excludes zero, either
    # way; the summary beside them may not say otherwise (a fall read "flat (-147 MB/h, not significant)").
    if (low > 0 or high < 0) and "not significant" in summary:
        problems.append(f"summary says 'not significant' of a rate whose interval [{low:.0f}, {high:.0f}] B/s excludes zero")

    if verdict.get("decided") is False:
        if leak:
            problems.append("decided=false with leak=true")
        watch = verdict.get("watch_more_s")
        if watch is None or not watch > 0:
            problems.append(f"decided=false without a positive watch_more_s ({watch})")
    return problems
