"""Fake log backends on loopback for the log-context tests: Loki query_range, OpenSearch
_search and CloudWatch Logs FilterLogEvents (whose SigV4 signature is checked with botocore's
own signer; a mismatch is answered 403 as AWS does). Each records what it was asked and can be
made slow."""
import hmac
import http.server
import json
import re
import threading
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import fake_http

AWS_KEY = "AKIDEXAMPLE0000TEST"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
OS_API_KEY = "os-api-key-0123456789"

AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r" SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def sigv4_check(method, url, headers, body, region):
    """None when the request is signed right for AWS_KEY/AWS_SECRET, else why not."""
    m = AUTH_RE.match(headers.get("Authorization", ""))
    if not m:
        return "no SigV4 Authorization header"
    if m.group(1) != AWS_KEY or m.group(3) != region or m.group(4) != "logs":
        return "wrong credential scope %s" % m.group(0)[:120]
    signed = m.group(5).split(";")
    for need in ("host", "x-amz-date", "x-amz-target"):
        if need not in signed:
            return "%s is not signed" % need
    req = AWSRequest(method=method, url=url, data=body,
                     headers={n: headers.get(n, "") for n in signed})
    req.context["timestamp"] = headers.get("X-Amz-Date", "")
    signer = SigV4Auth(Credentials(AWS_KEY, AWS_SECRET), "logs", region)
    want = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    return None if hmac.compare_digest(want, m.group(6)) else "signature mismatch"


def now_ms():
    return int(time.time() * 1000)


class FakeLogs:
    """One loopback server for all three backends. `lines` are (offset_ms, level, text):
    when relative to now each line happened (negative = before)."""

    def __init__(self, lines, delay_s=0.0, region="us-east-1", page_size=3):
        self.lines = lines
        self.delay_s = delay_s
        self.region = region
        self.page_size = page_size
        self.requests = []  # (backend, parsed request)
        self.answered = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class H(fake_http.Handler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                with fake.lock:
                    fake.requests.append(("loki", q))
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                fake.answered.set()
                if u.path != "/loki/api/v1/query_range":
                    return self._send(404, {"error": "not found"})
                self._send(200, fake.loki_answer(q))

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                if self.headers.get("X-Amz-Target"):
                    url = "http://%s%s" % (self.headers["Host"], self.path)
                    why = sigv4_check("POST", url, self.headers, body, fake.region)
                    req = json.loads(body or b"{}")
                    with fake.lock:
                        fake.requests.append(("cloudwatch", dict(req, _sig=why)))
                    if why is not None:
                        return self._send(403, {"__type": "InvalidSignatureException",
                                                "message": why})
                    return self._send(200, fake.cw_answer(req))
                req = json.loads(body or b"{}")
                with fake.lock:
                    fake.requests.append(("opensearch", dict(req, _path=self.path,
                                                             _auth=self.headers.get("Authorization"))))
                if self.headers.get("Authorization") != "ApiKey " + OS_API_KEY:
                    return self._send(401, {"error": "missing authentication credentials"})
                self._send(200, fake.os_answer(req))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.t0 = now_ms()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _window(self, start_ms, end_ms):
        out = []
        for off, level, text in self.lines:
            at = self.t0 + off
            if start_ms <= at <= end_ms:
                out.append((at, level, text))
        out.sort(reverse=True)
        return out

    def loki_answer(self, q):
        lines = self._window(int(q["start"]) // 1000000, int(q["end"]) // 1000000)
        streams = {}
        for at, level, text in lines[: int(q.get("limit", 100))]:
            streams.setdefault(level, []).append([str(at * 1000000), text])
        return {"status": "success", "data": {"resultType": "streams", "result": [
            {"stream": {"service": "api", "level": lv}, "values": v} for lv, v in streams.items()]}}

    def os_answer(self, req):
        rng = req["query"]["bool"]["filter"][0]["range"]["@timestamp"]
        lines = self._window(int(rng["gte"]), int(rng["lte"]))[: req.get("size", 10)]
        iso = lambda ms: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".%03dZ" % (ms % 1000)
        return {"hits": {"total": {"value": len(lines)}, "hits": [
            {"_index": "app-1", "_source": {"@timestamp": iso(at), "message": text,
                                            "log": {"level": level}}} for at, level, text in lines]}}

    def cw_answer(self, req):
        lines = self._window(int(req["startTime"]), int(req["endTime"]))
        start = int(req.get("nextToken", "0") or 0)
        page = lines[start:start + self.page_size]
        ans = {"events": [{"timestamp": at, "message": "%s %s" % (level.upper(), text),
                           "logStreamName": "s1"} for at, level, text in page]}
        if start + self.page_size < len(lines):
            ans["nextToken"] = str(start + self.page_size)
        return ans

    def seen(self, backend):
        with self.lock:
            return [r for b, r in self.requests if b == backend]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
