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

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status, text):
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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
