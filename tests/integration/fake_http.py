"""What the fake servers of the integration tests share: a request handler that logs nothing
and answers JSON (or text), and does not fail when the client has given up."""
import http.server
import json


class Handler(http.server.BaseHTTPRequestHandler):
    content_type = "application/json"  # a "text/…" type sends the answer as it is
    compact = False  # JSON without spaces

    def log_message(self, *a):
        pass

    def _send(self, status, obj, headers=None):
        if self.content_type.startswith("text/"):
            data = obj.encode()
        else:
            data = json.dumps(obj, separators=(",", ":") if self.compact else None).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", self.content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (a timeout under test): nothing to tell it
