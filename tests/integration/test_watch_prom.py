"""The metric watcher against a real Prometheus: history backfilled with promtool (no cold
start), a live exporter scraped every second, a spike that opens an `anomaly` incident, a
runbook that fixes it on autopilot, and the alert clearing once the series is normal again."""
import json
import time

import pytest

from conftest import WAIT_S
from watch_parts import Exporter, Prometheus, metric_value

FIX = """\
id: fix-latency
title: Bring checkout latency back
description: |
  Flushes the checkout service's slow path when its latency jumps.
match:
  - labels: {alertname: LatencyAnomaly, service: checkout}
risk: low
blast_radius: 1
cost: {usd: 0}
idempotent: true
steps:
  - {name: fix, http: {method: POST, url: "@EXP@/fix", expect_status: 200}, timeout: 10s}
verify:
  - {name: healthy, http: {url: "@EXP@/healthy", expect_status: 200}, retries: 5, interval: 500ms}
rollback: []
"""

WATCH = """\
rules:
  - name: checkout-latency
    prometheus: {url: "@PROM@", query: 'checkout_latency{job="checkout"}'}
    every: 1s
    history: 20m
    severity: sev3
    labels: {alertname: LatencyAnomaly, service: checkout}
    threshold: 0.99
    resolve_after: 3
    timeout: 5s
"""


@pytest.fixture
def exporter():
    e = Exporter("checkout_latency", normal=50.0, noise=1.0)
    yield e
    e.close()


@pytest.fixture
def prom(tmp_path, exporter):
    p = Prometheus(tmp_path / "prom", exporter, job="checkout", history_s=1800)
    yield p
    p.close()


def wait(pred, desc, d, timeout=WAIT_S):
    return d.wait_for(pred, desc, timeout=timeout)


def test_spike_opens_incident_autopilot_fixes_and_alert_clears(healer, exporter, prom, tmp_path):
    # Prometheus has the live series before healer starts
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not prom.query('checkout_latency{job="checkout"}'):
        time.sleep(0.2)
    watch = tmp_path / "watch.yaml"
    watch.write_text(WATCH.replace("@PROM@", prom.url))
    d = healer(runbooks={"fix.yaml": FIX}, subst={"EXP": exporter.url},
               HEALER_WATCH=str(watch))

    def watching():
        m = d.get("/metrics").text
        ok = metric_value(m, "healer_watch_last_success_timestamp_seconds",
                          'rule="checkout-latency"')
        return m if ok and ok > 0 else None

    m = wait(watching, "the first successful watch query", d)
    assert metric_value(m, "healer_watch_series", 'rule="checkout-latency"') == 1
    time.sleep(2)  # a few live points at the normal level open nothing
    assert d.incidents() == [], d.log_tail()

    # the spike, seconds after start: the detector learned from the backfilled history
    exporter.value = 500
    lst = wait(lambda: d.incidents(), "an anomaly incident", d)
    assert len(lst) == 1, lst
    inc = lst[0]["key"]
    v = d.wait_state(inc, "resolved", timeout=40)
    assert v["source"] == "anomaly"
    assert v["severity"] == "sev3"
    assert v["fingerprint"].startswith("watch:checkout-latency{")
    lab = v["labels"]
    assert lab["alertname"] == "LatencyAnomaly" and lab["service"] == "checkout", lab
    assert lab["job"] == "checkout" and lab["watch_rule"] == "checkout-latency", lab
    an = v["annotations"]
    assert an["metric"] == 'checkout_latency{job="checkout"}', an
    assert float(an["value"]) == 500, an
    lo, hi = (float(x) for x in an["expected_range"].split("–"))
    assert lo < 55 and hi < 100 and lo < float(an["expected"]) < hi, an
    assert an["sparkline"].endswith("█") and set(an["sparkline"]) <= set("▁▂▃▄▅▆▇█ "), an
    assert float(an["anomaly_score"]) >= 0.99, an
    # every card shows the metric: the title carries the value, expected range and sparkline
    assert "500" in v["title"] and an["sparkline"] in v["title"], v["title"]
    assert v["action"]["runbook"] == "fix-latency" and v["action"]["autopilot"] is True
    assert v["action"]["status"] == "succeeded"
    assert exporter.fixes == 1

    # back to normal for resolve_after intervals: the anomaly alert clears
    v = wait(lambda: (lambda x: x if x["alert_cleared"] else None)(d.view(inc)),
             "the anomaly alert to clear", d, timeout=40)
    assert any("resolved at the source" in t["message"] for t in v["timeline"]), v["timeline"]
    assert len(d.incidents()) == 1  # the clear opened nothing

    # time to detect: first anomalous point → incident, in stats and /metrics
    s = d.cli_json("stats", "--json")
    ttd = s["time_to_detect_s"]
    assert ttd["count"] == 1 and 0 <= ttd["mean"] < 15, ttd
    assert "Time to detect:" in d.cli("stats").stdout
    # /metrics computes the figures at most once a minute: a restart shows them now; the
    # restarted watcher learns the spike as history and opens nothing new
    d.restart()
    m = d.get("/metrics").text
    assert metric_value(m, "healer_time_to_detect_seconds_count") == 1, m
    assert metric_value(m, "healer_watch_errors_total", 'rule="checkout-latency"') is None
    wait(watching, "the restarted watcher's first query", d)
    assert len(d.incidents()) == 1


def test_failing_source_is_counted_and_does_not_stop_the_others(healer, exporter, prom, tmp_path):
    dead = "http://127.0.0.1:9"  # discard port: connection refused
    watch = tmp_path / "watch.yaml"
    watch.write_text(WATCH.replace("@PROM@", prom.url) + """\
  - name: broken
    prometheus: {url: "%s", query: up}
    every: 1s
    history: 0s
""" % dead)
    d = healer(HEALER_WATCH=str(watch))

    def both():
        m = d.get("/metrics").text
        errs = metric_value(m, "healer_watch_errors_total", 'rule="broken"')
        ok = metric_value(m, "healer_watch_last_success_timestamp_seconds",
                          'rule="checkout-latency"')
        return m if errs and errs >= 2 and ok and ok > 0 else None

    m = wait(both, "errors on the broken rule and success on the good one", d)
    assert metric_value(m, "healer_watch_last_success_timestamp_seconds", 'rule="broken"') == 0
    assert "watch broken: Prometheus http://127.0.0.1:9" in d.log_tail(200)
