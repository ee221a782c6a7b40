"""Log context end to end: when an incident opens, the log sources of the watch file (a fake
Loki, a fake OpenSearch, a fake CloudWatch Logs that checks SigV4 with botocore) are queried
around its start; the errors and warnings appear as templates with counts in the view
(log_context), on the timeline and the card, and as the analysis's evidence. A slow source
never holds the decision beyond its timeout; check-config names errors by file:line."""
import subprocess
import time
from datetime import datetime, timezone

import pytest

from conftest import HEALER, am_alert
from fake_logs import AWS_KEY, AWS_SECRET, OS_API_KEY, FakeLogs

RUNBOOKS = {
    "restart.yaml": """\
id: restart-api
title: Restart the api service
match:
  - labels: {alertname: ApiDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9-]{1,32}$', required: true}
risk: medium
cost: {usd: 0}
idempotent: true
steps:
  - {name: restart, exec: [/bin/echo, "restart {{service}}"], timeout: 10s}
""",
}

# What the services logged around the failure: offsets in ms from when the fake started.
LINES = [
    (-300000, "info", "request GET /health served in 3 ms"),
    (-240000, "error", "db: connection to 10.0.3.7:5432 refused after 250ms (attempt 1)"),
    (-180000, "error", "db: connection to 10.0.3.8:5432 refused after 251ms (attempt 2)"),
    (-120000, "error", "db: connection to 10.0.3.7:5432 refused after 249ms (attempt 3)"),
    (-110000, "warn", "pool exhausted: 32/32 connections busy for request 3f2b8c1e-9a4d-4e21-8b6f-0c5d2e7a9b10"),
    (-100000, "warn", "pool exhausted: 32/32 connections busy for request 0c5d2e7a-9a4d-4e21-8b6f-3f2b8c1e9b10"),
    (-60000, "info", "retrying in 5 s"),
    (-3600000, "error", "an error from an hour ago, outside the window"),
]


def watch(fake, timeout="5s", secret_env=True):
    return """\
rules: []   # another section of the same file, not the log context's
logs:
  - name: app
    loki: {url: "%(url)s", query: '{service="{{labels.service}}", app="{{labels.app}}"}'}
    before: 10m
    timeout: %(timeout)s
    limit: 500
  - name: search
    opensearch: {url: "%(url)s", index: "app-*", query: 'service:{{labels.service}} AND app:{{labels.app}}', api_key_env: OS_KEY}
    timeout: %(timeout)s
  - name: lambda
    cloudwatch_logs: {region: us-east-1, group: "/aws/lambda/{{labels.service}}", filter: '"{{labels.app}}"', endpoint: "%(url)s"}
    timeout: %(timeout)s
""" % {"url": fake.url, "timeout": timeout}


def api_down(app='shop"} |= "x'):
    return am_alert("ApiDown", labels={"service": "api", "app": app, "instance": "web-1",
                                       "severity": "warning"},
                    annotations={"summary": "api is down"})


@pytest.fixture
def fake():
    f = FakeLogs(list(LINES))  # tests add lines of their own
    yield f
    f.close()


def start(healer, fake, tmp_path, timeout="5s", secret=AWS_SECRET):
    path = tmp_path / "watch.yaml"
    path.write_text(watch(fake, timeout))
    return healer(runbooks=RUNBOOKS, HEALER_WATCH=str(path), OS_KEY=OS_API_KEY,
                  AWS_ACCESS_KEY_ID=AWS_KEY, AWS_SECRET_ACCESS_KEY=secret)


def by_source(view):
    return {r["source"]: r for r in view["log_context"]}


def test_templates_on_view_timeline_and_card(healer, fake, tmp_path):
    d = start(healer, fake, tmp_path)
    d.alert(api_down())
    d.wait_state("INC-1", "awaiting_approval")
    v = d.view("INC-1")
    rows = by_source(v)
    assert set(rows) == {"app", "search", "lambda"}, v["log_context"]
    for name, row in rows.items():
        assert row["status"] == "ok", row
        assert row["fetch"] == "open"
        # the info lines are counted, not kept; the line from an hour ago is outside the window
        assert row["lines"] == 7, row
        assert row["matched"] == 5, row
        t = {x["template"]: x for x in row["templates"]}
        prefix = "ERROR " if name == "lambda" else ""
        db = t[prefix + "db: connection to <ip> refused after <num>ms (attempt <num>)"]
        assert db["count"] == 3 and db["level"] == "error"
        assert db["first_seen"] < db["last_seen"]
        pool = t[prefix.replace("ERROR", "WARN") + "pool exhausted: <num>/<num> connections busy for request <uuid>"]
        assert pool["count"] == 2
        assert row["templates"][0] is not None and row["templates"][0]["count"] == 3
    # the timeline (and so every chat thread) carries the summary with the counts
    msgs = [r["message"] for r in v["timeline"] if r["kind"] == "logs.context"]
    assert any(m.startswith("logs: app: 5 errors/warnings in 7 lines") and
               "3× db: connection to <ip> refused after <num>ms (attempt <num>)" in m
               for m in msgs), msgs
    # the console card shows it too
    d.read_until(r"3× db: connection to <ip> refused")

    # a label cannot escape its LogQL string, nor its Lucene term
    loki = fake.seen("loki")[0]
    assert loki["query"] == '{service="api", app="shop\\"} |= \\"x"}', loki
    assert loki["direction"] == "backward" and loki["limit"] == "500"
    assert int(loki["end"]) - int(loki["start"]) >= 600 * 10**9 - 10**9
    os_req = fake.seen("opensearch")[0]
    assert os_req["_path"] == "/app-*/_search"
    assert (os_req["query"]["bool"]["filter"][1]["query_string"]["query"] ==
            'service:api AND app:shop\\"\\}\\ \\|\\=\\ \\"x')
    # CloudWatch: signed (the fake checks with botocore), paginated with nextToken
    cw = fake.seen("cloudwatch")
    assert all(r["_sig"] is None for r in cw), cw
    assert len(cw) == 3 and "nextToken" in cw[1], cw
    assert cw[0]["logGroupName"] == "/aws/lambda/api"
    assert cw[0]["filterPattern"] == '"shop\\"} |= \\"x"'


def test_evidence_for_search_and_similar(healer, fake, tmp_path):
    """The templates' words are the incident's search text: a later incident with the same
    log errors finds the earlier one as similar even with an unrelated title."""
    d = start(healer, fake, tmp_path)
    d.alert(api_down())
    d.wait_state("INC-1", "awaiting_approval")
    d.alert(am_alert("CheckoutSlow", labels={"service": "billing", "app": "store",
                                             "instance": "node7", "severity": "warning"}))
    d.wait_state("INC-2", "needs_attention")  # no runbook for it: a human looks
    v = d.view("INC-2")
    assert v["resource"] != d.view("INC-1")["resource"]
    assert [s["key"] for s in v["similar"]] == ["INC-1"], v["similar"]


def test_slow_source_never_holds_the_decision(healer, tmp_path):
    slow = FakeLogs(LINES, delay_s=8.0)
    try:
        d = start(healer, slow, tmp_path, timeout="1s")
        d.alert(api_down(app="shop"))
        d.wait_state("INC-1", "awaiting_approval", timeout=6)
        # decided while the source has not answered yet
        assert not slow.answered.is_set()
        v = d.view("INC-1")
        rows = by_source(v)
        assert rows["app"]["status"] == "timeout"
        msgs = [r["message"] for r in v["timeline"] if r["kind"] == "logs.context"]
        assert "logs: app timed out after 1 s" in msgs, msgs
        d.read_until(r"logs: app timed out after 1 s")
    finally:
        slow.close()


def test_cloudwatch_bad_signature_is_403_on_the_card(healer, fake, tmp_path):
    d = start(healer, fake, tmp_path, secret="not-the-secret")
    d.alert(api_down(app="shop"))
    d.wait_state("INC-1", "awaiting_approval")
    row = by_source(d.view("INC-1"))["lambda"]
    assert row["status"] == "error"
    assert row["error"].startswith("HTTP 403:") and "signature mismatch" in row["error"], row
    assert "not-the-secret" not in d.log_tail(400)


def test_check_config_names_errors_by_line(healer, fake, tmp_path):
    d = healer(runbooks=RUNBOOKS, start=False)
    path = tmp_path / "bad-watch.yaml"
    path.write_text("rules: []\nlogs:\n  - name: app\n    loki: {url: \"http://x\"}\n"
                    "    timeout: 2m\n")
    p = subprocess.run([str(HEALER), "check-config"], env=dict(d.env(), HEALER_WATCH=str(path)),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert "%s:4: loki: 'query' is required" % path in p.stderr, p.stderr
    assert "%s:5: timeout: must be more than 0 and at most 60 s" % path in p.stderr, p.stderr
    path.write_text(watch(fake))
    p = subprocess.run([str(HEALER), "check-config"], env=dict(d.env(), HEALER_WATCH=str(path)),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert "configuration OK" in p.stdout and str(path) in p.stdout


def test_fetched_again_once_after_has_passed(healer, fake, tmp_path):
    """`after: 2s`: the lines logged just after the start are read again once it passed."""
    path = tmp_path / "watch.yaml"
    path.write_text('logs:\n  - name: app\n    loki: {url: "%s", query: \'{service="api"}\'}\n'
                    '    after: 2s\n' % fake.url)
    d = healer(runbooks=RUNBOOKS, HEALER_WATCH=str(path))
    d.alert(api_down(app="shop"))
    d.wait_state("INC-1", "awaiting_approval")
    # a line one second after the start: in the second window, not the first
    created = datetime.strptime(d.view("INC-1")["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    created_ms = int(created.replace(tzinfo=timezone.utc).timestamp() * 1000)
    fake.lines.append((created_ms + 1000 - fake.t0, "error", "cache: node 7 evicted"))
    d.wait_for(lambda: len(d.view("INC-1")["log_context"]) == 2, "the second fetch")
    first, again = d.view("INC-1")["log_context"]
    assert (first["fetch"], again["fetch"]) == ("open", "after")
    assert again["window_start"] == first["window_start"]
    assert again["window_end"] > first["window_end"]
    assert "cache: node <num> evicted" in [t["template"] for t in again["templates"]]
    assert again["summary"].startswith("logs: app (again at +2 s): 6 errors/warnings")


def test_source_not_queried_when_the_incident_lacks_a_label(healer, fake, tmp_path):
    d = start(healer, fake, tmp_path)
    d.alert(am_alert("ApiDown", labels={"service": "api", "instance": "web-1"}))
    d.wait_state("INC-1", "awaiting_approval")
    rows = by_source(d.view("INC-1"))
    assert rows["app"]["status"] == "error"
    assert rows["app"]["summary"] == "logs: app not queried: the incident has no labels.app"
    assert rows["lambda"]["summary"] == "logs: lambda not queried: the incident has no labels.app"
    assert rows["search"]["status"] == "error"  # its query names labels.app too
    assert fake.seen("loki") == [] and fake.seen("cloudwatch") == []


def test_after_fetch_survives_a_restart(healer, fake, tmp_path):
    """A restart between the first fetch and the `after` one: the second fetch is kept in
    the store, re-armed at start, and its templates reach the view and the card."""
    path = tmp_path / "watch.yaml"
    path.write_text('logs:\n  - name: app\n    loki: {url: "%s", query: \'{service="api"}\'}\n'
                    '    after: 6s\n' % fake.url)
    d = healer(runbooks=RUNBOOKS, HEALER_WATCH=str(path))
    d.alert(api_down(app="shop"))
    d.wait_state("INC-1", "awaiting_approval")
    created = datetime.strptime(d.view("INC-1")["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    created_ms = int(created.replace(tzinfo=timezone.utc).timestamp() * 1000)
    fake.lines.append((created_ms + 1000 - fake.t0, "error", "cache: node 7 evicted"))
    assert [r["fetch"] for r in d.view("INC-1")["log_context"]] == ["open"]
    d.restart()
    assert len(fake.seen("loki")) == 1  # the second fetch is still to come
    d.wait_for(lambda: len(d.view("INC-1")["log_context"]) == 2, "the second fetch")
    first, again = d.view("INC-1")["log_context"]
    assert (first["fetch"], again["fetch"]) == ("open", "after")
    assert again["window_start"] == first["window_start"]
    assert again["window_end"] > first["window_end"]
    assert "cache: node <num> evicted" in [t["template"] for t in again["templates"]]
    d.read_until(r"again at \+6 s\)")
    d.read_until(r"1× cache: node <num> evicted")
    # done once: a second restart finds nothing due
    d.restart()
    time.sleep(1.5)
    assert len(fake.seen("loki")) == 2
