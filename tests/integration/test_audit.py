"""The audit log is hash-chained: `healer audit verify` proves it intact and names the first
bad row after any row is changed or removed behind the daemon's back; `audit export` writes
JSON lines."""
import re
import sqlite3

import pytest

from conftest import am_alert

RUN = """\
id: quick-fix
title: Quick fix
match:
  - labels: {alertname: Quick}
risk: low
cost: {usd: 0}
diagnostics:
  - {name: look, exec: [/bin/echo, looked]}
steps:
  - {name: fix, exec: [/bin/echo, fixed]}
verify:
  - {name: check, exec: [/bin/true]}
"""


@pytest.fixture
def stopped(healer):
    """A daemon that handled two incidents and was stopped cleanly."""
    d = healer(runbooks={"quick.yaml": RUN})
    d.alert(am_alert("Quick", labels={"service": "a", "severity": "warning"}))
    d.wait_state("INC-1", "resolved")
    d.alert(am_alert("Quick", labels={"service": "b", "severity": "warning"}))
    d.wait_state("INC-2", "resolved")
    rc = d.stop()
    assert rc == 0
    return d


def audit_table(db):
    con = sqlite3.connect(str(db))
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    con.close()
    cand = [n for n in names if n.startswith("audit") and "fts" not in n]
    assert cand, names
    return sorted(cand, key=len)[0]


def tamper(db, sql, args=()):
    """Changes the DB the way an attacker with file access would: triggers that guard the
    table are dropped first."""
    table = audit_table(db)
    con = sqlite3.connect(str(db))
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND "
                               "tbl_name=?", (table,)).fetchall():
        con.execute('DROP TRIGGER "%s"' % name)
    cur = con.execute(sql.replace("AUDIT", '"%s"' % table), args)
    assert cur.rowcount == 1
    con.commit()
    con.close()


def test_verify_and_export(stopped):
    d = stopped
    p = d.cli("audit", "verify")
    rows = d.audit()
    assert len(rows) >= 10
    assert re.search(r"audit log intact: %d rows" % len(rows), p.stdout), p.stdout
    kinds = {r["kind"] for r in rows}
    for k in ("incident.opened", "incident.state", "policy.decision", "step.finished"):
        assert k in kinds, kinds
    for r in rows:
        assert {"id", "at", "actor", "incident", "kind", "message", "prev_hash", "hash"} <= set(r), r
    assert rows[0]["incident"] == "INC-1" and rows[0]["kind"] == "incident.opened", rows[0]
    for prev, cur in zip(rows, rows[1:]):
        assert cur["prev_hash"] == prev["hash"], (prev, cur)
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids)


def test_update_detected(stopped):
    d = stopped
    before = d.audit()
    target = before[2]["id"]
    tamper(d.db, "UPDATE AUDIT SET message = 'nothing to see here' WHERE id = ?", (target,))
    p = d.cli("audit", "verify", check=False)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    out = p.stdout + p.stderr
    assert "intact" not in out
    m = re.search(r"row (\d+)", out)
    assert m and int(m.group(1)) == target, out


def test_delete_detected(stopped):
    d = stopped
    before = d.audit()
    target = before[len(before) // 2]["id"]
    tamper(d.db, "DELETE FROM AUDIT WHERE id = ?", (target,))
    p = d.cli("audit", "verify", check=False)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    out = p.stdout + p.stderr
    m = re.search(r"row (\d+)", out)
    assert m and int(m.group(1)) == target, out
    assert "missing" in out, out
