"""The metric watcher against a real Prometheus: history backfilled with promtool (no cold
start), a live exporter scraped every second, a spike that opens an `anomaly` incident, a
runbook that fixes it on autopilot, and the alert clearing once the series is normal again."""
import json
import re
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
    unit: ms
"""


@pytest.fixture
def exporter():
    e = Exporter("checkout_latency", normal=50.0, noise=1.0)
    yield e
    e.close()


@pytest.fixture
def prom(tmp_path, exporter):
    p = Prometheus(tmp_path / "prom", exporter, job="checkout", history_s=1800, step_s=1)
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
    # the value stays a number for machines; people read it in the rule's unit
    assert float(an["value"]) == 500 and an["value_text"] == "500 ms", an
    lo, hi = (float(x.removesuffix(" ms")) for x in an["expected_range"].split("–"))
    assert lo < 55 and hi < 100 and lo < float(an["expected"]) < hi, an
    assert an["sparkline"].endswith("█") and set(an["sparkline"]) <= set("▁▂▃▄▅▆▇█ "), an
    assert float(an["anomaly_score"]) >= 0.99, an
    # the alert says why it fired: a spike, how many usual deviations above which forecast
    assert an["anomaly_reason"] == "spike", an
    why = re.fullmatch(r"jumped to 500 ms — ([\d.]+)× its usual deviation above the forecast "
                       r"([\d.]+) ms \(expected %s\)" % re.escape(an["expected_range"]),
                       an["summary"][len(an["series"]) + 1:])
    assert an["summary"].startswith(an["series"] + " ") and why, an
    assert float(why[1]) >= 5 and abs(float(why[2]) - float(an["expected"])) < 0.1, an  # three digits
    # every card shows the metric and the reason: the title carries them with the sparkline
    assert v["title"].startswith("checkout-latency jumped to 500 ms — "), v["title"]
    assert an["sparkline"] in v["title"] and an["expected_range"] in v["title"], v["title"]
    d.read_until(r"(?s)INC-1 .*jumped to 500 ms .*%s" % re.escape(an["sparkline"]))  # the console's card
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


def test_auth_from_env_and_vanished_series_expire(healer, tmp_path):
    import base64
    import random
    from watch_parts import FakePrometheus

    rng = random.Random(3)
    spiking = set()

    def value(labels, t):
        return 500.0 if labels["i"] in spiking else 10.0 + rng.uniform(-0.5, 0.5)

    basic = "Basic " + base64.b64encode(b"watcher:pa55").decode()
    fake = FakePrometheus([{"__name__": "load", "i": "a"}, {"__name__": "load", "i": "b"}], value,
                          accept={"Bearer s3cret-token", basic})
    try:
        watch = tmp_path / "watch.yaml"
        watch.write_text("""\
rules:
  - name: load
    prometheus: {url: "%s/", query: load, bearer_token_env: PROM_TOKEN}
    every: 1s
    history: 10m
    labels: {alertname: LoadAnomaly}
    resolve_after: 2
  - name: load-basic
    prometheus: {url: "%s", query: load, basic_auth_env: PROM_BASIC}
    every: 1s
    history: 1m
""" % (fake.url, fake.url))
        d = healer(HEALER_WATCH=str(watch), PROM_TOKEN="s3cret-token", PROM_BASIC="watcher:pa55")

        def series(n):
            def f():
                m = d.get("/metrics").text
                return m if metric_value(m, "healer_watch_series", 'rule="load"') == n else None
            return f

        def both_rules(n):
            # the rules' first jobs run independently: wait for each
            def f():
                m = d.get("/metrics").text
                return m if all(metric_value(m, "healer_watch_series", 'rule="%s"' % r) == n
                                for r in ("load", "load-basic")) else None
            return f

        m = d.wait_for(both_rules(2), "two series for each rule")
        seen = fake.seen()
        assert {a for _, a in seen} == {"Bearer s3cret-token", basic}, seen[:4]
        mine = [p for p, a in seen if a == "Bearer s3cret-token"]
        # the width first (to size the history's chunks), then the history at the interval
        assert mine[0].startswith("/api/v1/query?query=count%28load%29&"), mine[:2]
        assert mine[1].startswith("/api/v1/query_range?query=load&") and mine[1].endswith("&step=1s")
        assert d.incidents() == []

        spiking.add("b")
        lst = d.wait_for(lambda: [i for i in d.incidents() if "LoadAnomaly" in json.dumps(
            d.view(i["key"])["labels"])], "an incident for series b")
        v = d.view(lst[0]["key"])
        assert v["labels"]["i"] == "b" and v["fingerprint"] == 'watch:load{i="b"}', v["labels"]
        assert v["state"] == "needs_attention"

        # b vanishes from the answers while firing: forgotten after 10 intervals, its alert
        # clears (and the incident, on which nothing ran, closes)
        fake.series = [{"__name__": "load", "i": "a"}]
        d.wait_for(series(1), "series b to expire", timeout=40)
        v = d.wait_for(lambda: (lambda x: x if x["alert_cleared"] else None)(d.view(lst[0]["key"])),
                       "b's alert to clear")
        assert v["state"] == "closed", v["state"]
        log = d.log_tail(400)
        assert "s3cret-token" not in log and "pa55" not in log
    finally:
        fake.close()


def test_a_slow_source_does_not_hold_up_the_others(healer, tmp_path):
    from watch_parts import FakePrometheus

    slow = FakePrometheus([{"i": "s"}], lambda s, t: 1.0)
    slow.delay = 4.0
    fast = FakePrometheus([{"i": "f"}], lambda s, t: 1.0)
    try:
        watch = tmp_path / "watch.yaml"
        watch.write_text("""\
rules:
  - name: slow
    prometheus: {url: "%s", query: x}
    every: 1s
    history: 0s
    timeout: 3s
  - name: fast
    prometheus: {url: "%s", query: x}
    every: 1s
    history: 0s
""" % (slow.url, fast.url))
        d = healer(HEALER_WATCH=str(watch))
        t0 = time.monotonic()
        d.wait_for(lambda: len([p for p, _ in fast.seen() if p.startswith("/api/v1/query?")]) >= 5,
                   "five queries of the fast rule", timeout=WAIT_S)
        # five 1 s intervals while every slow request hangs until its 3 s timeout
        assert time.monotonic() - t0 < 10
        m = d.get("/metrics").text
        assert metric_value(m, "healer_watch_last_success_timestamp_seconds", 'rule="slow"') == 0
        d.wait_for(lambda: metric_value(d.get("/metrics").text, "healer_watch_errors_total",
                                        'rule="slow"'), "the slow rule's timeout counted")
        assert "watch slow: Prometheus %s" % slow.url in d.log_tail(200)
    finally:
        slow.close()
        fast.close()


def test_episodes_open_at_a_restart_still_clear(healer, tmp_path):
    import random
    from watch_parts import FakePrometheus

    rng = random.Random(9)
    spiking = set()
    fake = FakePrometheus([{"i": "x"}, {"i": "y"}],
                          lambda s, t: 500.0 if s["i"] in spiking else 10 + rng.uniform(-0.5, 0.5))
    try:
        watch = tmp_path / "watch.yaml"
        watch.write_text("""\
rules:
  - name: qd
    prometheus: {url: "%s", query: queue_depth}
    every: 1s
    history: 10m
    labels: {alertname: QueueAnomaly}
    resolve_after: 2
""" % fake.url)
        d = healer(HEALER_WATCH=str(watch))
        d.wait_for(lambda: metric_value(d.get("/metrics").text, "healer_watch_series",
                                        'rule="qd"') == 2, "two series")
        spiking.update({"x", "y"})
        d.wait_for(lambda: len(d.incidents()) == 2, "two anomaly incidents")
        keys = {d.view(i["key"])["labels"]["i"]: i["key"] for i in d.incidents()}

        # healer stops mid-episode; meanwhile x is back to normal and y is gone
        assert d.stop() == 0
        spiking.clear()
        fake.series = [{"i": "x"}]
        d.start()
        for name in ("x", "y"):
            v = d.wait_for(lambda: (lambda v: v if v["alert_cleared"] else None)(d.view(keys[name])),
                           "%s's alert to clear after the restart" % name)
            assert v["state"] == "closed", (name, v["state"])
        assert "qd: 2 anomaly episode(s) still open, resumed" in d.log_tail(300)
        assert len(d.incidents()) == 2
    finally:
        fake.close()
