"""GET /metrics as a Prometheus server reads it: every state's gauge present (0 when empty),
the process_* set and healer_build_info, store figures read off the loop in one snapshot."""
import re
import threading
import time

from conftest import am_alert, am_payload, summary
from test_autopilot import RESTART, api_down


def samples(text):
    """{'name{labels}': value} for every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def family_sum(s, name):
    return sum(v for k, v in s.items() if k == name or k.startswith(name + "{"))


def test_state_gauges_stay_at_zero(healer, svc):
    d = healer(runbooks={"restart.yaml": RESTART}, svc=svc)
    s = samples(d.get("/metrics").text)
    # before any incident: every state of the table is there, at 0
    for st in ("open", "awaiting_approval", "running", "resolved", "closed", "rolled_back"):
        assert s['healer_incidents{state="%s"}' % st] == 0, st
    d.alert(api_down(svc))
    d.wait_state("INC-1", "resolved")
    s = samples(d.get("/metrics").text)
    assert s['healer_incidents{state="resolved"}'] == 1
    # the incident went through open and running: those series went back to 0, not away
    assert s['healer_incidents{state="open"}'] == 0
    assert s['healer_incidents{state="running"}'] == 0


def test_process_metrics_and_build_info(healer):
    d = healer()
    text = d.get("/metrics").text
    s = samples(text)
    version = d.cli("version").stdout.split()[-1]
    assert s['healer_build_info{version="%s"}' % version] == 1
    assert "# TYPE process_cpu_seconds_total counter" in text
    assert 1e6 < s["process_resident_memory_bytes"] < 1e9
    assert s["process_virtual_memory_bytes"] >= s["process_resident_memory_bytes"]
    assert 3 <= s["process_open_fds"] <= s["process_max_fds"]
    assert abs(s["process_start_time_seconds"] - time.time()) < 120
    assert s["process_cpu_seconds_total"] >= 0
    assert s["healer_autopilot_enabled"] == 1


def test_stats_gauges_agree_with_incident_gauges(healer, svc):
    d = healer(runbooks={"restart.yaml": RESTART}, svc=svc)
    d.alert(api_down(svc))
    d.wait_state("INC-1", "resolved")
    d.alert(am_alert("DiskFull", labels={"severity": "critical"}))
    d.wait_state("INC-2", "needs_attention")
    text = d.get("/metrics").text
    s = samples(text)
    # every incident is from the last 24 h, so both views count the same incidents
    assert family_sum(s, "healer_stats_incidents_by_state") == 2
    assert family_sum(s, "healer_incidents") == 2
    for st in ("resolved", "needs_attention"):
        assert s['healer_stats_incidents_by_state{state="%s"}' % st] == \
            s['healer_incidents{state="%s"}' % st]
    # dollars in base-unit naming
    assert 'healer_stats_cost_dollars{kind="approved"}' in s
    assert "healer_stats_usd" not in text


def test_concurrent_scrapes_all_answered(healer):
    d = healer()
    results = []

    def scrape():
        r = d.get("/metrics")
        results.append((r.status, "healer_build_info" in r.text))

    threads = [threading.Thread(target=scrape) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [(200, True)] * 12
    assert d.get("/healthz").status == 200
