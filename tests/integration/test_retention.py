"""HEALER_ALERT_RETENTION: the alert rows of incidents finished longer ago than the retention
are deleted by a timer in small batches; the incident, its timeline and the audit chain stay."""
import re
import sqlite3
import time

from conftest import am_alert


def db_count(d, sql):
    con = sqlite3.connect("file:%s?mode=ro" % d.db, uri=True, timeout=10)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_finished_incidents_lose_their_alert_rows(healer):
    d = healer(HEALER_ALERT_RETENTION="2s")
    d.alert(am_alert("Noise", labels={"service": "x"}))
    d.alert(am_alert("Noise", status="resolved", labels={"service": "x"}))
    d.wait_state("INC-1", "closed")
    d.alert(am_alert("StillOpen", labels={"service": "y"}))
    assert db_count(d, "SELECT count(*) FROM alerts") == 3
    d.wait_for(lambda: db_count(d, "SELECT count(*) FROM alerts") == 1,
               "the closed incident's alert rows pruned", timeout=30)
    assert db_count(d, "SELECT count(*) FROM alerts a JOIN incidents i ON i.id = a.incident_id"
                       " WHERE i.state = 'closed'") == 0
    v = d.view("INC-1")
    assert v["state"] == "closed" and v["title"]
    assert db_count(d, "SELECT count(*) FROM incidents") == 2
    assert any(r["kind"] == "incident.opened" for r in d.audit())
    p = d.cli("audit", "verify")
    assert re.search(r"audit log intact", p.stdout), p.stdout
    assert 'healer_alerts_pruned_total 2' in d.get("/metrics").text


def test_zero_keeps_alert_rows(healer):
    d = healer(HEALER_ALERT_RETENTION="0")
    d.alert(am_alert("Noise", labels={"service": "x"}))
    d.alert(am_alert("Noise", status="resolved", labels={"service": "x"}))
    d.wait_state("INC-1", "closed")
    time.sleep(3)  # longer than a 2s retention would take to prune
    assert db_count(d, "SELECT count(*) FROM alerts") == 2
    assert "healer_alerts_pruned_total" not in d.get("/metrics").text
