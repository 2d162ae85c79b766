"""leakscope.Monitor from Python: pushed and sampled gauges, findings through the callback."""
import threading

import leakscope


def test_growing_gauge_gives_a_gradual_growth_finding():
    monitor = leakscope.Monitor(watch_rss=False)
    heard = []
    monitor.on_finding(heard.append)
    cache = monitor.gauge("cache.users", limit_bytes=1e9)
    for minute in range(120):
        cache.observe_at(60.0 * minute, 1e6 + 50e3 * minute, float(minute))
    findings = monitor.analyze_now()
    kinds = {f["kind"] for f in findings}
    assert "gradual_growth" in kinds, findings
    assert heard and heard[0]["gauge"] == "cache.users"
    status = {s["name"]: s for s in monitor.status()}
    assert status["cache.users"]["leak"] is True


def test_sampler_runs_on_the_monitor_thread_with_the_gil():
    calls = []
    monitor = leakscope.Monitor(watch_rss=False, sample_interval_s=0.01, analysis_interval_s=10)
    monitor.gauge("queue", sampler=lambda: (calls.append(threading.get_ident()) or 1000.0, 3))
    with monitor:
        deadline = threading.Event()
        for _ in range(200):
            if len(calls) >= 3:
                break
            deadline.wait(0.01)
    assert not monitor.running
    assert len(calls) >= 3
    assert threading.get_ident() not in calls


def test_a_failing_sampler_loses_only_its_sample():
    monitor = leakscope.Monitor(watch_rss=False)
    monitor.gauge("broken", sampler=lambda: 1 / 0)
    monitor.sample_now()
    assert [s["name"] for s in monitor.status()] == ["broken"]
