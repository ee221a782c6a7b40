"""A tiny service for the demo that can be broken three ways and healed by healer's runbooks.

GET  /health              200 "healthy (N replicas)" or 503 "broken: <mode>"
POST /break?mode=M        M = crash | overload | stale-cache
POST /restart             heals crash
POST /scale?count=N       N >= 3 heals overload
POST /flush-cache         does NOT heal stale-cache (the fix that fails verification)
POST /restore-cache       the rollback: puts the cache back as it was (still stale)
GET  /state               JSON of the whole state (for the narrator)

Run standalone with `python3 demo/demo_service.py [port]`, or import and call start()."""
import http.server
import json
import sys
import threading
import urllib.parse

MODES = ("crash", "overload", "stale-cache")


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.mode = None  # None = healthy
        self.replicas = 1
        self.cache = "v1"
        self.log = []  # (method, path) of every request, for the narrator

    def snapshot(self):
        with self.lock:
            return {"mode": self.mode or "healthy", "replicas": self.replicas,
                    "cache": self.cache, "requests": len(self.log)}


def _handler(state):
    class H(http.server.BaseHTTPRequestHandler):
        server_version = "demo-service/1"

        def log_message(self, *a):
            pass

        def _reply(self, status, text, ctype="text/plain"):
            data = (text + ("\n" if ctype == "text/plain" else "")).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            with state.lock:
                state.log.append(("GET", u.path))
                mode, replicas = state.mode, state.replicas
            if u.path == "/health":
                if mode is None:
                    self._reply(200, "healthy (%d replicas)" % replicas)
                else:
                    self._reply(503, "broken: %s" % mode)
            elif u.path == "/state":
                self._reply(200, json.dumps(state.snapshot()), "application/json")
            else:
                self._reply(404, "no such path")

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            u = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(u.query)
            with state.lock:
                state.log.append(("POST", u.path))
                status, text = self._post(u.path, q)
            self._reply(status, text)

        def _post(self, path, q):
            # called with state.lock held
            if path == "/break":
                mode = (q.get("mode") or [""])[0]
                if mode not in MODES:
                    return 400, "mode must be one of %s" % ", ".join(MODES)
                state.mode = mode
                if mode == "stale-cache":
                    state.cache = "v0 (stale)"
                return 200, "broken: %s" % mode
            if path == "/restart":
                if state.mode == "crash":
                    state.mode = None
                return 200, "restarted; now %s" % (state.mode or "healthy")
            if path == "/scale":
                try:
                    count = int((q.get("count") or ["0"])[0])
                except ValueError:
                    return 400, "count must be a number"
                if not 1 <= count <= 20:
                    return 400, "count must be 1..20"
                state.replicas = count
                if state.mode == "overload" and count >= 3:
                    state.mode = None
                return 200, "scaled to %d; now %s" % (count, state.mode or "healthy")
            if path == "/flush-cache":
                # The flush empties the cache, but the stale entries come straight back from
                # the bad upstream: the service stays broken, so verification fails.
                return 200, "cache flushed; still %s" % (state.mode or "healthy")
            if path == "/restore-cache":
                return 200, "cache restored to %s; still %s" % (state.cache, state.mode or "healthy")
            return 404, "no such path"

    return H


def start(port=0):
    """Starts the service on 127.0.0.1:port in a daemon thread. Returns (server, state, url)."""
    state = State()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, name="demo-service", daemon=True).start()
    return srv, state, "http://127.0.0.1:%d" % srv.server_address[1]


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv, _, url = start(port)
    print("demo service on %s" % url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    srv.shutdown()


if __name__ == "__main__":
    main()
