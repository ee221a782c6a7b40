"""End-to-end fixtures: the real build/healer daemon on 127.0.0.1:0 with a temp DB and a temp
runbooks dir written by each test, a console user on its stdin/stdout, a small stdlib HTTP
service for http steps, and helpers that look at what a user would see (HTTP answers, the
CLI's view JSON, the audit log, console text). Every wait polls with a generous deadline;
nothing relies on a fixed sleep for correctness."""
import hashlib
import http.client
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEALER = REPO / "build" / "healer"
BIN = Path(__file__).resolve().parent / "bin"
PY = "/usr/bin/python3"
TOKEN = "test-ingest-token-0123456789"
WAIT_S = 20.0  # deadline for anything the daemon does asynchronously

# Roles used throughout: eve is an engineer, lead1/lead2 are leads, root is admin.
DEFAULT_POLICY = """\
autopilot: {max_risk: low, max_cost_usd: 20, min_confidence: 0.8, max_usd_per_day: 100}
approvals:
  low:      {roles: [any], count: 1}
  medium:   {roles: [engineer, lead, admin], count: 1}
  high:     {roles: [lead, admin], count: 1, requester_may_approve: false}
  critical: {roles: [lead, admin], count: 2, requester_may_approve: false}
approval_ttl: @TTL@
limits: {max_runs_per_hour: 100, max_concurrent: 10, cooldown_per_resource: 0s}
freeze: []
roles:
  admin:    ["console:root"]
  lead:     ["console:lead1", "console:lead2"]
  engineer: ["console:eve"]
"""


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


# ---------------------------------------------------------------- alert payloads

def am_alert(alertname, status="firing", labels=None, annotations=None,
             starts_at="2026-11-23T10:00:00Z"):
    """One Alertmanager v4 alert; fingerprint derived from the label set like Alertmanager."""
    lab = {"alertname": alertname}
    lab.update(labels or {})
    fp = hashlib.sha256(json.dumps(lab, sort_keys=True).encode()).hexdigest()[:16]
    return {
        "status": status,
        "labels": lab,
        "annotations": annotations or {},
        "startsAt": starts_at,
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else now_iso(),
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fp,
    }


def am_payload(*alerts):
    first = alerts[0]
    return {
        "version": "4",
        "groupKey": '{}:{alertname="%s"}' % first["labels"]["alertname"],
        "truncatedAlerts": 0,
        "status": first["status"],
        "receiver": "healer",
        "groupLabels": {"alertname": first["labels"]["alertname"]},
        "commonLabels": dict(first["labels"]),
        "commonAnnotations": dict(first["annotations"]),
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


# ---------------------------------------------------------------- HTTP answers

class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.text = body.decode("utf-8", "replace")
        try:
            self.json = json.loads(self.text)
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<HTTP %d %s>" % (self.status, self.text[:300])


def raw_request(port, head, body=b"", chunks=None, timeout=10.0):
    """Sends a hand-made request over a socket and reads the answer. Tolerates the server
    closing early (an oversize body is refused before it is read). Returns Resp."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(head.encode())
        try:
            if chunks is not None:
                for c in chunks:
                    s.sendall(b"%x\r\n%s\r\n" % (len(c), c))
                s.sendall(b"0\r\n\r\n")
            else:
                view = memoryview(body)
                while view:
                    n = s.send(view[:65536])
                    view = view[n:]
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
            if _http_complete(data):
                break
    finally:
        s.close()
    return _parse_raw(data)


def _http_complete(data):
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(m) and len(rest) >= int(m.group(1))


def _parse_raw(data):
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        raise AssertionError("no HTTP response; got %r" % data[:200])
    status = int(lines[0].split()[1])
    headers = []
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers.append((k.strip(), v.strip()))
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower() for k, v in headers):
        body, rest2 = b"", rest
        while rest2:
            size_s, _, rest2 = rest2.partition(b"\r\n")
            size = int(size_s.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            body, rest2 = body + rest2[:size], rest2[size + 2:]
        rest = body
    return Resp(status, headers, rest)


# ---------------------------------------------------------------- the daemon

class Daemon:
    """One build/healer serve process plus the files and env it runs with."""

    def __init__(self, root, user, env_extra):
        self.root = Path(root)
        self.runbooks = self.root / "runbooks"
        self.db = self.root / "healer.db"
        self.user = user
        self.env_extra = dict(env_extra or {})
        self.proc = None
        self.port = None
        self._out = bytearray()
        self._err = bytearray()
        self._cv = threading.Condition()
        self.cursor = 0  # read_until searches console text from here
        self.logfile = self.root / "daemon.log"
        self.args = ["serve"]  # [] tests that serve is the default

    # -- environment shared by serve and the CLI
    def env(self):
        e = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "HEALER_DB": str(self.db),
            "HEALER_LISTEN": "127.0.0.1:0",
            "HEALER_RUNBOOKS": str(self.runbooks),
            "HEALER_INGEST_TOKEN": TOKEN,
            "HEALER_CONSOLE": "1",
            "HEALER_CONSOLE_USER": self.user,
            "HEALER_LOG_LEVEL": "debug",
        }
        e.update(self.env_extra)
        return e

    def start(self, user=None, **env):
        if not HEALER.exists():
            pytest.fail("build/healer is not built (run make)")
        if user is not None:
            self.user = user
        self.env_extra.update(env)
        with self._cv:
            self.cursor = len(self._out)
            errstart = len(self._err)
        self.proc = subprocess.Popen(
            [str(HEALER)] + self.args, cwd=str(self.root), env=self.env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for stream, buf in ((self.proc.stdout, self._out), (self.proc.stderr, self._err)):
            threading.Thread(target=self._pump, args=(stream, buf), daemon=True).start()
        deadline = time.monotonic() + WAIT_S
        pat = re.compile(rb"listening on 127\.0\.0\.1:(\d+)")
        exited_at = None
        with self._cv:
            while True:
                m = pat.search(self._err, errstart)
                if m:
                    self.port = int(m.group(1))
                    return self
                if self.proc.poll() is not None:
                    if exited_at is None:
                        exited_at = time.monotonic()
                    elif time.monotonic() - exited_at > 1.0:  # let the pumps drain
                        break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cv.wait(min(left, 0.2))
        pytest.fail("daemon did not log 'listening on 127.0.0.1:<port>' (exit %r); log:\n%s"
                    % (self.proc.poll(), self.log_tail()))

    def _pump(self, stream, buf):
        with open(self.logfile, "ab") as log:
            while True:
                chunk = os.read(stream.fileno(), 65536)
                if not chunk:
                    break
                if buf is self._err:
                    log.write(chunk)
                    log.flush()
                with self._cv:
                    buf.extend(chunk)
                    self._cv.notify_all()

    def stop(self, timeout=15.0):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        p, self.proc = self.proc, None
        if p.poll() is not None:
            return p.returncode
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return None
        finally:
            if p.stdin:
                try:
                    p.stdin.close()
                except OSError:
                    pass

    def kill9(self):
        p, self.proc = self.proc, None
        p.send_signal(signal.SIGKILL)
        p.wait(15)
        try:
            p.stdin.close()
        except OSError:
            pass

    def restart(self, user=None, **env):
        rc = self.stop()
        assert rc == 0, "daemon did not exit 0 on SIGTERM (rc=%r); log:\n%s" % (rc, self.log_tail())
        return self.start(user=user, **env)

    def log_tail(self, n=60):
        with self._cv:
            text = self._err.decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-n:])

    def console_text(self):
        with self._cv:
            return self._out.decode("utf-8", "replace")

    # -- HTTP
    def request(self, method, path, body=None, token=TOKEN, headers=None, timeout=15.0):
        h = {}
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        elif isinstance(body, str):
            body = body.encode()
        if token is not None:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return Resp(r.status, r.getheaders(), r.read())
        finally:
            c.close()

    def post(self, path, body, token=TOKEN, headers=None):
        return self.request("POST", path, body, token, headers)

    def get(self, path, token=None):
        return self.request("GET", path, None, token)

    def alert(self, *alerts):
        """Posts an Alertmanager payload and asserts it was accepted; returns the JSON."""
        r = self.post("/alerts/alertmanager", am_payload(*alerts))
        assert r.status == 202, r
        return r.json

    # -- CLI
    def cli(self, *args, check=True, timeout=30):
        p = subprocess.run([str(HEALER)] + [str(a) for a in args], cwd=str(self.root),
                           env=self.env(), stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout)
        if check and p.returncode != 0:
            pytest.fail("healer %s exited %d\nstdout: %s\nstderr: %s"
                        % (" ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
        return p

    def cli_json(self, *args):
        out = self.cli(*args).stdout
        try:
            return json.loads(out)
        except ValueError:
            pytest.fail("healer %s printed no JSON: %r" % (" ".join(map(str, args)), out[:500]))

    def view(self, inc):
        return self.cli_json("incidents", "show", inc, "--json")

    def incidents(self, all=True):
        args = ["incidents", "list", "--json"] + (["--all"] if all else [])
        return self.cli_json(*args)

    def audit(self):
        """Audit rows from `healer audit export` (JSON lines)."""
        out = self.cli("audit", "export").stdout
        return [json.loads(ln) for ln in out.splitlines() if ln.strip()]

    def wait_for(self, pred, desc, timeout=WAIT_S, interval=0.2):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = pred()
            if last:
                return last
            time.sleep(interval)
        pytest.fail("timed out after %.0f s waiting for %s; daemon log:\n%s"
                    % (timeout, desc, self.log_tail()))

    def wait_state(self, inc, state, timeout=WAIT_S):
        """Polls the view until incident `inc` is in `state`; returns the view."""
        deadline = time.monotonic() + timeout
        v = None
        while time.monotonic() < deadline:
            p = self.cli("incidents", "show", inc, "--json", check=False)
            if p.returncode == 0:
                try:
                    v = json.loads(p.stdout)
                except ValueError:
                    v = None
                if v and v.get("state") == state:
                    return v
            time.sleep(0.2)
        pytest.fail("%s not %s within %.0f s; last view:\n%s\ndaemon log:\n%s"
                    % (inc, state, timeout, json.dumps(v, indent=1)[:4000], self.log_tail()))

    # -- console
    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def read_until(self, pattern, timeout=WAIT_S):
        """Waits until console output after the cursor matches; moves the cursor past it.
        Returns the re.Match (on the decoded text)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                text = self._out[self.cursor:].decode("utf-8", "replace")
                m = rx.search(text)
                if m:
                    self.cursor += len(text[:m.end()].encode("utf-8"))
                    return m
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cv.wait(min(left, 0.2))
        tail = self._out[self.cursor:].decode("utf-8", "replace")
        pytest.fail("console never printed /%s/ within %.0f s; console since cursor:\n%s\n"
                    "daemon log:\n%s" % (pattern, timeout, tail[-4000:], self.log_tail()))

    def mark(self):
        """Moves the console cursor to the end: later reads see only new output."""
        with self._cv:
            self.cursor = len(self._out)


def audit_kinds(rows, incident=None):
    return [r.get("kind") for r in rows if incident is None or r.get("incident") == incident]


# ---------------------------------------------------------------- fixtures

def write_text(path, text, subst):
    text = textwrap.dedent(text)
    for k, v in subst.items():
        text = text.replace("@%s@" % k, str(v))
    Path(path).write_text(text)


@pytest.fixture
def healer(tmp_path):
    """Factory: healer(runbooks={"x.yaml": text}, policy=None, user="alice", ttl="30m",
    start=True, **env) → Daemon. Runbook/policy text may use @PY@ @BIN@ @TMP@ @SVC@ and
    any extra @KEY@ given in subst={...}."""
    made = []

    def make(runbooks=None, policy=None, user="alice", ttl="30m", start=True, subst=None,
             svc=None, **env):
        root = tmp_path / ("d%d" % len(made))
        root.mkdir()
        d = Daemon(root, user, env)
        d.runbooks.mkdir()
        s = {"PY": PY, "BIN": BIN, "TMP": root, "TTL": ttl}
        if svc is not None:
            s["SVC"] = svc.url
        s.update(subst or {})
        for name, text in (runbooks or {}).items():
            write_text(d.runbooks / name, text, s)
        write_text(d.runbooks / "policy.yaml", policy if policy is not None else DEFAULT_POLICY, s)
        made.append(d)
        if start:
            d.start()
        return d

    yield make
    for d in made:
        d.stop()


class FakeService:
    """A tiny HTTP service for http steps: records every request; answers per path."""

    def __init__(self):
        self.requests = []
        self.routes = {}  # (method, path) → (status, body)
        self.lock = threading.Lock()
        svc = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                path = self.path.split("?")[0]
                with svc.lock:
                    svc.requests.append((self.command, self.path, body.decode("utf-8", "replace")))
                    st, text = svc.routes.get((self.command, path), (200, "ok"))
                    if callable(text):
                        st, text = text(self.path, body)
                data = text.encode()
                self.send_response(st)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def route(self, method, path, status=200, body="ok"):
        with self.lock:
            self.routes[(method, path)] = (status, body)

    def seen(self, method, path):
        with self.lock:
            return [r for r in self.requests if r[0] == method and r[1].split("?")[0] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def svc():
    s = FakeService()
    yield s
    s.close()


def summary(answer):
    """The three keys of a 202 answer the contract fixes (the daemon may add more)."""
    return {k: answer.get(k) for k in ("accepted", "duplicates", "incidents")}
