"""The healer demo in three acts, on one machine, with no chat credentials: a demo service is
broken three ways, Alertmanager-style alerts are posted to the daemon, and the console shows
the incident cards while healer restarts (autopilot), scales out (after your approval) and
flushes a cache that does not help (verification fails, rollback runs).

Run with `make demo` (or /usr/bin/python3 demo/demo.py after `make`). Exit status 0 only when
every act reached its expected state."""
import collections
import datetime
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo_service  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HEALER = ROOT / "build" / "healer"
RUNBOOKS = ROOT / "demo" / "runbooks"
STATE = ROOT / "demo" / ".state"
ACT_TIMEOUT = 30.0
HUMAN_TIMEOUT = 600.0  # how long act 2 waits for you to type the approval
TTY = sys.stdout.isatty()


def style(code, text):
    return "\033[%sm%s\033[0m" % (code, text) if TTY else text


def say(*lines):
    for ln in lines:
        print(style("36", "│ ") + ln, flush=True)


def headline(text):
    print("\n" + style("1;36", "━━ " + text + " " + "━" * max(0, 60 - len(text))), flush=True)


class ActFailed(Exception):
    pass


class Healer:
    """build/healer serve with the demo's runbooks, its console on our stdin pipe and the
    terminal's stdout; logs (stderr) go to demo/.state/healer.log and a ring of last lines."""

    def __init__(self):
        self.token = "demo-" + secrets.token_hex(16)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(STATE),
            "LANG": "C.UTF-8",
            "TZ": os.environ.get("TZ", "UTC"),
            "HEALER_DB": str(STATE / "healer.db"),
            "HEALER_LISTEN": "127.0.0.1:0",
            "HEALER_RUNBOOKS": str(RUNBOOKS),
            "HEALER_INGEST_TOKEN": self.token,
            "HEALER_CONSOLE": "1",
            "HEALER_CONSOLE_USER": "demo",
            "HEALER_LOG_LEVEL": "info",
        }
        self.last = collections.deque(maxlen=40)
        self.port = None
        self._ready = threading.Event()
        self.proc = subprocess.Popen([str(HEALER), "serve"], cwd=str(STATE), env=self.env,
                                     stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=self._logs, daemon=True).start()
        if not self._ready.wait(15) or self.port is None:
            raise ActFailed("the daemon did not start listening")

    def _logs(self):
        with open(STATE / "healer.log", "w") as log:
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                log.write(line + "\n")
                log.flush()
                self.last.append(line)
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    self._ready.set()
        self._ready.set()

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def alert(self, alertname, severity, url, summary):
        body = {
            "version": "4", "groupKey": '{}:{alertname="%s"}' % alertname, "truncatedAlerts": 0,
            "status": "firing", "receiver": "healer", "groupLabels": {"alertname": alertname},
            "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
            "alerts": [{
                "status": "firing",
                "labels": {"alertname": alertname, "service": "demo", "severity": severity},
                "annotations": {"summary": summary, "demo_url": url},
                "startsAt": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": hashlib.sha256(alertname.encode()).hexdigest()[:16],
            }],
        }
        req = urllib.request.Request(
            "http://127.0.0.1:%d/alerts/alertmanager" % self.port, data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": "Bearer " + self.token}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                answer = json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise ActFailed("POST /alerts/alertmanager: HTTP %d %s" % (e.code, e.read()[:200]))
        if not answer.get("incidents"):
            raise ActFailed("the alert created no incident: %s" % answer)
        return answer["incidents"][0]

    def cli(self, *args):
        return subprocess.run([str(HEALER)] + list(args), cwd=str(STATE), env=self.env,
                              capture_output=True, text=True, timeout=30)

    def view(self, key):
        p = self.cli("incidents", "show", key, "--json")
        if p.returncode != 0:
            return None
        try:
            return json.loads(p.stdout)
        except ValueError:
            return None

    def wait_state(self, key, state, timeout=ACT_TIMEOUT):
        deadline = time.monotonic() + timeout
        v = None
        while time.monotonic() < deadline:
            v = self.view(key)
            if v and v.get("state") == state:
                return v
            if self.proc.poll() is not None:
                raise ActFailed("the daemon exited with status %d" % self.proc.returncode)
            time.sleep(0.25)
        raise ActFailed("%s did not reach %s within %.0f s (it is %s)"
                        % (key, state, timeout, v.get("state") if v else "unknown"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            self.proc.stdin.close()
        except OSError:
            pass


def service_call(url, method, path):
    req = urllib.request.Request(url + path, data=b"" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode().strip()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode().strip()


def forward_tty(h, stop):
    """Copies what the user types to the daemon's console until `stop` is set."""
    while not stop.is_set():
        line = sys.stdin.readline()
        if not line:
            return
        if not stop.is_set():
            h.send(line.rstrip("\n"))


def act1(h, url):
    headline("Act 1 — the service crashes")
    service_call(url, "POST", "/break?mode=crash")
    say("We crash the demo service: GET /health now answers %d %r." % service_call(url, "GET", "/health"),
        "Alertmanager fires DemoServiceDown. Runbook demo-restart is low risk and free, so the",
        "policy lets autopilot restart the service and verify it through /health.")
    key = h.alert("DemoServiceDown", "critical", url, "demo service is not answering")
    v = h.wait_state(key, "resolved")
    if not v["action"] or not v["action"]["autopilot"]:
        raise ActFailed("%s was resolved but not by autopilot" % key)
    say(style("32", "✔ %s resolved by autopilot; /health answers %d %r."
              % ((key,) + service_call(url, "GET", "/health"))))
    return key


def act2(h, url):
    headline("Act 2 — latency climbs; scaling out costs money")
    service_call(url, "POST", "/break?mode=overload")
    say("We overload the service and Alertmanager fires DemoHighLatency.",
        "Runbook demo-scale-out adds 2 replicas for a day: $0.384/h × 3 × 24 h. That is above",
        "the $20 autopilot limit and medium risk, so healer asks a human first.")
    key = h.alert("DemoHighLatency", "warning", url, "p99 latency above 2 s")
    v = h.wait_state(key, "awaiting_approval")
    a = v["action"]
    say("Estimated cost: $%.2f (%s); risk %d (%s)."
        % (a["cost_usd"], a["cost_formula"], a["risk_score"], a["risk_level"]),
        "Policy: %s" % a["decision_reason"])
    if sys.stdin.isatty():
        say(style("1;33", "Type:  approve %s   (you are console:demo, a lead)" % key))
        stop = threading.Event()
        threading.Thread(target=forward_tty, args=(h, stop), daemon=True).start()
        try:
            h.wait_state(key, "resolved", timeout=HUMAN_TIMEOUT)
        finally:
            stop.set()
    else:
        say("stdin is not a terminal: the demo approves as console:demo itself.")
        h.send("approve %s" % key)
        h.wait_state(key, "resolved")
    say(style("32", "✔ %s approved, scaled out and verified; /health answers %d %r."
              % ((key,) + service_call(url, "GET", "/health"))))
    return key


def act3(h, url):
    headline("Act 3 — the usual fix does not work")
    service_call(url, "POST", "/break?mode=stale-cache")
    say("The service serves stale data; Alertmanager fires DemoStaleCache.",
        "Runbook demo-flush-cache is free and low risk, so autopilot flushes the cache — but the",
        "health check still fails, so healer marks it failed and runs the rollback.")
    key = h.alert("DemoStaleCache", "warning", url, "responses are stale")
    v = h.wait_state(key, "rolled_back")
    rb = [s for s in v["step_runs"] if s["phase"] == "rollback"]
    if not rb or any(s["status"] != "ok" for s in rb):
        raise ActFailed("%s rolled back but its rollback steps did not all succeed" % key)
    say(style("33", "✔ %s verification failed and the rollback ran; it now waits for a human."
              % key))
    return key


def seconds_between(a, b):
    if not a or not b:
        return None
    f = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (f(b) - f(a)).total_seconds()


def fmt_duration(s):
    if s is None:
        return "-"
    return "%d ms" % round(s * 1000) if s < 1 else "%.1f s" % s


def summary(h, keys):
    headline("Audit and summary")
    p = h.cli("audit", "verify")
    say((p.stdout + p.stderr).strip() or "(no output)")
    if p.returncode != 0:
        raise ActFailed("healer audit verify exited %d" % p.returncode)
    rows = [("incident", "runbook", "state", "decision", "cost", "duration")]
    for key in keys:
        v = h.view(key) or {}
        a = v.get("action") or {}
        d = seconds_between(v.get("created_at"), v.get("resolved_at"))
        rows.append((key, a.get("runbook") or "-", v.get("state", "?"), a.get("decision") or "-",
                     "$%.2f" % a["cost_usd"] if a.get("cost_usd") is not None else "-",
                     fmt_duration(d)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        line = "  ".join(c.ljust(w) for c, w in zip(r, widths))
        print("  " + (style("1", line) if i == 0 else line), flush=True)


def main():
    if not HEALER.exists():
        print("build/healer is missing: run make first", file=sys.stderr)
        return 1
    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir(parents=True)
    srv, _, url = demo_service.start()
    h = None
    act = "start-up"
    try:
        headline("healer demo")
        say("Demo service on %s; healer's console below shows every incident card." % url,
            "State in %s (daemon log: healer.log)." % STATE.relative_to(ROOT))
        h = Healer()
        say("healer listening on 127.0.0.1:%d with the runbooks in demo/runbooks/." % h.port)
        keys = []
        for act, fn in (("act 1", act1), ("act 2", act2), ("act 3", act3)):
            keys.append(fn(h, url))
        act = "summary"
        summary(h, keys)
        print(style("1;32", "\nAll three acts reached their expected states."), flush=True)
        return 0
    except ActFailed as e:
        print(style("1;31", "\nDEMO FAILED in %s: %s" % (act, e)), file=sys.stderr, flush=True)
        if h is not None:
            print("last daemon log lines:", file=sys.stderr)
            for ln in h.last:
                print("  " + ln, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if h is not None:
            h.stop()
        srv.shutdown()
        srv.server_close()


if __name__ == "__main__":
    sys.exit(main())
