"""Real parts for the metric watcher's tests: Debian's Prometheus on a free loopback port with
a backfilled TSDB, a tiny exporter whose value the test sets, and a fake CloudWatch
GetMetricData endpoint that checks every request's SigV4 signature with botocore's signer."""
import http.server
import json
import os
import random
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import fake_http

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Exporter:
    """Serves one gauge, `name{labels} value`, at /metrics. POST /fix sets it back to
    `normal`; GET /healthy answers 200 only while the value is normal."""

    def __init__(self, name, normal, noise=1.0):
        self.name, self.normal, self.noise = name, normal, noise
        self.value = None  # None = normal with noise
        self.rng = random.Random(7)
        self.fixes = 0
        ex = self

        class H(fake_http.Handler):
            content_type = "text/plain; version=0.0.4"

            def do_GET(self):
                if self.path.startswith("/metrics"):
                    self._send(200, "# TYPE %s gauge\n%s %s\n" % (ex.name, ex.name, ex.current()))
                elif self.path.startswith("/healthy"):
                    self._send(200 if ex.value is None else 503, "ok" if ex.value is None else "bad")
                else:
                    self._send(404, "not found")

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                if self.path.startswith("/fix"):
                    ex.value = None
                    ex.fixes += 1
                    self._send(200, "fixed")
                else:
                    self._send(404, "not found")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def current(self):
        if self.value is not None:
            return "%g" % self.value
        return "%.3f" % (self.normal + self.rng.uniform(-self.noise, self.noise))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    """build/…/prometheus with a TSDB dir backfilled by promtool from OpenMetrics text."""

    def __init__(self, root, exporter, job, history_s, step_s=5):
        self.root = Path(root)
        self.data = self.root / "tsdb"
        self.data.mkdir(parents=True)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        instance = "127.0.0.1:%d" % exporter.port
        # the backfill has the scraped series' labels: one series from history to now
        now = int(time.time())
        rng = random.Random(11)
        lines = ["# TYPE %s gauge" % exporter.name]
        for t in range(now - history_s, now - 30, step_s):
            v = exporter.normal + rng.uniform(-exporter.noise, exporter.noise)
            lines.append('%s{instance="%s",job="%s"} %.3f %d' % (exporter.name, instance, job, v, t))
        lines.append("# EOF")
        om = self.root / "history.om"
        om.write_text("\n".join(lines) + "\n")
        subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", "-q", str(om),
                        str(self.data)], check=True, capture_output=True, timeout=120)
        cfg = self.root / "prometheus.yml"
        cfg.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: %s\n"
            "    static_configs: [{targets: ['%s']}]\n" % (job, instance))
        self.log = open(self.root / "prometheus.log", "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=%s" % cfg, "--storage.tsdb.path=%s" % self.data,
             "--storage.tsdb.retention.time=30d", "--web.listen-address=127.0.0.1:%d" % self.port,
             "--web.enable-lifecycle"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(self.url + "/-/ready", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("prometheus exited: " + self.log_text())
            time.sleep(0.2)
        else:
            raise RuntimeError("prometheus not ready: " + self.log_text())

    def query(self, expr):
        u = self.url + "/api/v1/query?query=" + urllib.request.quote(expr)
        return json.loads(urllib.request.urlopen(u, timeout=5).read())["data"]["result"]

    def log_text(self):
        self.log.flush()
        return (self.root / "prometheus.log").read_text(errors="replace")[-3000:]

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def metric_value(text, name, labels=""):
    """The value of `name{labels}` in Prometheus text, or None."""
    want = name + ("{%s}" % labels if labels else "")
    for ln in text.splitlines():
        if ln.startswith(want + " "):
            return float(ln.split()[-1])
    return None


class FakeCloudWatch:
    """GetMetricData over the AWS JSON 1.0 protocol on loopback. Every request's SigV4
    signature is recomputed by botocore's SigV4Auth over the headers the request says it
    signed, with the expected credentials and the request's own X-Amz-Date; a mismatch gets
    403. Answers one metric per query: `value(t)` at every period, `page` points a page
    (NextToken), and the queued `throttles` statuses (400 ThrottlingException / 429) first."""

    TARGET = "GraniteServiceVersion20100801.GetMetricData"

    def __init__(self, access_key, secret_key, token, region, page=100):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        self.creds = Credentials(access_key, secret_key, token)
        self.region = region
        self.page = page
        self.lock = threading.Lock()
        self.requests = []   # (status, body json or None, next_token)
        self.throttles = []  # statuses to answer before real ones
        self.spike_from = None
        self.search_labels = ["i-0aaa", "i-0bbb"]
        self.rng = random.Random(5)
        fake = self

        def verify(handler, body):
            auth = handler.headers.get("Authorization", "")
            if not auth.startswith("AWS4-HMAC-SHA256 "):
                return "no SigV4 Authorization header"
            parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
            cred = parts["Credential"].split("/")
            if cred[0] != fake.creds.access_key or cred[2] != fake.region or cred[3] != "monitoring":
                return "wrong credential scope %s" % parts["Credential"]
            signed = parts["SignedHeaders"].split(";")
            for need in ("host", "x-amz-date", "x-amz-target", "content-type"):
                if need not in signed:
                    return "%s is not signed" % need
            if fake.creds.token and "x-amz-security-token" not in signed:
                return "the session token is not signed"
            headers = {h: handler.headers[h] for h in signed}
            url = "http://%s%s" % (handler.headers["Host"], handler.path)
            req = AWSRequest(method="POST", url=url, data=body, headers=headers)
            req.context["timestamp"] = handler.headers["X-Amz-Date"]
            signer = SigV4Auth(fake.creds, "monitoring", fake.region)
            signer._modify_request_before_signing(req)
            canonical = signer.canonical_request(req)
            want = signer.signature(signer.string_to_sign(req, canonical), req)
            if want != parts["Signature"]:
                return "signature mismatch"
            return None

        class H(fake_http.Handler):
            content_type = "application/x-amz-json-1.0"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                why = verify(self, body)
                if why is None and self.headers.get("X-Amz-Target") != FakeCloudWatch.TARGET:
                    why = "unexpected X-Amz-Target %r" % self.headers.get("X-Amz-Target")
                try:
                    q = json.loads(body)
                except ValueError:
                    q = None
                with fake.lock:
                    if why is not None:
                        fake.requests.append((403, q, why))
                        return self._send(403, {"__type": "SignatureDoesNotMatch", "message": why})
                    if fake.throttles:
                        st = fake.throttles.pop(0)
                        fake.requests.append((st, q, "throttled"))
                        return self._send(st, {"__type": "ThrottlingException" if st == 400
                                               else "TooManyRequests", "message": "Rate exceeded"})
                    answer = fake.answer(q)
                    fake.requests.append((200, q, answer.get("NextToken")))
                self._send(200, answer)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def value(self, t):
        if self.spike_from is not None and t >= self.spike_from:
            return 500.0
        return 50.0 + self.rng.uniform(-1, 1)

    def answer(self, q):
        md = q["MetricDataQueries"][0]
        period = md.get("Period") or md["MetricStat"]["Period"]
        start, end = int(q["StartTime"]), int(q["EndTime"])
        now = int(time.time())
        first = -(-start // period) * period
        stamps = [t for t in range(first, min(end, now + 1), period)]
        off = int(q.get("NextToken") or 0)
        chunk = stamps[off:off + self.page]
        status = "PartialData" if off + self.page < len(stamps) else "Complete"
        # a SEARCH expression answers one result per metric found, told apart by Label
        labels = self.search_labels if "Expression" in md else [md.get("Label", "m0")]
        out = {"MetricDataResults": [{"Id": md["Id"], "Label": lab, "Timestamps": chunk,
                                      "Values": [self.value(t) for t in chunk],
                                      "StatusCode": status} for lab in labels],
               "Messages": []}
        if off + self.page < len(stamps):
            out["NextToken"] = str(off + self.page)
        return out

    def seen(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakePrometheus:
    """The two Prometheus API calls the watcher makes, over a settable list of series (label
    dicts) and `value(labels, t)`. With `accept` set, requests without one of those
    Authorization values get 401. Records (path, Authorization) of every request."""

    def __init__(self, series, value, accept=None):
        import urllib.parse
        self.series = list(series)
        self.value = value
        self.accept = accept
        self.lock = threading.Lock()
        self.requests = []
        self.times = []  # (monotonic start, end) of every answer
        self.delay = 0.0  # seconds each answer waits (a slow source)
        fake = self

        class H(fake_http.Handler):
            compact = True

            protocol_version = "HTTP/1.1"

            def do_GET(self):
                t = time.monotonic()
                try:
                    self.answer()
                finally:
                    with fake.lock:
                        fake.times.append((t, time.monotonic()))

            def answer(self):
                time.sleep(fake.delay)
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                auth = self.headers.get("Authorization")
                with fake.lock:
                    fake.requests.append((self.path, auth))
                    series = list(fake.series)
                if fake.accept is not None and auth not in fake.accept:
                    return self._send(401, {"status": "error", "errorType": "unauthorized",
                                            "error": "bad credentials"})
                if u.path == "/api/v1/query" and q["query"].startswith("count("):
                    res = [{"metric": {}, "value": [float(q["time"]), str(len(series))]}]
                    return self._send(200, {"status": "success",
                                            "data": {"resultType": "vector", "result": res}})
                if u.path == "/api/v1/query":
                    t = float(q["time"])
                    res = [{"metric": s, "value": [t, "%g" % fake.value(s, t)]} for s in series]
                    return self._send(200, {"status": "success",
                                            "data": {"resultType": "vector", "result": res}})
                if u.path == "/api/v1/query_range":
                    start, end = float(q["start"]), float(q["end"])
                    step = float(q["step"].rstrip("s"))
                    if (end - start) / step + 1 > 11000:
                        return self._send(400, {"status": "error", "errorType": "bad_data",
                                                "error": "exceeded maximum resolution of "
                                                         "11,000 points per timeseries"})
                    ts = []
                    t = start
                    while t <= end:
                        ts.append(t)
                        t += step
                    res = [{"metric": s, "values": [[t, "%g" % fake.value(s, t)] for t in ts]}
                           for s in series]
                    return self._send(200, {"status": "success",
                                            "data": {"resultType": "matrix", "result": res}})
                self._send(404, {"status": "error", "error": "not found"})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def seen(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
