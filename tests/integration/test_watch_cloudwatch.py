"""The metric watcher against a fake CloudWatch GetMetricData endpoint that checks every
request's SigV4 signature with botocore: history over many pages, throttling retried, a
spike that opens an incident and clears it, and a wrong secret refused and counted."""
import time

import pytest

from conftest import WAIT_S
from watch_parts import FakeCloudWatch, metric_value

AK, SK, TOK = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FQoGZXIvYXdzEXAMPLE//token"

WATCH = """\
rules:
  - name: app-latency
    cloudwatch: {region: us-east-1, namespace: Custom/App, metric: Latency,
                 dimensions: {Service: checkout}, stat: Average, period: 1}
    every: 1s
    history: 10m
    severity: sev2
    labels: {alertname: LatencyAnomaly}
    threshold: 0.99
    resolve_after: 3
"""


@pytest.fixture
def cw():
    f = FakeCloudWatch(AK, SK, TOK, "us-east-1", page=100)
    yield f
    f.close()


def start(healer, cw, tmp_path, secret=SK):
    watch = tmp_path / "watch.yaml"
    watch.write_text(WATCH)
    return healer(HEALER_WATCH=str(watch), AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=secret,
                  AWS_SESSION_TOKEN=TOK, AWS_ENDPOINT_URL_CLOUDWATCH=cw.url)


def test_signed_paginated_throttled_and_a_spike_opens_and_clears(healer, cw, tmp_path):
    cw.throttles = [400, 429]  # the first two answers: retried with backoff
    d = start(healer, cw, tmp_path)

    def learned():
        m = d.get("/metrics").text
        ok = metric_value(m, "healer_watch_last_success_timestamp_seconds", 'rule="app-latency"')
        return m if ok and ok > 0 else None

    m = d.wait_for(learned, "the history to be read", timeout=WAIT_S)
    assert metric_value(m, "healer_watch_series", 'rule="app-latency"') == 1
    assert metric_value(m, "healer_watch_errors_total", 'rule="app-latency"') is None
    seen = cw.seen()
    assert [s[0] for s in seen[:2]] == [400, 429], seen[:3]
    assert all(s[0] != 403 for s in seen), [s for s in seen if s[0] == 403]
    # 10 minutes at 1 s, 100 points a page: the history took at least 6 pages
    pages = [s for s in seen if s[0] == 200 and s[1].get("NextToken")]
    assert len(pages) >= 5, len(pages)
    q = seen[2][1]
    assert q["ScanBy"] == "TimestampAscending"
    metric = q["MetricDataQueries"][0]["MetricStat"]
    assert metric["Metric"] == {"Namespace": "Custom/App", "MetricName": "Latency",
                                "Dimensions": [{"Name": "Service", "Value": "checkout"}]}
    assert metric["Stat"] == "Average" and metric["Period"] == 1
    assert d.incidents() == []

    cw.spike_from = int(time.time()) + 1
    lst = d.wait_for(lambda: d.incidents(), "an anomaly incident", timeout=WAIT_S)
    v = d.view(lst[0]["key"])
    assert v["source"] == "anomaly" and v["severity"] == "sev2"
    assert v["labels"]["Service"] == "checkout" and v["labels"]["alertname"] == "LatencyAnomaly"
    assert v["resource"] == "app-latency"
    assert v["annotations"]["metric"] == "Custom/App Latency Average (period 1s)"
    assert float(v["annotations"]["value"]) == 500
    assert v["state"] == "needs_attention"  # no runbook matches

    cw.spike_from = None
    v = d.wait_for(lambda: (lambda x: x if x["state"] == "closed" else None)(d.view(lst[0]["key"])),
                   "the incident to close when the series is normal again", timeout=30)
    assert v["alert_cleared"] is True
    assert v["outcome"] == "Closed: the alert cleared before anything ran"
    assert all(s[0] != 403 for s in cw.seen())


def test_wrong_secret_is_refused_and_counted(healer, cw, tmp_path):
    d = start(healer, cw, tmp_path, secret="not-the-secret")

    def errors():
        m = d.get("/metrics").text
        e = metric_value(m, "healer_watch_errors_total", 'rule="app-latency"')
        return m if e and e >= 1 else None

    m = d.wait_for(errors, "the signature error to be counted", timeout=WAIT_S)
    assert metric_value(m, "healer_watch_last_success_timestamp_seconds",
                        'rule="app-latency"') == 0
    assert cw.seen()[0][0] == 403 and cw.seen()[0][2] == "signature mismatch"
    log = d.log_tail(200)
    assert "watch app-latency: CloudWatch: HTTP 403 SignatureDoesNotMatch" in log, log
    assert "not-the-secret" not in log


def test_search_expression_follows_each_metric(healer, cw, tmp_path):
    watch = tmp_path / "watch.yaml"
    watch.write_text("""\
rules:
  - name: fleet-cpu
    cloudwatch: {expression: "SEARCH('{AWS/EC2,InstanceId} MetricName=\\"CPUUtilization\\"', 'Average', 60)",
                 period: 60}
    every: 1s
    history: 1h
""")
    d = healer(HEALER_WATCH=str(watch), AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK,
               AWS_SESSION_TOKEN=TOK, AWS_ENDPOINT_URL_CLOUDWATCH=cw.url, AWS_REGION="us-east-1")
    d.wait_for(lambda: metric_value(d.get("/metrics").text, "healer_watch_series",
                                    'rule="fleet-cpu"') == 2, "one series per metric found")
    q = [s[1] for s in cw.seen() if s[0] == 200][0]["MetricDataQueries"][0]
    assert q["Expression"].startswith("SEARCH('{AWS/EC2,InstanceId}") and q["Period"] == 60, q
    assert "MetricStat" not in q
